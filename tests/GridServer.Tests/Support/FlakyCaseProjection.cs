using System.Collections.Concurrent;
using GridServer.Domain.Cases;

namespace GridServer.Tests.Support;

/// <summary>
/// The test cluster's case projection: an <see cref="InMemoryCaseProjection"/> that fails, on demand, for
/// the cases a test names, and remembers which event sequences each successful write carried.
/// </summary>
public sealed class FlakyCaseProjection : ICaseProjection
{
    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _sent = new(StringComparer.Ordinal);

    public InMemoryCaseProjection Stored { get; } = new();

    /// <summary>From now on, every write for this case throws.</summary>
    public void FailFor(string caseId) => _failing[caseId] = true;

    /// <summary>From now on, writes for this case succeed again.</summary>
    public void Heal(string caseId) => _failing.TryRemove(caseId, out _);

    /// <summary>The sequences of the events that successful writes carried for a case, in the order sent (repeats kept).</summary>
    public IReadOnlyList<int> Sent(string caseId) => _sent.TryGetValue(caseId, out var sent) ? [.. sent] : [];

    public async Task WriteAsync(CaseProjectionRow row, IReadOnlyList<CaseEvent> newEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(newEvents);
        if (_failing.ContainsKey(row.CaseId)) throw new InvalidOperationException($"projection store unavailable for {row.CaseId} (test)");
        await Stored.WriteAsync(row, newEvents, cancellationToken);
        var sent = _sent.GetOrAdd(row.CaseId, _ => new ConcurrentQueue<int>());
        foreach (var e in newEvents) sent.Enqueue(e.Sequence);
    }
}
