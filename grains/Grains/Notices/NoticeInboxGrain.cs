using System.Collections.Immutable;
using GridServer.Abstractions.Notices;
using GridServer.Domain.Notices;
using GridServer.Notices;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Notices;

/// <summary>
/// One recipient's inbox: reads and marks what the notice store keeps for it, records the notices handed to it, and
/// tells its live listeners. It keeps nothing but the listeners, so activating it costs no read: a case's step pushes
/// to it after writing its notices with the step itself.
/// </summary>
public sealed partial class NoticeInboxGrain(INoticeStore store, TimeProvider siloTime, ILogger<NoticeInboxGrain> logger) : Grain, INoticeInboxGrain
{
    /// <summary>A live subscription lasts this long unless renewed (silo time: it is about the connection, not the domain).</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(3);

    private readonly ObserverSubscriptions<INoticeInboxObserver> _observers = new();

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An inbox kept by an older server as grain state: its notices move to the store once, its waiting alerts to the batch.
        if (await LegacyInboxState.TakeAsync(ServiceProvider, this.GetGrainId()) is { } legacy)
        {
            await store.RecordAsync([.. legacy.Notices.Select(n => n.ToEntry(Key))], cancellationToken);
            foreach (var waiting in legacy.Waiting) await GrainFactory.GetGrain<IAlertBatchGrain>(Key).AddAsync(NoticeRecord.From(waiting.ToEntry(Key)));
        }
    }

    public async ValueTask DeliverAsync(NoticeRecord notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (NoticeInboxes.IsBatched(Key))
        {
            await GrainFactory.GetGrain<IAlertBatchGrain>(Key).AddAsync(notice);
            return;
        }
        // A reporting channel reads its own cases' status and nothing else, whoever sends what.
        if (NoticeInboxes.IsReporter(Key) && notice.Kind != NoticeKinds.FileStem(NoticeKind.ReporterStatus))
        {
            LogRefused(logger, notice.NoticeId, notice.Kind, string.Join(",", notice.GridCodes.IsDefault ? [] : notice.GridCodes), Key);
            return;
        }
        var recorded = notice with { Recipient = Key };
        await store.RecordAsync([recorded.ToEntry()]);
        Tell([recorded]);
    }

    public Task PushAsync(ImmutableArray<NoticeRecord> notices)
    {
        if (!notices.IsDefaultOrEmpty) Tell(notices);
        return Task.CompletedTask;
    }

    private void Tell(ImmutableArray<NoticeRecord> notices)
    {
        foreach (var observer in _observers.Live(siloTime.GetUtcNow()))
        {
            foreach (var notice in notices)
            {
                try
                {
                    _ = observer.RecordedAsync(notice);
                }
                catch (Exception e)   // fanning out: one gone listener never stops the others
                {
                    LogNotifyFailed(logger, e, Key);
                }
            }
        }
    }

    public ValueTask FlushAsync() =>
        NoticeInboxes.IsBatched(Key) ? GrainFactory.GetGrain<IAlertBatchGrain>(Key).FlushAsync() : ValueTask.CompletedTask;

    public async ValueTask<NoticePage> GetAsync(int offset, int limit)
    {
        var slice = await store.PageAsync(Key, offset, limit);
        var waiting = NoticeInboxes.IsBatched(Key) ? await GrainFactory.GetGrain<IAlertBatchGrain>(Key).WaitingAsync() : 0;
        return new NoticePage(slice.Total, [.. slice.Notices.Select(NoticeRecord.From)], waiting, slice.Unread);
    }

    public async ValueTask<int?> MarkReadAsync(string noticeId) => await store.MarkReadAsync(Key, noticeId);

    public ValueTask<bool> SubscribeAsync(INoticeInboxObserver observer, string subscriber)
    {
        var now = siloTime.GetUtcNow();
        if (!_observers.TrySubscribe(observer, subscriber, now + SubscriptionLifetime, now, INoticeInboxGrain.MaxStreamsPerSubscriber, INoticeInboxGrain.MaxStreams))
            return ValueTask.FromResult(false);
        // Subscriptions live in memory: the inbox stays active while someone listens, so none is lost to idle collection.
        this.DelayDeactivation(SubscriptionLifetime);
        return ValueTask.FromResult(true);
    }

    public ValueTask UnsubscribeAsync(INoticeInboxObserver observer)
    {
        _observers.Unsubscribe(observer);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} ({Kind}, grids {Grids}) refused by {Inbox}: a reporting channel receives only the status of its own cases")]
    private static partial void LogRefused(ILogger logger, string noticeId, string kind, string grids, string inbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox {Inbox}: telling a live stream failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string inbox);
}
