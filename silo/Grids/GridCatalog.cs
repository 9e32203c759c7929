using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;

namespace GridServer.Silo.Grids;

/// <summary>
/// The grids this silo serves and the index that matches points to them. Lookups read one immutable
/// snapshot; a reload swaps in a new snapshot whole, so a lookup never sees half of an update.
/// </summary>
/// <remarks>
/// A snapshot is a base (all grids as last loaded, with their index) plus the grids changed since (redrawn, added
/// or retired, with a small index of their own): a change is served after indexing the changed grids only. When
/// the changes grow past <see cref="MaxChanges"/> the follower loads everything again and the base is rebuilt.
/// </remarks>
public sealed class GridCatalog : GridServer.Grains.Grids.IGridLocator
{
    /// <summary>How many changed grids a snapshot carries beside its base before everything is loaded again.</summary>
    public const int MaxChanges = 2_000;

    private sealed record Snapshot(
        IReadOnlyDictionary<string, Grid> Base, GridIndex BaseIndex, IReadOnlyDictionary<string, Grid?> Changed,
        LayeredGridIndex Index, int Count, long Revision, DateTimeOffset LoadedAt);

    private volatile Snapshot _snapshot = Whole([], -1, DateTimeOffset.MinValue);
    private readonly object _waitersGate = new();
    private readonly List<(long Revision, TaskCompletionSource Loaded)> _waiters = [];

    public int Count => _snapshot.Count;

    public DateTimeOffset LoadedAt => _snapshot.LoadedAt;

    /// <summary>The grid store's revision the index was built from; -1 before the first load.</summary>
    public long Revision => _snapshot.Revision;

    /// <summary>How many grids have changed since the base was built.</summary>
    public int ChangedSinceBase => _snapshot.Changed.Count;

    /// <summary>Serves exactly <paramref name="grids"/>, indexed afresh.</summary>
    public void Load(IReadOnlyList<Grid> grids, long revision, DateTimeOffset now) => Swap(Whole(grids, revision, now));

    /// <summary>Serves the changes on top of what is served now; false (nothing changed) when they are too many to layer.</summary>
    public bool Apply(GridChanges changes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var old = _snapshot;
        var changed = new Dictionary<string, Grid?>(old.Changed, StringComparer.Ordinal);
        foreach (var grid in changes.Current) changed[grid.Code] = grid;
        foreach (var code in changes.Retired) changed[code] = null;
        if (changed.Count > MaxChanges) return false;
        var stale = changed.Keys.Where(old.Base.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var index = new LayeredGridIndex(old.BaseIndex, changed.Values.OfType<Grid>().Select(g => (g.Code, g.Boundary)), stale);
        var count = old.Base.Count - stale.Count + changed.Values.Count(g => g is not null);
        Swap(old with { Changed = changed, Index = index, Count = count, Revision = changes.Revision, LoadedAt = now });
        return true;
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

    public IReadOnlyList<(string Code, double DistanceMetres)> Near(double lon, double lat, double metres) => _snapshot.Index.Near(lon, lat, metres);

    public Grid? Find(string code)
    {
        var s = _snapshot;
        return s.Changed.TryGetValue(code, out var changed) ? changed : s.Base.GetValueOrDefault(code);
    }

    public IEnumerable<Grid> All()
    {
        var s = _snapshot;
        return s.Base.Values.Where(g => !s.Changed.ContainsKey(g.Code)).Concat(s.Changed.Values.OfType<Grid>())
            .OrderBy(g => g.Code, StringComparer.Ordinal);
    }

    private static Snapshot Whole(IReadOnlyList<Grid> grids, long revision, DateTimeOffset now)
    {
        var baseIndex = GridIndex.Build(grids.Select(g => (g.Code, g.Boundary)));
        var empty = new Dictionary<string, Grid?>(StringComparer.Ordinal);
        return new Snapshot(grids.ToDictionary(g => g.Code, StringComparer.Ordinal), baseIndex, empty,
            new LayeredGridIndex(baseIndex, [], new HashSet<string>(StringComparer.Ordinal)), grids.Count, revision, now);
    }

    private void Swap(Snapshot next)
    {
        _snapshot = next;
        lock (_waitersGate)
        {
            foreach (var waiter in _waiters.Where(w => w.Revision <= next.Revision).ToList())
            {
                waiter.Loaded.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
