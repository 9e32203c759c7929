using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// The command center's live case list and its filters, through the real host: each change reaches the streams of those
/// who may see the case, and nobody else's; the list is searched by street, community, channel and the deadline flags.
/// </summary>
public sealed class CaseStreamTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private const string Path = "/api/cases/stream";

    private Task<string> OpenAsync(string grid) => silo.OpenInAsync(grid);

    /// <summary>The next change the stream tells of the case, passing over those of other cases.</summary>
    private static async Task<JsonElement> NextOfAsync(LiveEvents stream, string caseId)
    {
        for (var i = 0; i < 100; i++)
        {
            var change = await stream.NextAsync("case", seconds: 30);
            if (change.GetProperty("caseId").GetString() == caseId) return change;
        }
        throw new InvalidOperationException($"case {caseId} never came");
    }

    [Fact]
    public async Task Dispatcher_SeesANewCase_ThenItsAcceptance_EachOnceWithAHigherSequence()
    {
        const string grid = "33030200200920";
        var staff = await silo.StaffAsync(grid);
        await using var stream = await LiveEvents.OpenAsync(silo.Dispatcher, Path);
        var id = await OpenAsync(grid);
        var opened = await NextOfAsync(stream, id);
        Assert.Equal(("Dispatched", staff.A, grid), (opened.GetProperty("state").GetString(), opened.GetProperty("officerId").GetString(), opened.GetProperty("gridCode").GetString()));
        Assert.True(opened.TryGetProperty("nextDeadline", out var due) && due.ValueKind == JsonValueKind.String);

        var officer = await silo.AsAsync("Officer", staff.A);
        using (var accept = await officer.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Accept" }))
            Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        var accepted = await NextOfAsync(stream, id);
        Assert.Equal("Accepted", accepted.GetProperty("state").GetString());
        Assert.True(accepted.GetProperty("sequence").GetInt32() > opened.GetProperty("sequence").GetInt32());
    }

    /// <summary>
    /// Two cases, the other officer's first: the officer's stream tells of their own case and not of the one before it
    /// (the feed tells changes in the order they were made, so the first the officer hears of is their own).
    /// </summary>
    [Fact]
    public async Task Officer_HearsOnlyOfTheirOwnCases()
    {
        const string mine = "33030200200921", theirs = "33030200200922";
        var me = await silo.StaffAsync(mine);
        await silo.StaffAsync(theirs);
        var officer = await silo.AsAsync("Officer", me.A);
        await using var stream = await LiveEvents.OpenAsync(officer, Path);
        var other = await OpenAsync(theirs);
        var own = await OpenAsync(mine);
        var first = await stream.NextAsync("case", seconds: 30);
        Assert.Equal(own, first.GetProperty("caseId").GetString());
        Assert.NotEqual(other, own);
    }

    [Fact]
    public async Task Liaison_HearsOnlyOfTheirGridsCases()
    {
        const string watched = "33030200200923", elsewhere = "33030200200924";
        var liaison = $"LI-{Guid.NewGuid():N}"[..16];
        using (var put = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/grids/{watched}", null)) Assert.True(put.IsSuccessStatusCode);
        var client = await silo.AsAsync("Liaison", liaison);
        await using var stream = await LiveEvents.OpenAsync(client, Path);
        await OpenAsync(elsewhere);
        var theirs = await OpenAsync(watched);
        var first = await stream.NextAsync("case", seconds: 30);
        Assert.Equal((theirs, watched), (first.GetProperty("caseId").GetString(), first.GetProperty("gridCode").GetString()));
    }

    [Fact]
    public async Task LiveLists_AtMostFivePerCredential_TheSixthRefused429()
    {
        var client = await silo.AsAsync("Dispatcher", $"cc-{Guid.NewGuid():N}"[..12]);
        var streams = new List<LiveEvents>();
        try
        {
            for (var i = 0; i < 5; i++) streams.Add(await LiveEvents.OpenAsync(client, Path));
            using var sixth = await client.GetAsync(Path, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
            Assert.Contains("at most 5 live case lists", await sixth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var stream in streams) await stream.DisposeAsync();
        }
        // Closed lists give their places back (the server notices a closed stream when it next writes or waits).
        await using var again = await LiveEvents.OpenAsync(silo.Dispatcher, Path);
    }

    [Fact]
    public async Task Stream_ForAReporterOrWithoutACredential_Refused()
    {
        using var anonymous = await silo.Client.GetAsync(Path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var channel = await silo.AsAsync("Reporter", "app-stream");
        using var reporter = await channel.GetAsync(Path);
        Assert.Equal(HttpStatusCode.Forbidden, reporter.StatusCode);
    }

    private static async Task<string[]> SearchAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/cases?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()!)];
    }

    [Fact]
    public async Task Search_ByStreetCommunityChannelAndDeadlineFlags()
    {
        const string grid = "33030200200925";
        await silo.StaffAsync(grid);
        var id = await OpenAsync(grid);
        Assert.Contains(id, await SearchAsync(silo.Dispatcher, "street=330302002&open=true&limit=1000"));
        Assert.Contains(id, await SearchAsync(silo.Dispatcher, "community=330302002009&open=true&limit=1000"));
        Assert.DoesNotContain(id, await SearchAsync(silo.Dispatcher, "community=330302002001&limit=1000"));
        Assert.Empty(await SearchAsync(silo.Dispatcher, "street=999999999"));
        // A fresh case is neither overdue nor warned, nor supervised; nor was it reported through a channel.
        Assert.Contains(id, await SearchAsync(silo.Dispatcher, $"grid={grid}&overdue=false&warned=false&supervised=false"));
        Assert.DoesNotContain(id, await SearchAsync(silo.Dispatcher, $"grid={grid}&overdue=true"));
        Assert.DoesNotContain(id, await SearchAsync(silo.Dispatcher, $"grid={grid}&warned=true"));
        Assert.DoesNotContain(id, await SearchAsync(silo.Dispatcher, $"grid={grid}&supervised=true"));
        Assert.DoesNotContain(id, await SearchAsync(silo.Dispatcher, $"grid={grid}&channel=app-filter"));

        using var bad = await silo.Dispatcher.GetAsync("/api/cases?overdue=perhaps");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var longStreet = await silo.Dispatcher.GetAsync($"/api/cases?street={new string('1', 200)}");
        Assert.Equal(HttpStatusCode.BadRequest, longStreet.StatusCode);
        using var body = await silo.Dispatcher.PostAsync("/api/cases/search", JsonBody($$"""{"community":"330302002009","overdue":false,"grid":"{{grid}}"}"""));
        Assert.Contains(id, (await JsonOf(body)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()));
    }

    [Fact]
    public async Task Supervise_ByTheDispatcherWithAReason_ListedAsSupervised_OnTheSupervisionList_AndCounted()
    {
        const string grid = "33030200200918";
        var staff = await silo.StaffAsync(grid);
        var id = await OpenAsync(grid);
        using (var bare = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Supervise" }))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bare.StatusCode);
        var officer = await silo.AsAsync("Officer", staff.A);
        using (var byOfficer = await officer.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Supervise", note = "mine" }))
            Assert.Equal(HttpStatusCode.Forbidden, byOfficer.StatusCode);
        using (var supervise = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Supervise", note = "市民多次来电催办" }))
            Assert.Equal(HttpStatusCode.OK, supervise.StatusCode);
        using (var again = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Supervise", note = "again" }))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains(id, await SearchAsync(silo.Dispatcher, $"grid={grid}&supervised=true"));
        using var list = await silo.Dispatcher.GetAsync("/api/command-center/supervision");
        var mark = (await JsonOf(list)).EnumerateArray().Single(m => m.GetProperty("caseId").GetString() == id);
        Assert.Equal("市民多次来电催办", mark.GetProperty("reason").GetString());
        using var counts = await silo.Dispatcher.GetAsync("/api/command-center/counts");
        Assert.True((await JsonOf(counts)).GetProperty("Dispatched").GetInt64() >= 1);
    }

    [Fact]
    public async Task Actions_SayTheTimeLeftToTheRunningDeadline()
    {
        const string grid = "33030200200919";
        await silo.StaffAsync(grid);
        var id = await OpenAsync(grid);
        using var response = await silo.Dispatcher.GetAsync($"/api/cases/{id}/actions");
        var body = await JsonOf(response);
        var deadline = Assert.Single(body.GetProperty("deadlines").EnumerateArray());
        Assert.Equal(("Accept", false), (deadline.GetProperty("kind").GetString(), deadline.GetProperty("workingTime").GetBoolean()));
        using var read = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal((await JsonOf(read)).GetProperty("acceptBy").GetDateTimeOffset(), deadline.GetProperty("due").GetDateTimeOffset());
        // Accept within 10 minutes, by the wall clock: at most 600 seconds are left.
        Assert.True(deadline.GetProperty("leftSeconds").GetInt64() <= 600);
    }
}
