using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Index;
using NetTopologySuite.Index.Strtree;

namespace GridServer.Bench;

/// <summary>
/// (b) The usual NetTopologySuite way: an STRtree of the grids' envelopes, each grid a
/// <see cref="IPreparedGeometry"/>, candidates tested with <see cref="IPreparedGeometry.Covers"/>.
/// </summary>
/// <remarks>
/// Made as fair as a competent user would make it: the tree is built once, candidates are collected with a
/// reusable visitor instead of a new list per query, and they are tested in code order so the first
/// covering one is the answer (the same tie-break as GridIndex and gridserver.locate). A new
/// <see cref="Point"/> is created per lookup, because that is what a caller holding a lon/lat does; its
/// cost (three small objects) is part of the figure. Prepared polygons build their point-in-area locator
/// lazily, on their first test. Not thread-safe (one candidate buffer); the benchmark is single-threaded.
/// </remarks>
internal sealed class PreparedGeometryBaseline : IItemVisitor<int>
{
    private readonly GeometryFactory _factory;
    private readonly STRtree<int> _tree;
    private readonly IPreparedGeometry[] _prepared;
    private readonly string[] _codes;
    private int[] _candidates = new int[16];
    private int _count;

    public PreparedGeometryBaseline(IReadOnlyList<BenchGrid> grids)
    {
        _factory = grids.Count > 0 ? grids[0].Boundary.Factory : new GeometryFactory(new PrecisionModel(), 4326);
        _tree = new STRtree<int>();
        _prepared = new IPreparedGeometry[grids.Count];
        _codes = new string[grids.Count];
        for (var id = 0; id < grids.Count; id++)
        {
            _codes[id] = grids[id].Code;
            _prepared[id] = PreparedGeometryFactory.Prepare(grids[id].Boundary);
            _tree.Insert(grids[id].Boundary.EnvelopeInternal, id);
        }
        _tree.Build();
    }

    public string? Locate(double lon, double lat)
    {
        var point = _factory.CreatePoint(new Coordinate(lon, lat));
        _count = 0;
        _tree.Query(point.EnvelopeInternal, this);
        if (_count > 1) Array.Sort(_candidates, 0, _count);   // ids are in code order
        for (var k = 0; k < _count; k++)
        {
            var id = _candidates[k];
            if (_prepared[id].Covers(point)) return _codes[id];
        }
        return null;
    }

    void IItemVisitor<int>.VisitItem(int item)
    {
        if (_count == _candidates.Length) Array.Resize(ref _candidates, _count * 2);
        _candidates[_count++] = item;
    }
}

/// <summary>
/// (b′) For context, not the baseline: what an NTS expert would write for points only. The same
/// STRtree, but each grid gets an <see cref="IndexedPointInAreaLocator"/> queried with the raw coordinate:
/// no Point, no predicate machinery. Locators are built lazily, as in (b).
/// </summary>
internal sealed class LocatorBaseline : IItemVisitor<int>
{
    private readonly STRtree<int> _tree;
    private readonly IndexedPointInAreaLocator[] _locators;
    private readonly Envelope[] _envelopes;
    private readonly string[] _codes;
    private int[] _candidates = new int[16];
    private int _count;

    public LocatorBaseline(IReadOnlyList<BenchGrid> grids)
    {
        _tree = new STRtree<int>();
        _locators = new IndexedPointInAreaLocator[grids.Count];
        _envelopes = new Envelope[grids.Count];
        _codes = new string[grids.Count];
        for (var id = 0; id < grids.Count; id++)
        {
            _codes[id] = grids[id].Code;
            _envelopes[id] = grids[id].Boundary.EnvelopeInternal;
            _locators[id] = new IndexedPointInAreaLocator(grids[id].Boundary);
            _tree.Insert(_envelopes[id], id);
        }
        _tree.Build();
    }

    public string? Locate(double lon, double lat)
    {
        var coordinate = new Coordinate(lon, lat);
        _count = 0;
        _tree.Query(new Envelope(coordinate), this);
        if (_count > 1) Array.Sort(_candidates, 0, _count);
        for (var k = 0; k < _count; k++)
        {
            var id = _candidates[k];
            if (_locators[id].Locate(coordinate) != Location.Exterior) return _codes[id];
        }
        return null;
    }

    void IItemVisitor<int>.VisitItem(int item)
    {
        if (_count == _candidates.Length) Array.Resize(ref _candidates, _count * 2);
        _candidates[_count++] = item;
    }
}
