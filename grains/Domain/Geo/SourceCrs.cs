using System.Buffers;
using NetTopologySuite;
using NetTopologySuite.Geometries;
using ProjNet.CoordinateSystems.Transformations;

namespace GridServer.Domain.Geo;

/// <summary>
/// A coordinate system that data comes in, resolved by <see cref="CrsRegistry"/>, with its conversion to and
/// from WGS84 lon/lat (EPSG:4326, degrees), which is what GridServer stores.
/// </summary>
/// <remarks>
/// <para>Axis order is always x = easting or longitude, y = northing or latitude, as in shapefiles, GeoJSON and
/// PostGIS, whatever the EPSG register or a WKT's AXIS says.</para>
/// <para>Instances are immutable and thread-safe: the ProjNET transforms they hold are built once and only read
/// (ProjNET's <c>MathTransform.Invert()</c> reverses a transform in place and <c>Inverse()</c> caches lazily,
/// so neither is ever called on a shared transform).</para>
/// <para>For bulk data (millions of coordinates) use the span or <see cref="Geometry"/> overloads: they convert a
/// whole coordinate sequence per call.</para>
/// </remarks>
public abstract class SourceCrs
{
    private static readonly PrecisionModel Floating = new(PrecisionModels.Floating);

    private protected SourceCrs(string name, int srid, bool isGeographic)
    {
        Name = name;
        Srid = srid;
        IsGeographic = isGeographic;
    }

    /// <summary>A readable name for messages, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549)".</summary>
    public string Name { get; }

    /// <summary>The EPSG code of this system, or 0 when it has none (GCJ-02, BD-09, a .prj without an EPSG authority).</summary>
    public int Srid { get; }

    /// <summary>True for lon/lat systems in degrees (WGS84, CGCS2000, GCJ-02, BD-09); false for projected systems in metres.</summary>
    public bool IsGeographic { get; }

    /// <summary>
    /// How the system's datum reaches WGS 84 and how accurately, for an operator to read beside the result; null when
    /// there is no datum shift (WGS 84, CGCS2000 and the systems on them).
    /// </summary>
    public string? Shift { get; init; }

    /// <summary>One coordinate of this system to WGS84 lon/lat (degrees).</summary>
    public (double Lon, double Lat) ToWgs84(double x, double y)
    {
        ToWgs84Core(ref x, ref y);
        return (x, y);
    }

    /// <summary>One WGS84 lon/lat (degrees) to this system.</summary>
    public (double X, double Y) FromWgs84(double lon, double lat)
    {
        FromWgs84Core(ref lon, ref lat);
        return (lon, lat);
    }

    /// <summary>Converts coordinates of this system to WGS84 lon/lat (degrees) in place: xs become longitudes, ys latitudes.</summary>
    public void ToWgs84(Span<double> xs, Span<double> ys)
    {
        if (xs.Length != ys.Length)
            throw new ArgumentException($"{xs.Length} x values but {ys.Length} y values", nameof(ys));
        ToWgs84Core(xs, ys);
    }

    /// <summary>Converts WGS84 lon/lat (degrees) to this system in place.</summary>
    public void FromWgs84(Span<double> lons, Span<double> lats)
    {
        if (lons.Length != lats.Length)
            throw new ArgumentException($"{lons.Length} longitudes but {lats.Length} latitudes", nameof(lats));
        FromWgs84Core(lons, lats);
    }

    /// <summary>
    /// A new geometry with every coordinate converted to WGS84 lon/lat, SRID 4326; the input is left untouched.
    /// Z and M values are copied unchanged.
    /// </summary>
    /// <remarks>The result has a floating precision model: a fixed model chosen for metres would round degrees.</remarks>
    public Geometry ToWgs84(Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return Convert(geometry, FactoryFor(geometry, 4326), toWgs84: true);
    }

    /// <summary>
    /// A new geometry with every WGS84 lon/lat coordinate converted to this system, SRID <see cref="Srid"/>;
    /// the input is left untouched.
    /// </summary>
    public Geometry FromWgs84(Geometry lonLat)
    {
        ArgumentNullException.ThrowIfNull(lonLat);
        return Convert(lonLat, FactoryFor(lonLat, Srid), toWgs84: false);
    }

    public override string ToString() => Name;

    private protected abstract void ToWgs84Core(ref double x, ref double y);

    private protected abstract void FromWgs84Core(ref double lon, ref double lat);

    private protected virtual void ToWgs84Core(Span<double> xs, Span<double> ys)
    {
        for (var i = 0; i < xs.Length; i++)
            ToWgs84Core(ref xs[i], ref ys[i]);
    }

    private protected virtual void FromWgs84Core(Span<double> lons, Span<double> lats)
    {
        for (var i = 0; i < lons.Length; i++)
            FromWgs84Core(ref lons[i], ref lats[i]);
    }

    private static GeometryFactory FactoryFor(Geometry geometry, int srid) =>
        NtsGeometryServices.Instance.CreateGeometryFactory(Floating, srid, geometry.Factory.CoordinateSequenceFactory);

