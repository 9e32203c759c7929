using System.Diagnostics;
using System.Text.Json;
using GridServer.Abstractions.Personnel;
using GridServer.Abstractions.Webhooks;
using GridServer.Domain.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GridServer.Grains.Webhooks;

/// <summary>A message waiting for its target: how often it failed, when it is next tried, and why it failed last.</summary>
[GenerateSerializer, Alias("webhooks.pending")]
public sealed class PendingWebhook
{
    [Id(0)] public required WebhookMessage Message { get; set; }
    [Id(1)] public int Attempts { get; set; }
    [Id(2)] public DateTimeOffset DueAt { get; set; }
    [Id(3)] public string? LastError { get; set; }
}

/// <summary>Persisted state of a community's webhook: the target and its queue, oldest first.</summary>
[GenerateSerializer, Alias("webhooks.target-state")]
public sealed class WebhookTargetState
{
    [Id(0)] public string? Url { get; set; }
    [Id(1)] public string? Secret { get; set; }
    [Id(2)] public List<PendingWebhook> Pending { get; set; } = [];
    [Id(3)] public long Delivered { get; set; }
}

/// <summary>
/// Sends a community's webhook messages in order: the head of the queue is tried until it is delivered or dead,
/// and only then the next. Due times are domain time (<see cref="GrainClock"/>); a timer wakes the grain when the
/// head is due, and a reminder every minute while anything waits, so that a restarted silo carries on.
/// </summary>
/// <remarks>
/// A send runs inside the grain's turn, bounded by the attempt timeout; at most <see cref="MaxPerTurn"/> messages, and
/// none after <see cref="TurnBudget"/>, go in one turn (the timer takes the rest at once), so an enqueue never waits
/// long behind a backlog. Secrets are kept in grain state as given: the
/// storage must be protected like the credential registry's.
/// </remarks>
public sealed partial class WebhookGrain(
    [PersistentState("webhook", GrainStorage.Personnel)] IPersistentState<WebhookTargetState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    IOptions<WebhookOptions> options,
    IWebhookSender sender,
    ILogger<WebhookGrain> logger) : Grain, IWebhookGrain, IRemindable
{
    private const string WakeReminder = "webhook";

    /// <summary>Orleans' shortest reminder period: the durable backstop while messages wait.</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private const int MaxPerTurn = 16;

    /// <summary>The kind a test message carries, so that a receiver can tell it from a notice.</summary>
    public const string TestKind = "Test";

    /// <summary>
    /// How long one turn keeps sending before it hands the rest to the next: a call waiting behind a turn (an enqueue)
    /// waits at most this plus one attempt's timeout, well within a grain call's 30 s.
    /// </summary>
    private static readonly TimeSpan TurnBudget = TimeSpan.FromSeconds(2);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private IGrainTimer? _timer;

    /// <summary>Whether the wake reminder is registered, as far as this activation knows (null: not known yet).</summary>
    private bool? _reminderOn;

    private string Community => this.GetPrimaryKeyString();

    private IWebhookDeadLettersGrain DeadLetters => GrainFactory.GetGrain<IWebhookDeadLettersGrain>(IWebhookDeadLettersGrain.Key);

    public async ValueTask<WebhookEnqueued> EnqueueAsync(WebhookMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Community != Community)
            throw new ArgumentException($"the message is for community '{message.Community}', this webhook is community '{Community}'s", nameof(message));
        if (state.State.Url is null) return WebhookEnqueued.NoTarget;
        // A message handed over again (its sender's write failed after handing it) waits once.
        if (state.State.Pending.Exists(p => p.Message.NoticeId == message.NoticeId)) return WebhookEnqueued.Queued;
        var max = options.Value.MaxPending;
        if (state.State.Pending.Count >= max)
        {
            await DeadLetters.AddAsync(new DeadLetter(NewLetterId(), message, 0, $"the webhook already holds {max} waiting messages", time.GetUtcNow()));
            return WebhookEnqueued.DeadLettered;
        }
        state.State.Pending.Add(new PendingWebhook { Message = message, DueAt = time.GetUtcNow() });
        await state.WriteOrReloadAsync(this);
        await ScheduleAsync();
        return WebhookEnqueued.Queued;
    }

    public async ValueTask<WebhookTargetView> ConfigureAsync(string url, string? secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        state.State.Url = url;
        state.State.Secret = secret;
        // A target that was failing may have been fixed by this: its head is tried at once.
        if (state.State.Pending.Count > 0) state.State.Pending[0].DueAt = time.GetUtcNow();
        await state.WriteOrReloadAsync(this);
        await ScheduleAsync();
        // The community answers a new case whether alerts go to a webhook: only then does the case send one here.
        await GrainFactory.GetGrain<ICommunityGrain>(Community).SetWebhookAsync(true);
        return View()!;
    }

    public ValueTask<WebhookTargetView?> GetAsync() => ValueTask.FromResult(View());

    public async ValueTask<bool> RemoveAsync(string actorId)
    {
        if (state.State.Url is null) return false;
        var now = time.GetUtcNow();
        foreach (var pending in state.State.Pending)
        {
            var error = $"the webhook was removed by {actorId}" + (pending.LastError is null ? "" : $"; last error: {pending.LastError}");
            await DeadLetters.AddAsync(new DeadLetter(NewLetterId(), pending.Message, pending.Attempts, error, now));
        }
        await state.ClearStateAsync();
        await ScheduleAsync();
        await GrainFactory.GetGrain<ICommunityGrain>(Community).SetWebhookAsync(false);
        return true;
    }

    public async ValueTask<WebhookTargetView?> DeliverDueAsync()
    {
        var schedule = options.Value.Schedule;
        var started = Stopwatch.GetTimestamp();
        for (var sent = 0; sent < MaxPerTurn && Stopwatch.GetElapsedTime(started) < TurnBudget && state.State is { Url: { } url, Pending: [var head, ..] }; sent++)
        {
            var now = time.GetUtcNow();
            if (head.DueAt > now) break;
            var attempt = await SendAsync(url, head.Message);
            head.Attempts++;
            if (attempt.Delivered)
            {
                state.State.Pending.RemoveAt(0);
                state.State.Delivered++;
            }
            else
            {
                head.LastError = attempt.Error ?? $"HTTP {attempt.StatusCode}";
                LogFailed(logger, head.Message.NoticeId, Community, head.Attempts, head.LastError);
                if (!schedule.IsExhausted(head.Attempts))
                {
                    head.DueAt = time.GetUtcNow() + schedule.DelayAfter(head.Attempts, Random.Shared.NextDouble());
                    await state.WriteOrReloadAsync(this);
                    break;
                }
                // Dead letter first: a silo that dies in between sends the message again rather than losing it.
                await DeadLetters.AddAsync(new DeadLetter(NewLetterId(), head.Message, head.Attempts, head.LastError, time.GetUtcNow()));
                state.State.Pending.RemoveAt(0);
            }
            await state.WriteOrReloadAsync(this);
        }
        await ScheduleAsync();
        return View();
    }

    public async ValueTask<WebhookEnqueued?> ResendAsync(string deadLetterId)
    {
        if (state.State.Url is null) return WebhookEnqueued.NoTarget;
        if (await DeadLetters.TakeAsync(deadLetterId, Community) is not { } letter) return null;
        state.State.Pending.Add(new PendingWebhook { Message = letter.Message, DueAt = time.GetUtcNow() });
        await state.WriteOrReloadAsync(this);
        await ScheduleAsync();
        return WebhookEnqueued.Queued;
    }

    public async ValueTask<WebhookTestResult?> TestAsync(string actorId)
    {
        if (state.State.Url is not { } url) return null;
        var message = new WebhookMessage($"T-{Guid.NewGuid():N}", TestKind, Community, null,
            $"GridServer 测试消息 · test message, sent by {actorId}", time.GetUtcNow());
        var started = Stopwatch.GetTimestamp();
        var attempt = await SendAsync(url, message);
        LogTested(logger, Community, actorId, attempt.Delivered, attempt.Error);
        return new WebhookTestResult(attempt.Delivered, attempt.StatusCode, attempt.Error, message.NoticeId, url,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>One attempt at one message: the body a receiver gets, signed when the target has a secret.</summary>
    private async Task<WebhookAttempt> SendAsync(string url, WebhookMessage message)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            noticeId = message.NoticeId,
            kind = message.Kind,
            community = message.Community,
            caseId = message.CaseId,
            text = message.Text,
            at = message.At,
        }, Json);
        var signature = state.State.Secret is { } secret ? WebhookRules.Sign(secret, body) : null;
        return await sender.SendAsync(new Uri(url), body, signature, message.NoticeId, CancellationToken.None);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == WakeReminder) await DeliverDueAsync();
    }

    /// <summary>A timer for when the head is due, and the reminder while anything waits; neither once the queue is empty.</summary>
    private async Task ScheduleAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (state.State is { Url: not null, Pending: [var head, ..] })
        {
            var wait = head.DueAt - time.GetUtcNow();
            _timer = this.RegisterGrainTimer(async _ => await DeliverDueAsync(),
                new GrainTimerCreationOptions(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
            if (_reminderOn != true) await this.RegisterOrUpdateReminder(WakeReminder, ReminderPeriod, ReminderPeriod);
            _reminderOn = true;
        }
        else if (_reminderOn != false)
        {
            if (await this.GetReminder(WakeReminder) is { } reminder) await this.UnregisterReminder(reminder);
            _reminderOn = false;
        }
    }

    private WebhookTargetView? View()
    {
        if (state.State.Url is not { } url) return null;
        var head = state.State.Pending.FirstOrDefault();
        return new WebhookTargetView(Community, url, state.State.Secret is not null, state.State.Pending.Count, state.State.Delivered, head?.LastError, head?.DueAt);
    }

    private static string NewLetterId() => $"DL-{Guid.NewGuid():N}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook of community {Community} tested by {Actor}: delivered {Delivered}, {Error}")]
    private static partial void LogTested(ILogger logger, string community, string actor, bool delivered, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook message {NoticeId} to community {Community} failed attempt {Attempt}: {Error}")]
    private static partial void LogFailed(ILogger logger, string noticeId, string community, int attempt, string error);
}
