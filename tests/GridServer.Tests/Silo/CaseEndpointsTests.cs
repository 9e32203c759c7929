using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Silo.Cases;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// Cases and personnel over HTTP on the embedded server: the loop as its people drive it (the operator staffs the
/// grid, the command center registers and closes, the officer accepts and handles), and what bad input gets.
/// </summary>
public sealed class CaseEndpointsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private const string Grid = "33030200200910";
    private HttpClient Operator => silo.Operator;
    private HttpClient Dispatcher => silo.Dispatcher;

    private async Task<(string A, string B, string Squad, HttpClient OfficerA)> StaffAsync(string grid)
    {
        var staff = await silo.StaffAsync(grid);
        return (staff.A, staff.B, staff.Squad, await silo.AsAsync("Officer", staff.A));
    }

    private async Task<JsonElement> OpenAsync(string body = """{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"citizen-1","description":"car on the pavement"}""")
    {
        using var response = await Dispatcher.PostAsync("/api/cases", JsonBody(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await JsonOf(response);
    }

    private static async Task<HttpResponseMessage> ActAsync(HttpClient actor, string id, string action, string? note = null) =>
        await actor.PostAsJsonAsync($"/api/cases/{id}/actions", new { action, note });

    [Fact]
    public async Task Loop_ReportDispatchedToA_AcceptedHandledVerifiedClosed()
    {
        var staff = await StaffAsync(Grid);
        var opened = await OpenAsync();
        var id = opened.GetProperty("caseId").GetString()!;
        Assert.Equal(("Dispatched", Grid, staff.A, staff.Squad), (opened.GetProperty("state").GetString(), opened.GetProperty("gridCode").GetString(),
            opened.GetProperty("officerId").GetString(), opened.GetProperty("squadId").GetString()));

        foreach (var (action, actor, note) in new[] { ("Accept", staff.OfficerA, (string?)null), ("StartHandling", staff.OfficerA, null),
                     ("GiveFinalFeedback", staff.OfficerA, "towed"), ("StartVerification", Dispatcher, null), ("PassVerification", Dispatcher, null), ("Close", Dispatcher, null) })
        {
            using var step = await ActAsync(actor, id, action, note);
            Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        }
        using var get = await Dispatcher.GetAsync($"/api/cases/{id}");
        var closed = await JsonOf(get);
        Assert.Equal("Closed", closed.GetProperty("state").GetString());
        Assert.Equal(9, closed.GetProperty("timeline").GetArrayLength());
        // The timeline names who acted: the officer's and the dispatcher's credentials, not what a body claimed.
        var actors = closed.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("actorId").GetString()).ToList();
        Assert.Equal([staff.A, staff.A, staff.A, SiloFactory.DispatcherId, SiloFactory.DispatcherId, SiloFactory.DispatcherId], actors.Skip(3));
        using var responsibility = await Operator.GetAsync($"/api/grids/{Grid}/responsibility");
        var grid = await JsonOf(responsibility);
        Assert.DoesNotContain(id, grid.GetProperty("openCases").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, grid.GetProperty("boundaryVersion").GetInt32());   // the shipped sample's grids, as served
    }

    [Fact]
    public async Task Action_SentAgainWithItsKey_AppliedOnce_AnotherKeyIsAnotherStep()
    {
        var staff = await StaffAsync(Grid);
        var id = (await OpenAsync()).GetProperty("caseId").GetString()!;
        async Task<HttpResponseMessage> SendAsync(HttpClient client, string action, string key, string? note = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{id}/actions") { Content = JsonContent.Create(new { action, note }) };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }
        async Task<int> StepsAsync()
        {
            using var read = await Dispatcher.GetAsync($"/api/cases/{id}");
            return (await JsonOf(read)).GetProperty("timeline").GetArrayLength();
        }

        foreach (var (action, key) in new[] { ("Accept", "k-accept"), ("StartHandling", "k-start") })
        {
            using var first = await SendAsync(staff.OfficerA, action, key);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            // The answer was lost on the way: the phone sends the same request again, and gets the case, not a refusal.
            using var again = await SendAsync(staff.OfficerA, action, key);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        var steps = await StepsAsync();
        // First feedback may be given more than once: the key alone tells a retry from a second feedback.
        using (var feedback = await SendAsync(staff.OfficerA, "GiveFirstFeedback", "k-feedback-1", "on my way")) Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        using (var retried = await SendAsync(staff.OfficerA, "GiveFirstFeedback", "k-feedback-1", "on my way")) Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(steps + 1, await StepsAsync());
        using (var second = await SendAsync(staff.OfficerA, "GiveFirstFeedback", "k-feedback-2", "arrived")) Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(steps + 2, await StepsAsync());
        // Without a key, as before: the state decides (a second Accept is refused).
        using (var unkeyed = await ActAsync(staff.OfficerA, id, "Accept")) Assert.Equal(HttpStatusCode.Conflict, unkeyed.StatusCode);
        using (var tooLong = await SendAsync(staff.OfficerA, "GiveFirstFeedback", new string('k', 200))) Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(steps + 2, await StepsAsync());
    }

    [Fact]
    public async Task AllowedActions_AreTheStatesInTheCallersHand_NothingForOthers()
    {
        var staff = await StaffAsync(Grid);
        var id = (await OpenAsync()).GetProperty("caseId").GetString()!;
        async Task<string[]> AllowedAsync(HttpClient client)
        {
            using var response = await client.GetAsync($"/api/cases/{id}/actions");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await JsonOf(response);
            Assert.Equal("Dispatched", body.GetProperty("state").GetString());
            return [.. body.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)];
        }
        Assert.Equal(["Accept", "Return"], await AllowedAsync(staff.OfficerA));
        var dispatcher = await AllowedAsync(Dispatcher);
        Assert.Contains("Dispatch", dispatcher);
        Assert.DoesNotContain("Accept", dispatcher);
        var stranger = await silo.AsAsync("Officer", (await silo.StaffAsync("33030200200912")).A);
        using var hidden = await stranger.GetAsync($"/api/cases/{id}/actions");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task Open_InNoGrid_Queued_ThenDispatchedByHandToAGrid()
    {
        var staff = await StaffAsync("33030200200911");
        var opened = await OpenAsync("""{"matter":"parking","lon":121.5,"lat":28.0,"reporterId":"citizen-2"}""");
        var id = opened.GetProperty("caseId").GetString()!;
        Assert.Equal(("Registered", JsonValueKind.Null), (opened.GetProperty("state").GetString(), opened.GetProperty("gridCode").ValueKind));
        using (var queue = await Dispatcher.GetAsync("/api/command-center/queue"))
            Assert.Contains(id, (await JsonOf(queue)).EnumerateArray().Select(e => e.GetProperty("caseId").GetString()));

        using var unknown = await Dispatcher.PostAsJsonAsync($"/api/cases/{id}/dispatch", new { gridCode = "99999999999999" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        using var dispatched = await Dispatcher.PostAsJsonAsync($"/api/cases/{id}/dispatch", new { gridCode = "33030200200911" });
        Assert.Equal(HttpStatusCode.OK, dispatched.StatusCode);
        Assert.Equal(staff.A, (await JsonOf(dispatched)).GetProperty("officerId").GetString());
    }

    /// <summary>指派: a case nobody's post covers goes to an officer the dispatcher names, who then has it; bad names are refused.</summary>
    [Fact]
    public async Task Assign_AQueuedCaseToASquadsOfficer_TheyHoldIt_StrangersAndBadBodiesRefused()
    {
        var staff = await StaffAsync("33030200200913");
        var id = (await OpenAsync("""{"matter":"parking","lon":121.5,"lat":28.1,"reporterId":"citizen-3"}""")).GetProperty("caseId").GetString()!;
        foreach (var (body, status) in new (object, HttpStatusCode)[]
                 {
                     (new { officerId = staff.A }, HttpStatusCode.BadRequest),
                     (new { gridCode = "33030200200913", squadId = staff.Squad }, HttpStatusCode.BadRequest),
                     (new { squadId = staff.Squad, officerId = "O-STRANGER" }, HttpStatusCode.UnprocessableEntity),
                     (new { squadId = staff.Squad, officerId = new string('o', 300) }, HttpStatusCode.BadRequest),
                 })
        {
            using var refused = await Dispatcher.PostAsJsonAsync($"/api/cases/{id}/dispatch", body);
            Assert.True(status == refused.StatusCode, $"{JsonSerializer.Serialize(body)}: {refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
        }
        using var assigned = await Dispatcher.PostAsJsonAsync($"/api/cases/{id}/dispatch", new { squadId = staff.Squad, officerId = staff.A });
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        var view = await JsonOf(assigned);
        Assert.Equal(("Dispatched", staff.A, staff.Squad, "Assigned"), (view.GetProperty("state").GetString(), view.GetProperty("officerId").GetString(),
            view.GetProperty("squadId").GetString(), view.GetProperty("post").GetString()));
        using var theirs = await staff.OfficerA.GetAsync($"/api/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        using (var queue = await Dispatcher.GetAsync("/api/command-center/queue"))
            Assert.DoesNotContain(id, (await JsonOf(queue)).EnumerateArray().Select(e => e.GetProperty("caseId").GetString()));
    }

    [Fact]
    public async Task Search_ByGridStateAndPolygon_FindsTheCases_BadCriteriaRefused()
    {
        var staff = await StaffAsync(Grid);
        var matter = "search-" + Guid.NewGuid().ToString("N")[..8];
        var inGrid = (await OpenAsync($"{{\"matter\":\"{matter}\",\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\"}}")).GetProperty("caseId").GetString()!;
        var outside = (await OpenAsync($"{{\"matter\":\"{matter}\",\"lon\":121.5,\"lat\":28.0,\"reporterId\":\"r\"}}")).GetProperty("caseId").GetString()!;

        using var byMatter = await Dispatcher.GetAsync($"/api/cases?matter={matter}");
        Assert.Equal([outside, inGrid], (await JsonOf(byMatter)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()!).ToArray());
        using var byOfficer = await Dispatcher.GetAsync($"/api/cases?matter={matter}&officer={staff.A}&state=Dispatched&open=true");
        Assert.Equal([inGrid], (await JsonOf(byOfficer)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()!).ToArray());
        using var within = await Dispatcher.PostAsJsonAsync("/api/cases/search", new
        {
            matter,
            within = new { type = "Polygon", coordinates = new[] { new[] { new[] { 121.4, 27.9 }, new[] { 121.6, 27.9 }, new[] { 121.6, 28.1 }, new[] { 121.4, 28.1 }, new[] { 121.4, 27.9 } } } },
        });
        var inside = Assert.Single((await JsonOf(within)).EnumerateArray());
        Assert.Equal((outside, "Registered"), (inside.GetProperty("caseId").GetString(), inside.GetProperty("state").GetString()));

        foreach (var bad in new[] { "limit=0", "limit=5000", "offset=-1", "state=Teleported", "from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", "from=yesterday" })
        {
            using var refused = await Dispatcher.GetAsync($"/api/cases?{bad}");
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {refused.StatusCode}");
        }
        using var bowtie = await Dispatcher.PostAsJsonAsync("/api/cases/search", new
        {
            within = new { type = "Polygon", coordinates = new[] { new[] { new[] { 0.0, 0.0 }, new[] { 1.0, 1.0 }, new[] { 1.0, 0.0 }, new[] { 0.0, 1.0 }, new[] { 0.0, 0.0 } } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bowtie.StatusCode);
        using var point = await Dispatcher.PostAsync("/api/cases/search", JsonBody("{\"within\":{\"type\":\"Point\",\"coordinates\":[1,2]}}"));
        Assert.Equal(HttpStatusCode.BadRequest, point.StatusCode);
    }

    /// <summary>A circle of <paramref name="points"/> distinct points around the sample district's middle, closed.</summary>
    private static object Circle(int points) => new
    {
        type = "Polygon",
        coordinates = new[]
        {
            Enumerable.Range(0, points + 1).Select(i => new[]
            {
                120.65 + 0.05 * Math.Cos(2 * Math.PI * (i % points) / points),
                28.0 + 0.05 * Math.Sin(2 * Math.PI * (i % points) / points),
            }).ToArray(),
        },
    };

    [Fact]
    public async Task Search_PolygonAtThePointCap_Answered_OnePointMoreRefusedNamingTheCap()
    {
        using var atCap = await Dispatcher.PostAsJsonAsync("/api/cases/search", new { within = Circle(CaseEndpoints.MaxWithinPoints - 1) });
        Assert.Equal(HttpStatusCode.OK, atCap.StatusCode);

        using var over = await Dispatcher.PostAsJsonAsync("/api/cases/search", new { within = Circle(CaseEndpoints.MaxWithinPoints) });
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains($"at most {CaseEndpoints.MaxWithinPoints} points", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_SameIdempotencyKeyTwice_OneCase()
    {
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Request() => new(HttpMethod.Post, "/api/cases")
        {
            Content = JsonBody("""{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"app-7"}"""),
            Headers = { { "Idempotency-Key", key } },
        };
        using var first = await Dispatcher.SendAsync(Request());
        using var retry = await Dispatcher.SendAsync(Request());

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, retry.StatusCode));
        var (a, b) = (await JsonOf(first), await JsonOf(retry));
        Assert.Equal(a.GetProperty("caseId").GetString(), b.GetProperty("caseId").GetString());
        Assert.Equal(a.GetProperty("timeline").GetArrayLength(), b.GetProperty("timeline").GetArrayLength());
    }

    /// <summary>A manual dispatch sent twice with one key (an answer lost on the way) dispatches once; another key dispatches again.</summary>
    [Fact]
    public async Task Dispatch_SameIdempotencyKeyTwice_DispatchedOnce()
    {
        await StaffAsync(Grid);
        var id = (await OpenAsync()).GetProperty("caseId").GetString()!;
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Request(string k) => new(HttpMethod.Post, $"/api/cases/{id}/dispatch")
        {
            Content = JsonBody("{}"),
            Headers = { { "Idempotency-Key", k } },
        };
        int Dispatches(JsonElement c) => c.GetProperty("timeline").EnumerateArray().Count(e => e.GetProperty("action").GetString() == "Dispatch");
        using var first = await Dispatcher.SendAsync(Request(key));
        using var retry = await Dispatcher.SendAsync(Request(key));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, retry.StatusCode));
        var once = Dispatches(await JsonOf(first));
        Assert.Equal(once, Dispatches(await JsonOf(retry)));
        using var another = await Dispatcher.SendAsync(Request(Guid.NewGuid().ToString()));
        Assert.Equal(once + 1, Dispatches(await JsonOf(another)));
        using var tooLong = await Dispatcher.SendAsync(Request(new string('k', 200)));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [Theory]
    [InlineData("", 400, "Missing report")]
    [InlineData("{\"matter\":\"parking\",", 400, null)]
    [InlineData("{\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\"}", 400, "Missing field")]
    [InlineData("{\"matter\":\"park ing; drop table\",\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\"}", 400, "Invalid field")]
    [InlineData("{\"matter\":\"parking\",\"lat\":28.0,\"reporterId\":\"r\"}", 400, "Missing coordinate")]
    [InlineData("{\"matter\":\"parking\",\"reporterId\":\"r\"}", 400, "Missing location")]
    [InlineData("{\"matter\":\"parking\",\"address\":\"  \",\"reporterId\":\"r\"}", 400, "Unusable address")]
    [InlineData("{\"matter\":\"parking\",\"address\":\"人民路\\u000012号\",\"reporterId\":\"r\"}", 400, "Invalid text")]
    [InlineData("{\"matter\":\"parking\",\"lon\":28.0,\"lat\":120.65,\"reporterId\":\"r\"}", 400, "Coordinate out of range")]
    [InlineData("{\"matter\":\"parking\",\"lon\":\"NaN\",\"lat\":28.0,\"reporterId\":\"r\"}", 400, null)]
    [InlineData("{\"matter\":\"parking\",\"lon\":1e400,\"lat\":28.0,\"reporterId\":\"r\"}", 400, null)]
    [InlineData("{\"matter\":\"parking\",\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\",\"crs\":\"mars\"}", 400, "Unknown coordinate system")]
    [InlineData("{\"matter\":\"parking\",\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\",\"description\":\"a\\u0000b\"}", 400, "Invalid text")]
    [InlineData("{\"matter\":\"parking\",\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\",\"description\":\"half \\ud800 pair\"}", 400, "Unreadable request")]
    public async Task Open_BadReport_ClearErrorAndNoCase(string body, int status, string? title)
    {
        using var before = await Dispatcher.GetAsync("/api/command-center/queue");
        var queued = (await JsonOf(before)).GetArrayLength();

        using var response = await Dispatcher.PostAsync("/api/cases", JsonBody(body));

        Assert.Equal(status, (int)response.StatusCode);
        if (title is not null) Assert.Equal(title, (await JsonOf(response)).GetProperty("title").GetString());
        using var after = await Dispatcher.GetAsync("/api/command-center/queue");
        Assert.Equal(queued, (await JsonOf(after)).GetArrayLength());
    }

    [Fact]
    public async Task Open_TenMegabyteDescription_Refused()
    {
        var body = JsonSerializer.Serialize(new { matter = "parking", lon = 120.65, lat = 28.0, reporterId = "r", description = new string('x', 10 * 1024 * 1024) });
        using var response = await Dispatcher.PostAsync("/api/cases", JsonBody(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Description too long", (await JsonOf(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Act_Refusals_409NamingStateAndAction_404ForUnknownCase()
    {
        await StaffAsync(Grid);
        var id = (await OpenAsync()).GetProperty("caseId").GetString()!;

        using var forbidden = await ActAsync(Dispatcher, id, "Close");
        Assert.Equal(HttpStatusCode.Conflict, forbidden.StatusCode);
        var problem = await JsonOf(forbidden);
        Assert.Contains("cannot Close a case that is Dispatched", problem.GetProperty("detail").GetString());
        Assert.Equal("Dispatched", problem.GetProperty("state").GetString());
        using var unknownAction = await ActAsync(Dispatcher, id, "Teleport");
        Assert.Equal(HttpStatusCode.BadRequest, unknownAction.StatusCode);
        Assert.Contains("use one of Register, Void", (await JsonOf(unknownAction)).GetProperty("detail").GetString());
        using var noAction = await Dispatcher.PostAsJsonAsync($"/api/cases/{id}/actions", new { note = "n" });
        Assert.Equal(HttpStatusCode.BadRequest, noAction.StatusCode);
        using var missing = await ActAsync(Dispatcher, "C-NOPE", "Close");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var get = await Dispatcher.GetAsync($"/api/cases/{new string('x', 5000)}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Personnel_BadInput_Refused()
    {
        using var same = await Operator.PutAsync($"/api/grids/{Grid}/responsibility", JsonBody("{\"officerA\":\"O1\",\"officerB\":\"O1\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        using var unknownGrid = await Operator.PutAsync("/api/grids/99999999999999/responsibility", JsonBody("{\"officerA\":\"O1\"}"));
        Assert.Equal(HttpStatusCode.NotFound, unknownGrid.StatusCode);
        using var control = await Operator.PutAsync($"/api/grids/{Grid}/responsibility", JsonBody("{\"officerA\":\"O\\u0000X\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        using var backwards = await Operator.PostAsJsonAsync("/api/officers/O1/absences", new { from = DateTimeOffset.UtcNow, to = DateTimeOffset.UtcNow.AddHours(-1), reason = "sick" });
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        using var badDay = await Operator.PutAsync("/api/officers/O1/roster", JsonBody("{\"weekly\":[{\"day\":\"Funday\",\"start\":\"08:00\",\"end\":\"17:00\"}]}"));
        Assert.Equal(HttpStatusCode.BadRequest, badDay.StatusCode);
        using var reassignUnknown = await Operator.PostAsJsonAsync("/api/personnel/reassign", new { grids = new[] { new { gridCode = "nope" } }, openCasesFollow = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reassignUnknown.StatusCode);
    }

    [Fact]
    public async Task Reassign_OverHttp_OpenCaseFollowsToTheNewOfficer()
    {
        const string grid = "33030200200912";
        await StaffAsync(grid);
        using var locate = await Operator.GetAsync($"/api/grids/{grid}");
        var ring = (await JsonOf(locate)).GetProperty("geometry").GetProperty("coordinates")[0];
        var (lon, lat) = (ring.EnumerateArray().Average(p => p[0].GetDouble()), ring.EnumerateArray().Average(p => p[1].GetDouble()));
        var opened = await OpenAsync(JsonSerializer.Serialize(new { matter = "parking", lon, lat, reporterId = "r" }));
        Assert.Equal(grid, opened.GetProperty("gridCode").GetString());
        var id = opened.GetProperty("caseId").GetString()!;
        var newcomer = await StaffAsync("33030200200913");   // a second staffed grid, for its A officer's roster

        using var response = await Operator.PostAsJsonAsync("/api/personnel/reassign",
            new { grids = new[] { new { gridCode = grid, squadId = newcomer.Squad, officerA = newcomer.A } }, openCasesFollow = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([id], (await JsonOf(response)).GetProperty("movedCases").EnumerateArray().Select(e => e.GetString()!).ToArray());
        using var get = await Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal(newcomer.A, (await JsonOf(get)).GetProperty("officerId").GetString());
        using var cases = await newcomer.OfficerA.GetAsync($"/api/officers/{newcomer.A}/cases");
        Assert.Equal([id], (await JsonOf(cases)).EnumerateArray().Select(e => e.GetString()!).ToArray());
    }
}
