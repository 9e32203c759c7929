using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GridServer.Domain.Catalog;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using GridServer.Tests.Silo;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Catalog;

/// <summary>The embedded server for census tests: the census is one per server, and these tests import their own.</summary>
public sealed class CensusSilo() : EmbeddedSiloWith([])
{
}

/// <summary>
/// The component census (部件普查): indexed by class, imported as bureaus keep it (16-digit CJ/T 214 identifiers that
/// name their class, GBK CSV), refused row by row when it cannot be used, and a report about a component routed to its
/// owner (权属单位), who is told and whose page lists the case.
/// </summary>
public sealed class ComponentCensusTests(CensusSilo silo, PostgisDatabase database) : IClassFixture<CensusSilo>, IClassFixture<PostgisDatabase>
{
    private static readonly CensusComponent Sewer = new("3303020102000001", "C0102", "市排水公司", "解放北路12号前", "0577-88001234", 120.6500, 28.0000);
    private static readonly CensusComponent Power = new("3303020105000001", "C0105", "国网鹿城供电", null, null, 120.6501, 28.0001);
    private static readonly CensusComponent FarSewer = new("3303020102000002", "C0102", "市排水公司", null, null, 120.6600, 28.0100);

    [Fact]
    public void Nearest_OfTheClass_WithinTheDistance_AndAMajorClassTakesAnyUnderIt()
    {
        var census = ComponentCensus.Build([Sewer, Power, FarSewer]);

        Assert.Equal(Sewer, census.Nearest("C0102", 120.65005, 28.00005)!.Component);         // about 7 m
        Assert.Equal(Power, census.Nearest("C0105", 120.65005, 28.00005)!.Component);
        Assert.Null(census.Nearest("C0102", 120.6550, 28.0050));                                 // 700 m from either sewer cover
        Assert.Equal(Sewer, census.Nearest("C01", 120.64999, 27.99999)!.Component);             // any cover: the nearest
        Assert.Null(census.Nearest("C0103", 120.65, 28.0));
        Assert.Null(ComponentCensus.Empty.Nearest("C01", 120.65, 28.0));
        Assert.Equal(FarSewer, census.Nearest("C0102", 120.6599, 28.0099)!.Component);                  // the other cover, 15 m away
        Assert.Null(census.Nearest("C0102", 120.6550, 28.0050, ComponentCensus.MaxMatchMetres * 10));   // held to 500 m: both are 740 m off
    }

    [Theory]
    [InlineData("3303020102000001", "C0102")]
    [InlineData("330302010200000", null)]
    [InlineData("33030201020000AB", null)]
    [InlineData("MH-1", null)]
    public void ClassOfIdentifier_SixteenDigitsNameTheClass(string id, string? expected) => Assert.Equal(expected, ComponentCensus.ClassOfIdentifier(id));

    [Fact]
    public void ClassProblem_AnEventClassIsNoComponent() =>
        Assert.Contains("is an event class", ComponentCensus.ClassProblem("E0504", MatterCatalog.Default), StringComparison.Ordinal);

