using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Geo;
using NetTopologySuite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Xunit.Abstractions;
using static GridServer.Tests.Geo.GeoReference;

namespace GridServer.Tests.Geo;

public class CrsRegistryTests(ITestOutputHelper output)
{
    /// <summary>EPSG:4549 as ArcGIS writes it into a .prj: ESRI names, "Gauss_Kruger", no authority.</summary>
    private const string EsriPrj4549 =
        """PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]""";

    /// <summary>EPSG:4549 in OGC WKT 1 as GDAL writes it, with the register's northing-first AXIS order.</summary>
    private const string OgcWkt4549 =
        """
        PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",
            GEOGCS["China Geodetic Coordinate System 2000",
                DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],
                PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],
                UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],
                AUTHORITY["EPSG","4490"]],
            PROJECTION["Transverse_Mercator"],
            PARAMETER["latitude_of_origin",0],
            PARAMETER["central_meridian",120],
            PARAMETER["scale_factor",1],
            PARAMETER["false_easting",500000],
            PARAMETER["false_northing",0],
            UNIT["metre",1,AUTHORITY["EPSG","9001"]],
            AXIS["Northing",NORTH],
            AXIS["Easting",EAST],
            AUTHORITY["EPSG","4549"]]
        """;

    private const string EsriGcsCgcs2000 =
        """GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]""";

    private const string EsriGcsBeijing1954 =
        """GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]""";

    private const string EsriXian1980Gk120 =
        """PROJCS["Xian_1980_3_Degree_GK_CM_120E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]""";

    /// <summary>Any 3-degree zone, 4513–4554, and a point within 1.5° of its central meridian.</summary>
    private static readonly Arbitrary<(int Code, double Lon, double Lat)> ZonePoints =
        (from code in Gen.Choose(4513, 4554)
         from dLon in Uniform(-1.5, 1.5)
         from lat in Uniform(3, 54)
         select (code, CentralMeridian(code) + dLon, lat)).ToArbitrary();

    /// <summary>Any 3-degree zone and a projected point up to 150 km either side of the central meridian, 3°N to 54°N.</summary>
    private static readonly Arbitrary<(int Code, double Easting, double Northing)> ZoneCoordinates =
        (from code in Gen.Choose(4513, 4554)
         from dE in Uniform(-150_000, 150_000)
         from northing in Uniform(330_000, 5_980_000)
         select (code, FalseEasting(code) + dE, northing)).ToArbitrary();

    private static SourceCrs Epsg(int code) => CrsRegistry.Resolve($"EPSG:{code}");

    [Property(MaxTest = 1000)]
    public Property GaussKruger_Wgs84ToProjectedToWgs84_RoundTripsWithin1mm() =>
        Prop.ForAll(ZonePoints, p =>
        {
            var crs = Epsg(p.Code);
            var (e, n) = crs.FromWgs84(p.Lon, p.Lat);
            var (lon, lat) = crs.ToWgs84(e, n);
            return Metres(p.Lon, p.Lat, lon, lat) < 0.001;
        });

    [Property(MaxTest = 1000)]
    public Property GaussKruger_ProjectedToWgs84ToProjected_RoundTripsWithin1mm() =>
        Prop.ForAll(ZoneCoordinates, p =>
        {
            var crs = Epsg(p.Code);
            var (lon, lat) = crs.ToWgs84(p.Easting, p.Northing);
            var (e, n) = crs.FromWgs84(lon, lat);
            return Math.Sqrt((e - p.Easting) * (e - p.Easting) + (n - p.Northing) * (n - p.Northing)) < 0.001;
        });

    [Property(MaxTest = 1000)]
    public Property GaussKruger_AnyZone_AgreesWithKrugerSeriesWithin1mm() =>
        Prop.ForAll(ZonePoints, p =>
        {
            var (e, n) = Epsg(p.Code).FromWgs84(p.Lon, p.Lat);
            var (re, rn) = KrugerTransverseMercator(p.Lon, p.Lat, CentralMeridian(p.Code), FalseEasting(p.Code));
            return Math.Abs(e - re) < 0.001 && Math.Abs(n - rn) < 0.001;
        });

