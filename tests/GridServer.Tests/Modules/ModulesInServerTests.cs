using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Modules;

/// <summary>
/// The dust, parking-bay and billboard rules through a running server: reference data imported over HTTP, readings
/// posted in batches, the scheduled check run — the cases they open and what they note.
/// </summary>
public sealed class ModulesInServerTests
{
    private const string Site = "[[[120.6495,27.9995],[120.6505,27.9995],[120.6505,28.0005],[120.6495,28.0005],[120.6495,27.9995]]]";

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Reading(string sensor, string kind, DateTimeOffset at, string values, double lon = 120.65, double lat = 28.0) =>
        string.Create(CultureInfo.InvariantCulture, $$$"""{"sensorId":"{{{sensor}}}","kind":"{{{kind}}}","lon":{{{lon}}},"lat":{{{lat}}},"at":"{{{at:O}}}","values":{{{{values}}}}}""");

    private static async Task<JsonElement> PostReadingsAsync(PluginSilo silo, params string[] readings)
    {
        using var posted = await silo.Server.Operator.PostAsync("/api/sensors/readings", Body($$"""{"readings":[{{string.Join(',', readings)}}]}"""));
        var body = await JsonOf(posted);
        Assert.True(posted.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static async Task<JsonElement> CaseAsync(PluginSilo silo, string id)
    {
        using var response = await silo.Server.Dispatcher.GetAsync($"/api/cases/{id}");
        return await JsonOf(response);
    }

    [Fact]
    public async Task Dust_AnHourOverTheSiteLimit_OpensOneCaseForTheSite_LaterBatchesNoteIt_AndItSaysWhenBackUnder()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Dust", "dust");
        await silo.WaitForModuleAsync("dust", ModuleState.Loaded);
        using (var located = await silo.Server.Operator.GetAsync("/api/grids/locate?lon=120.65&lat=28.0"))
            await silo.Server.StaffAsync((await JsonOf(located)).GetProperty("gridCode").GetString()!);
        var site = $$$"""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"key":"W-1","name":"滨江工地","operator":"某建设公司","contact":"13900001111","pm10_limit":"150"},"geometry":{"type":"Polygon","coordinates":{{{Site}}}}}]}""";
        using (var imported = await silo.Server.Operator.PutAsync("/api/reference/sites", new StringContent(site, Encoding.UTF8, "application/geo+json")))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        var t0 = DateTimeOffset.UtcNow.AddMinutes(-50);
        var over = await PostReadingsAsync(silo,
            Reading("DM-1", "dust", t0, "\"pm10_ugm3\":190"), Reading("DM-1", "dust", t0.AddMinutes(10), "\"pm10_ugm3\":200"),
            Reading("DM-1", "dust", t0.AddMinutes(20), "\"pm10_ugm3\":210"), Reading("DM-9", "dust", t0, "\"pm10_ugm3\":999", lon: 121.5, lat: 29.5));
        Assert.Equal(1, over.GetProperty("unwatched").GetInt32());   // a monitor at no site
        var id = Assert.Single(over.GetProperty("casesOpened").EnumerateArray()).GetString()!;
        var opened = await CaseAsync(silo, id);
        Assert.Equal(("dust", "sites", "W-1"), (opened.GetProperty("matter").GetString(), opened.GetProperty("party").GetProperty("kind").GetString(),
            opened.GetProperty("party").GetProperty("id").GetString()));

        // Still over, within the case's first hour: no second case, no note yet (the module summarises hourly).
        var still = await PostReadingsAsync(silo, Reading("DM-1", "dust", t0.AddMinutes(30), "\"pm10_ugm3\":220"));
        Assert.Equal(0, still.GetProperty("casesOpened").GetArrayLength());
        Assert.Equal(0, still.GetProperty("notesAdded").GetInt32());

        // Back under: the hour's average falls below 150 once clean readings outweigh the dirty ones.
        var clean = Enumerable.Range(0, 12).Select(i => Reading("DM-1", "dust", t0.AddMinutes(31 + i), "\"pm10_ugm3\":20")).ToArray();
        var under = await PostReadingsAsync(silo, clean);
        Assert.Equal(0, under.GetProperty("casesOpened").GetArrayLength());
        var notes = (await CaseAsync(silo, id)).GetProperty("timeline").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() == "Note").Select(e => e.GetProperty("note").GetString()!).ToList();
        Assert.Contains("back under", Assert.Single(notes), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ParkingBay_AVehicleLongerThanTheBaysLimit_OpensACase_AndLeavingEndsIt()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Parking", "parking");
        await silo.WaitForModuleAsync("parking", ModuleState.Loaded);
        using (var imported = await silo.Server.Operator.PutAsync("/api/reference/bays",
                   new StringContent("key,street,no_parking,max_minutes,lon,lat\nB-12,人民路,true,10,120.65,28.0\nB-13,人民路,false,,120.6501,28.0\n", Encoding.UTF8, "text/csv")))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        var arrived = await PostReadingsAsync(silo, Reading("B-12", "bay", t0, "\"occupied\":1"), Reading("B-13", "bay", t0, "\"occupied\":1"));
        Assert.Equal(1, arrived.GetProperty("unwatched").GetInt32());   // B-13 is an ordinary bay
        Assert.Equal(0, arrived.GetProperty("casesOpened").GetArrayLength());   // just arrived, by the sensor's clock
        // The sensor's next report, 15 minutes on (by its own clock): longer than the bay's 10 minutes.
        var stayed = await PostReadingsAsync(silo, Reading("B-12", "bay", t0.AddMinutes(15), "\"occupied\":1"));
        var id = Assert.Single(stayed.GetProperty("casesOpened").EnumerateArray()).GetString()!;
        Assert.Equal("parking", (await CaseAsync(silo, id)).GetProperty("matter").GetString());

        var left = await PostReadingsAsync(silo, Reading("B-12", "bay", t0.AddMinutes(29), "\"occupied\":0"));
        Assert.Equal(1, left.GetProperty("notesAdded").GetInt32());
        // The next vehicle is a new episode: a new case once it has stood too long.
        var next = await PostReadingsAsync(silo, Reading("B-12", "bay", t0.AddMinutes(29.5), "\"occupied\":1"));
        Assert.Equal(0, next.GetProperty("casesOpened").GetArrayLength());
    }

    [Fact]
    public async Task Billboard_TheDailyCheck_OpensACasePerExpiredPermit_Once()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Billboard", "billboard");
        await silo.WaitForModuleAsync("billboard", ModuleState.Loaded);
        using (var imported = await silo.Server.Operator.PutAsync("/api/reference/permits",
                   new StringContent("key,holder,expires,lon,lat\nP-OLD,过期公司,2020-01-01,120.65,28.0\nP-NEW,有效公司,2099-01-01,120.651,28.0\n", Encoding.UTF8, "text/csv")))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        using var first = await silo.Server.Operator.PostAsync("/api/plugins/billboard/check", null);
        var run = await JsonOf(first);
        Assert.True(first.StatusCode == HttpStatusCode.OK, run.ToString());
        var id = Assert.Single(run.GetProperty("opened").EnumerateArray()).GetString()!;
        var view = await CaseAsync(silo, id);
        Assert.Equal(("billboard_expired", "P-OLD"), (view.GetProperty("matter").GetString(), view.GetProperty("party").GetProperty("id").GetString()));

        using var second = await silo.Server.Operator.PostAsync("/api/plugins/billboard/check", null);
        Assert.Equal(0, (await JsonOf(second)).GetProperty("opened").GetArrayLength());
    }
}
