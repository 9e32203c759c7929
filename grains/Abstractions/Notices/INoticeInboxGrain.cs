using System.Collections.Immutable;
using GridServer.Domain.Notices;
using Orleans.Concurrency;

namespace GridServer.Abstractions.Notices;

/// <summary>
/// One notice as recorded in its recipient's inbox. A combined liaison message (several alerts of one window)
/// names every case and grid it covers; a single notice names one of each (or no grid).
/// </summary>
/// <param name="NoticeId">"N-" and 32 hex digits.</param>
/// <param name="Recipient">The inbox key: "officer:{id}", "liaison:{id}", "community:{code}" or "command-center".</param>
/// <param name="Channel">How it reaches the person: the inbox (read over <c>GET /api/inbox</c> and its live stream), or the
/// webhook (a community's message, posted to its webhook).</param>
/// <param name="Kind">The notice kind's file stem: "dispatch", "accept-warning", "escalation", "liaison-alert", "closure".</param>
/// <param name="Text">The rendered text.</param>
/// <param name="TemplateSource">The template that made the text (a file path, "built-in:…", "plain", or several for a combined message).</param>
/// <param name="At">When it was recorded (domain time).</param>
/// <param name="Delivery">"recorded" (in the inbox); for a community's webhook message "queued" (handed to the webhook's
/// queue), "no-target", "dead-lettered" or "failed".</param>
/// <param name="CommunityCodes">The community of each grid, where known: a liaison assigned the community may see it.</param>
[GenerateSerializer, Immutable, Alias("notice.entry")]
public sealed record NoticeRecord(
    [property: Id(0)] string NoticeId,
    [property: Id(1)] string Recipient,
    [property: Id(2)] NoticeChannel Channel,
    [property: Id(3)] string Kind,
    [property: Id(4)] ImmutableArray<string> CaseIds,
    [property: Id(5)] ImmutableArray<string> GridCodes,
    [property: Id(6)] string Text,
    [property: Id(7)] string TemplateSource,
    [property: Id(8)] DateTimeOffset At,
    [property: Id(9)] string Delivery,
    [property: Id(10)] ImmutableArray<string> CommunityCodes)
{
    public static NoticeRecord From(NoticeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.NoticeId, entry.Recipient, entry.Channel, entry.Kind, entry.CaseIds, entry.GridCodes, entry.Text, entry.TemplateSource,
            entry.At, entry.Delivery, entry.CommunityCodes);
    }

    public NoticeEntry ToEntry() => new(NoticeId, Recipient, Channel, Kind, CaseIds.IsDefault ? [] : CaseIds, GridCodes.IsDefault ? [] : GridCodes,
        Text, TemplateSource, At, Delivery, CommunityCodes.IsDefault ? [] : CommunityCodes);
}

/// <summary>
/// A page of an inbox, newest first; how many notices it keeps in all, how many alerts wait to go out combined, and how
/// many of those kept are unread (the newest <see cref="Unread"/>: reading is marked up to a notice).
/// </summary>
[GenerateSerializer, Immutable, Alias("notice.page")]
public sealed record NoticePage([property: Id(0)] int Total, [property: Id(1)] ImmutableArray<NoticeRecord> Notices, [property: Id(2)] int Waiting,
    [property: Id(3)] int Unread = 0);

/// <summary>A live listener of one inbox (a server-sent-event stream on some silo).</summary>
[Alias("notice.inbox-observer")]
public interface INoticeInboxObserver : IGrainObserver
{
    /// <summary>A notice was recorded. One-way: a slow or gone listener never holds the inbox up.</summary>
    [OneWay, Alias("recorded")] Task RecordedAsync(NoticeRecord notice);
}

/// <summary>
/// One recipient's inbox: its notices as the notice store keeps them, and its live listeners. Key: the inbox key,
/// "officer:{officerId}", "liaison:{liaisonId}", "community:{communityCode}" (what went to the community's webhook),
/// "reporter:{channel}", "party:{kind}/{id}" or the command center's fixed "command-center". It holds no state of its own:
/// case notices are written with their case's step, and a liaison's or community's alerts wait in its
/// <see cref="IAlertBatchGrain"/>. Shows the latest <c>MaxKept</c> notices.
/// </summary>
[Alias("notice.inbox")]
public interface INoticeInboxGrain : IGrainWithStringKey
{
    public const int MaxKept = INoticeStore.MaxKept;

    /// <summary>
    /// Records a notice and tells the live listeners. A liaison's or community's alert goes to its batch (it may wait to go
    /// out combined with others of its window; one of grids the liaison does not watch is refused and logged); a
    /// reporting channel's inbox takes only reporter-status notices.
    /// </summary>
    [Alias("deliver")] ValueTask DeliverAsync(NoticeRecord notice);

    /// <summary>Notices recorded elsewhere (with a case's step): tells the live listeners. One-way: the step never waits for them.</summary>
    [OneWay, Alias("push")] Task PushAsync(ImmutableArray<NoticeRecord> notices);

    /// <summary>Sends a liaison's gathered alerts when their window has ended; does nothing otherwise.</summary>
    [Alias("flush")] ValueTask FlushAsync();

    /// <summary>Newest first: skips <paramref name="offset"/>, then at most <paramref name="limit"/>.</summary>
    [Alias("page")] ValueTask<NoticePage> GetAsync(int offset, int limit);

    /// <summary>
    /// Marks the notice and every older one read; answers how many stay unread, or null when the inbox keeps no notice
    /// with that id. Marking an older notice than the mark already reaches changes nothing.
    /// </summary>
    [Alias("mark-read")] ValueTask<int?> MarkReadAsync(string noticeId);

    /// <summary>
    /// Live listening for a few minutes; renew before it lapses. False, and nothing subscribed, when
    /// <paramref name="subscriber"/> (a credential) already has <see cref="MaxStreamsPerSubscriber"/> live streams on this
    /// inbox, or the inbox <see cref="MaxStreams"/>; a renewal of a live subscription is always taken.
    /// </summary>
    [Alias("listen")] ValueTask<bool> SubscribeAsync(INoticeInboxObserver observer, string subscriber);

    /// <summary>Live streams one credential may hold on one inbox (a phone and a few console tabs).</summary>
    public const int MaxStreamsPerSubscriber = 4;

    /// <summary>Live streams one inbox serves (the command center's is shared by every dispatcher).</summary>
    public const int MaxStreams = 256;

    [Alias("unsubscribe")] ValueTask UnsubscribeAsync(INoticeInboxObserver observer);
}

/// <summary>
/// A liaison's or a community's alerts, combined to at most one message per window (<c>LiaisonBatching</c>): the first goes
/// out at once, the rest of the window's together when it ends; a community's messages then go to its webhook. Key: the
/// inbox key, "liaison:{liaisonId}" or "community:{communityCode}". Only alerts of the liaison's (community's) own grids
/// are taken; anything else is refused and logged.
/// </summary>
[Alias("notice.alert-batch")]
public interface IAlertBatchGrain : IGrainWithStringKey
{
    /// <summary>Takes an alert; one already taken (the same notice id) is taken once.</summary>
    [Alias("add")] ValueTask AddAsync(NoticeRecord alert);

    /// <summary>Sends the gathered alerts when their window has ended; does nothing otherwise.</summary>
    [Alias("flush")] ValueTask FlushAsync();

    /// <summary>How many alerts wait for their window to end.</summary>
    [Alias("waiting")] ValueTask<int> WaitingAsync();
}
