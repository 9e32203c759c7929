using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Console.Tests.Support;
using Microsoft.Playwright;

namespace GridServer.Console.Tests;

/// <summary>
/// The console as its users drive it, in Debian's Chromium against the running server: what a person clicks, drags and
/// types, what they see, and the API calls that prove the effect. Each test uses grids of its own.
/// </summary>
[Collection(ConsoleGroup.Name)]
public sealed class ConsoleTests(ConsoleServer server)
{
    [Fact]
    public async Task SignIn_OperatorKey_MapDrawsTheWholeSampleDistrict()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey);
        await tab.WaitForGridsAsync(2900);
        Assert.Equal("运维人员 · operator", await tab.Page.TextContentAsync("#who"));
        foreach (var page in new[] { "地图", "导入", "人员", "凭据", "职能模块" })
            Assert.True(await tab.Page.Locator("#nav a", new() { HasText = page }).IsVisibleAsync(), $"the operator's header lacks {page}");
        await tab.ScreenshotAsync("map");
        // The key stays in the tab's session, never in the address.
        Assert.DoesNotContain(ConsoleServer.OperatorKey, tab.Page.Url, StringComparison.Ordinal);
        Assert.Equal(ConsoleServer.OperatorKey, await tab.Page.EvaluateAsync<string>("() => sessionStorage.getItem('gridserver.key')"));
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task SignIn_WrongKey_SaysWhyAndStaysOnTheSignInForm()
    {
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync();
        await tab.Page.FillAsync("#key", "gs_not-a-key-of-this-server");
        await tab.Page.ClickAsync("#signin button[type=submit]");
        await Assertions.Expect(tab.Page.Locator("#signin-error")).ToContainTextAsync("登录失败");
        Assert.Equal(0, await tab.Page.Locator("#map").CountAsync());
        await tab.ScreenshotAsync("signin");
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Credential_RevokedWhileSignedIn_NextCallSignsOut()
    {
        var key = await server.IssueAsync("Dispatcher", "D-REVOKED");
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(key);
        using var list = JsonDocument.Parse(await server.Operator.GetStringAsync("/api/credentials"));
        var id = list.RootElement.EnumerateArray().Single(c => c.GetProperty("subject").GetString() == "D-REVOKED").GetProperty("id").GetString();
        (await server.Operator.DeleteAsync($"/api/credentials/{id}")).EnsureSuccessStatusCode();
        await tab.Page.FillAsync("#search", "松台");
        await Assertions.Expect(tab.Page.Locator("#signin-error")).ToContainTextAsync("已退出");
        Assert.Null(await tab.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('gridserver.key')"));
    }

    [Fact]
    public async Task Search_GridName_OpensItsCardWithHierarchyAndPeople()
    {
        using (var put = await server.Operator.PutAsJsonAsync("/api/grids/33030200200910/responsibility", new { squadId = "SQ-SONGTAI", officerA = "O-CARD-A", officerB = "O-CARD-B" }))
            put.EnsureSuccessStatusCode();
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey);
        await tab.Page.FillAsync("#search", "松台水街社区第10网格");
        await tab.Page.Locator("#search-results button", new() { HasText = "33030200200910" }).ClickAsync();
        var card = tab.Page.Locator("#grid-card");
        await Assertions.Expect(card.Locator("#card-code")).ToHaveTextAsync("33030200200910");
        await Assertions.Expect(card).ToContainTextAsync("松台街道");
        await Assertions.Expect(card).ToContainTextAsync("松台水街社区");
        await Assertions.Expect(card).ToContainTextAsync("SQ-SONGTAI");
        await Assertions.Expect(card).ToContainTextAsync("O-CARD-B");
        Assert.EndsWith("#/grids/33030200200910", tab.Page.Url, StringComparison.Ordinal);
        await tab.WaitForGridsAsync(4);
        await tab.ScreenshotAsync("grid-card");
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Redraw_SharedVertexDraggedIntoNeighbour_PreviewShowsTransferAndApplyMovesTheGround()
    {
        const string code = "33030200500713";
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/grids/{code}/redraw");
        var (vertex, from) = await WestmostSharedVertexAsync(tab);
        var to = (X: from.X - 45, Y: from.Y);
        await DragAsync(tab.Page, from, to);

        await tab.Page.ClickAsync("#preview");
        var transfers = tab.Page.Locator("#transfers");
        await Assertions.Expect(tab.Page.Locator("#verdict")).ToHaveTextAsync("检查通过：可以应用");
        await Assertions.Expect(transfers).ToContainTextAsync(code);
        var neighbour = (await transfers.Locator("tbody tr td").Nth(1).TextContentAsync())!.Trim();
        Assert.NotEqual(code, neighbour);
        await tab.ScreenshotAsync("redraw-preview");

        await tab.Page.ClickAsync("#apply");
        await Assertions.Expect(tab.Page.Locator("#applied")).ToBeVisibleAsync();
        // A point in the piece that changed hands, read off the status bar where a person points at it, now falls in the grid.
        var (lon, lat) = await tab.PositionAtAsync((from.X + to.X) / 2, from.Y);
        using var located = JsonDocument.Parse(await server.Operator.GetStringAsync(
            string.Create(CultureInfo.InvariantCulture, $"/api/grids/locate?lon={lon}&lat={lat}")));
        Assert.Equal(code, located.RootElement.GetProperty("gridCode").GetString());
        using var history = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{neighbour}/history"));
        Assert.Equal(2, history.RootElement.GetProperty("features").GetArrayLength());
        Assert.True(vertex >= 0);

        // The history says who: both versions of the grid, the new one made by this operator, the old one drawn dashed.
        await tab.GoAsync($"#/grids/{code}/history");
        var rows = tab.Page.Locator("#history-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("operator");
        await tab.ScreenshotAsync("history");
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Redraw_VertexDraggedIntoNeighbourAlone_RefusedNamingTheNeighbour()
    {
        const string code = "33030200600813";
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/grids/{code}/redraw");
        await tab.Page.UncheckAsync("#move-shared");
        var (_, from) = await WestmostSharedVertexAsync(tab);
        await DragAsync(tab.Page, from, (from.X - 45, from.Y));
        await tab.Page.ClickAsync("#preview");
        await Assertions.Expect(tab.Page.Locator("#verdict")).ToContainTextAsync("被拒绝");
        await Assertions.Expect(tab.Page.Locator("#refusal-reasons")).ToContainTextAsync("overlaps neighbouring grid '33030200600812'");
        // The overlap is drawn where it is, not only named: the ground the new boundary shares with the neighbour.
        await Assertions.Expect(tab.Page.Locator($"#findings li[data-kind='Overlap'][data-code='{code}'][data-other='33030200600812']")).ToBeVisibleAsync();
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-findings", new System.Text.RegularExpressions.Regex("^[1-9]"));
        await tab.ScreenshotAsync("redraw-refused");
        // Nothing was stored.
        using var history = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{code}/history"));
        Assert.Equal(1, history.RootElement.GetProperty("features").GetArrayLength());
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Upload_FileWithOverlappingGrids_NamesTheOverlapAndStoresNothing()
    {
        static string Square(string code, double lon, double lat)
        {
            var ring = string.Join(",", new[] { (lon, lat), (lon + 0.002, lat), (lon + 0.002, lat + 0.002), (lon, lat + 0.002), (lon, lat) }
                .Select(p => string.Create(CultureInfo.InvariantCulture, $"[{p.Item1},{p.Item2}]")));
            return "{\"type\":\"Feature\",\"properties\":{\"code\":\"" + code + "\",\"name\":\"导入测试\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[" + ring + "]]}}";
        }
        var file = Path.Combine(Path.GetTempPath(), $"overlap-{Guid.NewGuid():N}.geojson");
        await File.WriteAllTextAsync(file, "{\"type\":\"FeatureCollection\",\"features\":[" + Square("33030299900101", 120.80, 28.10) + "," + Square("33030299900102", 120.801, 28.10) + "]}");
        try
        {
            await using var tab = await server.OpenAsync();
            await tab.SignInAsync(ConsoleServer.OperatorKey, "#/upload");
            await tab.Page.SetInputFilesAsync("#upload-file", file);
            await tab.Page.ClickAsync("#upload-check");
            await Assertions.Expect(tab.Page.Locator("#upload-verdict")).ToContainTextAsync("文件被拒绝");
            await Assertions.Expect(tab.Page.Locator("#upload-issues")).ToContainTextAsync("overlaps grid '33030299900102'");
            await tab.ScreenshotAsync("upload-refused");
            Assert.Equal(HttpStatusCode.NotFound, (await server.Operator.GetAsync("/api/grids/33030299900101")).StatusCode);
            tab.AssertNoProblems();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task BulkAssign_LassoOverGrids_AssignsTheSquadToEachSelected()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey);
        await tab.Page.FillAsync("#search", "330302004003");
        await tab.Page.Locator("#search-results button").First.ClickAsync();
        await tab.GoAsync("#/people/bulk");
        await tab.Page.WaitForSelectorAsync("#bulk-count");
        await tab.WaitForGridsAsync(10);
        var box = (await tab.Page.Locator("#map").BoundingBoxAsync())!;
        var (cx, cy) = (box.X + box.Width / 2, box.Y + box.Height / 2);
        // Alt-drag a lasso around the middle of the view.
        await tab.Page.Keyboard.DownAsync("Alt");
        await tab.Page.Mouse.MoveAsync((float)(cx - 90), (float)(cy - 90));
        await tab.Page.Mouse.DownAsync();
        foreach (var (dx, dy) in new[] { (90, -90), (90, 90), (-90, 90), (-90, -90) })
            await tab.Page.Mouse.MoveAsync((float)(cx + dx), (float)(cy + dy), new() { Steps = 5 });
        await tab.Page.Mouse.UpAsync();
        await tab.Page.Keyboard.UpAsync("Alt");
        await Assertions.Expect(tab.Page.Locator("#bulk-count")).Not.ToHaveTextAsync("已选 0 个网格");
        var selected = int.Parse(System.Text.RegularExpressions.Regex.Match((await tab.Page.TextContentAsync("#bulk-count"))!, @"\d+").Value, CultureInfo.InvariantCulture);
        await tab.Page.FillAsync("#bulk-squad", "SQ-LASSO");
        await tab.Page.FillAsync("#bulk-a", "O-LASSO-A");
        await tab.Page.ClickAsync("#bulk-assign");
        await Assertions.Expect(tab.Page.Locator("#bulk-done")).ToContainTextAsync($"已分配 {selected} 个网格");
        await tab.ScreenshotAsync("bulk-assign");
        using var squad = JsonDocument.Parse(await server.Operator.GetStringAsync("/api/squads/SQ-LASSO"));
        Assert.Equal(selected, squad.RootElement.GetProperty("grids").GetArrayLength());
        var (lon, lat) = await tab.PositionAtAsync(cx, cy);
        using var located = JsonDocument.Parse(await server.Operator.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"/api/grids/locate?lon={lon}&lat={lat}")));
        var middle = located.RootElement.GetProperty("gridCode").GetString();
        using var people = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{middle}/responsibility"));
        Assert.Equal("SQ-LASSO", people.RootElement.GetProperty("squadId").GetString());
        Assert.Equal("O-LASSO-A", people.RootElement.GetProperty("officerA").GetString());
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Navigation_LeftBeforeAGridCardLoaded_TheNewerPageStays()
    {
        const string code = "33030200400306";
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var tab = await server.OpenAsync();
        // The grid's card once, which brings the grid to the middle of the map.
        await tab.SignInAsync(ConsoleServer.OperatorKey, $"#/grids/{code}");
        await Assertions.Expect(tab.Page.Locator("#card-code")).ToHaveTextAsync(code);
        await tab.GoAsync("#/map");
        // Then again, its second question to the server held until the person has moved on to another page.
        await tab.Page.RouteAsync($"**/api/grids/{code}/responsibility", async route =>
        {
            held.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });
        await tab.GoAsync($"#/grids/{code}");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await tab.GoAsync("#/people/bulk");
        await tab.Page.WaitForSelectorAsync("#bulk-count");
        release.SetResult();
        await tab.Page.WaitForSelectorAsync("body[data-routing=idle]");
        Assert.Equal(0, await tab.Page.Locator("#grid-card").CountAsync());
        // The card that finished late must not keep listening to the map: a click on a grid selects it for the bulk
        // assignment, and does not open that grid's card.
        await tab.WaitForGridsAsync(1);
        await tab.Page.Locator("#map").ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#bulk-count")).ToHaveTextAsync("已选 1 个网格");
        Assert.EndsWith("#/people/bulk", tab.Page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await tab.Page.Locator("#grid-card").CountAsync());
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Squad_MemberAddedThenRemovedAndLeaderRemoved_TheSquadSaysSo()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/people/squads/SQ-PEOPLE");
        await tab.Page.FillAsync("#squad-officer", "O-PEOPLE-1");
        await tab.Page.ClickAsync("#add-member");
        await Assertions.Expect(tab.Page.Locator("#squad-members")).ToContainTextAsync("O-PEOPLE-1");
        await tab.Page.FillAsync("#squad-officer", "O-PEOPLE-LEAD");
        await tab.Page.ClickAsync("#set-leader");
        await Assertions.Expect(tab.Page.Locator("#squad-leader")).ToHaveTextAsync("O-PEOPLE-LEAD");
        await Assertions.Expect(tab.Page.Locator("#squad-members")).ToContainTextAsync("O-PEOPLE-1");
        await tab.ScreenshotAsync("squad");

        await tab.Page.ClickAsync("#squad-members button[data-remove='O-PEOPLE-1']");
        await Assertions.Expect(tab.Page.Locator("#squad-members")).Not.ToContainTextAsync("O-PEOPLE-1");
        await tab.Page.ClickAsync("#remove-leader");
        await Assertions.Expect(tab.Page.Locator("#squad-leader")).ToHaveTextAsync("无");
        using var squad = JsonDocument.Parse(await server.Operator.GetStringAsync("/api/squads/SQ-PEOPLE"));
        Assert.Equal(JsonValueKind.Null, squad.RootElement.GetProperty("leader").ValueKind);
        Assert.DoesNotContain("O-PEOPLE-1", squad.RootElement.GetProperty("officers").EnumerateArray().Select(o => o.GetString()));
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Credentials_IssueThenRevoke_TheKeyWorksOnceShownAndNotAfter()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/credentials");
        await tab.Page.SelectOptionAsync("#cred-role", "Officer");
        await tab.Page.FillAsync("#cred-subject", "O-CONSOLE");
        await tab.Page.FillAsync("#cred-label", "控制台测试");
        await tab.Page.ClickAsync("#cred-issue");
        var secret = (await tab.Page.Locator("#secret").TextContentAsync())!;
        Assert.StartsWith("gs_", secret, StringComparison.Ordinal);
        await tab.ScreenshotAsync("credentials");
        using var officer = new HttpClient { BaseAddress = server.BaseUrl };
        officer.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/api/me")).StatusCode);

        var row = tab.Page.Locator("#credentials-table tr", new() { HasText = "O-CONSOLE" });
        await row.Locator("button[data-revoke]").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("已吊销");
        Assert.Equal(HttpStatusCode.Unauthorized, (await officer.GetAsync("/api/me")).StatusCode);
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Credentials_ClusterDashboard_OpensInATabOfItsOwn_ItsRequestsCarryTheSessionOnly()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/credentials");
        var dashboard = await tab.Page.Context.RunAndWaitForPageAsync(() => tab.Page.ClickAsync("#open-dashboard"));
        // A tab opened with noopener starts blank and is then navigated: reload it only once it shows the dashboard.
        await dashboard.WaitForURLAsync("**/dashboard/");
        await dashboard.WaitForLoadStateAsync();
        var problems = new List<string>();
        dashboard.Console += (_, message) => { if (message.Type == "error") problems.Add(message.Text); };
        await dashboard.ReloadAsync();   // with the listener in place from the start: a blocked script or style is an error
        await dashboard.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
        Assert.EndsWith("/dashboard/", dashboard.Url, StringComparison.Ordinal);
        // The dashboard's page asks for its figures with the browser's cookie for /dashboard, and nothing else.
        var status = await dashboard.EvaluateAsync<int>("async () => (await fetch('ClusterStats')).status");
        Assert.Equal(200, status);
        await dashboard.ScreenshotAsync(new() { Path = Path.Combine(ConsoleServer.Screenshots, "orleans-dashboard.png") });
        Assert.True(problems.Count == 0, "the dashboard logged: " + string.Join("\n", problems));
        var api = await dashboard.EvaluateAsync<int>("async () => (await fetch('/api/credentials')).status");
        Assert.Equal(401, api);
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Dispatcher_OperatorPagesAndTheirApi_AreNotReachable()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.DispatcherKey);
        Assert.Equal(0, await tab.Page.Locator("#nav a", new() { HasText = "凭据" }).CountAsync());
        Assert.Equal(0, await tab.Page.Locator("#nav a", new() { HasText = "导入" }).CountAsync());
        // Typing the address of an operator page shows the map instead; the API refuses the calls those pages make.
        await tab.GoAsync("#/credentials");
        await tab.GoAsync("#/grids/33030200200910/redraw");
        await Assertions.Expect(tab.Page.Locator("#search")).ToBeVisibleAsync();
        Assert.Equal(0, await tab.Page.Locator("#cred-form, #preview").CountAsync());
        Assert.Equal(403, await StatusFromPageAsync(tab.Page, "GET", "/api/credentials"));
        Assert.Equal(403, await StatusFromPageAsync(tab.Page, "PUT", "/api/grids/33030200200910"));
        Assert.Equal(403, await StatusFromPageAsync(tab.Page, "POST", "/api/personnel/reassign"));
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Liaison_SeesOnlyTheirGridsAndNoOperatorPageOrApi()
    {
        (await server.Operator.PutAsync("/api/liaisons/L-CONSOLE/grids/33030200700707", null)).EnsureSuccessStatusCode();
        var key = await server.IssueAsync("Liaison", "L-CONSOLE");
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(key);
        Assert.Equal(["案件", "消息", "地图", "历史版图"], await tab.Page.Locator("#nav a").AllTextContentsAsync());
        await tab.WaitForGridsAsync(1);
        Assert.Equal("1", await tab.Page.GetAttributeAsync("#map", "data-rendered-grids"));
        await tab.GoAsync("#/people/bulk");
        await Assertions.Expect(tab.Page.Locator("#search")).ToBeVisibleAsync();
        Assert.Equal(403, await StatusFromPageAsync(tab.Page, "GET", "/api/credentials"));
        Assert.Equal(403, await StatusFromPageAsync(tab.Page, "PUT", "/api/grids/33030200700707"));
        Assert.Equal(404, await StatusFromPageAsync(tab.Page, "GET", "/api/grids/33030200700708"));
        // Cases: their grid's opens; another grid's, its address typed in, answers as a case that does not exist.
        var own = await server.OpenCaseInAsync("33030200700707", "console-liaison");
        var other = await server.OpenCaseInAsync("33030200700708", "console-liaison");
        await tab.GoAsync($"#/cases/{own}");
        await Assertions.Expect(tab.Page.Locator("#case-id")).ToHaveTextAsync(own);
        Assert.Equal(0, await tab.Page.Locator("#case-actions").CountAsync());   // liaisons read, they do not act
        await tab.GoAsync($"#/cases/{other}");
        await Assertions.Expect(tab.Page.Locator("#panel .error")).ToContainTextAsync(other);
        Assert.Equal(0, await tab.Page.Locator("#case-page").CountAsync());
        tab.AssertNoProblems();
    }

    /// <summary>The westmost vertex handle shared with exactly one neighbour (a point on the west border), and its centre on screen.</summary>
    private static async Task<(int Index, (double X, double Y) At)> WestmostSharedVertexAsync(ConsolePage tab)
    {
        var handles = tab.Page.Locator(".vertex[data-shared='1']");
        await Assertions.Expect(handles.First).ToBeVisibleAsync();
        var best = (Index: -1, At: (X: double.MaxValue, Y: 0.0));
        for (var i = 0; i < await handles.CountAsync(); i++)
        {
            var b = (await handles.Nth(i).BoundingBoxAsync())!;
            var centre = (X: b.X + b.Width / 2, Y: b.Y + b.Height / 2);
            if (centre.X < best.At.X) best = (int.Parse((await handles.Nth(i).GetAttributeAsync("data-index"))!, CultureInfo.InvariantCulture), centre);
        }
        return best;
    }

    private static async Task DragAsync(IPage page, (double X, double Y) from, (double X, double Y) to)
    {
        await page.Mouse.MoveAsync((float)from.X, (float)from.Y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)to.X, (float)to.Y, new() { Steps = 8 });
        await page.Mouse.UpAsync();
    }

    /// <summary>What the server answers the page's own credential (from its session) for a call the page's buttons would make.</summary>
    private static async Task<int> StatusFromPageAsync(IPage page, string method, string path) =>
        await page.EvaluateAsync<int>("""
            async ([method, path]) => (await fetch(path, { method, headers: { Authorization: `Bearer ${sessionStorage.getItem('gridserver.key')}`,
              'Content-Type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })).status
            """, new[] { method, path });
}