    /// <summary>Measures how far ProjNET's Transverse Mercator (Snyder's series) strays from Krüger's at the zone edge and beyond.</summary>
    [Fact]
    public void GaussKruger_FarFromCentralMeridian_MeasuredAgainstKrugerSeries()
    {
        var crs = Epsg(4549);
        foreach (var dLon in new[] { 1.5, 2.0, 3.0 })
        {
            var worst = 0.0;
            var worstRoundTrip = 0.0;
            for (var lat = 3.0; lat <= 54; lat += 0.5)
            {
                var (e, n) = crs.FromWgs84(120 + dLon, lat);
                var (re, rn) = KrugerTransverseMercator(120 + dLon, lat, 120, 500_000);
                worst = Math.Max(worst, Math.Max(Math.Abs(e - re), Math.Abs(n - rn)));
                var (lon, la) = crs.ToWgs84(e, n);
                worstRoundTrip = Math.Max(worstRoundTrip, Metres(120 + dLon, lat, lon, la));
            }
            output.WriteLine($"{dLon}° from CM: ProjNET vs Krüger {worst * 1000:F4} mm, round trip {worstRoundTrip * 1000:F4} mm");
            if (dLon <= 1.5)
            {
                Assert.True(worst < 0.001, $"{worst * 1000} mm at {dLon}°");
                Assert.True(worstRoundTrip < 0.001, $"{worstRoundTrip * 1000} mm at {dLon}°");
            }
        }
    }

    [Fact]
    public void Epsg4549_CentralMeridianAt28N_HasEasting500000AndMeridianArcNorthing()
    {
        var (e, n) = Epsg(4549).FromWgs84(120, 28);
        var arc = MeridianArcMetres(28, Cgcs2000A, Cgcs2000InverseFlattening);
        output.WriteLine($"EPSG:4549 (120E, 28N) = ({e:F4}, {n:F4}); meridian arc by integration {arc:F4} m");
        Assert.Equal(500_000.0, e, 1e-6);
        Assert.Equal(arc, n, 0.001);
        Assert.InRange(n, 3_097_000, 3_099_000);
    }

    [Fact]
    public void Epsg4527_ZonePrefixedEasting_Is39MillionMoreThanEpsg4548()
    {
        // Zone 39 has central meridian 117°E, the same as EPSG:4548 (CM 117E).
        var (ePrefixed, nPrefixed) = Epsg(4527).FromWgs84(117.8, 31.2);
        var (e, n) = Epsg(4548).FromWgs84(117.8, 31.2);
        Assert.Equal(e + 39_000_000, ePrefixed, 1e-6);
        Assert.Equal(n, nPrefixed, 1e-6);
        Assert.Equal(39_500_000, Epsg(4527).FromWgs84(117, 31.2).X, 1e-6);
    }

    [Property(MaxTest = 500)]
    public Property WebMercator_RoundTripsWithin1mm() =>
        Prop.ForAll((from lon in Uniform(-180, 180) from lat in Uniform(-85, 85) select (lon, lat)).ToArbitrary(), p =>
        {
            var crs = CrsRegistry.Resolve("EPSG:3857");
            var (x, y) = crs.FromWgs84(p.lon, p.lat);
            var (lon, lat) = crs.ToWgs84(x, y);
            return Metres(p.lon, p.lat, lon, lat) < 0.001;
        });

    [Fact]
    public void WebMercator_Lon120Lat28_MatchesSphericalFormula()
    {
        const double r = 6378137;
        var expectedY = r * Math.Log(Math.Tan(Math.PI / 4 + double.DegreesToRadians(28) / 2));
        var (x, y) = CrsRegistry.Resolve("webmercator").FromWgs84(120, 28);
        output.WriteLine($"EPSG:3857 (120, 28) = ({x:F4}, {y:F4}); spherical formula y = {expectedY:F4}");
        Assert.Equal(13_358_338.895, x, 0.001);
        Assert.Equal(r * double.DegreesToRadians(120), x, 1e-6);
        Assert.Equal(expectedY, y, 0.001);
    }

    [Theory]
    [InlineData(EsriPrj4549, 0)]
    [InlineData(OgcWkt4549, 4549)]
    public void PrjWkt_Epsg4549_AgreesWithBuiltInWithin1mm(string wkt, int srid)
    {
        var prj = CrsRegistry.Resolve(wkt);
        var builtIn = Epsg(4549);
        Assert.False(prj.IsGeographic);
        Assert.Equal(srid, prj.Srid);
        var random = new Random(4549);
        for (var i = 0; i < 2000; i++)
        {
            var lon = 118.5 + 3 * random.NextDouble();
            var lat = 18 + 36 * random.NextDouble();
            var (e1, n1) = prj.FromWgs84(lon, lat);
            var (e2, n2) = builtIn.FromWgs84(lon, lat);
            Assert.True(Math.Abs(e1 - e2) < 0.001 && Math.Abs(n1 - n2) < 0.001, $"({lon}, {lat}): ({e1}, {n1}) vs ({e2}, {n2})");
            var (lon1, lat1) = prj.ToWgs84(e2, n2);
            Assert.True(Metres(lon, lat, lon1, lat1) < 0.001, $"({lon}, {lat}) came back as ({lon1}, {lat1})");
        }
    }

