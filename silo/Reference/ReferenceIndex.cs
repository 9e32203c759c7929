using System.Collections.Frozen;
using System.Collections.Immutable;
using GridServer.Abstractions.Reference;
using GridServer.Domain.Spatial;
using GridServer.Plugins.Contracts;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.IO;

namespace GridServer.Silo.Reference;

/// <summary>
/// One reference data set in memory at one version: its records by key and, for a set with shapes, an R-tree of
/// them. Immutable once built, so a module reads a consistent set while a newer version is being built.
/// </summary>
public sealed class ReferenceSetIndex
{
    /// <summary>The farthest <see cref="Near"/> looks, in metres.</summary>
    public const double MaxNearMetres = 1_000;

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    private sealed record Entry(ReferenceRecord Record, Geometry Shape, IPreparedGeometry Prepared, double Area);

    private readonly FrozenDictionary<string, ReferenceRecord> _byKey;
    private readonly ImmutableArray<ReferenceRecord> _ordered;
    private readonly STRtree<Entry>? _shapes;
    private readonly FrozenDictionary<string, Geometry> _shapeByKey;

    private ReferenceSetIndex(string name, long version, FrozenDictionary<string, ReferenceRecord> byKey, ImmutableArray<ReferenceRecord> ordered,
        STRtree<Entry>? shapes, FrozenDictionary<string, Geometry> shapeByKey)
    {
        _shapeByKey = shapeByKey;
        Name = name;
        Version = version;
        _byKey = byKey;
        _ordered = ordered;
        _shapes = shapes;
    }

    public string Name { get; }

    /// <summary>The stored set's version this index was built from.</summary>
    public long Version { get; }

    public int Count => _ordered.Length;

    public static ReferenceSetIndex Empty(string name) => new(name, -1, FrozenDictionary<string, ReferenceRecord>.Empty, [], null, FrozenDictionary<string, Geometry>.Empty);