    private static ByteArrayContent Csv(string text, string encoding = "utf-8")
    {
        CodePages.Register();
        var content = new ByteArrayContent(Encoding.GetEncoding(encoding).GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private const string Census = "id,class,owner,name,contact,lon,lat\n" +
        "3303020102000001,,市排水公司,解放北路12号前,0577-88001234,120.65,28.0\n" +
        "3303020105000001,C0105,国网鹿城供电,,,120.6501,28.0001\n" +
        "MH-77,C0111,温州燃气,,,120.651,28.001\n";

    [Fact]
    public async Task Import_GbkCsv_ClassFromTheIdentifier_ServedAndFound()
    {
        using var put = await silo.Operator.PutAsync("/api/components", Csv(Census, "GBK"));
        var body = await JsonOf(put);
        Assert.True(put.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(3, body.GetProperty("components").GetInt32());
        Assert.Equal(1, body.GetProperty("byClass").GetProperty("C0102").GetInt32());

        var summary = await JsonOf(await silo.Dispatcher.GetAsync("/api/components?lon=120.65003&lat=28.00002&class=C0102"));
        Assert.Equal(3, summary.GetProperty("components").GetInt32());
        Assert.Contains(summary.GetProperty("byClass").EnumerateArray(), c => c.GetProperty("code").GetString() == "C0102" && c.GetProperty("name").GetString() == "污水井盖");
        Assert.Equal("市排水公司", summary.GetProperty("found").GetProperty("owner").GetString());
        Assert.Contains("污水井盖 3303020102000001 (解放北路12号前)", summary.GetProperty("found").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MH-1,,市排水公司,,,120.65,28.0", "give the component's class")]
    [InlineData("MH-1,E0504,市排水公司,,,120.65,28.0", "is an event class")]
    [InlineData("MH-1,C0199,市排水公司,,,120.65,28.0", "class C0199 is not in the catalog")]
    [InlineData("3303020102000009,C0105,市排水公司,,,120.65,28.0", "the id names class C0102, the class column C0105")]
    [InlineData("MH-1,C0102,,,,120.65,28.0", "'owner' is required")]
    [InlineData("MH-1,C0102,市排水公司,,,,", "a point is required")]
    public async Task Import_ARowThatCannotBeUsed_RefusesTheFileNamingIt_TheCensusServedStays(string row, string expected)
    {
        using (var put = await silo.Operator.PutAsync("/api/components", Csv(Census))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var before = (await JsonOf(await silo.Operator.GetAsync("/api/components"))).GetProperty("version").GetInt64();

        using var refused = await silo.Operator.PutAsync("/api/components", Csv("id,class,owner,name,contact,lon,lat\n" + row + "\n"));
        var problem = await JsonOf(refused);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains(expected, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(before, (await JsonOf(await silo.Operator.GetAsync("/api/components"))).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Roles_And_BadQueries()
    {
        using var dispatcherImport = await silo.Dispatcher.PutAsync("/api/components", Csv(Census));
        using var partial = await silo.Dispatcher.GetAsync("/api/components?lon=120.65");
        using var eventClass = await silo.Dispatcher.GetAsync("/api/components?lon=120.65&lat=28&class=E0504");
        using var anonymous = await silo.Client.GetAsync("/api/components");

        Assert.Equal(HttpStatusCode.Forbidden, dispatcherImport.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, partial.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, eventClass.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    /// <summary>The built-in facility service (C01 公用设施) routes by the census as it comes: no module needed.</summary>
    [Fact]
    public async Task BuiltInFacilityService_AReportAtACover_NamesItsOwner()
    {
        using (var put = await silo.Operator.PutAsync("/api/components", Csv(Census))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var response = await silo.Dispatcher.PostAsync("/api/cases",
            JsonBody("""{"matter":"facility","lon":120.65003,"lat":28.00002,"description":"井盖缺失","reporterId":"r"}"""));
        var @case = await JsonOf(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(("owners", "市排水公司"), (@case.GetProperty("party").GetProperty("kind").GetString(), @case.GetProperty("party").GetProperty("id").GetString()));
        var catalog = await JsonOf(await silo.Dispatcher.GetAsync("/api/catalog"));
        Assert.Contains(catalog.GetProperty("classes").EnumerateArray(), c => c.GetProperty("code").GetString() == "C01"
            && c.GetProperty("matters").EnumerateArray().Any(m => m.GetProperty("code").GetString() == "facility"));
    }

    /// <summary>The sample module's manhole matter is counted under C01 (公用设施): a report at a sewer cover goes to its owner.</summary>
    [Fact]
    public async Task AReportAboutAComponent_NamesItsOwner_WhoIsTold_AndWhosePageListsTheCase()
    {
        await using var plugins = await PluginSilo.StartAsync();
        plugins.Install("GridServer.Plugins.Sample", "manhole");
        await plugins.WaitForModuleAsync("manhole", ModuleState.Loaded);
        using (var put = await plugins.Server.Operator.PutAsync("/api/components", Csv(Census, "GBK")))
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());

        async Task<JsonElement> Report(string lat, string lon)
        {
            var form = $"api_key={PluginSilo.ApiKey}&service_code=manhole&lat={lat}&long={lon}&attribute[cover_state]=missing&description=cover+gone";
            using var posted = await plugins.Server.Client.PostAsync("/open311/v2/requests.json", new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
            var answer = await JsonOf(posted);
            Assert.True(posted.StatusCode == HttpStatusCode.Created, answer.ToString());
            return await JsonOf(await plugins.Server.Dispatcher.GetAsync($"/api/cases/{answer[0].GetProperty("service_request_id").GetString()}"));
        }

        var atCover = await Report("28.00002", "120.65003");
        var party = atCover.GetProperty("party");
        Assert.Equal(("owners", "市排水公司", "0577-88001234"), (party.GetProperty("kind").GetString(), party.GetProperty("id").GetString(), party.GetProperty("contact").GetString()));
        Assert.Contains("3303020102000001", party.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var nowhere = await Report("28.0050", "120.6550");
        Assert.False(nowhere.TryGetProperty("party", out var none) && none.ValueKind != JsonValueKind.Null);

        var page = default(JsonElement);
        await Eventually.HoldsAsync("the owner's page lists the case and its notice", async () =>
        {
            using var response = await plugins.Server.Dispatcher.GetAsync("/api/parties/owners/" + Uri.EscapeDataString("市排水公司"));
            page = await JsonOf(response);
            return response.IsSuccessStatusCode && page.GetProperty("notices").GetProperty("total").GetInt32() == 1;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Assert.Contains(page.GetProperty("cases").EnumerateArray(), c => c.GetProperty("caseId").GetString() == atCover.GetProperty("caseId").GetString());
    }

    /// <summary>Kept in PostgreSQL (V031): a new server serves the same census and finds the same owner.</summary>
    [PostgisFact]
    public async Task Postgres_TheCensusOutlivesTheServer()
    {
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        };
        await using (var first = new SiloFactory(settings))
        {
            using var client = first.CreateOperatorClient();
            using var put = await client.PutAsync("/api/components", Csv(Census, "GBK"));
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }
        await using var second = new SiloFactory(settings);
        using var dispatcher = second.CreateDispatcherClient();
        var summary = await JsonOf(await dispatcher.GetAsync("/api/components?lon=120.6501&lat=28.0001&class=C0105"));
        Assert.Equal((1, 3), (summary.GetProperty("version").GetInt32(), summary.GetProperty("components").GetInt32()));
        Assert.Equal("国网鹿城供电", summary.GetProperty("found").GetProperty("owner").GetString());
    }
}
