using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>The embedded server with a duplicate rule for shop frontages (重复件): within 30 m and 2 hours of an open case.</summary>
public sealed class DuplicatesSilo() : EmbeddedSiloWith(new()
{
    ["GridServer:Cases:Matters:shopfront:DuplicateWithinMetres"] = "30",
    ["GridServer:Cases:Matters:shopfront:DuplicateWithin"] = "2h",
    ["GridServer:Open311:RateLimit:PermitsPerMinute"] = "100000",
    ["GridServer:Open311:RateLimit:Burst"] = "1000",
})
{
}

/// <summary>
/// 重复件 through the real host: a report of the same matter near an open case is linked to it whatever channel brought it
/// (Open311, the staff API), not dispatched; the reporter is told which case handles it and hears when it ends; a
/// dispatcher unlinks one; evaluation counts duplicates as received but not as cases. Each test works in a grid of its own.
/// </summary>
public sealed class DuplicateEndpointsTests(DuplicatesSilo silo) : IClassFixture<DuplicatesSilo>
{
    /// <summary>The middle of a sample grid (its grids are convex quadrilaterals), found through the API.</summary>
    private async Task<(double Lon, double Lat)> CentreAsync(string grid)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/grids/{grid}");
        var ring = (await JsonOf(response)).GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().SkipLast(1).ToList();
        return (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
    }

