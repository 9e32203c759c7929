using System.Collections.Immutable;

namespace GridServer.Notices;

/// <summary>What happened to a case that someone must hear of.</summary>
public enum CaseNoticeEvent
{
    /// <summary>The case was dispatched (or transferred) to an officer.</summary>
    Dispatched,

    /// <summary>The accept deadline is near and the officer holding the case has not accepted.</summary>
    AcceptDeadlineNear,

    /// <summary>A deadline was missed: the case went under supervision (督办).</summary>
    Escalated,

    /// <summary>A new case opened in a grid.</summary>
    OpenedInGrid,

    /// <summary>The case was closed.</summary>
    Closed,

    /// <summary>A duty module named a party responsible beyond the grid (a shop for its frontage) that is to be told.</summary>
    PartyNamed,
}

/// <summary>The people a case's notice may go to, as the case knows them when the event happens.</summary>
/// <param name="OfficerId">The officer holding the case, or null.</param>
/// <param name="SquadLeaderId">The leader of the case's squad, or null.</param>
/// <param name="Liaisons">The liaisons of the case's grid.</param>
/// <param name="Party">The responsible party a module named, as "&lt;kind&gt;/&lt;id&gt;" ("shops/S-0012"), or null.</param>
public sealed record CaseParties(string? OfficerId, string? SquadLeaderId, ImmutableArray<string> Liaisons, string? Party = null);

/// <summary>One notice to send: to whose inbox (<see cref="NoticeInboxes"/>), of which kind.</summary>
public readonly record struct NoticeRecipient(string Inbox, NoticeKind Kind);

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

    /// <summary>The liaison id of a liaison's inbox key, or null for any other inbox.</summary>
    public static string? LiaisonOf(string inbox) => inbox.StartsWith("liaison:", StringComparison.Ordinal) ? inbox["liaison:".Length..] : null;
}

/// <summary>Which case event notifies whom with which kind. Plain rules; the case grain asks and sends.</summary>
public static class NoticeRules
{
    public static ImmutableArray<NoticeRecipient> Recipients(CaseNoticeEvent caseEvent, CaseParties parties)
    {
        ArgumentNullException.ThrowIfNull(parties);
        return caseEvent switch
        {
            CaseNoticeEvent.Dispatched => Officer(parties, NoticeKind.Dispatch),
            CaseNoticeEvent.AcceptDeadlineNear => Officer(parties, NoticeKind.AcceptWarning),
            CaseNoticeEvent.Closed => Officer(parties, NoticeKind.Closure),
            // The command center always hears of a missed deadline; the squad leader when the squad has one.
            CaseNoticeEvent.Escalated => parties.SquadLeaderId is { } leader
                ? [new(NoticeInboxes.Officer(leader), NoticeKind.Escalation), new(NoticeInboxes.CommandCenter, NoticeKind.Escalation)]
                : [new(NoticeInboxes.CommandCenter, NoticeKind.Escalation)],
            // 属地原则: the liaisons of the case's own grid, and nobody else.
            CaseNoticeEvent.PartyNamed => parties.Party is { } party ? [new(NoticeInboxes.Party(party), NoticeKind.PartyNotice)] : [],
            CaseNoticeEvent.OpenedInGrid => [.. parties.Liaisons.Distinct(StringComparer.Ordinal)
                .Select(l => new NoticeRecipient(NoticeInboxes.Liaison(l), NoticeKind.LiaisonAlert))],
            _ => throw new ArgumentOutOfRangeException(nameof(caseEvent), caseEvent, "not a case notice event"),
        };
    }

    private static ImmutableArray<NoticeRecipient> Officer(CaseParties parties, NoticeKind kind) =>
        parties.OfficerId is { } officer ? [new(NoticeInboxes.Officer(officer), kind)] : [];
}

/// <summary>
/// Batching of a liaison's alerts: at most one message per interval. The first alert goes out at once and opens
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
