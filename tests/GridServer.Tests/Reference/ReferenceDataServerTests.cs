using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Reference;

/// <summary>
/// Reference data in a running server with the real modules: imported over HTTP, checked whole (the module's own
/// check included), served to the module's routing, and named on the cases it routes.
/// </summary>
public sealed class ReferenceDataServerTests
{
    // The sample grid covers (120.65, 28.0); a frontage zone of about 20 m × 20 m around it.
    private const string Zone = "[[[120.6499,27.9999],[120.6501,27.9999],[120.6501,28.0001],[120.6499,28.0001],[120.6499,27.9999]]]";

    private static StringContent GeoJson(string json) => new(json, Encoding.UTF8, "application/geo+json");

    private static string Shop(string key, string name, string contact, string coordinates = Zone) =>
        $$$"""{"type":"Feature","properties":{"key":"{{{key}}}","name":"{{{name}}}","contact":"{{{contact}}}"},"geometry":{"type":"Polygon","coordinates":{{{coordinates}}}}}""";

    private static string Collection(params string[] features) => $$"""{"type":"FeatureCollection","features":[{{string.Join(',', features)}}]}""";

    [Fact]
    public async Task Shopfront_ImportedZone_NamesTheShop_NotifiesIt_AndTheSecondCaseIn30DaysIsEscalated()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Shopfront", "shopfront");
        await silo.WaitForModuleAsync("shopfront", ModuleState.Loaded);
        var grid = await GridAtAsync(silo);
        await silo.Server.StaffAsync(grid);

