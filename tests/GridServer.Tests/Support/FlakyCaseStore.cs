using System.Collections.Concurrent;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;

namespace GridServer.Tests.Support;

/// <summary>
/// The test cluster's case store: an <see cref="InMemoryCaseStore"/> whose writes fail, on demand, for the cases a test
/// names (as a database that refuses a write would), and that remembers which event sequences each write carried.
/// </summary>
public sealed class FlakyCaseStore(InMemoryCaseStore stored) : ICaseStore, ICaseSearch
{
    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _sent = new(StringComparer.Ordinal);

    public FlakyCaseStore() : this(new InMemoryCaseStore(new InMemoryNoticeStore()))
    {
    }

    public InMemoryCaseStore Stored => stored;

    /// <summary>The inboxes the cases' notices are written to.</summary>
    public InMemoryNoticeStore Notices => stored.Notices;

    /// <summary>From now on, every write for this case throws.</summary>
    public void FailFor(string caseId) => _failing[caseId] = true;

    /// <summary>From now on, writes for this case succeed again.</summary>
    public void Heal(string caseId) => _failing.TryRemove(caseId, out _);

    /// <summary>The sequences of the events that successful writes carried for a case, in the order sent (repeats kept).</summary>
    public IReadOnlyList<int> Sent(string caseId) => _sent.TryGetValue(caseId, out var sent) ? [.. sent] : [];

    public Task<CaseLoad> LoadAsync(string caseId, CancellationToken cancellationToken = default) => stored.LoadAsync(caseId, cancellationToken);

    public async Task<bool> WriteAsync(CaseWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var id = write.Record.Id;
        if (_failing.ContainsKey(id)) throw new InvalidOperationException($"case store unavailable for {id} (test)");
        if (!await stored.WriteAsync(write, cancellationToken)) return false;
        var sent = _sent.GetOrAdd(id, _ => new ConcurrentQueue<int>());
        foreach (var e in write.Record.File.Timeline.Skip(write.NewEventsFrom)) sent.Enqueue(e.Sequence);
        return true;
    }

    public Task<IReadOnlyList<string>> DueAsync(int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        stored.DueAsync(shard, now, limit, cancellationToken);

    public Task<IReadOnlyList<CaseProjectionRow>> SearchAsync(CaseQuery query, CancellationToken cancellationToken = default) => stored.SearchAsync(query, cancellationToken);

    public Task<IReadOnlyList<CaseProjectionRow>> ChangedSinceAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default) =>
        stored.ChangedSinceAsync(since, limit, cancellationToken);

    public Task<IReadOnlyList<CaseMark>> QueueAsync(int limit, CancellationToken cancellationToken = default) => stored.QueueAsync(limit, cancellationToken);

    public Task<IReadOnlyList<CaseMark>> EscalatedAsync(int limit, CancellationToken cancellationToken = default) => stored.EscalatedAsync(limit, cancellationToken);

    public Task<IReadOnlyDictionary<CaseState, long>> CountOpenByStateAsync(CancellationToken cancellationToken = default) => stored.CountOpenByStateAsync(cancellationToken);
}
