using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.OverlayNG;
using NetTopologySuite.Operation.Union;
using Overlay = NetTopologySuite.Operation.Overlay.SpatialFunction;

namespace GridServer.Domain.Grids;

/// <summary>
/// The geometric rules of splitting one grid into parts and merging grids into one. Boundaries are lon/lat
/// EPSG:4326; areas come from the caller's function (<see cref="Geo.GridArea"/> in the server), in m².
/// </summary>
public static class GridReshape
{
    /// <summary>
    /// Why the parts do not cover the old grid (the uncovered area beyond the tolerance, with a point inside it),
    /// or null when they do. Parts may reach beyond the old grid; whether that overlaps a neighbour is the
    /// neighbour check's business.
    /// </summary>
    public static string? CheckCovers(string code, Geometry old, IReadOnlyList<Geometry> parts, Func<Geometry, double> areaSquareMetres,
        double toleranceSquareMetres)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(areaSquareMetres);
        var uncovered = parts.Count == 0 ? old : GridImpact.Polygonal(OverlayNGRobust.Overlay(old, UnaryUnionOp.Union(parts), Overlay.Difference));
        if (uncovered.IsEmpty) return null;
        var area = areaSquareMetres(uncovered);
        if (area <= toleranceSquareMetres) return null;
        var inside = uncovered.InteriorPoint;
        return string.Create(CultureInfo.InvariantCulture,
            $"the parts leave {area:F1} m² of grid '{code}' uncovered (around {inside.X:F7}, {inside.Y:F7}); the parts together must cover the whole grid");
    }

    /// <summary>
    /// The union of the grids to merge, or the reason it cannot be one grid. The union must be one polygon (the grids
    /// are contiguous, sharing edges, not only corners); a MultiPolygon union is taken only when one of the grids
    /// already was a MultiPolygon (a grid with detached parts stays so).
    /// </summary>
    public static (Geometry? Union, string? Refusal) Merge(IReadOnlyList<(string Code, Geometry Boundary)> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        if (grids.Count < 2) return (null, "a merge needs at least two grids");
        var union = GridImpact.Polygonal(UnaryUnionOp.Union(grids.Select(g => g.Boundary).ToList()));
        if (union is Polygon || grids.Any(g => g.Boundary is MultiPolygon)) return (union, null);
        return (null, $"the grids {string.Join(", ", grids.Select(g => g.Code))} do not form one piece (their union has {union.NumGeometries} parts); "
            + "merge grids that share an edge");
    }
}
