using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Console.Tests.Support;
using GridServer.Tests.Support;
using Microsoft.Playwright;

namespace GridServer.Console.Tests;

/// <summary>
/// The case pages as their people use them: an officer on a phone-sized screen accepts a citizen's case, photographs
/// the place before and after, and feeds back; the command center sees both photos and closes the case; the public
/// Open311 view shows only the photo marked public. Its case lies in a grid no other console test uses.
/// </summary>
[Collection(ConsoleGroup.Name)]
public sealed class CasePagesTests(ConsoleServer server)
{
    private const string Grid = "33030200300103";

    private static readonly string AllWeek = string.Join(",", Enum.GetNames<DayOfWeek>().Select(d => $"{{\"day\":\"{d}\",\"start\":\"00:00\",\"end\":\"00:00\"}}"));

    /// <summary>A new officer on duty around the clock, A of the grid; their id.</summary>
    private async Task<string> StaffAsync() => (await StaffWithSquadAsync()).Officer;

    /// <summary>As <see cref="StaffAsync"/>, with the officer's (new) squad.</summary>
    private async Task<(string Officer, string Squad)> StaffWithSquadAsync()
    {
        var officer = $"O-{Guid.NewGuid():N}"[..12];
        var squad = $"SQ-{Guid.NewGuid():N}"[..12];
        foreach (var (path, body) in new[]
                 {
                     ($"/api/officers/{officer}/roster", $"{{\"weekly\":[{AllWeek}],\"utcOffsetMinutes\":480}}"),
                     ($"/api/squads/{squad}/leader", "{\"officerId\":\"O-LEADER\"}"),
                     ($"/api/squads/{squad}/officers/{officer}", ""),
                     ($"/api/grids/{Grid}/responsibility", $"{{\"squadId\":\"{squad}\",\"officerA\":\"{officer}\",\"officerB\":\"O-B\"}}"),
                 })
        {
            using var response = await server.Operator.PutAsync(path, body.Length == 0 ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        }
        return (officer, squad);
    }

    /// <summary>A citizen's public report in the middle of the grid, through Open311: its id.</summary>
    private async Task<string> ReportAsync()
    {
        using var shape = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{Grid}"));
        var ring = shape.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().ToList();
        var (lon, lat) = (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
        var key = await server.IssueAsync("Reporter", $"app-{Guid.NewGuid():N}"[..16]);
        using var posted = await server.Anonymous.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent([
            new("api_key", key), new("service_code", "shopfront_goods"), new("description", "门口堆放杂物"),
            new("lat", lat.ToString("R", System.Globalization.CultureInfo.InvariantCulture)), new("long", lon.ToString("R", System.Globalization.CultureInfo.InvariantCulture))]));
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        using var answer = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
        return answer.RootElement[0].GetProperty("service_request_id").GetString()!;
    }

    private static async Task ActAsync(ConsolePage tab, string action, string state)
    {
        await tab.Page.ClickAsync($"#case-actions button[data-action={action}]");
        await Assertions.Expect(tab.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", state);
    }

    [Fact]
    public async Task Liaison_SeesTheirGridsAlertArriveLive_AndMarksItRead_AnotherGridsNever()
    {
        const string watched = "33030200300104";
        var liaison = $"L-{Guid.NewGuid():N}"[..12];
        using (var assign = await server.Operator.PutAsync($"/api/liaisons/{liaison}/grids/{watched}", null)) assign.EnsureSuccessStatusCode();
        var key = await server.IssueAsync("Liaison", liaison);
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(key, "#/inbox");
        await Assertions.Expect(tab.Page.Locator("#inbox-live")).ToHaveAttributeAsync("data-state", "open");

        var elsewhere = await server.OpenCaseInAsync("33030200300105", "console-liaison-live");
        var caseId = await server.OpenCaseInAsync(watched, "console-liaison-live");
        var item = tab.Page.Locator("#inbox-list li", new() { HasText = caseId });
        await Assertions.Expect(item).ToHaveCountAsync(1);
        await Assertions.Expect(item).ToHaveClassAsync("unread");
        await Assertions.Expect(tab.Page.Locator("#inbox-unread")).ToHaveAttributeAsync("data-count", "1");
        Assert.Equal(0, await tab.Page.Locator("#inbox-list li", new() { HasText = elsewhere }).CountAsync());
        await tab.ScreenshotAsync("liaison-inbox");

        await item.Locator("button.mark-read").ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#inbox-unread")).ToHaveAttributeAsync("data-count", "0");
        // Read stays read: the server keeps the mark.
        await tab.Page.ReloadAsync();
        await Assertions.Expect(tab.Page.Locator("#inbox-list li", new() { HasText = caseId })).ToHaveCountAsync(1);
        await Assertions.Expect(tab.Page.Locator("#inbox-unread")).ToHaveAttributeAsync("data-count", "0");
        // The alert's case opens from it.
        await tab.Page.Locator("#inbox-list li a.case-link", new() { HasText = caseId }).ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#case-id")).ToHaveTextAsync(caseId);
        tab.AssertNoProblems();
    }

    /// <summary>
    /// The command center's list follows the cases live and keeps its filters in the address; the dispatcher supervises a
    /// case (督办) and fails its verification, each only with a reason.
    /// </summary>
    [Fact]
    public async Task Dispatcher_ListFollowsCasesLive_FiltersByCommunityAndFlag_SupervisesAndFailsVerificationWithAReason()
    {
        var officer = await StaffAsync();
        await using var desk = await server.OpenAsync();
        await desk.SignInAsync(ConsoleServer.DispatcherKey, "#/cases?community=330302003001");
        await Assertions.Expect(desk.Page.Locator("#filter-community")).ToHaveValueAsync("330302003001");
        await Assertions.Expect(desk.Page.Locator("#cases-live")).ToHaveAttributeAsync("data-state", "open");
        await Assertions.Expect(desk.Page.Locator("#panel")).ToHaveAttributeAsync("data-ready", "true");
        // Opened while the list is on the screen: it appears without a reload.
        var caseId = await server.OpenCaseInAsync(Grid, "console-live");
        var link = desk.Page.Locator("#cases-table a.case-link", new() { HasText = caseId });
        await Assertions.Expect(link).ToHaveCountAsync(1);
        await Assertions.Expect(desk.Page.Locator("#cases-counts a.card[data-state=Dispatched]")).ToHaveCountAsync(1);
        await desk.ScreenshotAsync("command-center-list");

        // Another community's list has it not; choosing a flag narrows the list and the address keeps it.
        await desk.GoAsync("#/cases?community=330302001001");
        await Assertions.Expect(desk.Page.Locator("#filter-community")).ToHaveValueAsync("330302001001");
        await Assertions.Expect(desk.Page.Locator("#panel")).ToHaveAttributeAsync("data-ready", "true");
        Assert.Equal(0, await desk.Page.Locator("#cases-list a.case-link", new() { HasText = caseId }).CountAsync());
        await desk.GoAsync("#/cases");
        await Assertions.Expect(desk.Page.Locator("#panel")).ToHaveAttributeAsync("data-ready", "true");
        await desk.Page.SelectOptionAsync("#filter-flag", "supervised");
        await desk.Page.WaitForFunctionAsync("() => location.hash === '#/cases?flag=supervised'");
        await Assertions.Expect(desk.Page.Locator("#panel")).ToHaveAttributeAsync("data-ready", "true");
        Assert.Equal(0, await desk.Page.Locator("#cases-list a.case-link", new() { HasText = caseId }).CountAsync());

        // Supervised from its page: refused on the page without a reason, taken with one.
        await desk.GoAsync($"#/cases/{caseId}");
        await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Dispatched");
        await Assertions.Expect(desk.Page.Locator("#case-facts [data-deadline=Accept]")).ToContainTextAsync("还剩");
        await desk.Page.ClickAsync("#case-actions button[data-action=Supervise]");
        await Assertions.Expect(desk.Page.Locator("#action-status")).ToContainTextAsync("须在说明中写明原因");
        await desk.Page.FillAsync("#action-note", "市民多次来电催办");
        await desk.Page.ClickAsync("#case-actions button[data-action=Supervise]");
        await Assertions.Expect(desk.Page.Locator("#case-timeline")).ToContainTextAsync("市民多次来电催办");
        await desk.GoAsync("#/cases?flag=supervised");
        await Assertions.Expect(desk.Page.Locator("#cases-table a.case-link", new() { HasText = caseId })).ToHaveCountAsync(1);

        // The officer's part through the API; the dispatcher finds fault at verification: the reason is needed, the case goes back.
        using var field = new HttpClient { BaseAddress = server.BaseUrl };
        field.DefaultRequestHeaders.Authorization = new("Bearer", await server.IssueAsync("Officer", officer));
        using var staff = new HttpClient { BaseAddress = server.BaseUrl };
        staff.DefaultRequestHeaders.Authorization = new("Bearer", ConsoleServer.DispatcherKey);
        foreach (var (client, action) in new[] { (field, "Accept"), (field, "StartHandling"), (field, "GiveFinalFeedback"), (staff, "StartVerification") })
        {
            using var step = await client.PostAsJsonAsync($"/api/cases/{caseId}/actions", new { action, note = "已处理" });
            Assert.True(step.IsSuccessStatusCode, $"{action}: {await step.Content.ReadAsStringAsync()}");
        }
        await desk.GoAsync($"#/cases/{caseId}");
        await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Verifying");
        var rework = desk.Page.Locator("#case-actions button[data-action=Rework]");
        await Assertions.Expect(rework).ToHaveTextAsync("核查不通过（返工）");
        await rework.ClickAsync();
        await Assertions.Expect(desk.Page.Locator("#action-status")).ToContainTextAsync("须在说明中写明原因");
        await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Verifying");
        await desk.Page.FillAsync("#action-note", "现场仍有杂物");
        await ActAsync(desk, "Rework", "Handling");
        await Assertions.Expect(desk.Page.Locator("#case-facts [data-deadline=Handling]")).ToHaveCountAsync(1);
        desk.AssertNoProblems();
    }

    /// <summary>An officer's phone shows their grids marked on the map around their cases, and the cases nearest first.</summary>
    [Fact]
    public async Task OfficerOnAPhone_SeesTheirGridsMarked_AndTheirCasesNearestFirst()
    {
        var officer = await StaffAsync();
        var near = await server.OpenCaseInAsync(Grid, "console-nearest");
        using var shape = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{Grid}"));
        var ring = shape.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().ToList();
        var (lon, lat) = (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
        await using var phone = await server.OpenAsync(width: 390, height: 844, mobile: true,
            position: new Geolocation { Longitude = (float)lon, Latitude = (float)lat, Accuracy = 10 });
        await phone.SignInAsync(await server.IssueAsync("Officer", officer), "#/cases");
        await Assertions.Expect(phone.Page.Locator("#cases-table a.case-link", new() { HasText = near })).ToHaveCountAsync(1);
        await Assertions.Expect(phone.Page.Locator("body")).ToHaveAttributeAsync("data-own-grids", new System.Text.RegularExpressions.Regex("^[1-9]"));
        await phone.Page.CheckAsync("#cases-sort input[value=nearest]");
        var first = phone.Page.Locator("#cases-table tbody tr").First;
        await Assertions.Expect(first).ToContainTextAsync(near);
        await Assertions.Expect(first).ToContainTextAsync("米");
        phone.AssertNoProblems();
    }

    [Fact]
    public async Task OfficerOnAPhone_ReportsWhereTheyStand_WithTheirPositionsAccuracyAndAPhoto()
    {
        var officer = await StaffAsync();
        using var shape = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{Grid}"));
        var ring = shape.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().ToList();
        var (lon, lat) = (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
        await using var phone = await server.OpenAsync(width: 390, height: 844, mobile: true,
            position: new Geolocation { Longitude = (float)lon, Latitude = (float)lat, Accuracy = 8 });
        await phone.SignInAsync(await server.IssueAsync("Officer", officer), "#/cases");
        await phone.Page.ClickAsync("#cases-new");
        await Assertions.Expect(phone.Page.Locator("#new-position")).ToHaveAttributeAsync("data-accuracy", "8");
        await phone.Page.SelectOptionAsync("#new-matter", "shopfront_goods");
        await phone.Page.FillAsync("#new-description", "巡查发现：店外摆摊");
        await phone.Page.SetInputFilesAsync("#new-photo", new FilePayload { Name = "scene.jpg", MimeType = "image/jpeg", Buffer = TestPhotos.PhoneJpeg(seed: 203) });
        await phone.Page.ClickAsync("#new-submit");
        await Assertions.Expect(phone.Page.Locator("#case-facts")).ToContainTextAsync(Grid);
        await Assertions.Expect(phone.Page.Locator("#case-facts")).ToContainTextAsync("巡查发现：店外摆摊");
        await Assertions.Expect(phone.Page.Locator("#case-photos img[data-stage=report]")).ToHaveCountAsync(1);
        var caseId = await phone.Page.TextContentAsync("#case-id");
        using var staff = new HttpClient { BaseAddress = server.BaseUrl };
        staff.DefaultRequestHeaders.Authorization = new("Bearer", ConsoleServer.DispatcherKey);
        using var read = JsonDocument.Parse(await staff.GetStringAsync($"/api/cases/{caseId}"));
        Assert.Equal(8, read.RootElement.GetProperty("accuracyMetres").GetDouble());
        Assert.Equal(officer, read.RootElement.GetProperty("timeline")[0].GetProperty("actorId").GetString());
        phone.AssertNoProblems();
    }

    [Fact]
    public async Task Dispatcher_PlacesAReportThatCameWithoutAPosition_ItIsMatchedAndDispatched()
    {
        var officer = await StaffAsync();
        var key = await server.IssueAsync("Reporter", $"hotline-{Guid.NewGuid():N}"[..16]);
        using var posted = await server.Anonymous.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent([
            new("api_key", key), new("service_code", "shopfront_goods"), new("address_string", "大南东社区 3 号网格旁的小吃店门口"), new("description", "热线来电，无定位")]));
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        var caseId = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement[0].GetProperty("token").GetString()!;

        await using var desk = await server.OpenAsync();
        await desk.SignInAsync(ConsoleServer.DispatcherKey, "#/cases/queue");
        var row = desk.Page.Locator("#marks-table a.case-link", new() { HasText = caseId });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        // The grid in the middle of the map (its card flies there), then the case: read it, click where it is, confirm.
        await desk.GoAsync($"#/grids/{Grid}");
        await Assertions.Expect(desk.Page.Locator("#card-code")).ToHaveTextAsync(Grid);
        await desk.GoAsync($"#/cases/{caseId}");
        await Assertions.Expect(desk.Page.Locator("#case-place")).ToBeVisibleAsync();
        await Assertions.Expect(desk.Page.Locator("#case-facts")).ToContainTextAsync("小吃店门口");
        var box = (await desk.Page.Locator("#map").BoundingBoxAsync())!;
        await desk.Page.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await Assertions.Expect(desk.Page.Locator("#place-confirm")).ToBeEnabledAsync();
        await desk.Page.ClickAsync("#place-confirm");
        await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Dispatched");
        await Assertions.Expect(desk.Page.Locator("#case-facts")).ToContainTextAsync(Grid);
        await Assertions.Expect(desk.Page.Locator("#case-facts")).ToContainTextAsync(officer);
        await Assertions.Expect(desk.Page.Locator("#case-place")).ToHaveCountAsync(0);
        desk.AssertNoProblems();
    }

    /// <summary>
    /// A hotline address the gazetteer cannot place alone (the road is in two districts): the dispatcher sees the
    /// candidates on the case's page, chooses the one in the grid, confirms, and the case is dispatched there.
    /// The gazetteer's one road is found in no other test's address.
    /// </summary>
    [Fact]
    public async Task Dispatcher_ChoosesAGazetteerCandidate_TheCaseIsPlacedAndDispatched()
    {
        var officer = await StaffAsync();
        using var shape = JsonDocument.Parse(await server.Operator.GetStringAsync($"/api/grids/{Grid}"));
        var ring = shape.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().ToList();
        var (lon, lat) = (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
        var csv = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"id,address,lon,lat\nGZ-IN,浙江省温州市鹿城区五马街道候选测试路8号,{lon:R},{lat:R}\nGZ-OUT,浙江省温州市瓯海区新桥街道候选测试路8号,120.5,27.9\n");
        using (var imported = await server.Operator.PutAsync("/api/gazetteer", new StringContent(csv, System.Text.Encoding.UTF8, "text/csv")))
            Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var key = await server.IssueAsync("Reporter", $"hotline-{Guid.NewGuid():N}"[..16]);
        using var posted = await server.Anonymous.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent([
            new("api_key", key), new("service_code", "shopfront_goods"), new("address_string", "候选测试路8号门口"), new("description", "热线来电：门口堆物")]));
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        var caseId = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement[0].GetProperty("token").GetString()!;

        await using var desk = await server.OpenAsync();
        await desk.SignInAsync(ConsoleServer.DispatcherKey, $"#/cases/{caseId}");
        await Assertions.Expect(desk.Page.Locator("#case-place .notice")).ToContainTextAsync("not a sure match");
        await Assertions.Expect(desk.Page.Locator("#place-candidates li")).ToHaveCountAsync(2);
        await Assertions.Expect(desk.Page.Locator("#place-confirm")).ToBeDisabledAsync();
        await desk.ScreenshotAsync("gazetteer-candidates");
        await desk.Page.ClickAsync("#place-candidates button[data-entry=GZ-IN]");
        await Assertions.Expect(desk.Page.Locator("#place-picked")).ToContainTextAsync(lon.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture));
        await desk.Page.ClickAsync("#place-confirm");
        await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Dispatched");
        await Assertions.Expect(desk.Page.Locator("#case-facts")).ToContainTextAsync(Grid);
        await Assertions.Expect(desk.Page.Locator("#case-facts")).ToContainTextAsync(officer);
        await Assertions.Expect(desk.Page.Locator("#case-place")).ToHaveCountAsync(0);
        desk.AssertNoProblems();
    }

    /// <summary>指派: a hotline report without a position is given by the dispatcher, from its page, to a squad's officer.</summary>
    [Fact]
    public async Task Dispatcher_AssignsAQueuedReportToASquadsOfficer_FromItsPage()
    {
        var (officer, squad) = await StaffWithSquadAsync();
        var key = await server.IssueAsync("Reporter", $"hotline-{Guid.NewGuid():N}"[..16]);
        using var posted = await server.Anonymous.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent([
            new("api_key", key), new("service_code", "shopfront_goods"), new("address_string", "车站大道某店门口"), new("description", "热线来电：门口堆物")]));
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        var caseId = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement[0].GetProperty("token").GetString()!;

        await using var desk = await server.OpenAsync();
        await desk.SignInAsync(ConsoleServer.DispatcherKey, $"#/cases/{caseId}");
        await Assertions.Expect(desk.Page.Locator("#case-place")).ToBeVisibleAsync();
        await desk.Page.FillAsync("#assign-squad", squad);
        await desk.Page.FillAsync("#assign-officer", "O-NOT-IN-IT");
        await desk.Page.ClickAsync("#assign-dispatch");
        await Assertions.Expect(desk.Page.Locator("#place-status")).ToContainTextAsync("not in squad");
        await desk.Page.FillAsync("#assign-officer", officer);
        await desk.Page.ClickAsync("#assign-dispatch");
        await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Dispatched");
        await Assertions.Expect(desk.Page.Locator("#case-facts")).ToContainTextAsync($"{officer} (Assigned)");
        // Still without a position: the form stays, to place it on the map when the officer finds it.
        await Assertions.Expect(desk.Page.Locator("#case-place h3")).ToContainTextAsync("没有位置");
        desk.AssertNoProblems();
    }

