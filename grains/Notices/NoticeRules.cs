using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;

namespace GridServer.Notices;

/// <summary>The people a case's notice may go to, as the case knows them when the event happens.</summary>
/// <param name="OfficerId">The officer holding the case, or null.</param>
/// <param name="SquadLeaderId">The leader of the case's squad, or null.</param>
/// <param name="Liaisons">The liaisons of the case's grid.</param>
/// <param name="WebhookCommunity">The case's community when that community has a webhook, or null.</param>
/// <param name="ReportingChannel">The credential subject of the reporting channel (Open311 api_key) the case came through, or null.</param>
/// <param name="Party">The responsible party a module named, as "&lt;kind&gt;/&lt;id&gt;" ("shops/S-0012"), or null.</param>
public sealed record CaseParties(string? OfficerId, string? SquadLeaderId, ImmutableArray<string> Liaisons, string? WebhookCommunity = null,
    string? ReportingChannel = null, string? Party = null);

/// <summary>One notice to send: to whose inbox (<see cref="NoticeInboxes"/>), of which kind, over which channel.</summary>
public readonly record struct NoticeRecipient(string Inbox, NoticeKind Kind, NoticeChannel Channel = NoticeChannel.Inbox);

/// <summary>
/// Inbox keys. Roles have inboxes of their own, so an officer and a liaison that happen to share an id never
/// read each other's notices.
/// </summary>
public static class NoticeInboxes
{
    /// <summary>The command center's one inbox, read by every dispatcher.</summary>
    public const string CommandCenter = "command-center";

    public static string Officer(string officerId) => "officer:" + officerId;

    public static string Liaison(string liaisonId) => "liaison:" + liaisonId;

    /// <summary>The inbox of a party responsible beyond a grid ("shops/S-0012"): its notices, read by the command center.</summary>
    public static string Party(string party) => "party:" + party;

    /// <summary>A community's record of what went to its webhook: batched like a liaison's alerts, then posted.</summary>
    public static string Community(string communityCode) => "community:" + communityCode;

    /// <summary>A reporting channel's inbox (its credential's subject): the status of the cases it reported, nothing else.</summary>
    public static string Reporter(string channelSubject) => "reporter:" + channelSubject;

    /// <summary>Whether an inbox is a reporting channel's.</summary>
    public static bool IsReporter(string inbox) => inbox.StartsWith("reporter:", StringComparison.Ordinal);

    /// <summary>The liaison id of a liaison's inbox key, or null for any other inbox.</summary>
    public static string? LiaisonOf(string inbox) => inbox.StartsWith("liaison:", StringComparison.Ordinal) ? inbox["liaison:".Length..] : null;

    /// <summary>The community code of a community's inbox key, or null for any other inbox.</summary>
    public static string? CommunityOf(string inbox) => inbox.StartsWith("community:", StringComparison.Ordinal) ? inbox["community:".Length..] : null;

    /// <summary>Whether an inbox combines its alerts to one message per window (<see cref="LiaisonBatching"/>): a liaison's and a community's.</summary>
    public static bool IsBatched(string inbox) => LiaisonOf(inbox) is not null || CommunityOf(inbox) is not null;
}

/// <summary>Which case event notifies whom with which kind. Plain rules; the case grain asks and sends.</summary>
public static class NoticeRules
{
    public static ImmutableArray<NoticeRecipient> Recipients(CaseCueKind caseEvent, CaseParties parties)
    {
        ArgumentNullException.ThrowIfNull(parties);
        return caseEvent switch
        {
            CaseCueKind.Dispatched => Officer(parties, NoticeKind.Dispatch),
            CaseCueKind.AcceptDeadlineNear => Officer(parties, NoticeKind.AcceptWarning),
            CaseCueKind.Closed => Officer(parties, NoticeKind.Closure),
            // The command center always hears of a missed deadline; the squad leader when the squad has one.
            CaseCueKind.Escalated => parties.SquadLeaderId is { } leader
                ? [new(NoticeInboxes.Officer(leader), NoticeKind.Escalation), new(NoticeInboxes.CommandCenter, NoticeKind.Escalation)]
                : [new(NoticeInboxes.CommandCenter, NoticeKind.Escalation)],
            CaseCueKind.PartyNamed => parties.Party is { } party ? [new(NoticeInboxes.Party(party), NoticeKind.PartyNotice)] : [],
            // 属地原则: the liaisons of the case's own grid and community, and the community's webhook, nobody else.
            CaseCueKind.OpenedInGrid => [.. (parties.Liaisons.IsDefault ? [] : parties.Liaisons).Distinct(StringComparer.Ordinal)
                .Select(l => new NoticeRecipient(NoticeInboxes.Liaison(l), NoticeKind.LiaisonAlert)),
                .. parties.WebhookCommunity is { } community
                    ? [new NoticeRecipient(NoticeInboxes.Community(community), NoticeKind.LiaisonAlert, NoticeChannel.Webhook)]
                    : ImmutableArray<NoticeRecipient>.Empty],
            // Only the channel the case came through; a case entered by staff has none.
            // A duplicate's reporter hears of the case that handled their report through the channel of the duplicate.
            CaseCueKind.ReporterStep or CaseCueKind.DuplicateTold => parties.ReportingChannel is { } channel
                ? [new(NoticeInboxes.Reporter(channel), NoticeKind.ReporterStatus)]
                : [],
            _ => throw new ArgumentOutOfRangeException(nameof(caseEvent), caseEvent, "not a case notice event"),
        };
    }

