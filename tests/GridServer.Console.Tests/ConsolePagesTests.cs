using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GridServer.Console.Tests.Support;
using GridServer.Domain.Export;
using GridServer.Domain.Grids;
using Microsoft.Playwright;
using NetTopologySuite.IO;

namespace GridServer.Console.Tests;

/// <summary>
/// The console's other pages as an operator uses them: a Shapefile's findings drawn, a community webhook tested and its
/// dead letters handled, a grid's history and the district as of a date, a liaison's grids, an officer's roster, the
/// duty modules and their reference data on the map. Each test uses grids, communities and people of its own.
/// </summary>
[Collection(ConsoleGroup.Name)]
public sealed class ConsolePagesTests(ConsoleServer server)
{
    [Fact]
    public async Task Upload_ZippedShapefile_InvalidRingThenOverlap_EachDrawnAndListed_NothingStored()
    {
        using var files = new TempFolder();
        var bowtie = files.Zip("bowtie", Grid("33030299600101", "POLYGON((120.70 28.10, 120.701 28.10, 120.701 28.101, 120.70 28.101, 120.70 28.10))"),
            Grid("33030299600102", "POLYGON((120.702 28.10, 120.703 28.101, 120.703 28.10, 120.702 28.101, 120.702 28.10))"));
        var overlap = files.Zip("overlap", Grid("33030299600201", "POLYGON((120.71 28.10, 120.712 28.10, 120.712 28.102, 120.71 28.102, 120.71 28.10))"),
            Grid("33030299600202", "POLYGON((120.711 28.10, 120.713 28.10, 120.713 28.102, 120.711 28.102, 120.711 28.10))"));
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/upload");

        await tab.Page.SetInputFilesAsync("#upload-file", bowtie);
        await tab.Page.ClickAsync("#upload-check");
        await Assertions.Expect(tab.Page.Locator("#upload-verdict")).ToContainTextAsync("文件被拒绝");
        await Assertions.Expect(tab.Page.Locator("#upload-issues")).ToContainTextAsync("33030299600102");
        await Assertions.Expect(tab.Page.Locator("#findings li[data-kind='InvalidGeometry'][data-code='33030299600102']")).ToContainTextAsync("无效边界");
        // The ring and the point where it crosses itself are on screen (the browser cannot read the zip: the server's finding is drawn).
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-findings", "1");
        await tab.ScreenshotAsync("upload-shapefile-invalid");

        await tab.Page.SetInputFilesAsync("#upload-file", overlap);
        await tab.Page.ClickAsync("#upload-check");
        var shared = tab.Page.Locator("#findings li[data-kind='Overlap'][data-code='33030299600201'][data-other='33030299600202']");
        await Assertions.Expect(shared).ToContainTextAsync("重叠");
        await Assertions.Expect(tab.Page.Locator("#findings li")).ToHaveCountAsync(1);
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-findings", "1");
        await tab.ScreenshotAsync("upload-shapefile-overlap");
        foreach (var code in new[] { "33030299600102", "33030299600201" })
            Assert.Equal(HttpStatusCode.NotFound, (await server.Operator.GetAsync($"/api/grids/{code}")).StatusCode);
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Webhook_SetTestedFailingThenRemoved_ResultShownAndItsMessageDeadLetteredThenResent()
    {
        const string community = "330302006003", grid = "33030200600313";
        using var good = new Receiver(fail: false);
        using var failing = new Receiver(fail: true);
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/people/webhooks/{community}");
        await Assertions.Expect(tab.Page.Locator("#webhook-current")).ToHaveTextAsync("此社区没有设置 Webhook");

        await tab.Page.FillAsync("#webhook-url", good.Url);
        await tab.Page.ClickAsync("#webhook-set");
        await Assertions.Expect(tab.Page.Locator("#webhook-current")).ToContainTextAsync(good.Url);
        await tab.Page.ClickAsync("#webhook-test");
        await Assertions.Expect(tab.Page.Locator("#webhook-test-result")).ToContainTextAsync("测试消息已送达（HTTP 204");
        var test = Assert.Single(good.Bodies);
        Assert.Equal(("Test", community), (test.GetProperty("kind").GetString(), test.GetProperty("community").GetString()));

        await tab.Page.FillAsync("#webhook-url", failing.Url);
        await tab.Page.ClickAsync("#webhook-set");
        await Assertions.Expect(tab.Page.Locator("#webhook-current")).ToContainTextAsync(failing.Url);
        await tab.Page.ClickAsync("#webhook-test");
        await Assertions.Expect(tab.Page.Locator("#webhook-test-result")).ToContainTextAsync("测试消息未送达：HTTP 500");

        // A case in the community: its alert waits for the failing target, and goes to the dead letters when the webhook is removed.
        var caseId = await server.OpenCaseInAsync(grid);
        await Wait.UntilAsync("the case's alert waits for the webhook", async () =>
        {
            using var target = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/communities/{community}/webhook"));
            return target.RootElement.GetProperty("pending").GetInt32() > 0;
        }, TimeSpan.FromSeconds(30));
        await Assertions.Expect(tab.Page.Locator("#dead-letters-none")).ToBeVisibleAsync();
        await tab.Page.ClickAsync("#webhook-remove");
        var letter = tab.Page.Locator("#dead-letters-table tbody tr", new() { HasText = community });
        await Assertions.Expect(letter).ToContainTextAsync("the webhook was removed by operator");
        await tab.ScreenshotAsync("webhooks");

        // Re-sent once the community has a working target again: delivered, and gone from the list.
        await tab.Page.FillAsync("#webhook-url", good.Url);
        await tab.Page.ClickAsync("#webhook-set");
        await Assertions.Expect(tab.Page.Locator("#webhook-current")).ToContainTextAsync(good.Url);
        await letter.Locator("button[data-resend]").ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#dead-letters-none")).ToBeVisibleAsync();
        await Wait.UntilAsync("the re-sent alert reaches the receiver", () => Task.FromResult(good.Bodies.Any(b => b.GetRawText().Contains(caseId, StringComparison.Ordinal))), TimeSpan.FromSeconds(30));
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task History_RedrawnGrid_OldBoundaryDrawnOverTheNew_AndTheDistrictAsOfADate()
    {
        const string code = "33030200700713";
        using (var shape = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{code}")))
        {
            // The grid shrunk to the box around its middle: the old boundary stands out around the new.
            var ring = shape.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().Select(p => (X: p[0].GetDouble(), Y: p[1].GetDouble())).ToList();
            var (x, y) = (ring.Average(p => p.X), ring.Average(p => p.Y));
            var box = string.Create(CultureInfo.InvariantCulture,
                $"[[{x - 0.0002},{y - 0.0002}],[{x + 0.0002},{y - 0.0002}],[{x + 0.0002},{y + 0.0002}],[{x - 0.0002},{y + 0.0002}],[{x - 0.0002},{y - 0.0002}]]");
            using var put = await server.Operator.PutAsync($"/api/grids/{code}", new StringContent("{\"type\":\"Polygon\",\"coordinates\":[" + box + "]}", Encoding.UTF8, "application/json"));
            put.EnsureSuccessStatusCode();
        }
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/grids/{code}/history");
        var rows = tab.Page.Locator("#history-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("operator");
        await Assertions.Expect(rows.First).ToContainTextAsync("现行");
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-history-old", "1");
        await tab.ScreenshotAsync("history-old-over-new");

        // Before the sample district's first version (1 January 2026, Beijing) there were no grids; today there are.
        await tab.GoAsync("#/asof/2025-12-31");
        await Assertions.Expect(tab.Page.Locator("#asof-status")).ToHaveTextAsync("2025-12-31 当日有 0 个网格");
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await tab.Page.FillAsync("#asof-date", today);
        await tab.Page.ClickAsync("#asof-show");
        await Assertions.Expect(tab.Page.Locator("#asof-status")).ToContainTextAsync($"{today} 当日有");
        await Assertions.Expect(tab.Page.Locator("#asof-status")).Not.ToContainTextAsync("有 0 个");
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-asof", new System.Text.RegularExpressions.Regex("^[1-9]"));
        await tab.ScreenshotAsync("asof");
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Liaison_GridAndCommunityAdded_ListedAndDrawnOnTheMap()
    {
        const string liaison = "L-PAGES", grid = "33030200500520", community = "330302004008";
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/people/liaisons/{liaison}");
        await tab.Page.FillAsync("#liaison-grid", grid);
        await tab.Page.Locator("#liaison button", new() { HasText = "添加网格" }).ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#liaison")).ToContainTextAsync(grid);
        await tab.Page.FillAsync("#liaison-community", community);
        await tab.Page.Locator("#liaison button", new() { HasText = "添加社区" }).ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#liaison")).ToContainTextAsync(community);
        // The grid and the 25 grids of the community are outlined on the map.
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-highlighted", "26");
        await tab.ScreenshotAsync("liaison");
        using var view = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/liaisons/{liaison}"));
        Assert.Equal([grid], view.RootElement.GetProperty("grids").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal([community], view.RootElement.GetProperty("communities").EnumerateArray().Select(g => g.GetString()));
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Officer_WeeklyRosterAndNightShiftSaved_ShownAgainAfterReload()
    {
        const string officer = "O-ROSTER-PAGE";
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/people/officers/{officer}");
        var roster = tab.Page.Locator("#roster");
        await Assertions.Expect(roster).ToBeVisibleAsync();
        foreach (var day in new[] { "Monday", "Wednesday", "Friday" }) await roster.Locator($"input[data-day='{day}']").CheckAsync();
        var wednesday = roster.Locator("tbody tr", new() { Has = tab.Page.Locator("input[data-day='Wednesday']") });
        await wednesday.Locator("input[type=time]").First.FillAsync("09:00");
        await wednesday.Locator("input[type=time]").Last.FillAsync("18:00");
        await tab.Page.FillAsync("#extra-date", "2026-12-24");
        await tab.Page.Locator("#extra-date ~ button").ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#extra-shifts")).ToContainTextAsync("2026-12-24 20:00–08:00");
        await tab.Page.ClickAsync("#save-roster");
        await Assertions.Expect(tab.Page.Locator("#people-body p.error")).ToHaveTextAsync("✓");
        await tab.ScreenshotAsync("officer-roster");

        using var saved = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/officers/{officer}"));
        var weekly = saved.RootElement.GetProperty("roster").GetProperty("weekly").EnumerateArray().ToDictionary(s => s.GetProperty("day").GetString()!, s => s.GetProperty("start").GetString()!);
        Assert.Equal(["Friday", "Monday", "Wednesday"], weekly.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("09:00", weekly["Wednesday"], StringComparison.Ordinal);
        Assert.Single(saved.RootElement.GetProperty("roster").GetProperty("extra").EnumerateArray());

        await tab.Page.ReloadAsync();
        await Assertions.Expect(tab.Page.Locator("#roster input[data-day='Wednesday']")).ToBeCheckedAsync();
        await Assertions.Expect(tab.Page.Locator("#roster input[data-day='Tuesday']")).Not.ToBeCheckedAsync();
        await Assertions.Expect(tab.Page.Locator("#extra-shifts")).ToContainTextAsync("2026-12-24");
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Modules_ListedWithState_ShopsImportedFromFileAndDrawnOnTheMap()
    {
        using var files = new TempFolder();
        var shops = files.Write("shops.geojson", """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"key":"SHOP-PAGE-1","name":"测试商铺一","contact":"0577-88886666"},"geometry":{"type":"Polygon","coordinates":[[[120.6500,28.0000],[120.6504,28.0000],[120.6504,28.0002],[120.6500,28.0002],[120.6500,28.0000]]]}},
              {"type":"Feature","properties":{"key":"SHOP-PAGE-2","name":"测试商铺二","contact":"13800001111"},"geometry":{"type":"Polygon","coordinates":[[[120.6506,28.0000],[120.6510,28.0000],[120.6510,28.0002],[120.6506,28.0002],[120.6506,28.0000]]]}}]}
            """);
        var bad = files.Write("bad-shops.geojson", """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"key":"SHOP-BAD","name":"没有电话"},"geometry":{"type":"Polygon","coordinates":[[[120.6500,28.0000],[120.6504,28.0000],[120.6504,28.0002],[120.6500,28.0000]]]}}]}
            """);
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/modules");
        var module = tab.Page.Locator("#modules-table tbody tr", new() { HasText = "shopfront" });
        await Assertions.Expect(module).ToContainTextAsync("shopfront_goods");
        await Assertions.Expect(module).ToContainTextAsync("loaded");

        var set = tab.Page.Locator("#reference-table tbody tr", new() { HasText = "shops" });
        await set.Locator("input[type=file]").SetInputFilesAsync(bad);
        await set.Locator("button", new() { HasText = "只检查" }).ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#reference-report")).ToContainTextAsync("contact");
        await set.Locator("input[type=file]").SetInputFilesAsync(shops);
        await set.Locator("button", new() { HasText = "从文件导入" }).ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#reference-report")).ToContainTextAsync("已导入 2 条");
        await Assertions.Expect(set.Locator(".set-label")).ToHaveTextAsync("shops (2 条)");
        await set.Locator("button", new() { HasText = "在地图上显示" }).ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-reference", new System.Text.RegularExpressions.Regex("^[1-9]"));
        await tab.ScreenshotAsync("modules");
        using var stored = JsonDocument.Parse(await server.Operator.GetStringAsync("/api/reference/shops"));
        Assert.Contains(stored.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("properties").GetProperty("name").GetString() == "测试商铺二");
        tab.AssertNoProblems();
    }

    private static Grid Grid(string code, string wkt)
    {
        var boundary = new WKTReader().Read(wkt);
        boundary.SRID = 4326;
        return new Grid(code, code, null, null, null, null, boundary, 1.0, 1, DateTimeOffset.UnixEpoch);
    }

    /// <summary>Files a test hands to the browser's file input, removed afterwards.</summary>
    private sealed class TempFolder : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("gridserver-console-files-").FullName;

        public string Write(string name, string text)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, text);
            return path;
        }

        /// <summary>A zipped Shapefile of the grids, written by the project's own writer (with its .prj: WGS84).</summary>
        public string Zip(string stem, params Grid[] grids)
        {
            var set = ShapefileGridWriter.Write(Path.Combine(_dir, stem + ".shp"), grids);
            var path = Path.Combine(_dir, stem + ".zip");
            using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
            foreach (var file in set) zip.CreateEntryFromFile(file, Path.GetFileName(file));
            return path;
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A webhook receiver on loopback: answers 204 (or 500 when failing) and keeps each body it got.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<JsonElement> _bodies = [];
        private readonly bool _fail;

        public Receiver(bool fail)
        {
            _fail = fail;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = LoopAsync();
        }

        public string Url { get; }

        public IReadOnlyList<JsonElement> Bodies
        {
            get { lock (_bodies) return [.. _bodies]; }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    using var body = JsonDocument.Parse(await reader.ReadToEndAsync());
                    lock (_bodies) _bodies.Add(body.RootElement.Clone());
                }
                context.Response.StatusCode = _fail ? 500 : 204;
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
