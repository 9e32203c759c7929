using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace GridServer.Domain.Notices;

/// <summary>How a notice reaches its recipient.</summary>
/// <remarks>Values are sent by number: append new ones at the end, never renumber.</remarks>
/// <remarks>JSON names are lower case ("inbox", "webhook"), as the API has always written them.</remarks>
public enum NoticeChannel
{
    /// <summary>Read over <c>GET /api/inbox</c> and its live stream.</summary>
    [JsonStringEnumMemberName("inbox")]
    Inbox,

    /// <summary>Posted to a community's outbound webhook (and recorded in the community's inbox).</summary>
    [JsonStringEnumMemberName("webhook")]
    Webhook,
}

/// <summary>
/// One notice as an inbox keeps it. A combined liaison message (several alerts of one window) names every case and
/// grid it covers; a case's own notice names one case and at most one grid and community.
/// </summary>
/// <param name="NoticeId">"N-" and 32 hex digits; a store keeps one notice per id however often it is written.</param>
/// <param name="Recipient">The inbox key ("officer:{id}", "liaison:{id}", "community:{code}", "command-center", ...).</param>
/// <param name="Kind">The notice kind's file stem ("dispatch", "liaison-alert", ...).</param>
/// <param name="TemplateSource">The template that made the text, by name (never a server path).</param>
/// <param name="At">When it was recorded (domain time).</param>
/// <param name="Delivery">"recorded"; for a community's webhook message "queued", "no-target", "dead-lettered" or "failed".</param>
public sealed record NoticeEntry(
    string NoticeId, string Recipient, NoticeChannel Channel, string Kind, ImmutableArray<string> CaseIds, ImmutableArray<string> GridCodes,
    string Text, string TemplateSource, DateTimeOffset At, string Delivery, ImmutableArray<string> CommunityCodes);

/// <summary>A page of one inbox, newest first; how many it keeps in all (at most <see cref="INoticeStore.MaxKept"/>) and how many of those are unread.</summary>
public sealed record NoticeSlice(int Total, ImmutableArray<NoticeEntry> Notices, int Unread);

/// <summary>
/// Where inboxes are kept: one row per notice, appended, with a read-up-to mark per inbox. An inbox shows its newest
/// <see cref="MaxKept"/>; older notices stay in the store (PostgreSQL) or are dropped (memory). Case notices are written
/// with their case's step (<see cref="Cases.ICaseStore"/>); this records the rest (combined liaison messages).
/// </summary>
public interface INoticeStore
{
    public const int MaxKept = 500;

    /// <summary>Records notices; a notice whose id is there already is left as it is.</summary>
    Task RecordAsync(IReadOnlyList<NoticeEntry> notices, CancellationToken cancellationToken = default);

    /// <summary>The inbox's newest notices: skips <paramref name="offset"/>, then at most <paramref name="limit"/>.</summary>
    Task<NoticeSlice> PageAsync(string recipient, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks <paramref name="noticeId"/> and every older notice of the inbox read; answers how many of those shown stay
    /// unread, or null when the inbox shows no notice with that id. Marking behind the mark changes nothing.
    /// </summary>
    Task<int?> MarkReadAsync(string recipient, string noticeId, CancellationToken cancellationToken = default);
}

/// <summary>
/// After-effects a step left to be carried out once it is durable (a liaison's alert to batch, a webhook's message):
/// written with the step, removed when carried out, and found again by a relay when a silo died in between.
/// </summary>
public interface INoticeOutbox
{
    /// <summary>
    /// Up to <paramref name="limit"/> notices written at least <paramref name="minAge"/> ago (by the store's own clock: this
    /// is about silos dying, not about the domain's time), not carried out and not claimed by anyone else now; claimed
    /// for <paramref name="lease"/>, after which another relay may claim them again.
    /// </summary>
    Task<IReadOnlyList<NoticeEntry>> ClaimAsync(TimeSpan minAge, TimeSpan lease, int limit, CancellationToken cancellationToken = default);

