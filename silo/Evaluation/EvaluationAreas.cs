using GridServer.Domain.Evaluation;
using GridServer.Domain.Export;
using GridServer.Silo.Grids;

namespace GridServer.Silo.Evaluation;

/// <summary>
/// The outlines of communities, streets and districts (the unions of their grids) as this silo serves the grids: made
/// once per grid revision and level, and made again when a redraw moved the revision on.
/// </summary>
public sealed class EvaluationAreas(GridCatalog catalog)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<EvaluationLevel, (long Revision, IReadOnlyList<EvaluationArea> Areas)> _made = [];

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
}
