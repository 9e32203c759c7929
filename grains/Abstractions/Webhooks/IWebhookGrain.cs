using System.Collections.Immutable;

namespace GridServer.Abstractions.Webhooks;

/// <summary>
/// One notice to post to a community's webhook, as the notice pipeline hands it over. The receiver gets it as JSON
/// <c>{noticeId, kind, community, caseId, text, at}</c>; <see cref="NoticeId"/> is what a receiver de-duplicates on
/// (delivery is at least once).
/// </summary>
[GenerateSerializer, Immutable, Alias("webhooks.message")]
public sealed record WebhookMessage(
    [property: Id(0)] string NoticeId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Community,
    [property: Id(3)] string? CaseId,
    [property: Id(4)] string Text,
    [property: Id(5)] DateTimeOffset At);

/// <summary>What happened to a message handed to <see cref="IWebhookGrain.EnqueueAsync"/>.</summary>
[GenerateSerializer, Alias("webhooks.enqueued")]
public enum WebhookEnqueued
{
    /// <summary>Waiting to be sent, after the messages already waiting.</summary>
    Queued,

    /// <summary>The community has no webhook: nothing to do, nothing kept.</summary>
    NoTarget,

    /// <summary>The target already holds as many messages as it may: this one went to the dead letters.</summary>
    DeadLettered,
}

/// <summary>A community's webhook as operators see it: never its secret, only whether it has one.</summary>
[GenerateSerializer, Immutable, Alias("webhooks.target-view")]
public sealed record WebhookTargetView(
    [property: Id(0)] string Community,
    [property: Id(1)] string Url,
    [property: Id(2)] bool HasSecret,
    [property: Id(3)] int Pending,
    [property: Id(4)] long Delivered,
    [property: Id(5)] string? LastError,
    [property: Id(6)] DateTimeOffset? NextAttemptAt);

/// <summary>
/// The outbound webhook of one community (e.g. its chat-group robot): a durable queue of messages sent in order,
/// retried with backoff, and moved to the dead letters (<see cref="IWebhookDeadLettersGrain"/>) after the last
/// attempt. Key: the community code (the 12-digit CJ/T 213 code, or the deployment's own), as grids carry it.
/// </summary>
/// <remarks>
/// One grain per community: a target that hangs delays only its own messages. The queue is grain state and a
/// reminder wakes the grain while anything waits, so a silo restart loses nothing; a message may be sent twice
/// when a silo dies between the send and the write that records it.
/// </remarks>
[Alias("webhooks.target")]
public interface IWebhookGrain : IGrainWithStringKey
{
    /// <summary>
    /// The notice pipeline's entry point: queues a message for the community's webhook and returns at once (the send
    /// happens on the grain's own time). A community without a webhook answers <see cref="WebhookEnqueued.NoTarget"/>.
    /// </summary>
    [Alias("enqueue")] ValueTask<WebhookEnqueued> EnqueueAsync(WebhookMessage message);

    /// <summary>Sets (or replaces) the URL and the optional signing secret; both checked by the caller against <c>WebhookRules</c>. Waiting messages go to the new URL.</summary>
    [Alias("configure")] ValueTask<WebhookTargetView> ConfigureAsync(string url, string? secret);

    /// <summary>The target, or null when the community has none.</summary>
    [Alias("get")] ValueTask<WebhookTargetView?> GetAsync();

    /// <summary>Removes the target; messages still waiting go to the dead letters (re-sent once a target is set again). False when there was none.</summary>
    [Alias("remove")] ValueTask<bool> RemoveAsync(string actorId);

    /// <summary>Sends every message that is due now, in order, stopping at the first that fails (it waits for its retry). Reminders and timers call it; tests call it after moving the clock.</summary>
    [Alias("deliver-due")] ValueTask<WebhookTargetView?> DeliverDueAsync();

    /// <summary>Takes a dead letter of this community back into the queue, with its attempts counted afresh.</summary>
    [Alias("resend")] ValueTask<WebhookEnqueued?> ResendAsync(string deadLetterId);

    /// <summary>
    /// Sends one test message (kind <c>Test</c>) to the target now, signed as any message, outside the queue: neither
    /// retried nor dead-lettered nor counted as delivered. Null when the community has no webhook. Waits for the
    /// attempt (at most its timeout).
    /// </summary>
    [Alias("test")] ValueTask<WebhookTestResult?> TestAsync(string actorId);
}

/// <summary>
/// The outcome of a test message: delivered (a 2xx answer), the HTTP status when there was one, the error a dead letter
/// would keep otherwise, the test message's id (the receiver sees it in its body and its <c>X-GridServer-Notice</c>
/// header), and how long the attempt took.
/// </summary>
[GenerateSerializer, Immutable, Alias("webhooks.test-result")]
public sealed record WebhookTestResult(
    [property: Id(0)] bool Delivered,
    [property: Id(1)] int? StatusCode,
    [property: Id(2)] string? Error,
    [property: Id(3)] string NoticeId,
    [property: Id(4)] string Url,
    [property: Id(5)] long Milliseconds);

/// <summary>A message that was not delivered: after its last attempt, or because its target was removed or full.</summary>
[GenerateSerializer, Immutable, Alias("webhooks.dead-letter")]
public sealed record DeadLetter(
    [property: Id(0)] string Id,
    [property: Id(1)] WebhookMessage Message,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string LastError,
    [property: Id(4)] DateTimeOffset DeadAt);

/// <summary>
/// The dead letters of every webhook, newest last, for operators and dispatchers to re-send or discard. A singleton:
/// key <see cref="Key"/>. Holds at most <see cref="MaxKept"/>; beyond that the oldest are dropped (and logged).
/// </summary>
/// <remarks>Webhook grains call this grain, never the other way round: a re-send goes through the community's grain.</remarks>
[Alias("webhooks.dead-letters")]
public interface IWebhookDeadLettersGrain : IGrainWithStringKey
{
    public const string Key = "webhooks";

    public const int MaxKept = 10_000;

    [Alias("add")] ValueTask AddAsync(DeadLetter letter);

    /// <summary>The dead letters, oldest first; of one community when <paramref name="community"/> is given.</summary>
    [Alias("list")] ValueTask<ImmutableArray<DeadLetter>> ListAsync(string? community);

    [Alias("find")] ValueTask<DeadLetter?> FindAsync(string id);

    /// <summary>Removes and returns a dead letter of the community; null when there is none with that id there.</summary>
    [Alias("take")] ValueTask<DeadLetter?> TakeAsync(string id, string community);

    /// <summary>Removes a dead letter for good; false when there is none with that id.</summary>
    [Alias("discard")] ValueTask<bool> DiscardAsync(string id);
}