    /// <summary>The notices were carried out: they leave the outbox.</summary>
    Task DoneAsync(IReadOnlyCollection<string> noticeIds, CancellationToken cancellationToken = default);
}

/// <summary>
/// Inboxes and the outbox in memory: the embedded default and tests. An inbox keeps its newest <see cref="INoticeStore.MaxKept"/>
/// notices; the outbox is empty but for what a test leaves in it, since in memory nothing outlives a crash anyway.
/// </summary>
public sealed class InMemoryNoticeStore(TimeProvider? clock = null) : INoticeStore, INoticeOutbox
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    private sealed class Inbox
    {
        public readonly List<(long Seq, NoticeEntry Notice)> Kept = [];
        public long ReadSeq;
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Inbox> _inboxes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (NoticeEntry Notice, DateTimeOffset WrittenAt, DateTimeOffset LeasedUntil)> _outbox = new(StringComparer.Ordinal);
    private long _seq;

    public Task RecordAsync(IReadOnlyList<NoticeEntry> notices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notices);
        lock (_gate)
        {
            foreach (var notice in notices)
            {
                if (!_ids.Add(notice.NoticeId)) continue;
                if (!_inboxes.TryGetValue(notice.Recipient, out var inbox)) _inboxes[notice.Recipient] = inbox = new Inbox();
                inbox.Kept.Add((++_seq, notice));
                if (inbox.Kept.Count > INoticeStore.MaxKept)
                {
                    foreach (var (_, dropped) in inbox.Kept.Take(inbox.Kept.Count - INoticeStore.MaxKept)) _ids.Remove(dropped.NoticeId);
                    inbox.Kept.RemoveRange(0, inbox.Kept.Count - INoticeStore.MaxKept);
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<NoticeSlice> PageAsync(string recipient, int offset, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_inboxes.TryGetValue(recipient, out var inbox)) return Task.FromResult(new NoticeSlice(0, [], 0));
            var page = inbox.Kept.AsEnumerable().Reverse().Skip(Math.Max(0, offset)).Take(Math.Clamp(limit, 0, INoticeStore.MaxKept)).Select(k => k.Notice);
            return Task.FromResult(new NoticeSlice(inbox.Kept.Count, [.. page], inbox.Kept.Count(k => k.Seq > inbox.ReadSeq)));
        }
    }

    public Task<int?> MarkReadAsync(string recipient, string noticeId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_inboxes.TryGetValue(recipient, out var inbox)) return Task.FromResult<int?>(null);
            var index = inbox.Kept.FindLastIndex(k => k.Notice.NoticeId == noticeId);
            if (index < 0) return Task.FromResult<int?>(null);
            inbox.ReadSeq = Math.Max(inbox.ReadSeq, inbox.Kept[index].Seq);
            return Task.FromResult<int?>(inbox.Kept.Count(k => k.Seq > inbox.ReadSeq));
        }
    }

    /// <summary>Puts notices in the outbox, as a step's write does.</summary>
    public void Enqueue(IEnumerable<NoticeEntry> notices)
    {
        ArgumentNullException.ThrowIfNull(notices);
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var notice in notices) _outbox.TryAdd(notice.NoticeId, (notice, now, DateTimeOffset.MinValue));
        }
    }

    public Task<IReadOnlyList<NoticeEntry>> ClaimAsync(TimeSpan minAge, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            var claimed = _outbox.Values.Where(o => o.WrittenAt <= now - minAge && o.LeasedUntil <= now).OrderBy(o => o.WrittenAt).Take(limit).ToList();
            foreach (var o in claimed) _outbox[o.Notice.NoticeId] = o with { LeasedUntil = now + lease };
            return Task.FromResult<IReadOnlyList<NoticeEntry>>([.. claimed.Select(o => o.Notice)]);
        }
    }

    public Task DoneAsync(IReadOnlyCollection<string> noticeIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noticeIds);
        lock (_gate)
        {
            foreach (var id in noticeIds) _outbox.Remove(id);
        }
        return Task.CompletedTask;
    }

    /// <summary>How many notices to <paramref name="recipient"/> wait in the outbox (tests).</summary>
    public int InOutbox(string recipient)
    {
        lock (_gate) return _outbox.Values.Count(o => o.Notice.Recipient == recipient);
    }
}
