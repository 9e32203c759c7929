using System.ComponentModel.DataAnnotations;
using GridServer.Abstractions.Notices;
using GridServer.Abstractions.Personnel;
using GridServer.Abstractions.Webhooks;
using GridServer.Domain.Notices;
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

/// <summary>Persisted state of a liaison's (community's) batch: the alerts waiting for their window to end, and the ids already taken.</summary>
[GenerateSerializer, Alias("notice.alert-batch-state")]
public sealed class AlertBatchState
{
    [Id(0)] public List<NoticeRecord> Waiting { get; set; } = [];
    [Id(1)] public DateTimeOffset? WindowEndsAt { get; set; }

    /// <summary>The latest alert ids taken (at most <see cref="AlertBatchGrain.RememberedIds"/>), so an alert handed over twice counts once.</summary>
    [Id(2)] public List<string> Taken { get; set; } = [];
}

/// <summary>
/// Combines a liaison's alerts, or a community's webhook messages, to one message per window: the first goes out at
/// once and opens the window, the rest of the window's together when it ends. Recorded in the inbox's notice store
/// and told to its live listeners; a community's message is also handed to its webhook.
/// </summary>
/// <remarks>
/// The window's end is timed on the domain clock (<see cref="GrainClock"/>), so tests move time instead of waiting. The
/// timer is in memory; the waiting alerts are persisted, and a new activation sends them when their window is over.
/// </remarks>
public sealed partial class AlertBatchGrain(
    [PersistentState("alert-batch", GrainStorage.Personnel)] IPersistentState<AlertBatchState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    INoticeStore store,
    IOptions<NoticeOptions> options,
    ILogger<AlertBatchGrain> logger) : Grain, IAlertBatchGrain
{
    /// <summary>How many taken alert ids a batch remembers.</summary>
    public const int RememberedIds = 1_000;

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

    /// <summary>The state before a step, put back when its write fails: memory never runs ahead of the store, so a retried alert is taken.</summary>
    private async ValueTask StepAsync(Func<Task> step)
    {
        var s = state.State;
        var saved = (Waiting: s.Waiting.ToList(), s.WindowEndsAt, Taken: s.Taken.ToList());
        try
        {
            await step();
        }
        catch
        {
            (s.Waiting, s.WindowEndsAt, s.Taken) = saved;
            throw;
        }
    }

    public ValueTask AddAsync(NoticeRecord alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return StepAsync(() => AddNowAsync(alert with { Recipient = Key }));
    }

    private async Task AddNowAsync(NoticeRecord alert)
    {
        // An alert handed over again (its answer lost, or carried out again from the outbox after a silo died): taken once.
        if (state.State.Taken.Contains(alert.NoticeId)) return;
        // A liaison sees the alerts of their own grids and nothing else, whoever sends what; a community's webhook the
        // alerts of its own grids.
        if (alert.Kind != NoticeKinds.FileStem(NoticeKind.LiaisonAlert)
            || !(NoticeInboxes.LiaisonOf(Key) is { } liaison ? await WatchesAllAsync(liaison, alert)
                : NoticeInboxes.CommunityOf(Key) is { } community && IsOfCommunity(community, alert)))
        {
            LogRefused(logger, alert.NoticeId, alert.Kind, string.Join(",", alert.GridCodes.IsDefault ? [] : alert.GridCodes), Key);
            return;
        }
        Remember(alert.NoticeId);
        var now = time.GetUtcNow();
        if (state.State.Waiting.Count > 0 && !LiaisonBatching.MustWait(state.State.WindowEndsAt, now)) await FlushNowAsync();
        if (LiaisonBatching.MustWait(state.State.WindowEndsAt, now))
        {
            state.State.Waiting.Add(alert);
            await state.WriteOrReloadAsync(this);
            ScheduleFlush();
            return;
        }
        state.State.WindowEndsAt = now + options.Value.LiaisonBatchInterval;
        // Recorded first: a batch that dies before its write is handed the alert again, and the store keeps it once.
        await RecordAsync(alert);
        await state.WriteOrReloadAsync(this);
    }

    private void Remember(string noticeId)
    {
        var taken = state.State.Taken;
        taken.Add(noticeId);
        if (taken.Count > RememberedIds) taken.RemoveRange(0, taken.Count - RememberedIds);
    }

    /// <summary>A case's alert names one grid (and its community, where known): the liaison must watch one or the other.</summary>
    private async Task<bool> WatchesAllAsync(string liaison, NoticeRecord alert)
    {
        if (alert.GridCodes.IsDefault || alert.GridCodes.Length != 1 || (!alert.CommunityCodes.IsDefault && alert.CommunityCodes.Length > 1)) return false;
        var community = alert.CommunityCodes.IsDefaultOrEmpty ? null : alert.CommunityCodes[0];
        return await GrainFactory.GetGrain<ILiaisonGrain>(liaison).WatchesAsync(alert.GridCodes[0], community);
    }

    /// <summary>A community's alert names one grid and that grid's community, which must be this one.</summary>
    private static bool IsOfCommunity(string community, NoticeRecord alert) =>
        alert.GridCodes is [_] && alert.CommunityCodes is [var code] && code == community;

    public ValueTask FlushAsync() => StepAsync(FlushNowAsync);

    public ValueTask<int> WaitingAsync() => ValueTask.FromResult(state.State.Waiting.Count);

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
        await state.WriteOrReloadAsync(this);
    }

    private void ScheduleFlush()
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        if (state.State.Waiting.Count == 0 || state.State.WindowEndsAt is not { } end) return;
        var due = end - time.GetUtcNow();
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        // The domain clock's timer fires off the grain's scheduler: it calls the grain like any caller would.
        var self = this.AsReference<IAlertBatchGrain>();
        _flushTimer = time.CreateTimer(_ => _ = self.FlushAsync().AsTask(), null, due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Records the message in the inbox (a community's after handing it to its webhook) and tells the live listeners.</summary>
    private async Task RecordAsync(NoticeRecord message)
    {
        var delivery = NoticeInboxes.CommunityOf(Key) is { } community ? await PostAsync(community, message) : "recorded";
        var recorded = message with { Delivery = delivery };
        await store.RecordAsync([recorded.ToEntry()]);
        await GrainFactory.GetGrain<INoticeInboxGrain>(Key).PushAsync([recorded]);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} ({Kind}, grids {Grids}) refused by {Inbox}: a liaison or community receives only its own kind, of its own grids")]
    private static partial void LogRefused(ILogger logger, string noticeId, string kind, string grids, string inbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} was not handed to the webhook of community {Community}")]
    private static partial void LogWebhookFailed(ILogger logger, Exception exception, string noticeId, string community);
}
