using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;

namespace GridServer.Domain.Spatial;

/// <summary>
/// A large index built once and a small one of the grids changed since, answering as one index of the current
/// grids: a redraw in a district of tens of thousands of grids is served after building an index of the changed
/// grids alone, not of all of them. Same rule as <see cref="GridIndex"/>: among the grids covering a point the
/// lowest code (ordinal) wins; no covering grid gives the nearest one.
/// </summary>
public sealed class LayeredGridIndex
{
    private readonly GridIndex _base;
    private readonly GridIndex _changes;
    private readonly IReadOnlySet<string> _stale;

    /// <param name="baseIndex">The index of all grids as they were.</param>
    /// <param name="changed">The current boundaries of grids added or redrawn since.</param>
    /// <param name="stale">Codes whose entry in <paramref name="baseIndex"/> no longer stands (redrawn or retired).</param>
    public LayeredGridIndex(GridIndex baseIndex, IEnumerable<(string Code, Geometry Boundary)> changed, IReadOnlySet<string> stale)
    {
        _base = baseIndex ?? throw new ArgumentNullException(nameof(baseIndex));
        _changes = GridIndex.Build(changed);
        _stale = stale ?? throw new ArgumentNullException(nameof(stale));
    }

    public GridMatch Match(double lon, double lat)
    {
        var fromBase = _stale.Count == 0 ? _base.Match(lon, lat) : _base.Match(lon, lat, _stale.Contains);
        if (_changes.Count == 0) return fromBase;
        var fromChanges = _changes.Match(lon, lat);
        if (fromBase.Covered && fromChanges.Covered)
            return GridCodes.Order.Compare(fromBase.GridCode, fromChanges.GridCode) <= 0 ? fromBase : fromChanges;
        if (fromBase.Covered) return fromBase;
        if (fromChanges.Covered) return fromChanges;
        if (fromBase.DistanceMetres is not { } b) return fromChanges;
        if (fromChanges.DistanceMetres is not { } c) return fromBase;
        return b < c || (b == c && GridCodes.Order.Compare(fromBase.NearestGridCode, fromChanges.NearestGridCode) <= 0) ? fromBase : fromChanges;
    }

    /// <summary>The grids within <paramref name="metres"/> of a point, from both layers (see <see cref="GridIndex.Near"/>).</summary>
    public IReadOnlyList<(string Code, double DistanceMetres)> Near(double lon, double lat, double metres)
    {
        var fromBase = _stale.Count == 0 ? _base.Near(lon, lat, metres) : _base.Near(lon, lat, metres, _stale.Contains);
        if (_changes.Count == 0) return fromBase;
        return [.. fromBase.Concat(_changes.Near(lon, lat, metres)).OrderBy(g => g.DistanceMetres).ThenBy(g => g.Code, StringComparer.Ordinal)];
    }
}
