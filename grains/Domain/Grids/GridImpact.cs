using GridServer.Domain.Spatial;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.Operation.OverlayNG;
using NetTopologySuite.Operation.Union;
using Overlay = NetTopologySuite.Operation.Overlay.SpatialFunction;

namespace GridServer.Domain.Grids;

/// <summary>
/// Area that changes hands in a boundary change: it belonged to <see cref="FromGrid"/> and will belong to
/// <see cref="ToGrid"/> (null on either side: no grid).
/// </summary>
/// <remarks><see cref="Area"/> is polygonal, lon/lat EPSG:4326; <see cref="AreaSquareMetres"/> as <see cref="Geo.GridArea"/> computes it.</remarks>
public sealed record AreaTransfer(string? FromGrid, string? ToGrid, double AreaSquareMetres, Geometry Area);

/// <summary>An open case whose reported point falls in another grid after a change (<see cref="ToGrid"/> null: in no grid).</summary>
public sealed record CaseMove(string CaseId, string? FromGrid, string? ToGrid);

/// <summary>
/// What a boundary change does to the ground: who held each piece before and who holds it after, under the serving
/// rule (a point covered by several grids goes to the lowest code, as <see cref="GridIndex"/> answers).
/// </summary>
/// <remarks>
/// <para><c>before</c> and <c>after</c> are the grids around the change as they stand now and as they would stand:
/// the changed grids and their neighbours (a neighbour the change leaves alone appears, identical, in both).
/// Only ground held by a changed, added or retired grid can change hands, so only such grids are overlaid.</para>
/// <para>Pieces of at most <c>toleranceSquareMetres</c> are dropped: redrawing a shared edge through the same
/// points again leaves floating-point slivers that no case can tell apart.</para>
/// </remarks>
public sealed class GridImpact
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    private readonly Dictionary<string, Geometry> _before;
    private readonly Dictionary<string, Geometry> _after;
    private readonly Func<Geometry, double> _areaSquareMetres;
    private readonly double _tolerance;
    private readonly Lazy<GridIndex> _afterIndex;

    public GridImpact(IEnumerable<(string Code, Geometry Boundary)> before, IEnumerable<(string Code, Geometry Boundary)> after,
        Func<Geometry, double> areaSquareMetres, double toleranceSquareMetres)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        _before = before.ToDictionary(g => g.Code, g => g.Boundary, StringComparer.Ordinal);
        _after = after.ToDictionary(g => g.Code, g => g.Boundary, StringComparer.Ordinal);
        _areaSquareMetres = areaSquareMetres;
        _tolerance = toleranceSquareMetres;
        _afterIndex = new(() => GridIndex.Build(_after.Select(g => (g.Key, g.Value))));
        Changed = _before.Keys.Union(_after.Keys)
            .Where(code => !_before.TryGetValue(code, out var b) || !_after.TryGetValue(code, out var a) || !b.EqualsExact(a))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Codes added, redrawn or retired by the change.</summary>
    public IReadOnlySet<string> Changed { get; }

    /// <summary>The grid a point falls in after the change (lon/lat degrees), by the serving rule; null: no grid.</summary>
    public string? GridAfter(double lon, double lat) => _afterIndex.Value.Locate(lon, lat);

    /// <summary>Every piece that changes hands, largest first within each (from, to) pair's order of appearance.</summary>
    public IReadOnlyList<AreaTransfer> Transfers()
    {
        if (Changed.Count == 0) return [];
        var before = Territories(_before);
        var after = Territories(_after);
        var transfers = new List<AreaTransfer>();
        var afterTree = Tree(after);
        // Held before by a grid, held after by another: every such pair has a changed grid on one side.
        foreach (var (from, held) in before.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            foreach (var to in afterTree.Query(held.EnvelopeInternal).Order(StringComparer.Ordinal))
            {
                if (to == from || (!Changed.Contains(from) && !Changed.Contains(to))) continue;
                Add(transfers, from, to, OverlayNGRobust.Overlay(held, after[to], Overlay.Intersection));
            }
        }
        // Ground that leaves every grid, and ground that no grid held before.
        foreach (var code in Changed.Order(StringComparer.Ordinal))
        {
            if (before.TryGetValue(code, out var held)) Add(transfers, code, null, Outside(held, _after));
            if (after.TryGetValue(code, out var gained)) Add(transfers, null, code, Outside(gained, _before));
        }
        return transfers;
    }

    /// <summary>Of the given open cases (found in the transferred ground), those whose point falls in another grid after the change.</summary>
    public IReadOnlyList<CaseMove> MovedCases(IEnumerable<(string CaseId, string? GridCode, double Lon, double Lat)> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var moves = new List<CaseMove>();
        foreach (var (id, grid, lon, lat) in cases)
        {
            if (!double.IsFinite(lon) || !double.IsFinite(lat)) continue;
            var to = GridAfter(lon, lat);
            if (!string.Equals(to, grid, StringComparison.Ordinal)) moves.Add(new CaseMove(id, grid, to));
        }
        return moves;
    }

    private void Add(List<AreaTransfer> transfers, string? from, string? to, Geometry piece)
    {
        var polygonal = Polygonal(piece);
        if (polygonal.IsEmpty) return;
        var area = _areaSquareMetres(polygonal);
        if (area > _tolerance) transfers.Add(new AreaTransfer(from, to, area, polygonal));
    }

    /// <summary>
    /// The ground each grid really holds: its boundary less the boundaries of lower codes (the tie-break). Computed
    /// only for grids that can take part in a transfer: changed ones and those whose envelope meets a changed one.
    /// </summary>
    private Dictionary<string, Geometry> Territories(Dictionary<string, Geometry> grids)
    {
        var tree = Tree(grids);
        var changedEnvelopes = Changed.SelectMany(c => new[] { _before.GetValueOrDefault(c), _after.GetValueOrDefault(c) })
            .Where(g => g is not null).Select(g => g!.EnvelopeInternal).ToList();
        var held = new Dictionary<string, Geometry>(StringComparer.Ordinal);
        foreach (var (code, boundary) in grids)
        {
            if (!Changed.Contains(code) && !changedEnvelopes.Any(e => e.Intersects(boundary.EnvelopeInternal))) continue;
            var lower = tree.Query(boundary.EnvelopeInternal).Where(other => string.CompareOrdinal(other, code) < 0).ToList();
            var territory = boundary;
            foreach (var other in lower)
            {
                var shared = grids[other];
                if (!territory.EnvelopeInternal.Intersects(shared.EnvelopeInternal)) continue;
                territory = OverlayNGRobust.Overlay(territory, shared, Overlay.Difference);
            }
            held[code] = territory;
        }
        return held;
    }

    private static STRtree<string> Tree(Dictionary<string, Geometry> grids)
    {
        var tree = new STRtree<string>();
        foreach (var (code, boundary) in grids) tree.Insert(boundary.EnvelopeInternal, code);
        tree.Build();
        return tree;
    }

    /// <summary>The part of <paramref name="piece"/> that no grid of <paramref name="grids"/> covers.</summary>
    private static Geometry Outside(Geometry piece, Dictionary<string, Geometry> grids)
    {
        var near = grids.Values.Where(g => g.EnvelopeInternal.Intersects(piece.EnvelopeInternal)).ToList();
        if (near.Count == 0) return piece;
        return OverlayNGRobust.Overlay(piece, UnaryUnionOp.Union(near), Overlay.Difference);
    }

    /// <summary>The polygons of an overlay's result (lines and points where boundaries only touch are dropped), SRID 4326.</summary>
    public static Geometry Polygonal(Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var polygons = new List<Polygon>();
        for (var i = 0; i < geometry.NumGeometries; i++)
        {
            if (geometry.GetGeometryN(i) is Polygon { IsEmpty: false } p) polygons.Add(p);
            else if (geometry.GetGeometryN(i) is MultiPolygon m) polygons.AddRange(m.Geometries.OfType<Polygon>());
        }
        return polygons.Count == 1 ? Wgs84.CreatePolygon(polygons[0].Shell, polygons[0].Holes) : Wgs84.CreateMultiPolygon([.. polygons]);
    }
}
