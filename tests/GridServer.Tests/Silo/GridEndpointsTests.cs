using GridServer.Domain.Cases;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.SampleData;
using GridServer.Silo.Grids;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using Orleans.Configuration;
using static GridServer.Tests.Support.TestImport;

namespace GridServer.Tests.Silo;

/// <summary>The server as configured by default: the embedded store serving the shipped sample. One per test class.</summary>
public sealed class EmbeddedSilo() : EmbeddedSiloWith([])
{
}

/// <summary>The embedded server with the given <c>GridServer:*</c> settings on top of the defaults, and a client for it.</summary>
public class EmbeddedSiloWith(Dictionary<string, string> settings) : IAsyncLifetime
{
    public SiloFactory Factory { get; } = new(settings);

    /// <summary>A client without a credential: public routes only.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client holding the operator's credential (grids and personnel).</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>A client holding the command center's credential.</summary>
    public HttpClient Dispatcher { get; private set; } = null!;

    private readonly List<HttpClient> _issued = [];

    /// <summary>A client holding a credential issued for the role and subject (an officer's id, a liaison's id, a channel's name).</summary>
    public async Task<HttpClient> AsAsync(string role, string subject)
    {
        var client = await Factory.CreateClientAsAsync(role, subject);
        lock (_issued) _issued.Add(client);
        return client;
    }

    public Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        Operator = Factory.CreateOperatorClient();
        Dispatcher = Factory.CreateDispatcherClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in (HttpClient[])[Client, Operator, Dispatcher, .. _issued]) client.Dispose();
        await Factory.DisposeAsync();
    }
}

/// <summary>The HTTP face, through the real host (<see cref="SiloFactory"/>), and the checks the host makes at start.</summary>
public sealed class GridEndpointsTests(EmbeddedSilo silo, PostgisDatabase database) : IClassFixture<EmbeddedSilo>, IClassFixture<PostgisDatabase>
{
    private const string SampleGrid = "33030200200910";

    private static readonly Lazy<IReadOnlyList<Grid>> Sample = new(LuchengSample.Generate);

    private static string I(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // ---- embedded default -----------------------------------------------------------------------

    [Fact]
    public async Task Health_EmbeddedDefault_OkWith3000Grids()
    {
        using var response = await silo.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Equal(("ok", 3000, "embedded (in memory)"),
            (body.GetProperty("status").GetString(), body.GetProperty("grids").GetInt32(), body.GetProperty("storage").GetString()));
    }

    [Fact]
    public void Host_TestFactory_SiloListensOnTheSiloPortItWasGiven_AndOpensNoGateway()
    {
        // Guards the factory itself: ports set too late would leave every test silo on 11111. No gateway unless
        // configured: the HTTP face runs inside the silo and needs none.
        var endpoints = silo.Factory.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal((silo.Factory.SiloPort, 0), (endpoints.SiloPort, endpoints.GatewayPort));
    }

    [Fact]
    public async Task Locate_PointInsideSampleGrid_CoveredWithNameStreetAndCommunity()
    {
        var grid = Sample.Value.Single(g => g.Code == SampleGrid);

        using var response = await silo.Operator.GetAsync("/api/grids/locate?lon=120.65&lat=28.0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Equal(("covered", SampleGrid, "wgs84"), (body.GetProperty("status").GetString(), body.GetProperty("gridCode").GetString(), body.GetProperty("crs").GetString()));
        Assert.Equal((grid.Name, grid.StreetName, grid.CommunityName),
            (body.GetProperty("gridName").GetString(), body.GetProperty("streetName").GetString(), body.GetProperty("communityName").GetString()));
        Assert.Equal("松台街道", grid.StreetName);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("nearestGrid").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("distanceM").ValueKind);
    }

    [Fact]
    public async Task List_ByCommunityStreetAndBbox_OnlyThoseGrids_WholeDistrictWithoutFilters()
    {
        var grid = Sample.Value.Single(g => g.Code == SampleGrid);

        using var all = await silo.Operator.GetAsync("/api/grids");
        using var community = await silo.Operator.GetAsync($"/api/grids?community={Uri.EscapeDataString(grid.CommunityName!)}");
        using var street = await silo.Operator.GetAsync($"/api/grids?street={grid.StreetCode}&community={grid.CommunityCode}");
        using var box = await silo.Operator.GetAsync("/api/grids?bbox=120.6499,27.9999,120.6501,28.0001");

        Assert.Equal("application/geo+json", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3000, (await JsonOf(all)).GetProperty("features").GetArrayLength());
        var inCommunity = (await JsonOf(community)).GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(Sample.Value.Count(g => g.CommunityName == grid.CommunityName), inCommunity.Count);
        Assert.All(inCommunity, f => Assert.Equal(grid.CommunityCode, f.GetProperty("properties").GetProperty("community_code").GetString()));
        Assert.Equal(inCommunity.Count, (await JsonOf(street)).GetProperty("features").GetArrayLength());
        var boxed = (await JsonOf(box)).GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()).ToList();
        Assert.Contains(SampleGrid, boxed);
        Assert.InRange(boxed.Count, 1, 9);
    }

