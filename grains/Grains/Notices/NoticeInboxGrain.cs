using System.ComponentModel.DataAnnotations;
using GridServer.Abstractions.Notices;
using GridServer.Abstractions.Personnel;
using GridServer.Abstractions.Webhooks;
using GridServer.Notices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GridServer.Grains.Notices;

/// <summary>Where notice templates come from and how notices are delivered. Section <c>GridServer:Notices</c>.</summary>
public sealed class NoticeOptions
{
    public const string Section = "GridServer:Notices";

    /// <summary>The folder of notice templates, watched for edits; null: <c>templates</c> beside the server's executable.</summary>
    public string? TemplatesFolder { get; set; }

    /// <summary>The folder the server reads: <see cref="TemplatesFolder"/>, or <c>templates</c> beside the executable.</summary>
    public string ResolvedTemplatesFolder => string.IsNullOrWhiteSpace(TemplatesFolder) ? Path.Combine(AppContext.BaseDirectory, "templates") : TemplatesFolder;

    /// <summary>A liaison gets at most one message per this interval; alerts inside it go out combined when it ends.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "GridServer:Notices:LiaisonBatchInterval must lie between 00:00:01 and 1.00:00:00")]
    public TimeSpan LiaisonBatchInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Persisted state of an inbox: the notices kept (oldest first) and a liaison's alerts waiting for their window to end.</summary>
[GenerateSerializer, Alias("notice.inbox-state")]
public sealed class NoticeInboxState
{
    [Id(0)] public List<NoticeRecord> Notices { get; set; } = [];
    [Id(1)] public List<NoticeRecord> Waiting { get; set; } = [];
    [Id(2)] public DateTimeOffset? WindowEndsAt { get; set; }

    /// <summary>How many notices have dropped off the front of <see cref="Notices"/> since the inbox began.</summary>
    [Id(3)] public long Dropped { get; set; }

    /// <summary>Notices read, counted from the inbox's first notice ever (dropped ones included): the read-up-to mark.</summary>
    [Id(4)] public long ReadThrough { get; set; }

    /// <summary>Of the notices kept, how many are newer than the read-up-to mark.</summary>
    public int Unread => (int)Math.Min(Notices.Count, Math.Max(0, Dropped + Notices.Count - ReadThrough));
}

/// <summary>
/// One recipient's inbox: records notices (the latest <see cref="INoticeInboxGrain.MaxKept"/>), pushes each to the live
/// streams open for the recipient on any silo, and combines a liaison's alerts to one message per window. A community's
/// inbox (<c>community:{code}</c>) batches the same way and hands each message it records to the community's webhook.
/// </summary>
/// <remarks>
/// The window's end is timed on the domain clock (<see cref="GrainClock"/>), so tests move time instead of waiting.
/// The timer is in memory; the waiting alerts are persisted, and a new activation sends them when their window is over.
/// </remarks>
public sealed partial class NoticeInboxGrain(
    [PersistentState("inbox", GrainStorage.Personnel)] IPersistentState<NoticeInboxState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    TimeProvider siloTime,
    IOptions<NoticeOptions> options,
    ILogger<NoticeInboxGrain> logger) : Grain, INoticeInboxGrain
{
    /// <summary>A live subscription lasts this long unless renewed (silo time: it is about the connection, not the domain).</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(3);

    private readonly ObserverSubscriptions<INoticeInboxObserver> _observers = new();
    private ITimer? _flushTimer;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Waiting.Count > 0) await FlushAsync();
        ScheduleFlush();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flushTimer?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The state before a step, to put back when its write fails: memory never runs ahead of the store, so a retried delivery records the notice.</summary>
    private sealed record Saved(List<NoticeRecord> Notices, List<NoticeRecord> Waiting, DateTimeOffset? WindowEndsAt, long Dropped);

    private async ValueTask StepAsync(Func<Task> step)
    {
        var s = state.State;
        var saved = new Saved([.. s.Notices], [.. s.Waiting], s.WindowEndsAt, s.Dropped);
        try
        {
            await step();
        }
        catch
        {
            (s.Notices, s.Waiting, s.WindowEndsAt, s.Dropped) = (saved.Notices, saved.Waiting, saved.WindowEndsAt, saved.Dropped);
            throw;
        }
    }

    public ValueTask DeliverAsync(NoticeRecord notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        return StepAsync(() => DeliverNowAsync(notice));
    }

