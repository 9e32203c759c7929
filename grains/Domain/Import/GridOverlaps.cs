using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.Operation.OverlayNG;

namespace GridServer.Domain.Import;

/// <summary>
/// Two grids whose interiors share more than the tolerance: indexes into the lists searched, the shared area, and the
/// shared ground itself (lon/lat, as the boundaries are), so that a report can draw it.
/// </summary>
public readonly record struct GridOverlap(int First, int Second, double AreaSquareMetres, Geometry Shared);

/// <summary>
/// Finds grids that overlap: within one set (an import file) or between a set of changed grids and the
/// grids around them (a redraw). One rule for both: the lon/lat intersection's area in square metres,
/// above a tolerance; boundaries that only touch never count.
/// </summary>
public static class GridOverlaps
{
    /// <summary>Every pair (i &lt; j) of <paramref name="boundaries"/> overlapping by more than the tolerance.</summary>
    public static IEnumerable<GridOverlap> Within(IReadOnlyList<Geometry> boundaries, Func<Geometry, double> areaSquareMetres,
        double toleranceSquareMetres, Action<int>? onChecked = null)
    {
        var tree = Index(boundaries);
        for (var i = 0; i < boundaries.Count; i++)
        {
            foreach (var j in tree.Query(boundaries[i].EnvelopeInternal).Order())
            {
                if (j <= i) continue;
                if (Shared(boundaries[i], boundaries[j], areaSquareMetres) is { } shared && shared.Area > toleranceSquareMetres)
                    yield return new GridOverlap(i, j, shared.Area, shared.Ground);
            }
            onChecked?.Invoke(i);
        }
    }

    /// <summary>Every pair (changed i, other j) overlapping by more than the tolerance.</summary>
    public static IEnumerable<GridOverlap> Between(IReadOnlyList<Geometry> changed, IReadOnlyList<Geometry> others,
        Func<Geometry, double> areaSquareMetres, double toleranceSquareMetres)
    {
        var tree = Index(others);
        for (var i = 0; i < changed.Count; i++)
        {
            foreach (var j in tree.Query(changed[i].EnvelopeInternal).Order())
            {
                if (Shared(changed[i], others[j], areaSquareMetres) is { } shared && shared.Area > toleranceSquareMetres)
                    yield return new GridOverlap(i, j, shared.Area, shared.Ground);
            }
        }
    }

    private static STRtree<int> Index(IReadOnlyList<Geometry> boundaries)
    {
        var tree = new STRtree<int>();
        for (var i = 0; i < boundaries.Count; i++) tree.Insert(boundaries[i].EnvelopeInternal, i);
        tree.Build();
        return tree;
    }

    /// <summary>The ground two polygons share (its polygonal part) and its area, or null when their interiors cannot meet.</summary>
    private static (Geometry Ground, double Area)? Shared(Geometry a, Geometry b, Func<Geometry, double> areaSquareMetres)
    {
        var envelopeOverlap = a.EnvelopeInternal.Intersection(b.EnvelopeInternal);
        if (envelopeOverlap.Width <= 0 || envelopeOverlap.Height <= 0) return null;
        var shared = OverlayNGRobust.Overlay(a, b, NetTopologySuite.Operation.Overlay.SpatialFunction.Intersection);
        if (shared.Dimension < Dimension.Surface || shared.IsEmpty) return null;
        return (Polygonal(shared), areaSquareMetres(shared));
    }

    /// <summary>An intersection may hold touching lines or points beside its area: only the area is the overlap.</summary>
    private static Geometry Polygonal(Geometry shared)
    {
        if (shared is Polygon or MultiPolygon) return shared;
        var parts = Enumerable.Range(0, shared.NumGeometries).Select(shared.GetGeometryN).OfType<Polygon>().ToArray();
        return parts.Length == 1 ? parts[0] : shared.Factory.CreateMultiPolygon(parts);
    }
}