    private static ImmutableArray<NoticeRecipient> Officer(CaseParties parties, NoticeKind kind) =>
        parties.OfficerId is { } officer ? [new(NoticeInboxes.Officer(officer), kind)] : [];
}

/// <summary>
/// Batching of a liaison's alerts, and of a community's webhook messages: at most one message per interval. The first alert goes out at once and opens
/// a window; alerts inside the window wait and go out together when it ends, which opens the next window.
/// </summary>
public static class LiaisonBatching
{
    /// <summary>True when an alert arriving at <paramref name="now"/> must wait for the window that ends at <paramref name="windowEndsAt"/>.</summary>
    public static bool MustWait(DateTimeOffset? windowEndsAt, DateTimeOffset now) => windowEndsAt is { } end && now < end;

    /// <summary>The combined message of the alerts gathered in one window, oldest first.</summary>
    public static string Combine(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts.Count == 1 ? texts[0] : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{texts.Count} 条新案件（合并提醒）:\n\n") + string.Join("\n\n", texts);
    }
}

/// <summary>
/// What a reporter is told of their case: a public status and note per state, fixed here (never what staff wrote). The
/// steps on which the reporting channel is sent a notice are the domain's (CaseSteps.ReporterHearsOf).
/// </summary>
public static class ReporterStatusRules
{
    /// <summary>The reporter-facing status and note of a case in <paramref name="state"/>.</summary>
    /// <param name="located">False while the case is in no grid (a report with only an address, or outside every grid).</param>
    /// <param name="rework">True on the rework step: the note says why the case is back in hand.</param>
    /// <param name="duplicateOf">For a duplicate (重复件): the case that handles the same problem.</param>
    public static (string Status, string? Note) Describe(CaseState state, bool located, bool rework = false, string? duplicateOf = null) => rework
        ? ("处理中", "处理结果未通过核查，正在返工。")
        : state switch
        {
            CaseState.Duplicate => ("已受理", $"与案件 {duplicateOf} 反映的是同一问题，已并入该案件一并处理，办结时将告知您。"),
            CaseState.Reported or CaseState.Registered when !located => ("已受理", "指挥中心正在确定位置。"),
            CaseState.Reported or CaseState.Registered => ("已受理", "正在派遣。"),
            CaseState.Returned => ("已受理", "指挥中心正在派遣至责任单位。"),
            CaseState.Dispatched => ("已派遣", "已派遣至责任单位。"),
            CaseState.Accepted => ("处理中", "责任单位已接手。"),
            CaseState.Handling => ("处理中", "正在现场处置。"),
            CaseState.Parked => ("处理中", "暂时无法在时限内解决，持续跟踪中。"),
            CaseState.FeedbackGiven or CaseState.Verifying or CaseState.Verified => ("处理中", "已处置，正在核查结果。"),
            CaseState.Closed => ("已办结", null),
            CaseState.Void => ("不予立案", "经核实不属于受理范围。"),
            _ => ("处理中", null),
        };

    /// <summary>What a duplicate's reporter hears when case <paramref name="caseId"/>, which handled their report, ended in <paramref name="state"/>.</summary>
    public static (string Status, string? Note) DescribeEnded(string caseId, CaseState state) => state == CaseState.Closed
        ? ("已办结", $"您反映的问题与案件 {caseId} 相同，已随该案件办结。")
        : ("不予立案", $"您反映的问题与案件 {caseId} 相同，该案件经核实不属于受理范围。");
}
