using GridServer.Plugins.Contracts;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GridServer.Tests.Modules;

/// <summary>
/// The server's reference lookup as the duty modules' tests need it: records of any set held in memory, areas as WKT
/// (lon/lat, EPSG:4326), points as lon/lat. Covering and distance are computed with NetTopologySuite in a local
/// projection in metres around the point asked about (equirectangular, good to well under a metre within 1 km).
/// </summary>
internal sealed class TestReferenceLookup : IReferenceLookup
{
    private const double EarthRadiusMetres = 6_371_008.8;
    private static readonly WKTReader Wkt = new();
    private readonly Dictionary<string, SortedDictionary<string, (ReferenceRecord Record, Geometry? Area)>> _sets = new(StringComparer.Ordinal);

    /// <summary>Adds a record of an area set: its area as WKT; the record's position is a point inside the area.</summary>
    public TestReferenceLookup Area(string set, string key, string wkt, params (string Name, string Value)[] fields)
    {
        var area = Wkt.Read(wkt);
        var inside = area.InteriorPoint;
        return Add(set, new ReferenceRecord(key, Fields(fields), inside.X, inside.Y), area);
    }

    /// <summary>Adds a record of a point set at lon/lat.</summary>
    public TestReferenceLookup Point(string set, string key, double longitude, double latitude, params (string Name, string Value)[] fields) =>
        Add(set, new ReferenceRecord(key, Fields(fields), longitude, latitude), null);

    /// <summary>Adds a record as it is (no shape, or a hostile one).</summary>
    public TestReferenceLookup Add(string set, ReferenceRecord record, Geometry? area = null)
    {
        if (!_sets.TryGetValue(set, out var records)) _sets[set] = records = new(StringComparer.Ordinal);
        records[record.Key] = (record, area);
        return this;
    }

    public ReferenceRecord? Find(string dataSet, string key) =>
        _sets.TryGetValue(dataSet, out var records) && records.TryGetValue(key, out var found) ? found.Record : null;

    public IReadOnlyList<ReferenceRecord> Covering(string dataSet, double longitude, double latitude)
    {
        var point = new Point(longitude, latitude);
        return [.. Records(dataSet).Where(r => r.Area is not null && r.Area.Covers(point))
            .OrderBy(r => Local(r.Area!, longitude, latitude).Area).Select(r => r.Record)];
    }

    public IReadOnlyList<ReferenceMatch> Near(string dataSet, double longitude, double latitude, double withinMetres)
    {
        var within = Math.Min(withinMetres, 1000);
        return [.. Records(dataSet)
            .Select(r => new ReferenceMatch(r.Record, DistanceMetres(r, longitude, latitude)))
            .Where(m => m.DistanceMetres <= within)
            .OrderBy(m => m.DistanceMetres).ThenBy(m => m.Record.Key, StringComparer.Ordinal)];
    }

    public IReadOnlyList<ReferenceRecord> All(string dataSet) => [.. Records(dataSet).Select(r => r.Record)];

    private List<(ReferenceRecord Record, Geometry? Area)> Records(string set) =>
        _sets.TryGetValue(set, out var records) ? [.. records.Values] : [];

    private static double DistanceMetres((ReferenceRecord Record, Geometry? Area) record, double longitude, double latitude)
    {
        if (record.Area is not null) return Local(record.Area, longitude, latitude).Distance(new Point(0, 0));
        if (record.Record.Longitude is not { } lon || record.Record.Latitude is not { } lat) return double.PositiveInfinity;
        var (x, y) = Project(lon, lat, longitude, latitude);
        return Math.Sqrt(x * x + y * y);
    }

    // The geometry in metres east and north of the origin (lon0, lat0).
    private static Geometry Local(Geometry lonLat, double lon0, double lat0)
    {
        var local = lonLat.Copy();
        local.Apply(new Projection(lon0, lat0));
        return local;
    }

    private static (double X, double Y) Project(double lon, double lat, double lon0, double lat0)
    {
        var cosLat0 = Math.Cos(double.DegreesToRadians(lat0));
        return (double.DegreesToRadians(lon - lon0) * cosLat0 * EarthRadiusMetres, double.DegreesToRadians(lat - lat0) * EarthRadiusMetres);
    }

    private sealed class Projection(double lon0, double lat0) : IEntireCoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq)
        {
            for (var i = 0; i < seq.Count; i++)
            {
                var (x, y) = Project(seq.GetX(i), seq.GetY(i), lon0, lat0);
                seq.SetX(i, x);
                seq.SetY(i, y);
            }
        }
    }

    private static Dictionary<string, string> Fields((string Name, string Value)[] fields) =>
        fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);
}
