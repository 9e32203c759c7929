using GridServer.Domain.Evaluation;
using GridServer.Domain.Export;
using GridServer.Silo.Grids;

namespace GridServer.Silo.Evaluation;

/// <summary>
/// The outlines of communities, streets and districts (the unions of their grids) as this silo serves the grids, and the
/// middle of their extent (where hot-spot hexagons are anchored): made once per grid revision, and made again when a
/// redraw moved the revision on.
/// </summary>
public sealed class EvaluationAreas(GridCatalog catalog)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<EvaluationLevel, (long Revision, IReadOnlyList<EvaluationArea> Areas)> _made = [];
    private (long Revision, (double Lon, double Lat)? Middle) _middle = (-1, null);

    /// <summary>The areas of <paramref name="level"/> (grid, community, street, district) for the grids served now.</summary>
    public IReadOnlyList<EvaluationArea> Of(EvaluationLevel level)
    {
        var revision = catalog.Revision;
        lock (_gate)
        {
            if (_made.TryGetValue(level, out var made) && made.Revision == revision) return made.Areas;
        }
        // Made outside the lock: two requests at once may both make them; the later one is kept.
        var areas = EvaluationArea.Of(level, catalog.All());
        lock (_gate) _made[level] = (revision, areas);
        return areas;
    }

    /// <summary>The middle of the extent of the grids served now (lon, lat), or null when none is served.</summary>
    public (double Lon, double Lat)? Middle()
    {
        var revision = catalog.Revision;
        lock (_gate)
        {
            if (_middle.Revision == revision) return _middle.Middle;
        }
        var extent = new NetTopologySuite.Geometries.Envelope();
        foreach (var grid in catalog.All()) extent.ExpandToInclude(grid.Boundary.EnvelopeInternal);
        (double, double)? middle = extent.IsNull ? null : (extent.Centre.X, extent.Centre.Y);
        lock (_gate) _middle = (revision, middle);
        return middle;
    }
}