    /// <summary>A point <paramref name="metres"/> east of (<paramref name="lon"/>, <paramref name="lat"/>).</summary>
    private static (double Lon, double Lat) East(double lon, double lat, double metres) =>
        (lon + metres / GridServer.Domain.Spatial.LocalMetric.At(lat).MetresPerDegreeLon, lat);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private async Task<(HttpStatusCode Status, JsonElement Request)> Open311Async(string apiKey, double lon, double lat, string service = "shopfront")
    {
        using var posted = await silo.Client.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent([
            KeyValuePair.Create("api_key", apiKey), KeyValuePair.Create("service_code", service), KeyValuePair.Create("lat", Text(lat)),
            KeyValuePair.Create("long", Text(lon)), KeyValuePair.Create("description", "goods on the pavement")]));
        var body = await JsonOf(posted);
        return (posted.StatusCode, posted.StatusCode == HttpStatusCode.Created ? body[0] : body);
    }

    private async Task<JsonElement> StaffReportAsync(double lon, double lat, string matter = "shopfront")
    {
        using var response = await silo.Dispatcher.PostAsJsonAsync("/api/cases", new { matter, lon, lat, reporterId = "hotline-12319" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await JsonOf(response);
    }

    private async Task<JsonElement> CaseAsync(string id) => await JsonOf(await silo.Dispatcher.GetAsync($"/api/cases/{id}"));

    private static async Task<List<JsonElement>> InboxAsync(HttpClient channel)
    {
        using var response = await channel.GetAsync("/api/inbox?limit=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response)).GetProperty("notices").EnumerateArray()];
    }

    [Fact]
    public async Task ReportsNearAnOpenCase_AreLinkedAcrossChannels_AndTheirReportersHearOfItsClosure()
    {
        const string grid = "33030200200914";
        var staff = await silo.StaffAsync(grid);
        var (lon, lat) = await CentreAsync(grid);
        var (firstKey, secondKey) = (await silo.Factory.IssueAsync("Reporter", "dup-app-first"), await silo.Factory.IssueAsync("Reporter", "dup-app-second"));

        var (status, first) = await Open311Async(firstKey, lon, lat);
        Assert.Equal(HttpStatusCode.Created, status);
        var primary = first.GetProperty("service_request_id").GetString()!;
        Assert.Equal("Dispatched", (await CaseAsync(primary)).GetProperty("state").GetString());

        // The hotline's report 10 m west: linked, not dispatched; nobody holds it and no deadline runs.
        var (hotLon, hotLat) = East(lon, lat, -10);
        var hotline = await StaffReportAsync(hotLon, hotLat);
        Assert.Equal(("Duplicate", primary), (hotline.GetProperty("state").GetString(), hotline.GetProperty("duplicateOf").GetString()));
        Assert.Equal(JsonValueKind.Null, hotline.GetProperty("officerId").ValueKind);
        Assert.Equal(JsonValueKind.Null, hotline.GetProperty("acceptBy").ValueKind);

        // Another app's report 25 m away: linked too; its answer says which request handles it.
        var (appLon, appLat) = East(lon, lat, 25);
        var (appStatus, app) = await Open311Async(secondKey, appLon, appLat);
        Assert.Equal(HttpStatusCode.Created, appStatus);
        var duplicate = app.GetProperty("service_request_id").GetString()!;
        Assert.Equal("closed", app.GetProperty("status").GetString());
        Assert.Contains(primary, app.GetProperty("status_notes").GetString(), StringComparison.Ordinal);
        var secondApp = await silo.AsAsync("Reporter", "dup-app-second");
        var linkedNotice = Assert.Single(await InboxAsync(secondApp), n => n.GetProperty("text").GetString()!.Contains(duplicate, StringComparison.Ordinal));
        Assert.Contains(primary, linkedNotice.GetProperty("text").GetString(), StringComparison.Ordinal);

        // 40 m away, or another matter at the same point: cases of their own.
        var (farLon, farLat) = East(lon, lat, 40);
        Assert.Equal("Dispatched", (await StaffReportAsync(farLon, farLat)).GetProperty("state").GetString());
        Assert.Equal("Dispatched", (await StaffReportAsync(lon, lat, matter: "litter")).GetProperty("state").GetString());

        var primaryView = await CaseAsync(primary);
        Assert.Equal<string>([hotline.GetProperty("caseId").GetString()!, duplicate],
            [.. primaryView.GetProperty("duplicates").EnumerateArray().Select(d => d.GetString()!)]);

        await silo.CloseAsync(primary, await silo.AsAsync("Officer", staff.A));
        var told = (await InboxAsync(secondApp)).Where(n => n.GetProperty("text").GetString()!.Contains("已随该案件办结", StringComparison.Ordinal)).ToList();
        var closure = Assert.Single(told);
        Assert.Contains(duplicate, closure.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(primary, closure.GetProperty("text").GetString(), StringComparison.Ordinal);

        // A report after the case closed is a case of its own.
        Assert.Equal("Dispatched", (await StaffReportAsync(hotLon, hotLat)).GetProperty("state").GetString());

        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        using var table = await silo.Dispatcher.GetAsync($"/api/evaluation?level=grid&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
        var row = Assert.Single((await JsonOf(table)).GetProperty("rows").EnumerateArray(), r => r.GetProperty("code").GetString() == grid);
        Assert.Equal((6, 2, 4), (row.GetProperty("received").GetInt32(), row.GetProperty("duplicates").GetInt32(), row.GetProperty("registered").GetInt32()));
        Assert.Equal(4.0 / 6, row.GetProperty("validReportRate").GetDouble(), 6);
    }

    [Fact]
    public async Task ADispatcherUnlinksADuplicate_ItIsDispatchedAsACaseOfItsOwn()
    {
        const string grid = "33030200200915";
        var staff = await silo.StaffAsync(grid);
        var (lon, lat) = await CentreAsync(grid);
        var primary = (await StaffReportAsync(lon, lat)).GetProperty("caseId").GetString()!;
        var (nearLon, nearLat) = East(lon, lat, 5);
        var duplicate = (await StaffReportAsync(nearLon, nearLat)).GetProperty("caseId").GetString()!;
        Assert.Equal("Duplicate", (await CaseAsync(duplicate)).GetProperty("state").GetString());

        using (var noReason = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{duplicate}/actions", new { action = "Unlink" }))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, noReason.StatusCode);
        // Linking is the server's own step, at intake.
        using (var link = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{duplicate}/actions", new { action = "Link", note = "again" }))
            Assert.Equal(HttpStatusCode.Forbidden, link.StatusCode);
        using (var notADuplicate = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{primary}/actions", new { action = "Unlink", note = "no" }))
            Assert.Equal(HttpStatusCode.Conflict, notADuplicate.StatusCode);
        var officer = await silo.AsAsync("Officer", staff.A);
        using (var asOfficer = await officer.PostAsJsonAsync($"/api/cases/{duplicate}/actions", new { action = "Unlink", note = "mine" }))
            Assert.NotEqual(HttpStatusCode.OK, asOfficer.StatusCode);

        using var unlinked = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{duplicate}/actions", new { action = "Unlink", note = "a second shop, next door" });
        Assert.Equal(HttpStatusCode.OK, unlinked.StatusCode);
        var view = await JsonOf(unlinked);
        Assert.Equal(("Dispatched", staff.A), (view.GetProperty("state").GetString(), view.GetProperty("officerId").GetString()));
        Assert.Equal(JsonValueKind.Null, view.GetProperty("duplicateOf").ValueKind);
        var primaryView = await CaseAsync(primary);
        Assert.Equal(JsonValueKind.Null, primaryView.GetProperty("duplicates").ValueKind);
        Assert.Contains(primaryView.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("note").GetString() is { } note && note.Contains($"{duplicate} unlinked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AVoidedCase_IsToldToItsDuplicatesReporters_AndTheNextReportIsACaseOfItsOwn()
    {
        // Nobody answers for the grid: the case waits in the queue, where a dispatcher may still void it.
        const string grid = "33030200200916";
        var (lon, lat) = await CentreAsync(grid);
        var key = await silo.Factory.IssueAsync("Reporter", "dup-app-void");
        var primary = (await StaffReportAsync(lon, lat)).GetProperty("caseId").GetString()!;
        var (status, app) = await Open311Async(key, lon, lat);
        Assert.Equal(HttpStatusCode.Created, status);
        var duplicate = app.GetProperty("service_request_id").GetString()!;
        Assert.Equal("closed", app.GetProperty("status").GetString());

        // The case it duplicates is voided: the duplicate's reporter hears of it, and the next report is a case of its own.
        using (var voided = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{primary}/actions", new { action = "Void", note = "not a frontage problem" }))
            Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        var channel = await silo.AsAsync("Reporter", "dup-app-void");
        Assert.Single(await InboxAsync(channel), n => n.GetProperty("text").GetString()!.Contains("不予立案", StringComparison.Ordinal)
            && n.GetProperty("text").GetString()!.Contains(duplicate, StringComparison.Ordinal));
        Assert.Equal("Registered", (await StaffReportAsync(lon, lat)).GetProperty("state").GetString());
    }
}
