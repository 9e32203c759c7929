using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>Changing grids over HTTP on the embedded server: redraw, bulk changes, and what bad bodies get.</summary>
public sealed class GridChangeEndpointsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    /// <summary>A sample grid and a point inside it near its north edge (this class's tests each use their own grid).</summary>
    private const string Shrunk = "33030200200910";

    private async Task<JsonElement> Locate(string lonLat)
    {
        using var response = await silo.Operator.GetAsync($"/api/grids/locate?{lonLat}");
        return await JsonOf(response);
    }

    [Fact]
    public async Task Redraw_Shrink_AnsweredOnceServed_PointLeftOutNowInNoGrid()
    {
        Assert.Equal(Shrunk, (await Locate("lon=120.6500&lat=28.0003")).GetProperty("gridCode").GetString());

        using var response = await silo.Operator.PutAsync($"/api/grids/{Shrunk}",
            JsonBody("""{"type":"Polygon","coordinates":[[[120.6496,28.0],[120.6499,28.0],[120.6499,28.0002],[120.6496,28.0002],[120.6496,28.0]]]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Equal((0, 1), (body.GetProperty("added").GetInt32(), body.GetProperty("changed").GetInt32()));
        // The answer comes once this silo serves the change: no waiting needed before locating.
        var outside = await Locate("lon=120.6500&lat=28.0003");
        Assert.Equal(("no_grid", Shrunk), (outside.GetProperty("status").GetString(), outside.GetProperty("nearestGrid").GetString()));
        Assert.Equal(Shrunk, (await Locate("lon=120.6497&lat=28.0001")).GetProperty("gridCode").GetString());
        // The name, street and community were kept.
        using var grid = await silo.Operator.GetAsync($"/api/grids/{Shrunk}");
        var properties = (await JsonOf(grid)).GetProperty("properties");
        Assert.Equal(("松台水街社区第10网格", 2), (properties.GetProperty("name").GetString(), properties.GetProperty("version").GetInt32()));
        // Both versions stay on record: the first ended when the second began.
        using var history = await silo.Operator.GetAsync($"/api/grids/{Shrunk}/history");
        var versions = (await JsonOf(history)).GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties")).ToList();
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("version").GetInt32()).ToArray());
        Assert.Equal(versions[1].GetProperty("valid_from").GetString(), versions[0].GetProperty("valid_to").GetString());
        Assert.False(versions[1].TryGetProperty("valid_to", out _));
        // Who: the credential's subject made version 2 and so ended version 1 (the sample file's version names nobody).
        Assert.Equal("operator", versions[1].GetProperty("changed_by").GetString());
        Assert.Equal("operator", versions[0].GetProperty("ended_by").GetString());
        using var unknown = await silo.Operator.GetAsync("/api/grids/99999999999999/history");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The district as of a moment before the redraw still has the old boundary there; as of now, not.
        var before = DateTimeOffset.Parse(versions[0].GetProperty("valid_to").GetString()!, CultureInfo.InvariantCulture).AddMilliseconds(-1);
        const string box = "bbox=120.64995,28.00025,120.65005,28.00035";
        using var then = await silo.Operator.GetAsync($"/api/grids?asOf={Uri.EscapeDataString(before.ToString("O", CultureInfo.InvariantCulture))}&{box}");
        var codesThen = (await JsonOf(then)).GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()).ToList();
        Assert.Contains(Shrunk, codesThen);
        using var now = await silo.Operator.GetAsync($"/api/grids?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture))}&{box}");
        Assert.DoesNotContain(Shrunk, (await JsonOf(now)).GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()));
        using var bad = await silo.Operator.GetAsync($"/api/grids?asOf=yesterday&{box}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Redraw_OverNeighbours_422NamingThemAndTheArea_NothingChanges()
    {
        const string code = "33030200200905";
        using var before = await silo.Operator.GetAsync($"/api/grids/{code}");
        var version = (await JsonOf(before)).GetProperty("properties").GetProperty("version").GetInt32();

        using var response = await silo.Operator.PutAsync($"/api/grids/{code}",
            JsonBody("""{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[120.645,27.995],[120.655,27.995],[120.655,28.005],[120.645,28.005],[120.645,27.995]]]}}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await JsonOf(response);
        Assert.Equal("Grid change refused", problem.GetProperty("title").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains("overlaps neighbouring grid '33030200200904'", StringComparison.Ordinal) && e.Contains(" m²", StringComparison.Ordinal));
        using var after = await silo.Operator.GetAsync($"/api/grids/{code}");
        Assert.Equal(version, (await JsonOf(after)).GetProperty("properties").GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Redraw_OverNeighbour_RefusalCarriesTheSharedGroundToDraw()
    {
        const string code = "33030200200907", neighbour = "33030200200906";
        using var shape = await silo.Operator.GetAsync($"/api/grids/{neighbour}");
        var neighbourBoundary = Geometry((await JsonOf(shape)).GetProperty("geometry"));
        // The grid redrawn as a box that takes a corner of the neighbour's ground.
        var box = neighbourBoundary.EnvelopeInternal;
        var (midLon, midLat) = (box.Centre.X, box.Centre.Y);
        var redrawn = new NetTopologySuite.Geometries.GeometryFactory().ToGeometry(new NetTopologySuite.Geometries.Envelope(midLon, box.MaxX + 0.0002, midLat, box.MaxY + 0.0002));
        var body = "{\"type\":\"Polygon\",\"coordinates\":[[" + string.Join(",", redrawn.Coordinates.Select(c => string.Create(CultureInfo.InvariantCulture, $"[{c.X},{c.Y}]"))) + "]]}";

        using var response = await silo.Operator.PutAsync($"/api/grids/{code}?dryRun=true", JsonBody(body));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var findings = (await JsonOf(response)).GetProperty("findings").EnumerateArray().ToList();
        var overlap = Assert.Single(findings, f => f.GetProperty("otherCode").GetString() == neighbour);
        Assert.Equal(("Overlap", code, true), (overlap.GetProperty("kind").GetString(), overlap.GetProperty("code").GetString(), overlap.GetProperty("isError").GetBoolean()));
        Assert.Contains($"overlaps neighbouring grid '{neighbour}'", overlap.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The drawn ground is the intersection of the new boundary with the neighbour, as an independent overlay finds it
        // (up to the 7 decimals, about 1 cm, that boundaries are stored and written with).
        var drawn = Geometry(overlap.GetProperty("geometry"));
        var expected = redrawn.Intersection(neighbourBoundary);
        Assert.True(drawn is NetTopologySuite.Geometries.Polygon or NetTopologySuite.Geometries.MultiPolygon, drawn.GeometryType);
        Assert.True(drawn.SymmetricDifference(expected).Area < expected.Area * 1e-3, $"drawn {drawn.Area}, expected {expected.Area}");
    }

    [Fact]
    public async Task Post_CollectionWithOverlapAndBowtie_FindingsDrawEach()
    {
        const string collection = """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"code":"33030299700101"},"geometry":{"type":"Polygon","coordinates":[[[121.9,28.9],[121.902,28.9],[121.902,28.902],[121.9,28.902],[121.9,28.9]]]}},
              {"type":"Feature","properties":{"code":"33030299700102"},"geometry":{"type":"Polygon","coordinates":[[[121.901,28.9],[121.903,28.9],[121.903,28.902],[121.901,28.902],[121.901,28.9]]]}},
              {"type":"Feature","properties":{"code":"33030299700103"},"geometry":{"type":"Polygon","coordinates":[[[121.91,28.9],[121.912,28.902],[121.912,28.9],[121.91,28.902],[121.91,28.9]]]}}]}
            """;

        using var response = await silo.Operator.PostAsync("/api/grids?dryRun=true", new StringContent(collection, Encoding.UTF8, "application/geo+json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var findings = (await JsonOf(response)).GetProperty("findings").EnumerateArray().ToList();
        var bowtie = Assert.Single(findings, f => f.GetProperty("kind").GetString() == "InvalidGeometry");
        Assert.Equal((2, "33030299700103"), (bowtie.GetProperty("feature").GetInt32(), bowtie.GetProperty("code").GetString()));
        // Its rings, and the point where they cross.
        var parts = bowtie.GetProperty("geometry").GetProperty("geometries").EnumerateArray().Select(g => g.GetProperty("type").GetString()).ToList();
        Assert.Contains("Point", parts);
        Assert.Contains(parts, t => t is "LineString" or "MultiLineString");
        var crossing = bowtie.GetProperty("geometry").GetProperty("geometries").EnumerateArray().Single(g => g.GetProperty("type").GetString() == "Point").GetProperty("coordinates");
        Assert.Equal((121.911, 28.901), (Math.Round(crossing[0].GetDouble(), 6), Math.Round(crossing[1].GetDouble(), 6)));
    }

    /// <summary>A GeoJSON Polygon or MultiPolygon read independently of the server's reader (through WKT).</summary>
    private static NetTopologySuite.Geometries.Geometry Geometry(JsonElement geoJson)
    {
        static string Ring(JsonElement ring) => "(" + string.Join(", ", ring.EnumerateArray().Select(p => string.Create(CultureInfo.InvariantCulture, $"{p[0].GetDouble()} {p[1].GetDouble()}"))) + ")";
        static string Polygon(JsonElement rings) => "(" + string.Join(", ", rings.EnumerateArray().Select(Ring)) + ")";
        var coordinates = geoJson.GetProperty("coordinates");
        var wkt = geoJson.GetProperty("type").GetString() switch
        {
            "Polygon" => "POLYGON " + Polygon(coordinates),
            "MultiPolygon" => "MULTIPOLYGON (" + string.Join(", ", coordinates.EnumerateArray().Select(Polygon)) + ")",
            var other => throw new InvalidOperationException($"not polygonal: {other}"),
        };
        return new NetTopologySuite.IO.WKTReader().Read(wkt);
    }

    [Theory]
    [InlineData("{\"type\":", 400, "Not valid JSON")]
    [InlineData("[1,2]", 400, "Not a GeoJSON object")]
    [InlineData("{\"type\":\"Point\",\"coordinates\":[120.65,28]}", 400, "Not a grid boundary")]
    [InlineData("{\"type\":\"Feature\",\"properties\":{\"code\":\"33030200200911\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.001,28],[120.001,28.001],[120,28]]]}}", 400, "Code mismatch")]
    [InlineData("{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}", 422, "Grid change refused")]
    [InlineData("{\"type\":\"Polygon\",\"coordinates\":[[[\"NaN\",28],[120.001,28],[120.001,28.001],[120,28]]]}", 422, "Grid change refused")]
    [InlineData("{\"type\":\"Polygon\",\"coordinates\":[[[28.0,120.65],[28.001,120.65],[28.001,120.651],[28.0,120.65]]]}", 422, "Grid change refused")]
    [InlineData("{\"type\":\"Polygon\",\"coordinates\":[[[120.6496,28.0],[120.6499,28.0002],[120.6499,28.0],[120.6496,28.0002],[120.6496,28.0]]]}", 422, "Grid change refused")]
    public async Task Redraw_BadBody_ClearErrorAndGridUnchanged(string body, int status, string title)
    {
        const string code = "33030200200912";
        using var before = await silo.Operator.GetAsync($"/api/grids/{code}");
        var geometry = (await JsonOf(before)).GetProperty("geometry").GetRawText();

        using var response = await silo.Operator.PutAsync($"/api/grids/{code}", JsonBody(body));

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await JsonOf(response);
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        using var after = await silo.Operator.GetAsync($"/api/grids/{code}");
        Assert.Equal(geometry, (await JsonOf(after)).GetProperty("geometry").GetRawText());
    }

    [Fact]
    public async Task Redraw_BodyOverTheLimit_413()
    {
        var huge = "{\"type\":\"Polygon\",\"coordinates\":[[" + string.Join(",", Enumerable.Repeat("[120.65,28.0]", 400_000)) + "]]}";
        using var response = await silo.Operator.PutAsync("/api/grids/33030200200913", JsonBody(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_NewGridFarAway_MergedAndServed_UnknownModeRefused()
    {
        const string collection = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"33030299900101","name":"新区第01网格"},
             "geometry":{"type":"Polygon","coordinates":[[[121.0,28.5],[121.001,28.5],[121.001,28.501],[121.0,28.501],[121.0,28.5]]]}}]}
            """;
        using var bad = await silo.Operator.PostAsync("/api/grids?mode=everything", JsonBody(collection));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'merge' (default) or 'replace'", (await JsonOf(bad)).GetProperty("detail").GetString());

        using var response = await silo.Operator.PostAsync("/api/grids", JsonBody(collection));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await JsonOf(response)).GetProperty("added").GetInt32());
        Assert.Equal("33030299900101", (await Locate("lon=121.0005&lat=28.5005")).GetProperty("gridCode").GetString());
        using var health = await silo.Operator.GetAsync("/health");
        Assert.Equal(3001, (await JsonOf(health)).GetProperty("grids").GetInt32());
    }

    [Fact]
    public async Task Post_Replace_RetiresGridsNotInTheCollection()
    {
        // Its own server: replacing the whole set would pull the sample from under the other tests.
        await using var factory = new SiloFactory();
        using var client = factory.CreateOperatorClient();
        const string collection = """
            {"type":"FeatureCollection","features":[
             {"type":"Feature","properties":{"code":"33030200200910","name":"A"},"geometry":{"type":"Polygon","coordinates":[[[120.0,28.0],[120.001,28.0],[120.001,28.001],[120.0,28.001],[120.0,28.0]]]}},
             {"type":"Feature","properties":{"code":"33030200200911","name":"B"},"geometry":{"type":"Polygon","coordinates":[[[120.001,28.0],[120.002,28.0],[120.002,28.001],[120.001,28.001],[120.001,28.0]]]}}]}
            """;

        using var response = await client.PostAsync("/api/grids?mode=replace", JsonBody(collection));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Equal(2998, body.GetProperty("retired").GetArrayLength());
        using var health = await client.GetAsync("/health");
        Assert.Equal(2, (await JsonOf(health)).GetProperty("grids").GetInt32());
        using var retired = await client.GetAsync("/api/grids/33030200200912");
        Assert.Equal(HttpStatusCode.NotFound, retired.StatusCode);
    }
}