    [Theory]
    [InlineData("wgs84", 4326, true)]
    [InlineData("WGS84", 4326, true)]
    [InlineData("EPSG:4326", 4326, true)]
    [InlineData(" epsg:4326 ", 4326, true)]
    [InlineData("4326", 4326, true)]
    [InlineData("cgcs2000", 4490, true)]
    [InlineData("CGCS2000", 4490, true)]
    [InlineData("EPSG:4490", 4490, true)]
    [InlineData("EPSG:4534", 4534, false)]
    [InlineData("EPSG:4549", 4549, false)]
    [InlineData("4554", 4554, false)]
    [InlineData("EPSG:4513", 4513, false)]
    [InlineData("epsg:4533", 4533, false)]
    [InlineData("EPSG:3857", 3857, false)]
    [InlineData("webmercator", 3857, false)]
    [InlineData("gcj02", 0, true)]
    [InlineData("GCJ-02", 0, true)]
    [InlineData("BD09", 0, true)]
    public void Resolve_KnownSpec_GivesSystem(string spec, int srid, bool geographic)
    {
        var crs = CrsRegistry.Resolve(spec);
        Assert.Equal(srid, crs.Srid);
        Assert.Equal(geographic, crs.IsGeographic);
        Assert.Same(crs, CrsRegistry.Resolve(spec));
    }

    [Fact]
    public void Resolve_GeographicSystems_ConvertAsDocumented()
    {
        Assert.Equal((120.5, 28.5), CrsRegistry.Resolve("cgcs2000").ToWgs84(120.5, 28.5));
        Assert.Equal((120.5, 28.5), CrsRegistry.Resolve("wgs84").FromWgs84(120.5, 28.5));
        Assert.Equal(ChineseOffsets.Gcj02ToWgs84(120.5, 28.5), CrsRegistry.Resolve("gcj02").ToWgs84(120.5, 28.5));
        Assert.Equal(ChineseOffsets.Wgs84ToBd09(120.5, 28.5), CrsRegistry.Resolve("bd09").FromWgs84(120.5, 28.5));
        var prj = CrsRegistry.Resolve(EsriGcsCgcs2000);
        Assert.True(prj.IsGeographic);
        Assert.Equal((120.5, 28.5), prj.ToWgs84(120.5, 28.5));
    }