    /// <summary>Indexes a stored set. A record whose stored shape cannot be read keeps its key and fields but has no shape.</summary>
    public static ReferenceSetIndex Build(ReferenceSetData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var reader = new WKTReader(Factory.GeometryServices);
        var byKey = new Dictionary<string, ReferenceRecord>(data.Records.Length, StringComparer.Ordinal);
        var ordered = ImmutableArray.CreateBuilder<ReferenceRecord>(data.Records.Length);
        STRtree<Entry>? shapes = null;
        var shapeByKey = new Dictionary<string, Geometry>(StringComparer.Ordinal);
        foreach (var stored in data.Records)
        {
            var record = new ReferenceRecord(stored.Key, stored.Fields, stored.Lon, stored.Lat);
            byKey[stored.Key] = record;
            ordered.Add(record);
            if (stored.Wkt is null) continue;
            Geometry shape;
            try
            {
                shape = reader.Read(stored.Wkt);
            }
            catch (ParseException)
            {
                continue;   // checked at import; a stored shape that no longer reads is served without its shape
            }
            shapeByKey[stored.Key] = shape;
            shapes ??= new STRtree<Entry>();
            shapes.Insert(shape.EnvelopeInternal, new Entry(record, shape, PreparedGeometryFactory.Prepare(shape), shape.Area));
        }
        shapes?.Build();
        return new ReferenceSetIndex(data.Name, data.Version, byKey.ToFrozenDictionary(StringComparer.Ordinal), ordered.MoveToImmutable(), shapes,
            shapeByKey.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public ReferenceRecord? Find(string key) => key is null ? null : _byKey.GetValueOrDefault(key);

    public IReadOnlyList<ReferenceRecord> All() => _ordered;

    /// <summary>A record's shape (WGS84 lon/lat), or null for a record without one.</summary>
    public Geometry? Shape(string key) => _shapeByKey.GetValueOrDefault(key);

    /// <summary>The records whose area covers the point, smallest area first (points cover nothing).</summary>
    public IReadOnlyList<ReferenceRecord> Covering(double lon, double lat)
    {
        if (_shapes is null || !double.IsFinite(lon) || !double.IsFinite(lat)) return [];
        var point = Factory.CreatePoint(new Coordinate(lon, lat));
        return [.. _shapes.Query(point.EnvelopeInternal)
            .Where(e => e.Shape.Dimension == Dimension.Surface && e.Prepared.Covers(point))
            .OrderBy(e => e.Area).ThenBy(e => e.Record.Key, StringComparer.Ordinal)
            .Select(e => e.Record)];
    }

    /// <summary>The records within <paramref name="withinMetres"/> (at most <see cref="MaxNearMetres"/>) of the point, nearest first.</summary>
    /// <remarks>Distances are measured in the local tangent plane at the point (<see cref="LocalMetric"/>): exact to well under a metre within a kilometre.</remarks>
    public IReadOnlyList<ReferenceMatch> Near(double lon, double lat, double withinMetres)
    {
        if (_shapes is null || !double.IsFinite(lon) || !double.IsFinite(lat) || lat is < -89 or > 89 || !(withinMetres >= 0)) return [];
        var radius = Math.Min(withinMetres, MaxNearMetres);
        var metric = LocalMetric.At(lat);
        var (dLon, dLat) = (radius / metric.MetresPerDegreeLon, radius / metric.MetresPerDegreeLat);
        var search = new Envelope(lon - dLon, lon + dLon, lat - dLat, lat + dLat);
        var point = Factory.CreatePoint(new Coordinate(lon, lat));
        var found = new List<ReferenceMatch>();
        foreach (var entry in _shapes.Query(search))
        {
            var distance = Distance(entry, point, metric);
            if (distance <= radius) found.Add(new ReferenceMatch(entry.Record, distance));
        }
        return [.. found.OrderBy(m => m.DistanceMetres).ThenBy(m => m.Record.Key, StringComparer.Ordinal)];
    }

    private static double Distance(Entry entry, Point point, LocalMetric metric)
    {
        if (entry.Shape.Dimension == Dimension.Surface && entry.Prepared.Covers(point)) return 0;
        var (px, py) = (point.X, point.Y);
        var coordinates = entry.Shape.Coordinates;
        if (coordinates.Length == 1)
        {
            var dx = (coordinates[0].X - px) * metric.MetresPerDegreeLon;
            var dy = (coordinates[0].Y - py) * metric.MetresPerDegreeLat;
            return Math.Sqrt(dx * dx + dy * dy);
        }
        // The nearest edge of any ring or line: every consecutive pair within each part.
        var best = double.PositiveInfinity;
        for (var g = 0; g < entry.Shape.NumGeometries; g++)
        {
            var part = entry.Shape.GetGeometryN(g);
            IEnumerable<Geometry> lines = part is Polygon polygon ? [polygon.ExteriorRing, .. polygon.InteriorRings] : [part];
            foreach (var line in lines)
            {
                var c = line.Coordinates;
                if (c.Length == 1) best = Math.Min(best, metric.PointSegmentDistance(px, py, c[0].X, c[0].Y, c[0].X, c[0].Y));
                for (var i = 1; i < c.Length; i++) best = Math.Min(best, metric.PointSegmentDistance(px, py, c[i - 1].X, c[i - 1].Y, c[i].X, c[i].Y));
            }
        }
        return best;
    }
}

/// <summary>
/// A module's view of the reference data: only the sets it keeps, each as indexed at the moment the view was made.
/// A set the module does not keep answers as an empty one.
/// </summary>
public sealed class ReferenceLookup(IReadOnlyDictionary<string, ReferenceSetIndex> sets) : IReferenceLookup
{
    public static readonly ReferenceLookup None = new(new Dictionary<string, ReferenceSetIndex>());

    private ReferenceSetIndex? Set(string dataSet) => dataSet is null ? null : sets.GetValueOrDefault(dataSet);

    public ReferenceRecord? Find(string dataSet, string key) => Set(dataSet)?.Find(key);

    public IReadOnlyList<ReferenceRecord> Covering(string dataSet, double longitude, double latitude) => Set(dataSet)?.Covering(longitude, latitude) ?? [];

    public IReadOnlyList<ReferenceMatch> Near(string dataSet, double longitude, double latitude, double withinMetres) =>
        Set(dataSet)?.Near(longitude, latitude, withinMetres) ?? [];

    public IReadOnlyList<ReferenceRecord> All(string dataSet) => Set(dataSet)?.All() ?? [];
}
