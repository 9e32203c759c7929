using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;

namespace GridServer.Silo.Grids;

/// <summary>
/// The grids this silo serves and the index that matches points to them. Lookups read one immutable
/// snapshot; a reload swaps in a new snapshot whole, so a lookup never sees half of an update.
/// </summary>
public sealed class GridCatalog
{
    private sealed record Snapshot(GridIndex Index, IReadOnlyDictionary<string, Grid> Grids, DateTimeOffset LoadedAt);

    private volatile Snapshot _snapshot = new(GridIndex.Build([]), new Dictionary<string, Grid>(), DateTimeOffset.MinValue);

    public int Count => _snapshot.Grids.Count;

    public DateTimeOffset LoadedAt => _snapshot.LoadedAt;

    public void Load(IReadOnlyList<Grid> grids, DateTimeOffset now)
    {
        var index = GridIndex.Build(grids.Select(g => (g.Code, g.Boundary)));
        _snapshot = new Snapshot(index, grids.ToDictionary(g => g.Code, StringComparer.Ordinal), now);
    }

    public GridMatch Match(double lon, double lat) => _snapshot.Index.Match(lon, lat);

    public Grid? Find(string code) => _snapshot.Grids.GetValueOrDefault(code);

    public IEnumerable<Grid> All() => _snapshot.Grids.Values.OrderBy(g => g.Code, StringComparer.Ordinal);
}