    private async Task DeliverNowAsync(NoticeRecord notice)
    {
        // A delivery tried again after its answer was lost: the notice is here already.
        if (state.State.Notices.Exists(n => n.NoticeId == notice.NoticeId) || state.State.Waiting.Exists(n => n.NoticeId == notice.NoticeId)) return;
        if (NoticeInboxes.IsReporter(Key))
        {
            // A reporting channel reads its own cases' status and nothing else, whoever sends what.
            if (notice.Kind == NoticeKinds.FileStem(NoticeKind.ReporterStatus)) await RecordAsync(notice);
            else LogRefused(logger, notice.NoticeId, notice.Kind, string.Join(",", notice.GridCodes), Key);
            return;
        }
        if (!NoticeInboxes.IsBatched(Key))
        {
            await RecordAsync(notice);
            return;
        }
        // A liaison sees the alerts of their own grids and nothing else, whoever sends what; a community's webhook the
        // alerts of its own grids.
        if (notice.Kind != NoticeKinds.FileStem(NoticeKind.LiaisonAlert)
            || !(NoticeInboxes.LiaisonOf(Key) is { } liaison ? await WatchesAllAsync(liaison, notice) : IsOfCommunity(NoticeInboxes.CommunityOf(Key)!, notice)))
        {
            LogRefused(logger, notice.NoticeId, notice.Kind, string.Join(",", notice.GridCodes), Key);
            return;
        }
        var now = time.GetUtcNow();
        if (state.State.Waiting.Count > 0 && !LiaisonBatching.MustWait(state.State.WindowEndsAt, now)) await FlushNowAsync();
        if (LiaisonBatching.MustWait(state.State.WindowEndsAt, now))
        {
            state.State.Waiting.Add(notice);
            await state.WriteStateAsync();
            ScheduleFlush();
            return;
        }
        state.State.WindowEndsAt = now + options.Value.LiaisonBatchInterval;
        await RecordAsync(notice);
    }

    /// <summary>A case's alert names one grid (and its community, where known): the liaison must watch one or the other.</summary>
    private async Task<bool> WatchesAllAsync(string liaison, NoticeRecord notice)
    {
        if (notice.GridCodes.IsDefault || notice.GridCodes.Length != 1 || (!notice.CommunityCodes.IsDefault && notice.CommunityCodes.Length > 1)) return false;
        var community = notice.CommunityCodes.IsDefaultOrEmpty ? null : notice.CommunityCodes[0];
        return await GrainFactory.GetGrain<ILiaisonGrain>(liaison).WatchesAsync(notice.GridCodes[0], community);
    }

    /// <summary>A community's alert names one grid and that grid's community, which must be this one.</summary>
    private static bool IsOfCommunity(string community, NoticeRecord notice) =>
        notice.GridCodes is [_] && notice.CommunityCodes is [var code] && code == community;

    public ValueTask FlushAsync() => StepAsync(FlushNowAsync);

    private async Task FlushNowAsync()
    {
        var waiting = state.State.Waiting;
        var now = time.GetUtcNow();
        if (waiting.Count == 0 || LiaisonBatching.MustWait(state.State.WindowEndsAt, now))
        {
            ScheduleFlush();
            return;
        }
        // Named by what it combines: a flush tried again after a failed write posts the same message, which the webhook takes once.
        var combinedId = "N-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join('\n', waiting.Select(n => n.NoticeId)))).AsSpan(0, 16));
        var combined = new NoticeRecord(
            combinedId, Key, waiting[0].Channel, waiting[0].Kind,
            [.. waiting.SelectMany(n => n.CaseIds).Distinct(StringComparer.Ordinal)],
            [.. waiting.SelectMany(n => n.GridCodes).Distinct(StringComparer.Ordinal)],
            LiaisonBatching.Combine([.. waiting.Select(n => n.Text)]),
            string.Join(" + ", waiting.Select(n => n.TemplateSource).Distinct(StringComparer.Ordinal)),
            now, "recorded", [.. waiting.SelectMany(n => n.CommunityCodes).Distinct(StringComparer.Ordinal)]);
        state.State.Waiting = [];
        // The combined message counts as the window's one message: the next window starts now.
        state.State.WindowEndsAt = now + options.Value.LiaisonBatchInterval;
        await RecordAsync(combined);
    }

