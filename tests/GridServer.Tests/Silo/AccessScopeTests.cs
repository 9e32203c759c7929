using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// The per-record half of authorization through the real host: officers work their own and their squad's cases,
/// liaisons read their own grids and communities, and whatever lies outside answers exactly as if it did not exist.
/// </summary>
public sealed class AccessScopeTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{

    /// <summary>Staffs a grid and returns its A officer's id.</summary>
    private async Task<string> StaffAsync(string grid, string squad) => (await silo.StaffAsync(grid, squad)).A;

    /// <summary>The middle of a grid's first ring (the sample's grids are convex quadrilaterals).</summary>
    private async Task<(double Lon, double Lat)> CentreAsync(string grid)
    {
        using var response = await silo.Operator.GetAsync($"/api/grids/{grid}");
        var ring = (await JsonOf(response)).GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().SkipLast(1).ToList();
        return (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
    }

    private async Task<string> OpenAsync(string grid)
    {
        var (lon, lat) = await CentreAsync(grid);
        using var response = await silo.Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "parking", lon, lat, reporterId = "citizen" });
        var opened = await JsonOf(response);
        Assert.Equal(grid, opened.GetProperty("gridCode").GetString());
        return opened.GetProperty("caseId").GetString()!;
    }

    [Fact]
    public async Task Officer_WorksOwnAndSquadCases_OthersAnswerAsUnknown()
    {
        var squad = $"SQ-{Guid.NewGuid():N}"[..12];
        var (mine, mate) = (await StaffAsync("33030200200920", squad), await StaffAsync("33030200200921", squad));
        var stranger = await StaffAsync("33030200200922", $"SQ-{Guid.NewGuid():N}"[..12]);
        var (myCase, matesCase, strangersCase) = (await OpenAsync("33030200200920"), await OpenAsync("33030200200921"), await OpenAsync("33030200200922"));
        var me = await silo.AsAsync("Officer", mine);

        using (var own = await me.GetAsync($"/api/cases/{myCase}")) Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        using (var squadMates = await me.GetAsync($"/api/cases/{matesCase}")) Assert.Equal(HttpStatusCode.OK, squadMates.StatusCode);
        using var other = await me.GetAsync($"/api/cases/{strangersCase}");
        using var unknown = await me.GetAsync("/api/cases/C-NO-SUCH-CASE");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (other.StatusCode, unknown.StatusCode));
        Assert.Equal((await JsonOf(unknown)).GetProperty("title").GetString(), (await JsonOf(other)).GetProperty("title").GetString());

        using (var act = await me.PostAsJsonAsync($"/api/cases/{strangersCase}/actions", new { action = "Accept" }))
            Assert.Equal(HttpStatusCode.NotFound, act.StatusCode);
        using (var strangerView = await silo.Dispatcher.GetAsync($"/api/cases/{strangersCase}"))
        {
            var untouched = await JsonOf(strangerView);
            Assert.Equal(("Dispatched", stranger), (untouched.GetProperty("state").GetString(), untouched.GetProperty("officerId").GetString()));
        }
        using (var accept = await me.PostAsJsonAsync($"/api/cases/{myCase}/actions", new { action = "Accept" }))
            Assert.Equal(HttpStatusCode.OK, accept.StatusCode);

        // A search lists the officer's own cases, or their squad's; another squad's list is empty, not refused.
        using var search = await me.GetAsync("/api/cases?open=true");
        Assert.Equal([myCase], (await JsonOf(search)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()!).ToArray());
        using var squadSearch = await me.GetAsync($"/api/cases?squad={squad}");
        Assert.Equal(new[] { matesCase, myCase }.Order(), (await JsonOf(squadSearch)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()!).Order());
        using var othersSearch = await me.GetAsync($"/api/cases?officer={stranger}");
        Assert.Equal(0, (await JsonOf(othersSearch)).GetArrayLength());
        using var othersCases = await me.GetAsync($"/api/officers/{stranger}/cases");
        Assert.Equal(HttpStatusCode.Forbidden, othersCases.StatusCode);
    }

    [Fact]
    public async Task Officer_RemovedFromSquad_NoLongerReadsSearchesOrActsOnItsCases()
    {
        var squad = $"SQ-{Guid.NewGuid():N}"[..12];
        var (moved, mate) = (await StaffAsync("33030200200920", squad), await StaffAsync("33030200200921", squad));
        var matesCase = await OpenAsync("33030200200921");
        var officer = await silo.AsAsync("Officer", moved);
        using (var before = await officer.GetAsync($"/api/cases/{matesCase}")) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using (var removed = await silo.Operator.DeleteAsync($"/api/squads/{squad}/officers/{moved}"))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
            Assert.DoesNotContain(moved, (await JsonOf(removed)).GetProperty("officers").EnumerateArray().Select(o => o.GetString()));
        }

        using var read = await officer.GetAsync($"/api/cases/{matesCase}");
        using var act = await officer.PostAsJsonAsync($"/api/cases/{matesCase}/actions", new { action = "Accept" });
        using var search = await officer.GetAsync($"/api/cases?squad={squad}");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (read.StatusCode, act.StatusCode));
        Assert.Equal(0, (await JsonOf(search)).GetArrayLength());
        using var untouched = await silo.Dispatcher.GetAsync($"/api/cases/{matesCase}");
        Assert.Equal(("Dispatched", mate), ((await JsonOf(untouched)).GetProperty("state").GetString(), (await JsonOf(untouched)).GetProperty("officerId").GetString()));
    }

    [Fact]
    public async Task OldLeader_AfterLeaderChange_LosesTheSquadsCases_NewLeaderHasThemUntilRemoved()
    {
        var squad = $"SQ-{Guid.NewGuid():N}"[..12];
        await StaffAsync("33030200200922", squad);
        var (oldLeader, newLeader) = ($"O-{Guid.NewGuid():N}"[..12], $"O-{Guid.NewGuid():N}"[..12]);
        using (var lead = await silo.Operator.PutAsJsonAsync($"/api/squads/{squad}/leader", new { officerId = oldLeader })) Assert.Equal(HttpStatusCode.OK, lead.StatusCode);
        var id = await OpenAsync("33030200200922");
        var (before, after) = (await silo.AsAsync("Officer", oldLeader), await silo.AsAsync("Officer", newLeader));
        using (var read = await before.GetAsync($"/api/cases/{id}")) Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using (var change = await silo.Operator.PutAsJsonAsync($"/api/squads/{squad}/leader", new { officerId = newLeader }))
        {
            var view = await JsonOf(change);
            Assert.Equal(newLeader, view.GetProperty("leader").GetString());
            Assert.DoesNotContain(oldLeader, view.GetProperty("officers").EnumerateArray().Select(o => o.GetString()));
        }
        using (var old = await before.GetAsync($"/api/cases/{id}")) Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        using (var oldActs = await before.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Accept" })) Assert.Equal(HttpStatusCode.NotFound, oldActs.StatusCode);
        using (var oldSearch = await before.GetAsync($"/api/cases?squad={squad}")) Assert.Equal(0, (await JsonOf(oldSearch)).GetArrayLength());
        using (var current = await after.GetAsync($"/api/cases/{id}")) Assert.Equal(HttpStatusCode.OK, current.StatusCode);

        using (var cleared = await silo.Operator.DeleteAsync($"/api/squads/{squad}/leader"))
            Assert.Equal(JsonValueKind.Null, (await JsonOf(cleared)).GetProperty("leader").ValueKind);
        using var gone = await after.GetAsync($"/api/cases/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task OfficerPage_RosterAbsenceDutyAndCases_TheOfficerReadsOnlyTheirOwn()
    {
        var officer = await StaffAsync("33030200200920", $"SQ-{Guid.NewGuid():N}"[..12]);
        var id = await OpenAsync("33030200200920");
        var (from, to) = (DateTimeOffset.UtcNow.AddDays(3), DateTimeOffset.UtcNow.AddDays(5));
        using (var absent = await silo.Operator.PostAsJsonAsync($"/api/officers/{officer}/absences", new { from, to, reason = "training" }))
            Assert.Equal(HttpStatusCode.NoContent, absent.StatusCode);
        var own = await silo.AsAsync("Officer", officer);

        using var page = await own.GetAsync($"/api/officers/{officer}");
        var view = await JsonOf(page);
        Assert.Equal(("OnDuty", 7), (view.GetProperty("duty").GetString(), view.GetProperty("roster").GetProperty("weekly").GetArrayLength()));
        Assert.Equal("training", Assert.Single(view.GetProperty("absences").EnumerateArray()).GetProperty("reason").GetString());
        Assert.Contains(id, view.GetProperty("cases").EnumerateArray().Select(c => c.GetString()));
        using var other = await own.GetAsync("/api/officers/O-SOMEONE-ELSE");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        using var unknown = await silo.Dispatcher.GetAsync("/api/officers/O-NEVER-SEEN");
        Assert.Equal(JsonValueKind.Null, (await JsonOf(unknown)).GetProperty("roster").ValueKind);
    }

    [Theory]
    [InlineData("Officer", "Close")]
    [InlineData("Officer", "Void")]
    [InlineData("Officer", "PassVerification")]
    [InlineData("Dispatcher", "Accept")]
    [InlineData("Dispatcher", "GiveFinalFeedback")]
    [InlineData("Dispatcher", "Warn")]
    [InlineData("Officer", "Transfer")]
    public async Task ActionOutOfTheCallersHand_Is403_AndChangesNothing(string role, string action)
    {
        var officer = await StaffAsync("33030200200923", $"SQ-{Guid.NewGuid():N}"[..12]);
        var id = await OpenAsync("33030200200923");
        var client = role == "Officer" ? await silo.AsAsync("Officer", officer) : silo.Dispatcher;

        using var response = await client.PostAsJsonAsync($"/api/cases/{id}/actions", new { action });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(action, (await JsonOf(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var after = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal("Dispatched", (await JsonOf(after)).GetProperty("state").GetString());
    }

    /// <summary>An action is named, never numbered or listed: "15" would otherwise be PassVerification in an officer's hand.</summary>
    [Theory]
    [InlineData("Officer", "15")]
    [InlineData("Officer", "17")]
    [InlineData("Officer", "2")]
    [InlineData("Dispatcher", "4")]
    [InlineData("Officer", "Accept,Close")]
    [InlineData("Officer", " Close")]
    [InlineData("Officer", "Report")]
    public async Task ActionNotGivenByItsName_Is400_AndChangesNothing(string role, string action)
    {
        var officer = await StaffAsync("33030200200923", $"SQ-{Guid.NewGuid():N}"[..12]);
        var id = await OpenAsync("33030200200923");
        var client = role == "Officer" ? await silo.AsAsync("Officer", officer) : silo.Dispatcher;

        using var response = await client.PostAsJsonAsync($"/api/cases/{id}/actions", new { action });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Unknown action", (await JsonOf(response)).GetProperty("title").GetString());
        using var after = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        var view = await JsonOf(after);
        Assert.Equal(("Dispatched", 3), (view.GetProperty("state").GetString(), view.GetProperty("timeline").GetArrayLength()));
    }

    [Fact]
    public async Task Liaison_ReadsOnlyTheirGridsAndCommunity_ProbingOthersLooksLikeNothingThere()
    {
        const string own = "33030200200924";
        var liaison = $"L-{Guid.NewGuid():N}"[..12];
        using (var assign = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/grids/{own}", null)) Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        var client = await silo.AsAsync("Liaison", liaison);
        var ownCase = await OpenAsync(own);
        var otherCase = await OpenAsync("33030200200925");

        using var list = await client.GetAsync("/api/grids");
        Assert.Equal([own], (await JsonOf(list)).GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()!).ToArray());
        using (var mine = await client.GetAsync($"/api/grids/{own}")) Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        foreach (var probe in new[] { "/api/grids/33030200200925", "/api/grids/33030200200925/history", "/api/grids/33030200200925/responsibility" })
        {
            using var response = await client.GetAsync(probe);
            using var nothing = await silo.Operator.GetAsync(probe.Replace("33030200200925", "33030299999999", StringComparison.Ordinal));
            Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (response.StatusCode, nothing.StatusCode));
            Assert.Equal((await JsonOf(nothing)).GetProperty("title").GetString(), (await JsonOf(response)).GetProperty("title").GetString());
        }
        using (var seen = await client.GetAsync($"/api/cases/{ownCase}")) Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        using (var hidden = await client.GetAsync($"/api/cases/{otherCase}")) Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        using var cases = await client.GetAsync("/api/cases?limit=1000");
        var listed = (await JsonOf(cases)).EnumerateArray().Select(c => c.GetProperty("gridCode").GetString()).ToHashSet();
        Assert.Equal([own], listed);
        using var asking = await client.GetAsync("/api/cases?grid=33030200200925");
        Assert.Equal(0, (await JsonOf(asking)).GetArrayLength());
        using (var someoneElse = await client.GetAsync("/api/liaisons/L-SOMEONE-ELSE")) Assert.Equal(HttpStatusCode.Forbidden, someoneElse.StatusCode);
        using (var self = await client.GetAsync($"/api/liaisons/{liaison}")) Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        Assert.Contains(silo.Factory.Denials.Messages, m => m.Contains($"is not one of liaison {liaison}'s grids", StringComparison.Ordinal));

        // A whole community: every grid whose community code it is, and nothing beyond it.
        using (var grid = await silo.Operator.GetAsync($"/api/grids/{own}"))
        {
            var community = (await JsonOf(grid)).GetProperty("properties").GetProperty("community_code").GetString()!;
            using (var assign = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/communities/{community}", null)) Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
            using var widened = await client.GetAsync("/api/grids");
            var features = (await JsonOf(widened)).GetProperty("features").EnumerateArray().ToList();
            Assert.True(features.Count > 1);
            Assert.All(features, f => Assert.Equal(community, f.GetProperty("properties").GetProperty("community_code").GetString()));
        }
        using (var unknownCommunity = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/communities/999999999999", null))
            Assert.Equal(HttpStatusCode.NotFound, unknownCommunity.StatusCode);
    }

    [Fact]
    public async Task LiaisonAssignments_BadInput_ClearErrors_RemovalTakesTheGridAway()
    {
        var liaison = $"L-{Guid.NewGuid():N}"[..12];
        using (var unknownGrid = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/grids/99999999999999", null))
            Assert.Equal(HttpStatusCode.NotFound, unknownGrid.StatusCode);
        using (var control = await silo.Operator.PutAsync("/api/liaisons/L%01X/grids/33030200200910", null))
            Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        using (var tooLong = await silo.Operator.GetAsync($"/api/liaisons/{new string('L', 200)}"))
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        using (var assign = await silo.Operator.PutAsync($"/api/liaisons/{liaison}/grids/33030200200910", null))
            Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        using (var responsibility = await silo.Operator.GetAsync("/api/grids/33030200200910/responsibility"))
            Assert.Contains(liaison, (await JsonOf(responsibility)).GetProperty("liaisons").EnumerateArray().Select(e => e.GetString()));

        using var removed = await silo.Operator.DeleteAsync($"/api/liaisons/{liaison}/grids/33030200200910");

        Assert.Equal(0, (await JsonOf(removed)).GetProperty("grids").GetArrayLength());
        var client = await silo.AsAsync("Liaison", liaison);
        using var gone = await client.GetAsync("/api/grids/33030200200910");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var responsibility = await silo.Operator.GetAsync("/api/grids/33030200200910/responsibility"))
            Assert.DoesNotContain(liaison, (await JsonOf(responsibility)).GetProperty("liaisons").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task SameIdempotencyKey_FromTwoCallers_OpensTwoCases()
    {
        var officer = await silo.AsAsync("Officer", "O-IDEMPOTENT");
        HttpRequestMessage Request() => new(HttpMethod.Post, "/api/cases")
        {
            Content = JsonBody("""{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"r"}"""),
            Headers = { { "Idempotency-Key", "shared-key-1" } },
        };
        using var a = await silo.Dispatcher.SendAsync(Request());
        using var b = await officer.SendAsync(Request());
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (a.StatusCode, b.StatusCode));
        Assert.NotEqual((await JsonOf(a)).GetProperty("caseId").GetString(), (await JsonOf(b)).GetProperty("caseId").GetString());
    }

    [Theory]
    [InlineData("""{"role":"admin","subject":"x"}""", "Unknown role")]
    [InlineData("""{"role":"3","subject":"x"}""", "Unknown role")]
    [InlineData("""{"role":"Officer"}""", "Invalid subject")]
    [InlineData("""{"role":"Officer","subject":"   "}""", "Invalid subject")]
    [InlineData("""{"role":"Officer","subject":"O\u0000X"}""", "Invalid subject")]
    [InlineData("""{"role":"Officer","subject":"O-1","label":"a\nb"}""", "Invalid label")]
    [InlineData("""{"role":"Officer","subject":"O-1","expiresAt":"2001-01-01T00:00:00Z"}""", "Already expired")]
    [InlineData("""{"role":"Officer",""", "Unreadable request")]
    public async Task IssueCredential_BadRequest_ClearErrorAndNothingIssued(string body, string title)
    {
        using var before = await silo.Operator.GetAsync("/api/credentials");
        var count = (await JsonOf(before)).GetArrayLength();
        using var response = await silo.Operator.PostAsync("/api/credentials", JsonBody(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(title, (await JsonOf(response)).GetProperty("title").GetString());
        using var after = await silo.Operator.GetAsync("/api/credentials");
        Assert.Equal(count, (await JsonOf(after)).GetArrayLength());
    }

    [Fact]
    public async Task IssuedCredential_WorksAsBearerAndApiKey_ListedWithoutSecret_RevokedIs401()
    {
        using var issued = await silo.Operator.PostAsync("/api/credentials", JsonBody("""{"role":"Dispatcher","subject":"D-NIGHT","label":"night desk"}"""));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var body = await JsonOf(issued);
        var (secret, id) = (body.GetProperty("secret").GetString()!, body.GetProperty("credential").GetProperty("id").GetString()!);
        Assert.StartsWith("gs_", secret, StringComparison.Ordinal);

        using var byHeader = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { { "X-Api-Key", secret } } };
        using (var me = await silo.Client.SendAsync(byHeader))
            Assert.Equal(("Dispatcher", "D-NIGHT", id), await WhoAsync(me));
        using var list = await silo.Operator.GetAsync("/api/credentials");
        var text = await list.Content.ReadAsStringAsync();
        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(GridServer.Domain.Access.Secrets.Sha256Hex(secret), text, StringComparison.Ordinal);

        using (var revoke = await silo.Operator.DeleteAsync($"/api/credentials/{id}")) Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var revoked = silo.Factory.CreateClientWith(secret);
        using var refused = await revoked.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains($"credential {id} was revoked", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var again = await silo.Operator.DeleteAsync("/api/credentials/K-nothing")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    private static async Task<(string, string, string)> WhoAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await JsonOf(response);
        return (me.GetProperty("role").GetString()!, me.GetProperty("subject").GetString()!, me.GetProperty("credentialId").GetString()!);
    }
}