    [Fact]
    public async Task OfficerOnAPhone_PhotographsBeforeAndAfter_DispatcherSeesThemAndCloses_PublicSeesOnlyThePublicOne()
    {
        var officer = await StaffAsync();
        var caseId = await ReportAsync();
        var officerKey = await server.IssueAsync("Officer", officer);

        await using (var phone = await server.OpenAsync(width: 390, height: 844, mobile: true))
        {
            await phone.SignInAsync(officerKey, "#/cases");
            await Assertions.Expect(phone.Page.Locator("#nav a[data-view=cases]")).ToHaveTextAsync("案件");
            var link = phone.Page.Locator("#cases-table a.case-link", new() { HasText = caseId });
            await Assertions.Expect(link).ToHaveCountAsync(1);
            await Assertions.Expect(phone.Page.Locator("#cases-table tr", new() { HasText = caseId })).ToContainTextAsync("还剩");   // time left to accept
            await link.ClickAsync();
            await Assertions.Expect(phone.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Dispatched");
            // Only what the workflow allows the officer now.
            Assert.Equal(["Accept", "Return"], await phone.Page.Locator("#case-actions button[data-action]").EvaluateAllAsync<string[]>("bs => bs.map(b => b.dataset.action)"));
            // The connection drops after the server took the Accept, before its answer arrives: the page keeps the
            // action; sent again, it is the same request (its Idempotency-Key), applied once.
            var posts = 0;
            await phone.Page.RouteAsync("**/api/cases/*/actions", async route =>
            {
                if (route.Request.Method != "POST" || Interlocked.Increment(ref posts) > 1) { await route.ContinueAsync(); return; }
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
            });
            await phone.Page.ClickAsync("#case-actions button[data-action=Accept]");
            await Assertions.Expect(phone.Page.Locator("#action-pending button.retry")).ToHaveCountAsync(1);
            await phone.Page.UnrouteAllAsync();
            await phone.Page.ClickAsync("#action-pending button.retry");
            await Assertions.Expect(phone.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "Accepted");
            await Assertions.Expect(phone.Page.Locator("#action-pending button.retry")).ToHaveCountAsync(0);

            await phone.Page.SetInputFilesAsync("#action-photos", new FilePayload { Name = "before.jpg", MimeType = "image/jpeg", Buffer = TestPhotos.PhoneJpeg(seed: 201) });
            await phone.Page.SelectOptionAsync("#action-photo-stage", "before");
            await ActAsync(phone, "StartHandling", "Handling");
            await Assertions.Expect(phone.Page.Locator("#case-photos img[data-stage=before]")).ToHaveCountAsync(1);

            await phone.Page.SetInputFilesAsync("#action-photos", new FilePayload { Name = "after.jpg", MimeType = "image/jpeg", Buffer = TestPhotos.PhoneJpeg(seed: 202) });
            await phone.Page.SelectOptionAsync("#action-photo-stage", "after");
            await phone.Page.CheckAsync("#action-photo-public");
            await phone.Page.FillAsync("#action-note", "杂物已清理");
            await ActAsync(phone, "GiveFinalFeedback", "FeedbackGiven");
            // The page fits the phone: nothing wider than the screen.
            Assert.True(await phone.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"));
            await phone.Page.EvaluateAsync("() => { document.getElementById('panel').scrollTop = 0; }");
            await phone.ScreenshotAsync("officer-phone-case");
            phone.AssertNoProblems();
        }

        await using (var desk = await server.OpenAsync())
        {
            await desk.SignInAsync(ConsoleServer.DispatcherKey, $"#/cases/{caseId}");
            await Assertions.Expect(desk.Page.Locator("#case-state")).ToHaveAttributeAsync("data-state", "FeedbackGiven");
            var photos = desk.Page.Locator("#case-photos img");
            await Assertions.Expect(photos).ToHaveCountAsync(2);
            await Assertions.Expect(desk.Page.Locator("#case-photos img[data-stage=after]")).ToHaveCountAsync(1);
            // Both thumbnails drawn (loaded with the dispatcher's credential), upright: 240 wide, 320 high.
            await Wait.UntilAsync("both thumbnails are drawn", async () =>
                await photos.EvaluateAllAsync<bool>("imgs => imgs.every(i => i.complete && i.naturalWidth === 240 && i.naturalHeight === 320)"), TimeSpan.FromSeconds(30));
            await Assertions.Expect(desk.Page.Locator("#case-timeline")).ToContainTextAsync("杂物已清理");
            await desk.ScreenshotAsync("case-page");
            await ActAsync(desk, "StartVerification", "Verifying");
            await ActAsync(desk, "PassVerification", "Verified");
            await ActAsync(desk, "Close", "Closed");
            desk.AssertNoProblems();
        }

        // The public sees the after photo the officer marked public, and nothing of the before photo.
        using var read = JsonDocument.Parse(await server.Anonymous.GetStringAsync($"/open311/v2/requests/{caseId}.json"));
        var mediaUrl = read.RootElement[0].GetProperty("media_url").GetString()!;
        Assert.Equal("closed", read.RootElement[0].GetProperty("status").GetString());
        using var staff = new HttpClient { BaseAddress = server.BaseUrl };
        staff.DefaultRequestHeaders.Authorization = new("Bearer", ConsoleServer.DispatcherKey);
        var timeline = JsonDocument.Parse(await staff.GetStringAsync($"/api/cases/{caseId}")).RootElement.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Single(timeline, e => e.GetProperty("action").GetString() == "Accept");   // sent twice, applied once
        var listed = JsonDocument.Parse(await staff.GetStringAsync($"/api/cases/{caseId}/photos")).RootElement.EnumerateArray().ToList();
        var after = listed.Single(p => p.GetProperty("stage").GetString() == "after").GetProperty("id").GetString()!;
        var before = listed.Single(p => p.GetProperty("stage").GetString() == "before").GetProperty("id").GetString()!;
        Assert.EndsWith($"/media/{after}.jpg", mediaUrl);
        using (var image = await server.Anonymous.GetAsync(new Uri(mediaUrl).PathAndQuery)) Assert.Equal(System.Net.HttpStatusCode.OK, image.StatusCode);
        using (var hidden = await server.Anonymous.GetAsync($"/open311/v2/requests/{caseId}/media/{before}.jpg")) Assert.Equal(System.Net.HttpStatusCode.NotFound, hidden.StatusCode);
    }
}
