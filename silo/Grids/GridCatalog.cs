using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;

namespace GridServer.Silo.Grids;

/// <summary>
/// The grids this silo serves and the index that matches points to them. Lookups read one immutable
/// snapshot; a reload swaps in a new snapshot whole, so a lookup never sees half of an update.
/// </summary>
public sealed class GridCatalog
{
    private sealed record Snapshot(GridIndex Index, IReadOnlyDictionary<string, Grid> Grids, long Revision, DateTimeOffset LoadedAt);

    private volatile Snapshot _snapshot = new(GridIndex.Build([]), new Dictionary<string, Grid>(), -1, DateTimeOffset.MinValue);
    private readonly object _waitersGate = new();
    private readonly List<(long Revision, TaskCompletionSource Loaded)> _waiters = [];

    public int Count => _snapshot.Grids.Count;

    public DateTimeOffset LoadedAt => _snapshot.LoadedAt;

    /// <summary>The grid store's revision the index was built from; -1 before the first load.</summary>
    public long Revision => _snapshot.Revision;

    public void Load(IReadOnlyList<Grid> grids, long revision, DateTimeOffset now)
    {
        var index = GridIndex.Build(grids.Select(g => (g.Code, g.Boundary)));
        _snapshot = new Snapshot(index, grids.ToDictionary(g => g.Code, StringComparer.Ordinal), revision, now);
        lock (_waitersGate)
        {
            foreach (var waiter in _waiters.Where(w => w.Revision <= revision).ToList())
            {
                waiter.Loaded.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Completes once the index serves <paramref name="revision"/> or a newer one (read-your-writes after a change).</summary>
    public Task WaitForRevisionAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_waitersGate)
        {
            if (_snapshot.Revision >= revision) return Task.CompletedTask;
            var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((revision, loaded));
            return loaded.Task.WaitAsync(cancellationToken);
        }
    }

    public GridMatch Match(double lon, double lat) => _snapshot.Index.Match(lon, lat);

    public Grid? Find(string code) => _snapshot.Grids.GetValueOrDefault(code);

    public IEnumerable<Grid> All() => _snapshot.Grids.Values.OrderBy(g => g.Code, StringComparer.Ordinal);
}
