using System.Collections.Immutable;
using GridServer.Abstractions.Notices;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;
using GridServer.Grains.Grids;
using GridServer.Notices;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Notices;

/// <summary>The notices one case step gives: recorded in inboxes with the step, or left in the outbox to be batched once it is durable.</summary>
public sealed record StepNotices(ImmutableArray<NoticeEntry> Inbox, ImmutableArray<NoticeEntry> Outbox)
{
    public static readonly StepNotices None = new([], []);
}

/// <summary>
/// Turns the cues of a case step into rendered notices, one per recipient (<see cref="CaseNoticePlan"/>,
/// <see cref="NoticeRules"/>): what goes to a plain inbox is written with the step; a liaison's or community's alert goes
/// to the outbox, to be batched. After the step is durable, <see cref="HandOn"/> tells the live listeners and carries out
/// the outbox. A template that fails falls back (<see cref="NoticeRenderer"/>); nothing here fails a case's step.
/// </summary>
public sealed partial class CaseNotices(IGrainFactory grains, NoticeRenderer renderer, IGridLocator gridLocator, OutboxRelay relay, ILogger<CaseNotices> logger)
{
    public static string NewId() => "N-" + Guid.NewGuid().ToString("N");

    /// <summary>What notices say of a grid: its name and community as this silo serves it, else its code.</summary>
    public GridLabel Label(string? code) =>
        code is not null && gridLocator.Find(code) is { } grid
            ? new GridLabel(code, grid.Name, grid.CommunityCode, grid.CommunityName ?? grid.CommunityCode ?? "")
            : GridLabel.Unknown(code);

    /// <param name="gridLiaisons">The liaisons of the case's grid, when the caller asked its grid already (else they are asked here, if needed).</param>
    public async Task<StepNotices> ForStepAsync(CaseRecord record, ImmutableArray<CaseCue> cues, ImmutableArray<string>? gridLiaisons = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (cues.IsDefaultOrEmpty) return StepNotices.None;
        var label = Label(record.GridCode);
        var inbox = ImmutableArray.CreateBuilder<NoticeEntry>();
        var outbox = ImmutableArray.CreateBuilder<NoticeEntry>();
        foreach (var cue in cues)
        {
            var (liaisons, webhook) = cue.Kind == CaseCueKind.OpenedInGrid ? await AlertTargetsAsync(record, label, gridLiaisons) : ([], null);
            if (CaseNoticePlan.For(record, cue, label, liaisons, webhook) is not { } planned) continue;
            var recipients = NoticeRules.Recipients(cue.Kind, planned.Parties);
            if (recipients.IsEmpty) continue;
            var rendering = renderer.Render(planned.Model);
            if (rendering.Error is { } error) LogFellBack(logger, record.Id, NoticeKinds.FileStem(planned.Model.Kind), rendering.Source, error.ToString());
            foreach (var recipient in recipients)
            {
                var notice = new NoticeEntry(NewId(), recipient.Inbox, recipient.Channel, NoticeKinds.FileStem(recipient.Kind), [record.Id],
                    record.GridCode is { } grid ? [grid] : [], rendering.Text, TemplateName(rendering.Source), cue.At, "recorded",
                    label.CommunityCode is { } community ? [community] : []);
                (NoticeInboxes.IsBatched(recipient.Inbox) ? outbox : inbox).Add(notice);
            }
        }
        return new StepNotices(inbox.ToImmutable(), outbox.ToImmutable());
    }

    /// <summary>社区联络员提醒 goes to the liaisons of the grid and of its community, and to the community's webhook.</summary>
    private async Task<(ImmutableArray<string> Liaisons, string? Webhook)> AlertTargetsAsync(CaseRecord record, GridLabel label, ImmutableArray<string>? gridLiaisons)
    {
        if (record.GridCode is not { } grid) return ([], null);
        var liaisons = gridLiaisons ?? (await grains.Get<Abstractions.Grids.IGridCellGrain>(grid).GetResponsibilityAsync()).Liaisons;
        if (label.CommunityCode is not { } community) return (liaisons, null);
        // One call answers both: a community without a webhook costs the case nothing more than its liaisons did.
        var targets = await grains.Get<ICommunityGrain>(community).GetAlertTargetsAsync();
        return (liaisons.AddRange(targets.Liaisons), targets.HasWebhook ? community : null);
    }

    /// <summary>
    /// After the step is durable: the live listeners of each inbox hear of its notices, and the outbox's alerts go to their
    /// batches. Neither is waited for; a batch that cannot be reached now is reached later by the outbox relay.
    /// </summary>
    public void HandOn(StepNotices notices)
    {
        ArgumentNullException.ThrowIfNull(notices);
        foreach (var group in notices.Inbox.GroupBy(n => n.Recipient, StringComparer.Ordinal))
        {
            try
            {
                _ = grains.Get<INoticeInboxGrain>(group.Key).PushAsync([.. group.Select(NoticeRecord.From)]);
            }
            catch (Exception e)   // fanning out to live listeners: the notices are recorded whatever happens here
            {
                LogPushFailed(logger, e, group.Key);
            }
        }
        foreach (var alert in notices.Outbox) relay.CarryOut(alert);
    }

    /// <summary>
    /// The template as a notice names it to its reader: a file by its name (dispatch.parking.scriban), never the
    /// server's path to it; a module's or the built-in template by its source name.
    /// </summary>
    public static string TemplateName(string source) => Path.IsPathRooted(source) ? Path.GetFileName(source) : source;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: the {Kind} notice fell back to {Source}: {Error}")]
    private static partial void LogFellBack(ILogger logger, string caseId, string kind, string source, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox {Inbox}: telling its live listeners failed; the notices are recorded")]
    private static partial void LogPushFailed(ILogger logger, Exception exception, string inbox);
}
