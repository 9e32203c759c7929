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
/// yet a failed delivery still comes back here and is logged with the notice, recipient and case.
/// </remarks>
public sealed partial class CaseNotices(IGrainFactory grains, NoticeRenderer renderer, ILogger logger)
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
        try
        {
            await grains.GetGrain<INoticeInboxGrain>(notice.Recipient).DeliverAsync(notice);
        }
        catch (Exception e)   // fanning out to inboxes: the case stands whatever one inbox does
        {
            LogDeliveryFailed(logger, e, notice.NoticeId, notice.Kind, notice.Recipient, notice.CaseIds[0]);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: the {Kind} notice fell back to {Source}: {Error}")]
    private static partial void LogFellBack(ILogger logger, string caseId, string kind, string source, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} ({Kind}) to {Recipient} about case {CaseId} was not delivered")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string noticeId, string kind, string recipient, string caseId);
}