    [Fact]
    public void Resolve_GeographicWktInGrads_IsRefusedNamingTheUnit()
    {
        // ProjNET 2.0 would hand grads back unchanged as if they were degrees.
        var e = Assert.Throws<CrsException>(() => CrsRegistry.Resolve(
            """GEOGCS["WGS 84 in grads",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["grad",0.015707963267948967]]"""));
        output.WriteLine(e.Message);
        Assert.Contains("'grad'", e.Message, StringComparison.Ordinal);
        Assert.Contains("degrees from Greenwich", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EPSG:9999", "'EPSG:9999'")]
    [InlineData("utm50n", "'utm50n'")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData(null, "empty")]
    [InlineData("""PROJCS["broken",GEOGCS[""", "PROJCS[\"broken\"")]
    [InlineData("""GEOGCS["nonsense"]]]""", "GEOGCS[\"nonsense\"")]
    public void Resolve_BadSpec_ThrowsNamingInputAndAlternatives(string? spec, string named)
    {
        var e = Assert.Throws<CrsException>(() => CrsRegistry.Resolve(spec));
        output.WriteLine(e.Message);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("EPSG:4534-4554", e.Message, StringComparison.Ordinal);
        Assert.False(CrsRegistry.TryResolve(spec, out _, out var error));
        Assert.Equal(e.Message, error);
    }

    [Theory]
    [InlineData(EsriGcsBeijing1954, "D_Beijing_1954")]
    [InlineData(EsriXian1980Gk120, "D_Xian_1980")]
    public void Resolve_WktOnUnsupportedDatum_IsRefusedNamingTheDatum(string wkt, string datum)
    {
        var e = Assert.Throws<CrsException>(() => CrsRegistry.Resolve(wkt));
        output.WriteLine(e.Message);
        Assert.Contains(datum, e.Message, StringComparison.Ordinal);
        Assert.Contains("CGCS2000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WktWithUnsupportedProjection_IsRefusedNamingIt()
    {
        var wkt = EsriPrj4549.Replace("Gauss_Kruger", "Robinson", StringComparison.Ordinal);
        var e = Assert.Throws<CrsException>(() => CrsRegistry.Resolve(wkt));
        output.WriteLine(e.Message);
        Assert.Contains("Robinson", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToWgs84_PolygonWithHole_GivesNewGeometryInSrid4326AndLeavesInputAlone()
    {
        var crs = Epsg(4549);
        var (e0, n0) = crs.FromWgs84(120.65, 28.01);
        var wkt = FormattableString.Invariant(
            $"POLYGON(({e0} {n0}, {e0 + 200} {n0}, {e0 + 200} {n0 + 200}, {e0} {n0 + 200}, {e0} {n0}), ({e0 + 50} {n0 + 50}, {e0 + 50} {n0 + 150}, {e0 + 150} {n0 + 150}, {e0 + 50} {n0 + 50}))");
        var input = new WKTReader(new NtsGeometryServices(new PrecisionModel(1000), 4549)).Read(wkt);
        var before = input.Copy();

        var result = crs.ToWgs84(input);

        Assert.True(input.EqualsExact(before));
        Assert.Equal(4549, input.SRID);
        Assert.Equal(4326, result.SRID);
        var polygon = Assert.IsType<Polygon>(result);
        Assert.Equal(1, polygon.NumInteriorRings);
        Assert.True(polygon.IsValid);
        var inputCoordinates = input.Coordinates;
        var resultCoordinates = result.Coordinates;
        Assert.Equal(inputCoordinates.Length, resultCoordinates.Length);
        for (var i = 0; i < inputCoordinates.Length; i++)
        {
            var (lon, lat) = crs.ToWgs84(inputCoordinates[i].X, inputCoordinates[i].Y);
            Assert.Equal(lon, resultCoordinates[i].X, 1e-12);
            Assert.Equal(lat, resultCoordinates[i].Y, 1e-12);
        }
        Assert.Equal(120.65, resultCoordinates[0].X, 1e-7); // the metre precision model of the input is not applied to degrees

        var back = crs.FromWgs84(result);
        Assert.Equal(4549, back.SRID);
        Assert.True(back.EqualsExact(before, 0.001));
    }

    [Fact]
    public void ToWgs84_CollectionWithZ_KeepsStructureAndZ()
    {
        var crs = CrsRegistry.Resolve("gcj02");
        var input = new WKTReader().Read(
            "GEOMETRYCOLLECTION(POINT Z(120.7 28.0 12.5), LINESTRING(120.7 28.0, 120.71 28.01), MULTIPOLYGON(((120.7 28.0, 120.71 28.0, 120.71 28.01, 120.7 28.0))))");
        var result = crs.ToWgs84(input);
        Assert.Equal(3, result.NumGeometries);
        Assert.IsType<Point>(result.GetGeometryN(0));
        Assert.IsType<LineString>(result.GetGeometryN(1));
        Assert.IsType<MultiPolygon>(result.GetGeometryN(2));
        Assert.Equal(12.5, result.GetGeometryN(0).Coordinate.Z);
        Assert.Equal(ChineseOffsets.Gcj02ToWgs84(120.7, 28.0), (result.Coordinate.X, result.Coordinate.Y));
    }

    [Theory]
    [InlineData("wgs84", PointCrs.Wgs84)]
    [InlineData("GCJ02", PointCrs.Gcj02)]
    [InlineData("gcj-02", PointCrs.Gcj02)]
    [InlineData("bd09", PointCrs.Bd09)]
    [InlineData("bd09ll", PointCrs.Bd09)]
    [InlineData(" cgcs2000 ", PointCrs.Cgcs2000)]
    public void PointCrs_KnownName_Parses(string text, PointCrs expected)
    {
        Assert.Equal(expected, PointCrsExtensions.Parse(text));
        Assert.Equal(expected, PointCrsExtensions.Parse(expected.ToSpec()));
    }

    [Theory]
    [InlineData("bd09mc", "'bd09mc'")]
    [InlineData("EPSG:4549", "'EPSG:4549'")]
    [InlineData("", "empty")]
    [InlineData(null, "empty")]
    public void PointCrs_UnknownName_RefusedWithReason(string? text, string reason)
    {
        Assert.False(PointCrsExtensions.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains("wgs84, gcj02, bd09 or cgcs2000", error, StringComparison.Ordinal);
        Assert.Throws<CrsException>(() => PointCrsExtensions.Parse(text));
    }

    [Fact]
    public void PointCrs_ToWgs84_UsesTheOffsetOfEachSystem()
    {
        const double lon = 120.7, lat = 28.0;
        Assert.Equal((lon, lat), PointCrs.Wgs84.ToWgs84(lon, lat));
        Assert.Equal((lon, lat), PointCrs.Cgcs2000.ToWgs84(lon, lat));
        Assert.Equal(ChineseOffsets.Gcj02ToWgs84(lon, lat), PointCrs.Gcj02.ToWgs84(lon, lat));
        Assert.Equal(ChineseOffsets.Bd09ToWgs84(lon, lat), PointCrs.Bd09.ToWgs84(lon, lat));
        var (bLon, bLat) = PointCrs.Bd09.FromWgs84(lon, lat);
        var (wLon, wLat) = PointCrs.Bd09.ToWgs84(bLon, bLat);
        Assert.True(Metres(lon, lat, wLon, wLat) < ChineseOffsets.RoundTripAccuracyMetres);
    }
}
