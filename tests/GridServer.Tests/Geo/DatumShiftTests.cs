using System.Globalization;
using GridServer.Domain.Geo;
using GridServer.Tests.Support;
using Npgsql;

namespace GridServer.Tests.Geo;

/// <summary>
/// Coordinate systems beyond WGS 84 and CGCS2000: any EPSG code of the table, datum shifts by TOWGS84 (declared, or the
/// bureau's by name), datums taken as WGS 84, and a city's independent grid by four plane parameters. Each is checked
/// against PostGIS's ST_Transform (PROJ) given the same parameters as a PROJ string, and the plane similarity against
/// PostGIS's ST_Affine: code that shares nothing with ProjNET.
/// </summary>
public sealed class DatumShiftTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private const string Wgs84Proj = "+proj=longlat +datum=WGS84 +no_defs";

    /// <summary>Xi'an 1980 to WGS 84: seven parameters of the kind a surveying bureau publishes for its area (position vector).</summary>
    private static readonly double[] Xian80Parameters = [24.7, -122.9, -93.6, 0.83, -0.47, 1.92, 2.6];

    private const string Xian80Proj120 = "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +a=6378140 +rf=298.257 " +
        "+towgs84=24.7,-122.9,-93.6,0.83,-0.47,1.92,2.6 +units=m +no_defs";

    /// <summary>A Wenzhou-like independent grid: CGCS2000 Transverse Mercator on the city's own meridian, then four plane parameters.</summary>
    private const string CityMeridianWkt =
        """PROJCS["CGCS2000 / TM 120.65E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",120.65],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]""";

    private const string CityMeridianProj = "+proj=tmerc +lat_0=0 +lon_0=120.65 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs";

    private static readonly PlaneSimilarity CityPlane = new(East: 500_123.456, North: 3_098_765.432, RotationSeconds: 152.7, ScalePpm: 41.3);

    /// <summary>NAD83 / New York Long Island (ftUS) as ArcGIS writes its .prj: ESRI names, no TOWGS84, feet.</summary>
    private const string EsriStatePlaneNyLi =
        """PROJCS["NAD_1983_StatePlane_New_York_Long_Island_FIPS_3104_Feet",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",984250.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",-74.0],PARAMETER["Standard_Parallel_1",40.66666666666666],PARAMETER["Standard_Parallel_2",41.03333333333333],PARAMETER["Latitude_Of_Origin",40.16666666666666],UNIT["Foot_US",0.3048006096012192]]""";

    private const string NyLiProj = "+proj=lcc +lat_0=40.16666666666666 +lon_0=-74 +lat_1=41.03333333333333 +lat_2=40.66666666666666 " +
        "+x_0=300000 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=us-ft +no_defs";

    /// <summary>Beijing 1954 as ArcGIS writes it: no TOWGS84.</summary>
    private const string EsriBeijing1954Gk117 =
        """PROJCS["Beijing_1954_3_Degree_GK_CM_117E",GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]""";

    [PostgisFact]
    public async Task StatePlaneFeet_ByEpsgCodeAndByEsriPrj_AgreeWithPostgis()
    {
        var byCode = CrsRegistry.Resolve("EPSG:2263");
        var byPrj = CrsRegistry.Resolve(EsriStatePlaneNyLi);
        (double X, double Y)[] points = [(984_250, 200_000), (1_050_000, 150_000), (900_000, 250_000)];   // feet, Long Island and Manhattan

        foreach (var (x, y) in points)
        {
            var expected = await PostgisLonLatAsync(NyLiProj, x, y);
            AssertClose(expected, byCode.ToWgs84(x, y), 0.001, $"EPSG:2263 ({x}, {y}) ft");
            AssertClose(expected, byPrj.ToWgs84(x, y), 0.001, $"ESRI .prj ({x}, {y}) ft");
            AssertRoundTrip(byCode, x, y);
        }
        Assert.Contains("NAD83 / New York Long Island (ftUS) (EPSG:2263)", byCode.Name, StringComparison.Ordinal);
        Assert.Contains("taken as WGS 84", byPrj.Shift, StringComparison.Ordinal);
    }

    [PostgisFact]
    public async Task Utm_ByEpsgCode_AgreesWithPostgis_AndHasNoShift()
    {
        var utm = CrsRegistry.Resolve("EPSG:32650");

        foreach (var (x, y) in new[] { (500_000.0, 3_100_000.0), (278_123.4, 2_456_789.1), (721_876.5, 4_400_000.0) })
        {
            AssertClose(await PostgisLonLatAsync("+proj=utm +zone=50 +datum=WGS84 +units=m +no_defs", x, y), utm.ToWgs84(x, y), 0.001, $"UTM 50N ({x}, {y})");
            AssertRoundTrip(utm, x, y);
        }
        Assert.Null(utm.Shift);
    }

    [PostgisFact]
    public async Task Xian1980GaussKruger_WithTheBureausSevenParameters_AgreesWithPostgis()
    {
        var definition = new CrsDefinition("xian80-wz", "EPSG:2385", Xian80Parameters);

        Assert.True(CrsRegistry.TryResolve(definition, out var crs, out var error), error);
        foreach (var (x, y) in new[] { (565_432.1, 3_098_765.4), (480_000.0, 3_150_000.0), (620_000.0, 3_000_000.0) })
        {
            AssertClose(await PostgisLonLatAsync(Xian80Proj120, x, y), crs.ToWgs84(x, y), 0.001, $"Xi'an 1980 ({x}, {y})");
            AssertRoundTrip(crs, x, y);
        }
        Assert.Contains("7 parameters of 'xian80-wz'", crs.Shift, StringComparison.Ordinal);

        // By name, as an import gives it.
        var byName = CrsRegistry.Resolve("local:xian80-wz", name => name == "xian80-wz" ? definition : null);
        Assert.Equal(crs.ToWgs84(565_432.1, 3_098_765.4), byName.ToWgs84(565_432.1, 3_098_765.4));
    }

    [PostgisFact]
    public async Task Xian1980_ThreeParameters_AgreeWithPostgis()
    {
        Assert.True(CrsRegistry.TryResolve(new CrsDefinition("xian80-3", "EPSG:2385", [24.7, -122.9, -93.6]), out var crs, out var error), error);
        var proj = "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +a=6378140 +rf=298.257 +towgs84=24.7,-122.9,-93.6 +units=m +no_defs";

        AssertClose(await PostgisLonLatAsync(proj, 565_432.1, 3_098_765.4), crs.ToWgs84(565_432.1, 3_098_765.4), 0.001, "Xi'an 1980, 3 parameters");
    }

    [PostgisFact]
    public async Task Beijing1954_ByEpsgCode_UsesTheRegistersShift_AgreesWithPostgis_AndSaysHowGoodItIs()
    {
        var crs = CrsRegistry.Resolve("EPSG:2435");   // Beijing 1954 / 3-degree GK CM 114E, TOWGS84[15.8,-154.4,-82.3]
        var proj = "+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=krass +towgs84=15.8,-154.4,-82.3,0,0,0,0 +units=m +no_defs";

        AssertClose(await PostgisLonLatAsync(proj, 512_345.6, 3_345_678.9), crs.ToWgs84(512_345.6, 3_345_678.9), 0.001, "Beijing 1954");
        AssertRoundTrip(crs, 512_345.6, 3_345_678.9);
        Assert.Contains("EPSG register's are good to 1-10 m", crs.Shift, StringComparison.Ordinal);
    }

    [PostgisFact]
    public async Task LocalGrid_FourPlaneParametersOnTheCitysMeridian_AgreesWithPostgisAffineThenTransform()
    {
        var definition = new CrsDefinition("wenzhou2000", CityMeridianWkt, Plane: CityPlane, Description: "温州2000独立坐标系");

        Assert.True(CrsRegistry.TryResolve(definition, out var crs, out var error), error);
        foreach (var (x, y) in new[] { (0.0, 0.0), (1_234.5, -2_345.6), (-8_000.0, 6_000.0) })
        {
            var expected = await PostgisLocalGridAsync(x, y);
            AssertClose(expected, crs.ToWgs84(x, y), 0.001, $"local ({x}, {y})");
            AssertRoundTrip(crs, x, y);
        }
        Assert.StartsWith("wenzhou2000 (local grid on CGCS2000 / TM 120.65E)", crs.Name, StringComparison.Ordinal);
        Assert.Contains("4 plane parameters", crs.Shift, StringComparison.Ordinal);
    }

    /// <summary>
    /// A grid file in each kind of system goes through the import as any other: its boundary lands where the system
    /// puts it (the conversions themselves are checked against PostGIS above), its report names the system.
    /// </summary>
    [Theory]
    [InlineData("urn:ogc:def:crs:EPSG::2263", null, 984_250.0, 200_000.0, 300.0)]         // State Plane, US survey feet
    [InlineData("EPSG:32650", null, 500_000.0, 3_100_000.0, 100.0)]                       // UTM 50N
    [InlineData(null, "local:xian80-wz", 565_432.1, 3_098_765.4, 100.0)]                 // Xi'an 1980 GK with the bureau's parameters
    [InlineData(null, "local:wenzhou2000", 1_234.5, -2_345.6, 100.0)]                   // the city's independent grid
    public void GridFile_InEachKindOfSystem_ImportsWhereTheSystemPutsIt(string? declared, string? srs, double x, double y, double side)
    {
        var definitions = new Dictionary<string, CrsDefinition>
        {
            ["xian80-wz"] = new("xian80-wz", "EPSG:2385", Xian80Parameters),
            ["wenzhou2000"] = new("wenzhou2000", CityMeridianWkt, Plane: CityPlane),
        };
        var ring = FormattableString.Invariant($"[[{x},{y}],[{x + side},{y}],[{x + side},{y + side}],[{x},{y + side}],[{x},{y}]]");
        var crsMember = declared is null ? "" : "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"" + declared + "\"}},";
        var geojson = "{\"type\":\"FeatureCollection\"," + crsMember + "\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"33030200100101\",\"name\":\"网格01\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" + ring + "]}}]}";
        var dataset = GridServer.Domain.Import.GeoJsonGridReader.Read(System.Text.Encoding.UTF8.GetBytes(geojson), "grids.geojson");

        var (result, crs) = GridServer.Domain.Import.GridFiles.Check(dataset, new GridServer.Domain.Import.GridImportOptions(), srs,
            TimeProvider.System, named: definitions.GetValueOrDefault);

        Assert.True(result.Accepted, string.Join("; ", result.Issues.Select(i => i.ToString())));
        var corner = result.Grids.Single().Boundary.Coordinates[0];
        var expected = crs.ToWgs84(x, y);
        Assert.Equal(expected.Lon, corner.X, 1e-9);
        Assert.Equal(expected.Lat, corner.Y, 1e-9);
        Assert.Contains(srs is null ? declared![^4..] : srs[6..], crs.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void DatumWithNoKnownShift_Refused_NamingTheDatumAndWhatToGive()
    {
        foreach (var (spec, datum) in new[] { ("EPSG:2383", "Xian_1980"), (EsriBeijing1954Gk117, "D_Beijing_1954"), ("EPSG:4610", "Xian_1980"), ("EPSG:4555", "New_Beijing") })
        {
            Assert.False(CrsRegistry.TryResolve(spec, out _, out var error), spec);
            Assert.Contains("nothing says how it reaches WGS 84", error, StringComparison.Ordinal);
            Assert.Contains("toWgs84", error, StringComparison.Ordinal);
            Assert.Contains($"the datum '{datum}'", error, StringComparison.Ordinal);
            if (spec.StartsWith("EPSG:", StringComparison.Ordinal)) Assert.StartsWith($"'{spec}': ", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("EPSG:99999", "'EPSG:99999' is not in the EPSG table")]
    [InlineData("EPSG:4978", "not in the EPSG table")]           // geocentric: not a system grids come in
    [InlineData("local:nowhere", "no coordinate system named 'nowhere'")]
    [InlineData("EPSG:", "unknown coordinate system")]
    [InlineData("EPSG:1234567", "unknown coordinate system")]
    public void UnknownOrUnusableSpecs_RefusedSayingWhy(string spec, string expected)
    {
        Assert.False(CrsRegistry.TryResolve(spec, out _, out var error, _ => null), spec);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedSpec_WhereNoneAreDefined_SaysSo()
    {
        Assert.False(CrsRegistry.TryResolve("local:wenzhou2000", out _, out var error));
        Assert.Contains("there are none here", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Wenzhou", "EPSG:2385", "name 'Wenzhou'")]
    [InlineData("wz", "", "base: give the system")]
    [InlineData("wz", "local:other", "not from another named definition")]
    [InlineData("wz", "EPSG:4326", "a plane similarity needs a projected base")]
    [InlineData("wz", "gcj02", "neither an EPSG code of the table nor WKT")]
    public void BadDefinitions_RefusedSayingWhy(string name, string baseSpec, string expected)
    {
        var definition = new CrsDefinition(name, baseSpec, Plane: name == "wz" && baseSpec == "EPSG:4326" ? CityPlane : null);

        Assert.False(CrsRegistry.TryResolve(definition, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2.0 }, "give 3")]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0 }, "give 3")]
    [InlineData(new[] { 3000.0, 0, 0 }, "translation over 2000 m")]
    [InlineData(new[] { 1.0, 2, 3, 61, 0, 0, 0 }, "rotation over 60 arc-seconds")]
    [InlineData(new[] { 1.0, 2, 3, 0, 0, 0, 1001 }, "scale difference over 1000 ppm")]
    [InlineData(new[] { double.NaN, 2, 3 }, "finite")]
    public void BadParameters_RefusedSayingWhy(double[] parameters, string expected)
    {
        Assert.False(CrsRegistry.TryResolve(new CrsDefinition("wz", "EPSG:2385", parameters), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    /// <summary>WKT that parses but describes nothing: refused when it is resolved, not in the middle of an import.</summary>
    [Theory]
    [InlineData("PARAMETER[\"scale_factor\",0]", "UNIT[\"metre\",1]", "cannot use the coordinate system")]
    [InlineData("PARAMETER[\"scale_factor\",1]", "UNIT[\"metre\",0]", "cannot use the coordinate system")]
    public void DegenerateProjection_RefusedWhenResolved(string scale, string unit, string expected)
    {
        var wkt = "PROJCS[\"degenerate\",GEOGCS[\"China 2000\",DATUM[\"China_2000\",SPHEROID[\"CGCS2000\",6378137,298.257222101]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]," +
            $"PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"central_meridian\",120],{scale},PARAMETER[\"false_easting\",500000],PARAMETER[\"false_northing\",0],PARAMETER[\"latitude_of_origin\",0],{unit}]";

        Assert.False(CrsRegistry.TryResolve(wkt, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(CrsRegistry.TryResolve(new CrsDefinition("degenerate", wkt), out _, out var definitionError));
        Assert.Contains(expected, definitionError, StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredShiftOutOfBounds_Refused()
    {
        const string Wkt = """GEOGCS["far",DATUM["Far",SPHEROID["Krassowsky 1940",6378245,298.3],TOWGS84[50000,0,0,0,0,0,0]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]""";

        Assert.False(CrsRegistry.TryResolve(Wkt, out _, out var error));
        Assert.Contains("translation over 2000 m", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PlaneSimilarity_InverseUndoesForward()
    {
        var (e, n) = CityPlane.Forward(1_234.5, -2_345.6);
        var (x, y) = CityPlane.Inverse(e, n);
        Assert.Equal(1_234.5, x, 1e-6);
        Assert.Equal(-2_345.6, y, 1e-6);
    }

    private static void AssertRoundTrip(SourceCrs crs, double x, double y)
    {
        var (lon, lat) = crs.ToWgs84(x, y);
        var (bx, by) = crs.FromWgs84(lon, lat);
        Assert.True(Math.Abs(bx - x) < 0.001 && Math.Abs(by - y) < 0.001, $"{crs.Name}: ({x}, {y}) came back as ({bx}, {by})");
    }

    private static void AssertClose((double Lon, double Lat) expected, (double Lon, double Lat) actual, double metres, string what)
    {
        var off = GeoReference.Metres(expected.Lon, expected.Lat, actual.Lon, actual.Lat);
        Assert.True(off <= metres, string.Create(CultureInfo.InvariantCulture,
            $"{what}: ({actual.Lon:F9}, {actual.Lat:F9}) is {off:F4} m from PostGIS's ({expected.Lon:F9}, {expected.Lat:F9}); allowed {metres} m"));
    }

    private async Task<(double Lon, double Lat)> PostgisLonLatAsync(string fromProj, double x, double y)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_MakePoint($1, $2), $3, $4) AS p) t");
        command.Parameters.Add(new NpgsqlParameter { Value = x });
        command.Parameters.Add(new NpgsqlParameter { Value = y });
        command.Parameters.Add(new NpgsqlParameter { Value = fromProj });
        command.Parameters.Add(new NpgsqlParameter { Value = Wgs84Proj });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetDouble(0), reader.GetDouble(1));
    }

    /// <summary>The local grid's point through PostGIS: the similarity as ST_Affine's matrix, then PROJ's Transverse Mercator.</summary>
    private async Task<(double Lon, double Lat)> PostgisLocalGridAsync(double x, double y)
    {
        var theta = CityPlane.RotationSeconds / 3600 * Math.PI / 180;
        var k = 1 + CityPlane.ScalePpm * 1e-6;
        await using var command = database.DataSource.CreateCommand(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Affine(ST_MakePoint($1, $2), $3, $4, $5, $6, $7, $8), $9, $10) AS p) t");
        foreach (var value in new object[] { x, y, k * Math.Cos(theta), -k * Math.Sin(theta), k * Math.Sin(theta), k * Math.Cos(theta), CityPlane.East, CityPlane.North, CityMeridianProj, Wgs84Proj })
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetDouble(0), reader.GetDouble(1));
    }
}