    private Geometry Convert(Geometry g, GeometryFactory f, bool toWgs84)
    {
        LinearRing Ring(LinearRing r) => f.CreateLinearRing(Convert(r.CoordinateSequence, toWgs84));
        T[] Parts<T>(GeometryCollection c) where T : Geometry
        {
            var parts = new T[c.NumGeometries];
            for (var i = 0; i < parts.Length; i++)
                parts[i] = (T)Convert(c.GetGeometryN(i), f, toWgs84);
            return parts;
        }

        return g switch
        {
            Point p => f.CreatePoint(Convert(p.CoordinateSequence, toWgs84)),
            LinearRing r => Ring(r),
            LineString l => f.CreateLineString(Convert(l.CoordinateSequence, toWgs84)),
            Polygon p => f.CreatePolygon(Ring(p.Shell), Array.ConvertAll(p.Holes, Ring)),
            MultiPoint mp => f.CreateMultiPoint(Parts<Point>(mp)),
            MultiLineString ml => f.CreateMultiLineString(Parts<LineString>(ml)),
            MultiPolygon mpoly => f.CreateMultiPolygon(Parts<Polygon>(mpoly)),
            GeometryCollection gc => f.CreateGeometryCollection(Parts<Geometry>(gc)),
            _ => throw new NotSupportedException($"cannot convert a {g.GeometryType}"),
        };
    }

    private CoordinateSequence Convert(CoordinateSequence source, bool toWgs84)
    {
        var result = source.Copy(); // keeps the sequence type, Z and M
        var n = result.Count;
        if (n == 0)
            return result;
        var buffer = ArrayPool<double>.Shared.Rent(2 * n);
        try
        {
            var xs = buffer.AsSpan(0, n);
            var ys = buffer.AsSpan(n, n);
            for (var i = 0; i < n; i++)
            {
                xs[i] = source.GetX(i);
                ys[i] = source.GetY(i);
            }
            if (toWgs84)
                ToWgs84Core(xs, ys);
            else
                FromWgs84Core(xs, ys);
            for (var i = 0; i < n; i++)
            {
                result.SetX(i, xs[i]);
                result.SetY(i, ys[i]);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
        return result;
    }
}

/// <summary>A lon/lat system in degrees taken as identical to WGS84 (WGS84 itself, CGCS2000).</summary>
internal sealed class SameAsWgs84Crs(string name, int srid) : SourceCrs(name, srid, isGeographic: true)
{
    private protected override void ToWgs84Core(ref double x, ref double y) { }

    private protected override void FromWgs84Core(ref double lon, ref double lat) { }

    private protected override void ToWgs84Core(Span<double> xs, Span<double> ys) { }

    private protected override void FromWgs84Core(Span<double> lons, Span<double> lats) { }
}

/// <summary>GCJ-02 or BD-09: lon/lat in degrees shifted by a published formula.</summary>
internal sealed class OffsetCrs(
    string name,
    Func<double, double, (double Lon, double Lat)> toWgs84,
    Func<double, double, (double Lon, double Lat)> fromWgs84) : SourceCrs(name, srid: 0, isGeographic: true)
{
    private protected override void ToWgs84Core(ref double x, ref double y) => (x, y) = toWgs84(x, y);

    private protected override void FromWgs84Core(ref double lon, ref double lat) => (lon, lat) = fromWgs84(lon, lat);
}

/// <summary>A system converted by ProjNET: a projection, a datum shift, or both.</summary>
internal sealed class ProjNetCrs(string name, int srid, MathTransform toWgs84, MathTransform fromWgs84, bool isGeographic = false)
    : SourceCrs(name, srid, isGeographic)
{
    private protected override void ToWgs84Core(ref double x, ref double y) => toWgs84.Transform(ref x, ref y);

    private protected override void FromWgs84Core(ref double lon, ref double lat) => fromWgs84.Transform(ref lon, ref lat);

    private protected override void ToWgs84Core(Span<double> xs, Span<double> ys) => toWgs84.Transform(xs, ys, 1, 1);

    private protected override void FromWgs84Core(Span<double> lons, Span<double> lats) => fromWgs84.Transform(lons, lats, 1, 1);
}

/// <summary>A city's independent grid: plane coordinates taken to its base system by a <see cref="PlaneSimilarity"/>.</summary>
internal sealed class LocalPlaneCrs(string name, SourceCrs baseCrs, PlaneSimilarity plane) : SourceCrs(name, srid: 0, isGeographic: false)
{
    private protected override void ToWgs84Core(ref double x, ref double y)
    {
        var (e, n) = plane.Forward(x, y);
        (x, y) = baseCrs.ToWgs84(e, n);
    }

    private protected override void FromWgs84Core(ref double lon, ref double lat)
    {
        var (e, n) = baseCrs.FromWgs84(lon, lat);
        (lon, lat) = plane.Inverse(e, n);
    }

    private protected override void ToWgs84Core(Span<double> xs, Span<double> ys)
    {
        for (var i = 0; i < xs.Length; i++) (xs[i], ys[i]) = plane.Forward(xs[i], ys[i]);
        baseCrs.ToWgs84(xs, ys);
    }

    private protected override void FromWgs84Core(Span<double> lons, Span<double> lats)
    {
        baseCrs.FromWgs84(lons, lats);
        for (var i = 0; i < lons.Length; i++) (lons[i], lats[i]) = plane.Inverse(lons[i], lats[i]);
    }
}