    private void ScheduleFlush()
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        if (state.State.Waiting.Count == 0 || state.State.WindowEndsAt is not { } end) return;
        var due = end - time.GetUtcNow();
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        // The domain clock's timer fires off the grain's scheduler: it calls the grain like any caller would.
        var self = this.AsReference<INoticeInboxGrain>();
        _flushTimer = time.CreateTimer(_ => _ = self.FlushAsync().AsTask(), null, due, Timeout.InfiniteTimeSpan);
    }

    private async Task RecordAsync(NoticeRecord notice)
    {
        var live = _observers.Live(siloTime.GetUtcNow());
        var delivery = NoticeInboxes.CommunityOf(Key) is { } community ? await PostAsync(community, notice) : live.Count > 0 ? "streamed" : "recorded";
        var recorded = notice with { Recipient = Key, Delivery = delivery };
        var kept = state.State.Notices;
        kept.Add(recorded);
        if (kept.Count > INoticeInboxGrain.MaxKept)
        {
            var drop = kept.Count - INoticeInboxGrain.MaxKept;
            kept.RemoveRange(0, drop);
            state.State.Dropped += drop;
        }
        await state.WriteStateAsync();
        foreach (var observer in live)
        {
            try
            {
                _ = observer.RecordedAsync(recorded);
            }
            catch (Exception e)   // fanning out: one gone listener never stops the others
            {
                LogNotifyFailed(logger, e, Key);
            }
        }
    }

    /// <summary>
    /// Hands a community's message to its webhook grain, which keeps, retries and dead-letters it; the answer is the
    /// delivery state recorded: "queued", "no-target" (the webhook was removed meanwhile), "dead-lettered" (its queue is
    /// full) or "failed" (the webhook grain could not be reached; logged).
    /// </summary>
    private async Task<string> PostAsync(string community, NoticeRecord notice)
    {
        var kind = NoticeKinds.TryParseFileStem(notice.Kind, out var parsed) ? parsed.ToString() : notice.Kind;
        var message = new WebhookMessage(notice.NoticeId, kind, community, notice.CaseIds is [var only] ? only : null, notice.Text, notice.At);
        try
        {
            return await GrainFactory.GetGrain<IWebhookGrain>(community).EnqueueAsync(message) switch
            {
                WebhookEnqueued.Queued => "queued",
                WebhookEnqueued.NoTarget => "no-target",
                _ => "dead-lettered",
            };
        }
        catch (Exception e)   // the notice stays recorded with its state; the case never hears of it
        {
            LogWebhookFailed(logger, e, notice.NoticeId, community);
            return "failed";
        }
    }

    public ValueTask<NoticePage> GetAsync(int offset, int limit)
    {
        var kept = state.State.Notices;
        var page = kept.AsEnumerable().Reverse().Skip(Math.Max(0, offset)).Take(Math.Clamp(limit, 0, INoticeInboxGrain.MaxKept));
        return ValueTask.FromResult(new NoticePage(kept.Count, [.. page], state.State.Waiting.Count, state.State.Unread));
    }

    public async ValueTask<int?> MarkReadAsync(string noticeId)
    {
        var kept = state.State.Notices;
        var index = kept.FindLastIndex(n => n.NoticeId == noticeId);
        if (index < 0) return null;
        var through = state.State.Dropped + index + 1;
        if (through > state.State.ReadThrough)
        {
            state.State.ReadThrough = through;
            await state.WriteStateAsync();
        }
        return state.State.Unread;
    }

    public ValueTask SubscribeAsync(INoticeInboxObserver observer)
    {
        _observers.Subscribe(observer, siloTime.GetUtcNow() + SubscriptionLifetime);
        // Subscriptions live in memory: the inbox stays active while someone listens, so none is lost to idle collection.
        this.DelayDeactivation(SubscriptionLifetime);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(INoticeInboxObserver observer)
    {
        _observers.Unsubscribe(observer);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} ({Kind}, grids {Grids}) refused by {Inbox}: a liaison, community or reporting channel receives only its own kind, of its own grids")]
    private static partial void LogRefused(ILogger logger, string noticeId, string kind, string grids, string inbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} was not handed to the webhook of community {Community}")]
    private static partial void LogWebhookFailed(ILogger logger, Exception exception, string noticeId, string community);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox {Inbox}: telling a live stream failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string inbox);
}
