using System.Net;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>Notices over HTTP, through the real host: each caller reads their own inbox and stream, and a liaison only their grids' alerts.</summary>
public sealed class InboxEndpointsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private const string Path = "/api/inbox/stream";

    private static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..16];

    /// <summary>A point inside the grid: the average of its outer ring's corners (the sample grids are convex).</summary>
    private Task<string> OpenAsync(string grid) => silo.OpenInAsync(grid);

    /// <summary>Reads the inbox until <paramref name="done"/> holds, at most 10 seconds.</summary>
    private static async Task<JsonElement> PollInboxAsync(HttpClient client, Func<JsonElement, bool> done)
    {
        return await Eventually.ValueAsync("the inbox reaches the expected state", async () =>
        {
            using var response = await client.GetAsync("/api/inbox?limit=100");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await JsonOf(response);
        }, done, poll: TimeSpan.FromMilliseconds(50));
    }

    private static JsonElement.ArrayEnumerator Notices(JsonElement page) => page.GetProperty("notices").EnumerateArray();

    private static string[] CaseIds(JsonElement notice) => [.. notice.GetProperty("caseIds").EnumerateArray().Select(c => c.GetString()!)];

    [Fact]
    public async Task LiveStreams_AtMostFourPerCredential_TheFifthRefused429_AnotherCredentialStillListens()
    {
        var officer = Id("O");
        var (client, second) = (await silo.AsAsync("Officer", officer), await silo.AsAsync("Officer", officer));
        var streams = new List<LiveEvents>();
        try
        {
            for (var i = 0; i < 4; i++) streams.Add(await LiveEvents.OpenAsync(client, Path));
            using (var fifth = await client.GetAsync("/api/inbox/stream", HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
                Assert.Contains("at most 4 live streams", await fifth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            streams.Add(await LiveEvents.OpenAsync(second, Path));
        }
        finally
        {
            foreach (var stream in streams) await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task DispatchedCase_OfficerInboxHoldsRenderedNotice_OthersDoNot()
    {
        const string grid = "33030200200910";
        var staff = await silo.StaffAsync(grid);
        var officer = await silo.AsAsync("Officer", staff.A);
        var caseId = await OpenAsync(grid);

        var page = await PollInboxAsync(officer, p => Notices(p).Any(n => CaseIds(n).Contains(caseId)));
        var notice = Notices(page).Single(n => CaseIds(n).Contains(caseId));
        Assert.Equal("dispatch", notice.GetProperty("kind").GetString());
        Assert.Equal("officer:" + staff.A, notice.GetProperty("recipient").GetString());
        Assert.Contains(caseId, notice.GetProperty("text").GetString(), StringComparison.Ordinal);
        // Named as the grid store has it, not only by its code.
        Assert.Contains("网格：松台水街社区第10网格（33030200200910），松台水街社区", notice.GetProperty("text").GetString(), StringComparison.Ordinal);
        // B was not dispatched to: nothing for B.
        var b = await silo.AsAsync("Officer", staff.B);
        Assert.Equal(0, (await PollInboxAsync(b, _ => true)).GetProperty("total").GetInt32());

        // Read: marked up to the notice, the unread count follows; another's notice id is not found in one's own inbox.
        Assert.Equal(1, page.GetProperty("unread").GetInt32());
        var id = notice.GetProperty("noticeId").GetString();
        using (var read = await officer.PostAsync($"/api/inbox/{id}/read", null))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(0, (await JsonOf(read)).GetProperty("unread").GetInt32());
        }
        Assert.Equal(0, (await PollInboxAsync(officer, _ => true)).GetProperty("unread").GetInt32());
        using var foreign = await b.PostAsync($"/api/inbox/{id}/read", null);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task LiaisonAlert_MasksTheCallersNumbers_AsTheLiaisonsCaseReadDoes()
    {
        const string grid = "33030200200913";
        var liaison = Id("LI");
        using (var put = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/grids/{grid}", null)) Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
        var client = await silo.AsAsync("Liaison", liaison);
        await using var stream = await LiveEvents.OpenAsync(client, Path);
        await silo.OpenInAsync(grid, "王先生 13800138000 反映门口违停");
        var text = (await stream.NextAsync("notice")).GetProperty("text").GetString()!;
        Assert.Contains("王先生 *** 反映门口违停", text);
        Assert.Matches("当前状态 (已立案|已派遣)，", text);   // the state in the liaison's words, not the domain's
        Assert.DoesNotContain("13800138000", text);
    }

    [Fact]
    public async Task TwoLiaisonsOfTwoGrids_EachSeesOnlyTheirOwnGridsAlerts_OverInboxAndStream()
    {
        const string gridOne = "33030200200911", gridTwo = "33030200200912";
        var (one, two) = (Id("LI"), Id("LI"));
        foreach (var (liaison, grid) in new[] { (one, gridOne), (two, gridTwo) })
        {
            using var put = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/grids/{grid}", null);
            Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
        }
        var (clientOne, clientTwo) = (await silo.AsAsync("Liaison", one), await silo.AsAsync("Liaison", two));
        await using var streamOne = await LiveEvents.OpenAsync(clientOne, Path);
        await using var streamTwo = await LiveEvents.OpenAsync(clientTwo, Path);

        var caseOne = await OpenAsync(gridOne);
        var caseTwo = await OpenAsync(gridTwo);

        var liveOne = await streamOne.NextAsync("notice");
        var liveTwo = await streamTwo.NextAsync("notice");
        Assert.Equal([caseOne], CaseIds(liveOne));
        Assert.Equal((gridOne, "liaison-alert"), (liveOne.GetProperty("gridCodes")[0].GetString(), liveOne.GetProperty("kind").GetString()));
        Assert.Equal([caseTwo], CaseIds(liveTwo));
        Assert.Equal(gridTwo, liveTwo.GetProperty("gridCodes")[0].GetString());
        Assert.Equal("recorded", liveOne.GetProperty("delivery").GetString());

        var inboxOne = await PollInboxAsync(clientOne, p => p.GetProperty("total").GetInt32() >= 1);
        var inboxTwo = await PollInboxAsync(clientTwo, p => p.GetProperty("total").GetInt32() >= 1);
        Assert.All(Notices(inboxOne), n => Assert.Equal([gridOne], n.GetProperty("gridCodes").EnumerateArray().Select(g => g.GetString()!).ToArray()));
        Assert.All(Notices(inboxTwo), n => Assert.Equal([gridTwo], n.GetProperty("gridCodes").EnumerateArray().Select(g => g.GetString()!).ToArray()));
        Assert.DoesNotContain(Notices(inboxOne), n => CaseIds(n).Contains(caseTwo));
        Assert.DoesNotContain(Notices(inboxTwo), n => CaseIds(n).Contains(caseOne));
    }

    [Fact]
    public async Task CommunityLiaison_GetsAlertsOfEveryGridOfTheCommunity_NoneOfAnotherCommunity()
    {
        const string community = "330302002009", inCommunity = "33030200200913", elsewhere = "33030200400925";
        var (whole, otherGrid) = (Id("LI"), Id("LI"));
        using (var put = await silo.Operator.PutAsync($"/api/liaisons/{whole}/communities/{community}", null))
            Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
        using (var put = await silo.Operator.PutAsync($"/api/liaisons/{otherGrid}/grids/{elsewhere}", null))
            Assert.True(put.IsSuccessStatusCode, put.StatusCode.ToString());
        var (clientWhole, clientOther) = (await silo.AsAsync("Liaison", whole), await silo.AsAsync("Liaison", otherGrid));

        // The case elsewhere first, and seen to arrive where it belongs, before the one in the community.
        var away = await OpenAsync(elsewhere);
        await PollInboxAsync(clientOther, p => Notices(p).Any(n => CaseIds(n).Contains(away)));
        var near = await OpenAsync(inCommunity);

        var page = await PollInboxAsync(clientWhole, p => p.GetProperty("total").GetInt32() >= 1);
        var notice = Assert.Single(Notices(page).ToArray());
        Assert.Equal([near], CaseIds(notice));
        Assert.Equal(community, notice.GetProperty("communityCodes")[0].GetString());
    }

    [Fact]
    public async Task Dispatcher_ReadsTheCommandCentersInbox_BadPagingIs400()
    {
        using var ok = await silo.Dispatcher.GetAsync("/api/inbox?limit=5&offset=0");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var bad = await silo.Dispatcher.GetAsync("/api/inbox?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("Invalid limit", (await JsonOf(bad)).GetProperty("title").GetString());
    }
}