    [Theory]
    [InlineData("1,2,3")]
    [InlineData("a,b,c,d")]
    [InlineData("120.7,28,120.6,28.1")]
    [InlineData("120.6,95,120.7,96")]
    [InlineData("NaN,28,120.7,28.1")]
    public async Task List_BadBbox_400SayingTheForm(string bbox)
    {
        using var response = await silo.Operator.GetAsync($"/api/grids?bbox={Uri.EscapeDataString(bbox)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Invalid bbox", (await JsonOf(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task OpenApi_DocumentServed_ListsEveryEndpointGroup()
    {
        using var response = await silo.Client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await JsonOf(response);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var expected in new[] { "/api/grids/locate", "/api/grids/{code}", "/api/cases", "/api/cases/{id}/actions", "/api/personnel/reassign", "/open311/v2/requests.{format}" })
            Assert.Contains(expected, paths);

        // The credentials: both ways to present a key, required on /api operations with the roles they take, not on Open311.
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal(("http", "bearer"), (schemes.GetProperty("bearer").GetProperty("type").GetString(), schemes.GetProperty("bearer").GetProperty("scheme").GetString()));
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
        var redraw = document.GetProperty("paths").GetProperty("/api/grids/{code}").GetProperty("put");
        Assert.Equal(2, redraw.GetProperty("security").GetArrayLength());
        Assert.Contains("Roles: Operator.", redraw.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(document.GetProperty("paths").GetProperty("/open311/v2/requests.{format}").GetProperty("post").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task Locate_Gcj02Point_AnswersWithItsWgs84PositionAndGrid()
    {
        var (gcjLon, gcjLat) = ChineseOffsets.Wgs84ToGcj02(120.65, 28.0);

        using var response = await silo.Operator.GetAsync($"/api/grids/locate?lon={I(gcjLon)}&lat={I(gcjLat)}&crs=GCJ-02");

        var body = await JsonOf(response);
        Assert.Equal(("covered", SampleGrid, "gcj02"), (body.GetProperty("status").GetString(), body.GetProperty("gridCode").GetString(), body.GetProperty("crs").GetString()));
        Assert.Equal(120.65, body.GetProperty("lon").GetDouble(), 1e-8);
        Assert.Equal(28.0, body.GetProperty("lat").GetDouble(), 1e-8);
    }

    [Fact]
    public async Task Locate_PointOutsideSample_NoGridWithNearestGridAndDistance()
    {
        var expected = Domain.Spatial.GridIndex.Build(Sample.Value.Select(g => (g.Code, g.Boundary))).Match(121.5, 28.0);

        using var response = await silo.Operator.GetAsync("/api/grids/locate?lon=121.5&lat=28");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Equal("no_grid", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("gridCode").ValueKind);
        Assert.Equal(expected.NearestGridCode, body.GetProperty("nearestGrid").GetString());
        Assert.Equal(Math.Round(expected.DistanceMetres!.Value, 2), body.GetProperty("distanceM").GetDouble());
    }

    [Theory]
    [InlineData("lon=120.65&lat=95", "Coordinate out of range", "'lat' must lie between -90 and 90 degrees, got 95")]
    [InlineData("lon=120.65&lat=-90.5", "Coordinate out of range", "'lat' must lie between -90 and 90 degrees, got -90.5")]
    [InlineData("lon=200&lat=28", "Coordinate out of range", "'lon' must lie between -180 and 180 degrees, got 200")]
    [InlineData("lon=28&lat=120.65", "Coordinate out of range", "'lat' must lie between -90 and 90 degrees, got 120.65 (are lon and lat swapped?)")]
    [InlineData("lon=NaN&lat=28", "Invalid coordinate", "'lon' must be a decimal number of degrees, got 'NaN'")]
    [InlineData("lon=120.65&lat=Infinity", "Invalid coordinate", "'lat' must be a decimal number of degrees, got 'Infinity'")]
    [InlineData("lon=abc&lat=28", "Invalid coordinate", "'lon' must be a decimal number of degrees, got 'abc'")]
    [InlineData("lon=1e400&lat=28", "Invalid coordinate", "'lon' must be a decimal number of degrees, got '1e400'")]
    [InlineData("lon=120,65&lat=28", "Invalid coordinate", "'lon' must be a decimal number of degrees, got '120,65'")]
    [InlineData("lat=28", "Missing coordinate", "query parameter 'lon' is required (decimal degrees)")]
    [InlineData("lon=120.65&lat=", "Missing coordinate", "query parameter 'lat' is required (decimal degrees)")]
    [InlineData("lon=120.65&lat=28&crs=mars", "Unknown coordinate system", "unknown point coordinate system 'mars'; use wgs84, gcj02, bd09 or cgcs2000")]
    public async Task Locate_BadQuery_ProblemDetailsSayingWhatIsWrong(string query, string title, string detail)
    {
        using var response = await silo.Operator.GetAsync("/api/grids/locate?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await JsonOf(response);
        Assert.Equal((400, title, detail), (body.GetProperty("status").GetInt32(), body.GetProperty("title").GetString(), body.GetProperty("detail").GetString()));
    }

    [Fact]
    public void Locate_ServerCultureWithDecimalComma_DetailStillWritesDecimalPoints()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var answer = GridEndpoints.Locate(new GridCatalog(), "28", "120.65", null);

            var problem = Assert.IsType<ProblemHttpResult>(answer.Result);
            Assert.Equal("'lat' must lie between -90 and 90 degrees, got 120.65 (are lon and lat swapped?)", problem.ProblemDetails.Detail);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task GetGrid_KnownCode_GeoJsonFeatureThatTheReaderParses()
    {
        var grid = Sample.Value.Single(g => g.Code == SampleGrid);

        using var response = await silo.Operator.GetAsync($"/api/grids/{SampleGrid}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        var dataset = GeoJsonGridReader.Read(await response.Content.ReadAsByteArrayAsync(), "response.geojson");
        var feature = Assert.Single(dataset.Features);
        Assert.Equal((SampleGrid, grid.Name, grid.CommunityName), (feature.Attributes["code"], feature.Attributes["name"], feature.Attributes["community_name"]));
        var served = (Geometry)feature.Geometry!.Copy();
        var expected = (Geometry)grid.Boundary.Copy();
        served.Normalize();
        expected.Normalize();
        Assert.True(served.EqualsExact(expected, 1e-9), "the served boundary differs from the sample's");
    }

    [Fact]
    public async Task GetGrid_UnknownCode_404ProblemNamingTheCode()
    {
        using var response = await silo.Operator.GetAsync("/api/grids/33030299999999");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await JsonOf(response);
        Assert.Equal(("Grid not found", "no grid has the code '33030299999999'"), (body.GetProperty("title").GetString(), body.GetProperty("detail").GetString()));
    }

    // ---- start-up validation --------------------------------------------------------------------

    /// <summary>Starts a server that must fail, and returns every message of the exception chain.</summary>
    private static string StartFailure(Dictionary<string, string> settings)
    {
        using var factory = new SiloFactory(settings);
        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var messages = new List<string>();
        for (Exception? e = failure; e is not null; e = e.InnerException) messages.Add(e.Message);
        if (failure is AggregateException aggregate) messages.AddRange(aggregate.InnerExceptions.Select(e => e.Message));
        return string.Join(Environment.NewLine, messages);
    }

    [Fact]
    public void Startup_PostgresWithoutConnectionString_FailsNamingTheSetting()
    {
        var message = StartFailure(new() { ["GridServer:Storage:Provider"] = "PostgreSQL" });

        Assert.Contains("GridServer:Storage:ConnectionString is required when GridServer:Storage:Provider is PostgreSQL", message);
    }

    [Theory]
    [InlineData("GridServer:Cases:Matters:parking:HandleWithin", "-00:10:00", "GridServer:Cases:Matters:parking: HandleWithin must be longer than zero")]
    [InlineData("GridServer:Cases:Default:AcceptWithin", "400.00:00:00", "GridServer:Cases:Default: AcceptWithin 400.00:00:00 is longer than 366 days")]
    [InlineData("GridServer:Cases:Matters:dust:Calendar", "Lunar", "GridServer:Cases:Matters:dust:Calendar is 'Lunar'; use WallClock or WorkingHours")]
    [InlineData("GridServer:Cases:Matters:dust:VerifyWithin", "soon", "GridServer:Cases:Matters:dust:VerifyWithin is 'soon'; write a duration as hh:mm:ss or as 30m, 4h, 5d")]
    [InlineData("GridServer:Cases:Matters:dust:VerifyWithin", "3y", "GridServer:Cases:Matters:dust:VerifyWithin is '3y'")]
    [InlineData("GridServer:Cases:Matters:parking:DuplicateWithinMetres", "5000", "GridServer:Cases:Matters:parking: DuplicateWithinMetres must lie above 0 and at most 1000 metres")]
    [InlineData("GridServer:Cases:Default:DuplicateWithin", "soon", "GridServer:Cases:Default:DuplicateWithin is 'soon'")]
    public void Startup_BadMatterTimeLimits_FailsNamingTheSetting(string key, string value, string expected)
    {
        var message = StartFailure(new() { [key] = value });

        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("GridServer:Auth:OperatorKey", "short", "GridServer:Auth:OperatorKey must have at least 16 characters")]
    [InlineData("GridServer:Auth:Keys:0:Role", "root", "GridServer:Auth:Keys:0 needs Key or KeySha256")]
    [InlineData("GridServer:Open311:RateLimit:PermitsPerMinute", "0", "GridServer:Open311:RateLimit:PermitsPerMinute must be at least 1")]
    public void Startup_BadCredentialSettings_FailsNamingTheSetting(string key, string value, string expected)
    {
        var message = StartFailure(new() { [key] = value });

        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("GridServer:Auth:OperatorKey", "aaaaaaaaaaaaaaaa")]
    [InlineData("GridServer:Auth:Keys:0:Key", "1234567890123456")]
    [InlineData("GridServer:Open311:ApiKeys:0", "abcdefghijklmnop")]
    public void Startup_GuessableConfiguredKey_FailsNamingTheSettingNotTheKey(string key, string value)
    {
        var settings = new Dictionary<string, string> { [key] = value };
        if (key.StartsWith("GridServer:Auth:Keys:0", StringComparison.Ordinal))
        {
            settings["GridServer:Auth:Keys:0:Role"] = "Dispatcher";
            settings["GridServer:Auth:Keys:0:Subject"] = "D-WEAK";
        }

        var message = StartFailure(settings);

        Assert.Contains($"{key} is too easy to guess", message);
        Assert.DoesNotContain(value, message);
    }

    [Fact]
    public void Startup_ShortOpen311ApiKey_FailsNamingTheSetting()
    {
        var message = StartFailure(new() { ["GridServer:Open311:ApiKeys:0"] = "secret" });

        Assert.Contains("GridServer:Open311:ApiKeys:0 must have at least 16 characters", message);
    }

    [Theory]
    [InlineData("GridServer:ReadLimits:PerKey:PermitsPerMinute", "0", "GridServer:ReadLimits:PerKey:PermitsPerMinute must be at least 1")]
    [InlineData("GridServer:ReadLimits:PerAddress:Burst", "0", "GridServer:ReadLimits:PerAddress:Burst must be at least 1")]
    [InlineData("GridServer:ReadLimits:TrustedProxies:0", "the-balancer", "GridServer:ReadLimits:TrustedProxies:0 is neither an address nor a network")]
    [InlineData("GridServer:Retention:ClosedCasesAfter", "7.00:00:00", "GridServer:Retention:ClosedCasesAfter must lie between 30.00:00:00 and 36500.00:00:00, or be left out")]
    [InlineData("GridServer:Retention:NoticesAfter", "1.00:00:00", "GridServer:Retention:NoticesAfter must lie between 7.00:00:00 and 36500.00:00:00, or be left out")]
    [InlineData("GridServer:Retention:Every", "00:00:01", "GridServer:Retention:Every must lie between 00:01:00 and 1.00:00:00")]
    public void Startup_BadLimitsAndRetention_FailsNamingTheSetting(string key, string value, string expected)
    {
        var message = StartFailure(new() { [key] = value });

        Assert.Contains(expected, message);
    }

    [Fact]
    public void Startup_UnknownProvider_FailsNamingTheSettingAndTheChoices()
    {
        var message = StartFailure(new() { ["GridServer:Storage:Provider"] = "Bogus" });

        Assert.Contains("GridServer:Storage:Provider is 'Bogus'; use Embedded or PostgreSQL", message);
    }

    [Fact]
    public void Startup_ConnectionStringWithPortOutOfRange_FailsNamingTheSetting()
    {
        var message = StartFailure(new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = "Host=127.0.0.1;Port=99999;Username=postgres",
        });

        Assert.Contains("GridServer:Storage:ConnectionString is not a valid PostgreSQL connection string: Port 99999 is not between 1 and 65535", message);
    }

    [Fact]
    public void Startup_UnknownCodeScheme_FailsNamingTheSetting()
    {
        var message = StartFailure(new() { ["GridServer:Storage:CodeScheme"] = "Roman" });

        Assert.Contains("GridServer:Storage:CodeScheme", message);
    }

    [Fact]
    public async Task Server_FreeCodeSchemeDeployment_ServesGridsWithFreeCodes()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("gridserver-free-").FullName, "free.geojson");
        await File.WriteAllTextAsync(file, TestImport.Collection(("LC-A_01", TestImport.Square(0, 0))));
        using var factory = new SiloFactory(new()
        {
            ["GridServer:Storage:GridsFile"] = file,
            ["GridServer:Storage:CodeScheme"] = "Free",
        });
        var client = factory.CreateOperatorClient();

        var body = await client.GetStringAsync("/api/grids/locate?lon=120.6005&lat=28.0005");

        Assert.Contains("\"gridCode\":\"LC-A_01\"", body);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    // ---- PostgreSQL provider --------------------------------------------------------------------

    /// <summary>The server on this class's private database.</summary>
    private SiloFactory PostgresSilo() => new(new()
    {
        ["GridServer:Storage:Provider"] = "PostgreSQL",
        ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        ["GridServer:Open311:ApiKeys:0"] = Open311Silo.ApiKey,
    });

    [PostgisFact]
    public async Task Server_PostgresProvider_Open311ReportWithOnlyAnAddress_IsQueuedAndProjectedAsAnEmptyPoint()
    {
        await using var factory = PostgresSilo();
        using var client = factory.CreateOperatorClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = Open311Silo.ApiKey, ["service_code"] = "dust", ["address_string"] = "鹿城区人民路 12 号",
        });
        using var posted = await client.PostAsync("/open311/v2/requests.json", form);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var token = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement[0].GetProperty("token").GetString()!;

        await using var row = database.DataSource.CreateCommand("SELECT state, grid_code IS NULL, ST_IsEmpty(geom) FROM gridserver.cases WHERE case_id = $1");
        row.Parameters.AddWithValue(token);
        await using var reader = await row.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("Registered", true, true), (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
    }

    [PostgisFact]
    public async Task Server_PostgresProvider_ServesTheStoredGrids()
    {
        await using (var clear = database.DataSource.CreateCommand("TRUNCATE gridserver.grids, gridserver.grid_history"))
            await clear.ExecuteNonQueryAsync();
        var grids = Check(Collection(("33030200100101", Square(0, 0)), ("33030200100102", Square(1, 0)))).Grids;
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(grids, GridSaveMode.Replace);
        await using var factory = PostgresSilo();
        using var client = factory.CreateOperatorClient();

        var health = await JsonOf(await client.GetAsync("/health"));
        var located = await JsonOf(await client.GetAsync("/api/grids/locate?lon=120.6015&lat=28.0005"));
        using var one = await client.GetAsync("/api/grids/33030200100101");
        using var sampleGrid = await client.GetAsync($"/api/grids/{SampleGrid}");

        Assert.Equal((2, "postgresql"), (health.GetProperty("grids").GetInt32(), health.GetProperty("storage").GetString()));
        Assert.Equal(("covered", "33030200100102", "网格02"), (located.GetProperty("status").GetString(), located.GetProperty("gridCode").GetString(), located.GetProperty("gridName").GetString()));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal("33030200100101", GeoJsonGridReader.Read(await one.Content.ReadAsByteArrayAsync(), "one.geojson").Features[0].Attributes["code"]);
        Assert.Equal(HttpStatusCode.NotFound, sampleGrid.StatusCode);
    }

    [PostgisFact]
    public async Task Server_PostgresProvider_CaseStateIsDurableInPostgres()
    {
        await using var factory = PostgresSilo();
        using var client = factory.CreateOperatorClient();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var caseId = "C-" + Guid.NewGuid().ToString("N");

        var opened = await grains.GetGrain<GridServer.Abstractions.Cases.ICaseGrain>(caseId)
            .OpenAsync(new GridServer.Abstractions.Cases.CaseReport("parking", 120.6, 28.0, null, "citizen", "blocked lane"));

        Assert.Equal(CaseState.Registered, opened.State);   // in no grid: waits for manual dispatch
        // The case is its row in the case store (written by its first step), with its queue mark; no grain state holds it.
        await using var count = database.DataSource.CreateCommand(
            "SELECT count(*) FROM gridserver.cases WHERE case_id = $1 AND version = 1 AND queue_reason IS NOT NULL AND state = 'Registered'");
        count.Parameters.AddWithValue(caseId);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
        await using var legacy = database.DataSource.CreateCommand("SELECT count(*) FROM orleans.grain_state WHERE grain_id_extension LIKE '%' || $1 || '%'");
        legacy.Parameters.AddWithValue(caseId);
        Assert.Equal(0L, (long)(await legacy.ExecuteScalarAsync())!);
    }

    [PostgisFact]
    public async Task Server_PostgresProvider_CaseProjectionFollowsTheTimeline()
    {
        await using var factory = PostgresSilo();
        using var client = factory.CreateOperatorClient();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var caseId = "C-" + Guid.NewGuid().ToString("N");
        var gridCode = "G-" + Guid.NewGuid().ToString("N");   // nobody is responsible for it: the case stays queued
        var grain = grains.GetGrain<GridServer.Abstractions.Cases.ICaseGrain>(caseId);

        await grain.OpenAsync(new GridServer.Abstractions.Cases.CaseReport("parking", 120.6, 28.0, null, "citizen", "blocked lane"));
        await grain.DispatchAsync("dispatcher-1", gridCode);
        var voided = await grain.ActAsync(new GridServer.Abstractions.Cases.CaseActionRequest(CaseAction.Void, "dispatcher-1", "a duplicate report", ["photo-1"], null));

        Assert.True(voided.Accepted, voided.Refusal?.Message);
        await using var row = database.DataSource.CreateCommand(
            "SELECT state, grid_code, closed_at IS NOT NULL, last_sequence, ST_X(geom), ST_Y(geom) FROM gridserver.cases WHERE case_id = $1");
        row.Parameters.AddWithValue(caseId);
        await using (var reader = await row.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("Void", gridCode, true, voided.Case.Timeline.Length, 120.6, 28.0),
                (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetDouble(5)));
        }
        await using var events = database.DataSource.CreateCommand("SELECT action FROM gridserver.case_events WHERE case_id = $1 ORDER BY sequence");
        events.Parameters.AddWithValue(caseId);
        var actions = new List<string>();
        await using (var reader = await events.ExecuteReaderAsync())
            while (await reader.ReadAsync()) actions.Add(reader.GetString(0));
        Assert.Equal(voided.Case.Timeline.Select(e => e.Action.ToString()), actions);
    }

    /// <summary>Starts a PostgreSQL server on a private database that <paramref name="downgrade"/> took back to an older schema; the start's failure messages.</summary>
    private static async Task<string> StartOnOlderSchemaAsync(string downgrade)
    {
        var older = new PostgisDatabase();
        await older.InitializeAsync();
        try
        {
            await using (var command = older.DataSource.CreateCommand(downgrade)) await command.ExecuteNonQueryAsync();
            return StartFailure(new()
            {
                ["GridServer:Storage:Provider"] = "PostgreSQL",
                ["GridServer:Storage:ConnectionString"] = older.ConnectionString,
            });
        }
        finally
        {
            await older.DisposeAsync();
        }
    }

    [PostgisFact]
    public async Task Startup_DatabaseWithoutCaseProjectionTables_FailsNamingTheMigration()
    {
        // A database migrated before V003 existed.
        var message = await StartOnOlderSchemaAsync(
            "DROP TABLE gridserver.case_events, gridserver.cases; DELETE FROM gridserver.schema_migrations WHERE version = 'V003__cases'");

        Assert.Contains("lacks the GridServer schema (migration V003__cases); apply it with: scripts/postgis.sh migrate", message);
    }

    [PostgisFact]
    public async Task Startup_DatabaseWithoutTheCaseStore_FailsNamingTheMigration()
    {
        // A database migrated before V010 existed.
        var message = await StartOnOlderSchemaAsync("DELETE FROM gridserver.schema_migrations WHERE version = 'V010__case_store'");

        Assert.Contains("lacks the GridServer schema (migration V010__case_store); apply it with: scripts/postgis.sh migrate", message);
    }

    [PostgisFact]
    public async Task Startup_DatabaseWithoutCasePublicColumns_FailsNamingTheMigration()
    {
        // A database migrated before V008 existed: nothing says which cases may be public.
        var message = await StartOnOlderSchemaAsync(
            "ALTER TABLE gridserver.cases DROP COLUMN channel, DROP COLUMN public; DELETE FROM gridserver.schema_migrations WHERE version = 'V008__case_public'");

        Assert.Contains("lacks the GridServer schema (migration V008__case_public); apply it with: scripts/postgis.sh migrate", message);
    }

    [Fact]
    public async Task Server_EmbeddedDefault_RunsTheCaseGrains()
    {
        using var factory = new SiloFactory();
        using var client = factory.CreateOperatorClient();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();

        var opened = await grains.GetGrain<GridServer.Abstractions.Cases.ICaseGrain>("C-" + Guid.NewGuid().ToString("N"))
            .OpenAsync(new GridServer.Abstractions.Cases.CaseReport("parking", 120.65, 28.0, null, "citizen", null));

        Assert.Equal(CaseState.Registered, opened.State);
        Assert.Equal([CaseAction.Report, CaseAction.Register], opened.Timeline.Select(e => e.Action).ToArray());
    }

    [Fact]
    public void Startup_BadAdvertisedAddress_FailsNamingTheSetting()
    {
        var message = StartFailure(new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = "Host=127.0.0.1;Port=5432;Username=postgres",
            ["GridServer:Orleans:AdvertisedAddress"] = "not-an-ip",
        });

        Assert.Contains("GridServer:Orleans:AdvertisedAddress", message);
    }

    [Fact]
    public void Startup_PostgresClusterWithoutTls_FailsNamingTheSettings()
    {
        // Any Tls setting keeps the test factory from adding the cluster's certificate.
        var message = StartFailure(new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = "Host=127.0.0.1;Port=5432;Username=postgres",
            ["GridServer:Orleans:Tls:AllowPlainText"] = "false",
        });

        Assert.Contains("GridServer:Orleans:Tls: a PostgreSQL cluster needs mutual TLS between its silos", message);
        Assert.Contains("GridServer:Orleans:Tls:CertificatePath", message);
        Assert.Contains("GridServer:Orleans:Tls:AllowPlainText=true", message);
    }

    [Fact]
    public void Startup_GatewayWithoutTls_FailsNamingTheSettings()
    {
        var message = StartFailure(new() { ["GridServer:Orleans:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture) });

        Assert.Contains("GridServer:Orleans:GatewayPort opens a gateway, which must demand the cluster's client certificate", message);
    }

    [Theory]
    [InlineData("GridServer:Orleans:Tls:CertificatePath", "/nonexistent/silo.pfx", "GridServer:Orleans:Tls:CertificatePath '/nonexistent/silo.pfx' does not exist")]
    [InlineData("GridServer:Orleans:Tls:CertificatePassword", "wrong-password", "GridServer:Orleans:Tls:CertificatePath '")]
    [InlineData("GridServer:Orleans:Tls:TrustedThumbprints:0", "not-hex", "GridServer:Orleans:Tls:TrustedThumbprints:0 must be a certificate's SHA-256 fingerprint")]
    [InlineData("GridServer:Orleans:Tls:AllowPlainText", "true", "GridServer:Orleans:Tls: AllowPlainText contradicts the certificate that is set")]
    [InlineData("GridServer:Orleans:ClusterId", "grid server!", "GridServer:Orleans:ClusterId must be 1 to 64 letters, digits")]
    public void Startup_BadClusterSetting_FailsNamingIt(string key, string value, string expected)
    {
        var settings = TestCertificates.Cluster.Settings;
        settings[key] = value;

        var message = StartFailure(settings);

        Assert.Contains(expected, message);
    }

    [Fact]
    public void Startup_OwnCertificateOfAnotherCa_FailsSayingPeersWouldRefuseIt()
    {
        var settings = TestCertificates.Cluster.Settings;
        settings["GridServer:Orleans:Tls:TrustedCaPath"] = TestCertificates.Foreign.AuthorityPath;

        var message = StartFailure(settings);

        Assert.Contains("this silo's own certificate CN=gridserver-silo, O=GridServer Test Cluster CA is not trusted by the trust settings", message);
    }

    [Fact]
    public void Startup_TrustedCaPathNamingASiloCertificate_FailsSayingItIsNoCa()
    {
        var pem = Path.Combine(Directory.CreateTempSubdirectory("gridserver-certs-").FullName, "silo.pem");
        File.WriteAllText(pem, TestCertificates.Cluster.Silo.ExportCertificatePem());
        var settings = TestCertificates.Cluster.Settings;
        settings["GridServer:Orleans:Tls:TrustedCaPath"] = pem;

        var message = StartFailure(settings);

        Assert.Contains("which is no CA certificate", message);
    }

    [Fact]
    public async Task Server_EmbeddedWithClusterTls_StartsAndServes()
    {
        await using var factory = new SiloFactory(TestCertificates.Cluster.Settings);
        using var client = factory.CreateOperatorClient();

        using var health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [PostgisFact]
    public async Task Startup_DatabaseWithoutSchema_FailsPointingToMigrate()
    {
        await using var empty = await EmptyDatabase.CreateAsync();

        var message = StartFailure(new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = empty.ConnectionString,
        });

        Assert.Contains("lacks the GridServer schema (migration V009__grid_history_actor); apply it with: scripts/postgis.sh migrate", message);
    }
}
