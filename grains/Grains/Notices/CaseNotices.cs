using System.Collections.Immutable;
using GridServer.Abstractions.Notices;
using GridServer.Notices;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Notices;

/// <summary>
/// Renders a case's notice once and hands it to each recipient's inbox without waiting: a rendering problem falls
/// back to a default template (<see cref="NoticeRenderer"/>), and a delivery failure is logged, never the case's failure.
/// </summary>
/// <remarks>
/// Fire-and-forget rather than a one-way call: the case does not wait for inboxes (nor for a liaison's scope check),
/// yet a failed delivery still comes back here, is tried again a few times (<see cref="NoticeRetry"/>), and is logged
/// with the notice, recipient and case when it never arrives.
/// </remarks>
public sealed partial class CaseNotices(IGrainFactory grains, NoticeRenderer renderer, ILogger logger, TimeProvider? time = null)
{
    public const string InboxChannel = NoticeChannels.Inbox;

    public static string NewId() => "N-" + Guid.NewGuid().ToString("N");

    /// <summary>Sends <paramref name="model"/> to everyone the rule names for <paramref name="caseEvent"/>.</summary>
    public void Send(CaseNoticeEvent caseEvent, CaseParties parties, INoticeModel model, string? gridCode, string? communityCode, DateTimeOffset at)
    {
        var recipients = NoticeRules.Recipients(caseEvent, parties);
        if (recipients.IsEmpty) return;
        var rendering = renderer.Render(model);
        if (rendering.Error is { } error) LogFellBack(logger, model.CaseId, NoticeKinds.FileStem(model.Kind), rendering.Source, error.ToString());
        foreach (var recipient in recipients)
        {
            var notice = new NoticeRecord(NewId(), recipient.Inbox, recipient.Channel, NoticeKinds.FileStem(recipient.Kind), [model.CaseId],
                gridCode is null ? ImmutableArray<string>.Empty : [gridCode], rendering.Text, TemplateName(rendering.Source), at, "recorded",
                communityCode is null ? ImmutableArray<string>.Empty : [communityCode]);
            _ = DeliverAsync(notice);
        }
    }

    /// <summary>
    /// The template as a notice names it to its reader: a file by its name (dispatch.parking.scriban), never the
    /// server's path to it; a module's or the built-in template by its source name.
    /// </summary>
    public static string TemplateName(string source) => Path.IsPathRooted(source) ? Path.GetFileName(source) : source;

    private async Task DeliverAsync(NoticeRecord notice)
    {
        // Fanning out to inboxes: the case stands whatever one inbox does. A few tries with growing waits (wall time: it
        // is about the inbox's silo, not the domain), then logged; the inbox ignores a notice id it already holds.
        var failure = await NoticeRetry.RunAsync(() => grains.GetGrain<INoticeInboxGrain>(notice.Recipient).DeliverAsync(notice).AsTask(),
            NoticeRetry.Delays, time ?? TimeProvider.System,
            (e, attempt) => LogRetrying(logger, e, notice.NoticeId, notice.Recipient, attempt));
        if (failure is not null) LogDeliveryFailed(logger, failure, notice.NoticeId, notice.Kind, notice.Recipient, notice.CaseIds[0]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: the {Kind} notice fell back to {Source}: {Error}")]
    private static partial void LogFellBack(ILogger logger, string caseId, string kind, string source, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notice {NoticeId} to {Recipient}: attempt {Attempt} failed; trying again")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string noticeId, string recipient, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} ({Kind}) to {Recipient} about case {CaseId} was not delivered")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string noticeId, string kind, string recipient, string caseId);
}