        // A file with a bad record is refused whole, naming the record; the set stays empty.
        using (var refused = await silo.Server.Operator.PutAsync("/api/reference/shops", GeoJson(Collection(
                   Shop("S-1", "张记小吃", "13812345678"), Shop("S-2", "李记", "not-a-phone")))))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            var problem = await JsonOf(refused);
            var only = Assert.Single(problem.GetProperty("problems").EnumerateArray());
            Assert.Equal(("S-2", "contact"), (only.GetProperty("key").GetString(), only.GetProperty("field").GetString()));
        }
        using (var listed = await silo.Server.Dispatcher.GetAsync("/api/reference/shops"))
            Assert.Equal(0, (await JsonOf(listed)).GetProperty("total").GetInt32());

        using (var imported = await silo.Server.Operator.PutAsync("/api/reference/shops", GeoJson(Collection(Shop("S-1", "张记小吃", "13812345678")))))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            Assert.Equal(1, (await JsonOf(imported)).GetProperty("added").GetInt32());
        }
        using (var record = await silo.Server.Dispatcher.GetAsync("/api/reference/shops/S-1"))
        {
            var feature = await JsonOf(record);
            Assert.Equal("张记小吃", feature.GetProperty("properties").GetProperty("name").GetString());
            Assert.Equal("Polygon", feature.GetProperty("geometry").GetProperty("type").GetString());
        }

        var first = await OpenAsync(silo, "shopfront_goods");
        var party = first.GetProperty("party");
        Assert.Equal(("shops", "S-1", "张记小吃", 1, false), (party.GetProperty("kind").GetString(), party.GetProperty("id").GetString(),
            party.GetProperty("name").GetString(), party.GetProperty("repeatCount").GetInt32(), party.GetProperty("escalated").GetBoolean()));
        Assert.False(first.GetProperty("supervised").GetBoolean());

        var second = await OpenAsync(silo, "shopfront_litter");
        Assert.Equal((2, true), (second.GetProperty("party").GetProperty("repeatCount").GetInt32(), second.GetProperty("party").GetProperty("escalated").GetBoolean()));
        // Escalated, not "supervised": that flag stays for a missed deadline, which escalates on its own when it comes.
        Assert.False(second.GetProperty("supervised").GetBoolean());
        Assert.Contains(second.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("action").GetString() == "Note"
            && e.GetProperty("note").GetString()!.Contains("the command center: repeat offence: case 2 of 张记小吃", StringComparison.Ordinal));
        var center = await EventuallyAsync(silo, "/api/inbox", p => p.GetProperty("notices").EnumerateArray().Any(n => n.GetProperty("kind").GetString() == "escalation"));
        Assert.Contains(center.GetProperty("notices").EnumerateArray(), n => n.GetProperty("kind").GetString() == "escalation"
            && n.GetProperty("text").GetString()!.StartsWith("【重复违规督办】", StringComparison.Ordinal)
            // The matter by its name, as the service has it, not its code.
            && n.GetProperty("text").GetString()!.Contains("· 门前卫生", StringComparison.Ordinal));

        // The shop's notices (整改通知) and its cases, as the command center sees them.
        var page = await EventuallyAsync(silo, "/api/parties/shops/S-1", p => p.GetProperty("notices").GetProperty("total").GetInt32() == 2);
        Assert.Equal(2, page.GetProperty("cases").GetArrayLength());
        // Rendered from the module's own template for the matter (registered into the notice store at load).
        var notices = page.GetProperty("notices").GetProperty("notices").EnumerateArray().ToList();
        Assert.All(notices, n => Assert.StartsWith("【门前三包整改通知】张记小吃（S-1）", n.GetProperty("text").GetString(), StringComparison.Ordinal));
        Assert.Contains(notices, n => n.GetProperty("text").GetString()!.Contains("店外经营", StringComparison.Ordinal));

        // Outside every zone: nobody but the grid.
        using (var moved = await silo.Server.Operator.PutAsync("/api/reference/shops", GeoJson(Collection(
                   Shop("S-9", "远处", "0571-8888888", "[[[120.66,28.01],[120.661,28.01],[120.661,28.011],[120.66,28.011],[120.66,28.01]]]")))))
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var third = await OpenAsync(silo, "shopfront_goods");
        Assert.False(third.TryGetProperty("party", out var none) && none.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Billboard_PermitsFromCsv_AReportNearABoardReferencesItsPermit()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Billboard", "billboard");
        await silo.WaitForModuleAsync("billboard", ModuleState.Loaded);
        var grid = await GridAtAsync(silo);
        await silo.Server.StaffAsync(grid);

        // 0.0001° of latitude is about 11 m: P-NEAR is within 30 m of the report, P-FAR is not.
        var csv = "key,holder,expires,board_type,lon,lat\nP-NEAR,某广告公司,2030-01-01,billboard,120.65,28.0001\nP-FAR,别家,2030-01-01,billboard,120.65,28.001\n";
        using (var imported = await silo.Server.Operator.PostAsync("/api/reference/permits", new StringContent(csv, Encoding.UTF8, "text/csv")))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        var view = await OpenAsync(silo, "billboard_unpermitted", "&attribute[board_type]=billboard");
        var party = view.GetProperty("party");
        Assert.Equal(("permits", "P-NEAR"), (party.GetProperty("kind").GetString(), party.GetProperty("id").GetString()));
        Assert.Contains("P-NEAR", party.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_RefusesWhatItCannotRead_AndUnknownSets()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Billboard", "billboard");
        await silo.WaitForModuleAsync("billboard", ModuleState.Loaded);

        using (var unknown = await silo.Server.Operator.PutAsync("/api/reference/nothing", GeoJson(Collection())))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var broken = await silo.Server.Operator.PutAsync("/api/reference/permits", GeoJson("{\"type\":\"FeatureCollection\",\"features\":[")))
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        using (var wrongType = await silo.Server.Operator.PutAsync("/api/reference/permits", new StringContent("<xml/>", Encoding.UTF8, "application/xml")))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        // GBK ("你" is C4 E3) said to be UTF-8 is refused naming the encoding; unnamed, it is read as GBK.
        using (var notUtf8 = await silo.Server.Operator.PutAsync("/api/reference/permits", new ByteArrayContent([0x6b, 0x65, 0x79, 0x0a, 0xc4, 0xe3, 0x0a]) { Headers = { ContentType = new("text/csv") { CharSet = "utf-8" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notUtf8.StatusCode);
            Assert.Contains("not UTF-8 text", (await JsonOf(notUtf8)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        var gbk = System.Text.Encoding.GetEncoding("GBK").GetBytes("key,holder,expires,lon,lat\nP-9,鹿城广告公司,2030-01-01,120.65,28\n");
        using (var gbkRead = await silo.Server.Operator.PutAsync("/api/reference/permits?dryRun=true", new ByteArrayContent(gbk) { Headers = { ContentType = new("text/csv") } }))
        {
            var body = await JsonOf(gbkRead);
            Assert.True(gbkRead.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.StartsWith("GB18030", body.GetProperty("encoding").GetString(), StringComparison.Ordinal);
        }
        // The server's checks and the module's together: one answer names every problem of the file.
        using (var both = await silo.Server.Operator.PutAsync("/api/reference/permits", new StringContent(
                   "key,holder,expires,lon,lat\nP-1,a,2026-13-45,120.65,28\nP-1,b,2027-01-01,120.65,28\n", Encoding.UTF8, "text/csv")))
        {
            var problems = (await JsonOf(both)).GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("record").GetInt32(), p.GetProperty("field").GetString())).ToList();
            Assert.Equal([(1, "expires"), (2, "key")], problems);
        }
        // The module's own check: an expiry that is no date.
        using (var badDate = await silo.Server.Operator.PutAsync("/api/reference/permits", new StringContent("key,holder,expires,lon,lat\nP-1,a,next year,120.65,28\n", Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, badDate.StatusCode);
            Assert.Equal("expires", (await JsonOf(badDate)).GetProperty("problems")[0].GetProperty("field").GetString());
        }
        using (var dryRun = await silo.Server.Operator.PutAsync("/api/reference/permits?dryRun=true", new StringContent("key,holder,expires,lon,lat\nP-1,a,2030-01-01,120.65,28\n", Encoding.UTF8, "text/csv")))
            Assert.True((await JsonOf(dryRun)).GetProperty("dryRun").GetBoolean());
        using (var list = await silo.Server.Dispatcher.GetAsync("/api/reference"))
        {
            var set = Assert.Single((await JsonOf(list)).EnumerateArray());
            Assert.Equal(("permits", "point"), (set.GetProperty("name").GetString(), set.GetProperty("shape").GetString()));
            // A dry run stores nothing: the set is served empty, or not loaded yet.
            var served = set.GetProperty("served");
            Assert.True(served.ValueKind == JsonValueKind.Null || served.GetProperty("records").GetInt32() == 0, served.ToString());
        }
        using (var gone = await silo.Server.Operator.DeleteAsync("/api/reference/permits/P-1"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<string> GridAtAsync(PluginSilo silo)
    {
        using var located = await silo.Server.Operator.GetAsync("/api/grids/locate?lon=120.65&lat=28.0");
        return (await JsonOf(located)).GetProperty("gridCode").GetString()!;
    }

    /// <summary>Reports through Open311 at the sample point and answers the case as the command center sees it.</summary>
    private static async Task<JsonElement> OpenAsync(PluginSilo silo, string service, string extra = "")
    {
        var form = $"api_key={PluginSilo.ApiKey}&service_code={service}&lat=28.0&long=120.65&description=test{extra}";
        using var posted = await silo.Server.Client.PostAsync("/open311/v2/requests.json", new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
        var body = await JsonOf(posted);
        Assert.True(posted.StatusCode == HttpStatusCode.Created, body.ToString());
        var id = body[0].GetProperty("service_request_id").GetString();
        using var view = await silo.Server.Dispatcher.GetAsync($"/api/cases/{id}");
        return await JsonOf(view);
    }

    private static async Task<JsonElement> EventuallyAsync(PluginSilo silo, string path, Func<JsonElement, bool> done)
    {
        // Notices are delivered without the case waiting: poll, bounded.
        var body = default(JsonElement);
        await Eventually.HoldsAsync($"GET {path} as expected", async () =>
        {
            using var response = await silo.Server.Dispatcher.GetAsync(path);
            body = await JsonOf(response);
            return done(body);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        return body;
    }
}
