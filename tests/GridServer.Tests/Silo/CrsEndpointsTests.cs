using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GridServer.Domain.Geo;
using GridServer.Silo.Grids;
using GridServer.Tests.Support;
using NetTopologySuite.IO;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// <c>/api/crs</c>, the bureau's named coordinate systems, through the real host: defined (checked by building them),
/// listed, used by name in a Shapefile upload and a control-point conversion, kept in PostgreSQL for every silo and the
/// command line. Hostile and broken definitions are refused naming the problem, and nothing is stored.
/// </summary>
public sealed class CrsEndpointsTests(EmbeddedSilo silo, PostgisDatabase database) : IClassFixture<EmbeddedSilo>, IClassFixture<PostgisDatabase>, IDisposable
{
    private const string Xian80 = """{"base":"EPSG:2385","toWgs84":[24.7,-122.9,-93.6,0.83,-0.47,1.92,2.6],"description":"西安80转WGS84七参数（测绘院）"}""";

    private static readonly CrsDefinition Xian80Definition = new("xian80-wz", "EPSG:2385", [24.7, -122.9, -93.6, 0.83, -0.47, 1.92, 2.6]);

    private readonly string _dir = Directory.CreateTempSubdirectory("gridserver-crs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Put_Xian80WithSevenParameters_Stored_Listed_AndConvertsAControlPoint()
    {
        using var put = await silo.Operator.PutAsync("/api/crs/xian80-a", JsonBody(Xian80));
        var stored = await JsonOf(put);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("local:xian80-a", stored.GetProperty("spec").GetString());
        Assert.StartsWith("xian80-a (Xian 1980 / 3-degree Gauss-Kruger CM 120E (EPSG:2385))", stored.GetProperty("resolves").GetString(), StringComparison.Ordinal);
        Assert.Contains("7 parameters of 'xian80-a'", stored.GetProperty("shift").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(stored.GetProperty("changedBy").GetString()));

        var list = await JsonOf(await silo.Dispatcher.GetAsync("/api/crs"));
        Assert.Contains(list.GetProperty("definitions").EnumerateArray(), d => d.GetProperty("name").GetString() == "xian80-a");
        Assert.True(list.GetProperty("epsgSystems").GetInt32() > 5000);

        using var converted = await silo.Dispatcher.GetAsync("/api/crs/convert?srs=local:xian80-a&x=565432.1&y=3098765.4");
        var point = await JsonOf(converted);
        Assert.Equal(HttpStatusCode.OK, converted.StatusCode);
        var expected = CrsRegistry.Resolve("local:xian80-a", _ => Xian80Definition with { Name = "xian80-a" }).ToWgs84(565_432.1, 3_098_765.4);
        Assert.Equal(expected.Lon, point.GetProperty("lon").GetDouble(), 1e-12);
        Assert.Equal(expected.Lat, point.GetProperty("lat").GetDouble(), 1e-12);
    }

    [Fact]
    public async Task Convert_AnyEpsgCode_WithoutADefinition()
    {
        var point = await JsonOf(await silo.Operator.GetAsync("/api/crs/convert?srs=EPSG:32650&x=500000&y=3100000"));

        Assert.Equal(117, point.GetProperty("lon").GetDouble(), 1e-9);
        Assert.Equal("WGS 84 / UTM zone 50N (EPSG:32650)", point.GetProperty("crs").GetString());
    }

    [Theory]
    [InlineData("Wenzhou", """{"base":"EPSG:2385"}""", "name 'Wenzhou'")]
    [InlineData("wz", """{"base":"EPSG:2383"}""", "nothing says how it reaches WGS 84")]
    [InlineData("wz", """{"base":"EPSG:2385","toWgs84":[1,2]}""", "give 3")]
    [InlineData("wz", """{"base":"EPSG:2385","toWgs84":[1,2,3,99,0,0,0]}""", "rotation over 60 arc-seconds")]
    [InlineData("wz", """{"base":"EPSG:4326","plane":{"east":1,"north":2,"rotationSeconds":3,"scalePpm":4}}""", "needs a projected base")]
    [InlineData("wz", """{"base":"local:other"}""", "not from another named definition")]
    [InlineData("wz", """{"base":"PROJCS[\"broken\",GEOGCS["}""", "cannot read the coordinate system")]
    [InlineData("wz", """{}""", "base: give the system")]
    public async Task Put_UnusableDefinition_400NamingTheProblem_NothingStored(string name, string body, string expected)
    {
        using var response = await silo.Operator.PutAsync($"/api/crs/{name}", JsonBody(body));
        var problem = await JsonOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var get = await silo.Operator.GetAsync($"/api/crs/{name}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Put_HostileInput_RefusedWithoutEchoingIt()
    {
        var huge = new string('x', CrsDefinition.MaxBaseLength + 1);
        using var tooLong = await silo.Operator.PutAsync("/api/crs/wz", JsonBody($$"""{"base":"{{huge}}"}"""));
        using var malformed = await silo.Operator.PutAsync("/api/crs/wz", JsonBody("""{"base":"EPSG:2385","toWgs84":"1,2,3"}"""));
        using var notJson = await silo.Operator.PutAsync("/api/crs/wz", JsonBody("{"));
        using var badName = await silo.Operator.PutAsync("/api/crs/" + Uri.EscapeDataString("../../etc"), JsonBody(Xian80));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.DoesNotContain(huge, await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.True(badName.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{badName.StatusCode}");
    }

    [Fact]
    public async Task Dispatcher_MayReadAndConvert_ButNotDefineOrRemove()
    {
        using var put = await silo.Dispatcher.PutAsync("/api/crs/xian80-d", JsonBody(Xian80));
        using var delete = await silo.Dispatcher.DeleteAsync("/api/crs/xian80-d");
        using var anonymous = await silo.Client.GetAsync("/api/crs");

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Delete_RemovesTheName_ThenConvertRefusesIt()
    {
        using (var put = await silo.Operator.PutAsync("/api/crs/xian80-gone", JsonBody(Xian80))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var deleted = await silo.Operator.DeleteAsync("/api/crs/xian80-gone");
        using var again = await silo.Operator.DeleteAsync("/api/crs/xian80-gone");
        using var convert = await silo.Operator.GetAsync("/api/crs/convert?srs=local:xian80-gone&x=565432&y=3098765");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, convert.StatusCode);
        Assert.Contains("no coordinate system named 'xian80-gone'", (await JsonOf(convert)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("srs=EPSG:2385&x=1&y=2", "nothing says how it reaches WGS 84")]
    [InlineData("srs=EPSG:32650&x=abc&y=2", "give ?x= and ?y= as numbers")]
    [InlineData("srs=EPSG:32650&x=NaN&y=2", "give ?x= and ?y= as numbers")]
    [InlineData("x=1&y=2", "give ?srs=")]
    [InlineData("srs=EPSG:3857&x=1e300&y=2", "gives no lon/lat")]
    public async Task Convert_BadQuery_RefusedSayingWhy(string query, string expected)
    {
        using var response = await silo.Operator.GetAsync("/api/crs/convert?" + query);
        var problem = await JsonOf(response);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{response.StatusCode}");
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShapefileUpload_InXian80ByName_LandsWhereTheBureausParametersPutIt()
    {
        using (var put = await silo.Operator.PutAsync("/api/crs/xian80-wz", JsonBody(Xian80))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var (x, y) = (600_000.0, 3_000_000.0);   // south-east of the sample district, clear of its grids
        var zip = XianShapefile("33030299900101", x, y);

        using var refused = await silo.Operator.PostAsync("/api/grids?srs=EPSG:2385", Zip(zip));
        using var imported = await silo.Operator.PostAsync("/api/grids?srs=local:xian80-wz", Zip(zip));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("toWgs84", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        var (lon, lat) = CrsRegistry.Resolve("local:xian80-wz", _ => Xian80Definition).ToWgs84(x + 50, y + 50);
        var located = await JsonOf(await silo.Operator.GetAsync(FormattableString.Invariant($"/api/grids/locate?lon={lon}&lat={lat}")));
        Assert.Equal("33030299900101", located.GetProperty("gridCode").GetString());
    }

    [Theory]
    [InlineData("33030299900301", true)]    // ?srs=local:NAME
    [InlineData("33030299900302", false)]   // the collection's crs member names it
    public async Task GeoJsonUpload_InANamedSystem_LandsWhereItsParametersPutIt(string code, bool bySrs)
    {
        using (var put = await silo.Operator.PutAsync("/api/crs/xian80-gj", JsonBody(Xian80))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var (x, y) = (600_000.0 + (bySrs ? 0 : 300), 3_000_500.0);
        var crs = bySrs ? "" : "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"local:xian80-gj\"}},";
        var ring = FormattableString.Invariant($"[[{x},{y}],[{x + 100},{y}],[{x + 100},{y + 100}],[{x},{y + 100}],[{x},{y}]]");
        var body = "{\"type\":\"FeatureCollection\"," + crs + "\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"" + code
            + "\",\"name\":\"西安80网格\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" + ring + "]}}]}";

        using var imported = await silo.Operator.PostAsync("/api/grids" + (bySrs ? "?srs=local:xian80-gj" : ""), new StringContent(body, System.Text.Encoding.UTF8, "application/geo+json"));
        using var unknown = await silo.Operator.PostAsync("/api/grids?srs=local:nobody", new StringContent(body, System.Text.Encoding.UTF8, "application/geo+json"));

        Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("no coordinate system named 'nobody'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var (lon, lat) = CrsRegistry.Resolve("local:xian80-gj", _ => Xian80Definition).ToWgs84(x + 50, y + 50);
        var located = await JsonOf(await silo.Operator.GetAsync(FormattableString.Invariant($"/api/grids/locate?lon={lon}&lat={lat}")));
        Assert.Equal(code, located.GetProperty("gridCode").GetString());
    }

    /// <summary>Kept in PostgreSQL: a new server on the database knows the name, and so does <c>grids import --srs local:NAME</c>.</summary>
    [PostgisFact]
    public async Task Postgres_DefinitionOutlivesTheServer_AndTheCommandLineImportsByIt()
    {
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        };
        await using (var first = new SiloFactory(settings))
        {
            using var client = first.CreateOperatorClient();
            using var put = await client.PutAsync("/api/crs/xian80-wz", JsonBody(Xian80));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        await using (var second = new SiloFactory(settings))
        {
            using var client = second.CreateOperatorClient();
            var stored = await JsonOf(await client.GetAsync("/api/crs/xian80-wz"));
            Assert.Equal("西安80转WGS84七参数（测绘院）", stored.GetProperty("description").GetString());
            Assert.Equal(7, stored.GetProperty("toWgs84").GetArrayLength());
        }

        var file = Path.Combine(_dir, "xian.zip");
        await File.WriteAllBytesAsync(file, await Zip(XianShapefile("33030299900201", 600_000, 3_000_000)).ReadAsByteArrayAsync());
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await GridCommands.RunAsync(["grids", "import", file, "--srs", "local:xian80-wz", "--postgres", database.ConnectionString, "--code-scheme", "free"],
            output, error, TimeProvider.System, environment: _ => null);
        Assert.True(code == GridCommands.Ok, $"{code}: {output}{error}");
        Assert.Contains("coordinate system: xian80-wz (Xian 1980", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("datum: datum Xian_1980 shifted to WGS 84 by the 7 parameters of 'xian80-wz'", output.ToString(), StringComparison.Ordinal);

        using var withoutDatabase = new StringWriter(CultureInfo.InvariantCulture);
        var refused = await GridCommands.RunAsync(["grids", "import", file, "--srs", "local:xian80-wz"], TextWriter.Null, withoutDatabase, TimeProvider.System, environment: _ => null);
        Assert.Equal(GridCommands.UsageError, refused);
        Assert.Contains("a named coordinate system is read from the database; pass --postgres", withoutDatabase.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A Shapefile of one 100 m square grid in projected coordinates (Xi'an 1980 GK 120°E numbers), no .prj, zipped.</summary>
    private Dictionary<string, byte[]> XianShapefile(string code, double x, double y)
    {
        var boundary = new WKTReader().Read(FormattableString.Invariant($"POLYGON(({x} {y}, {x} {y + 100}, {x + 100} {y + 100}, {x + 100} {y}, {x} {y}))"));
        var shp = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, Guid.NewGuid().ToString("N"))).FullName, "xian.shp");
        var codeField = new NetTopologySuite.IO.Esri.Dbf.Fields.DbfCharacterField("code", 20);
        var nameField = new NetTopologySuite.IO.Esri.Dbf.Fields.DbfCharacterField("name", 40);
        var options = new NetTopologySuite.IO.Esri.Shapefiles.Writers.ShapefileWriterOptions(NetTopologySuite.IO.Esri.ShapeType.Polygon, codeField, nameField)
        {
            Encoding = System.Text.Encoding.UTF8,
        };
        using (var writer = new NetTopologySuite.IO.Esri.Shapefiles.Writers.ShapefilePolygonWriter(shp, options))
        {
            codeField.StringValue = code;
            nameField.StringValue = "西安80网格";
            writer.Geometry = boundary;
            writer.Write();
        }
        return Directory.EnumerateFiles(Path.GetDirectoryName(shp)!).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllBytes(f));
    }

    private static ByteArrayContent Zip(Dictionary<string, byte[]> entries)
    {
        var content = new ByteArrayContent(TestZip.Of(entries));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }
}
