using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// 回访 over HTTP: the reporting channel's verdict over Open311 (an extension) on its own closed request, a dispatcher's
/// telephone follow-up over the API, what is refused, and the verdicts counted as satisfaction.
/// </summary>
public sealed class FollowUpEndpointsTests(Open311Silo silo) : IClassFixture<Open311Silo>
{
    private const string Grid = "33030200200910";

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) => new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    private async Task<(HttpStatusCode Status, JsonElement Body)> FeedbackAsync(string id, params (string, string)[] fields)
    {
        using var response = await silo.Client.PostAsync($"/open311/v2/requests/{id}/feedback.json", Form(fields));
        return (response.StatusCode, await JsonOf(response));
    }

    /// <summary>A report over Open311 in the staffed grid, and the officer who holds it.</summary>
    private async Task<(string Id, HttpClient Officer)> ReportAsync()
    {
        var staff = await silo.StaffAsync(Grid);
        using var posted = await silo.Client.PostAsync("/open311/v2/requests.json",
            Form(("api_key", Open311Silo.ApiKey), ("service_code", "shopfront"), ("lat", "28.0"), ("long", "120.65"), ("description", "goods on the pavement")));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        return ((await JsonOf(posted))[0].GetProperty("service_request_id").GetString()!, await silo.AsAsync("Officer", staff.A));
    }

    [Fact]
    public async Task Open311_TheChannelGivesItsVerdictOnItsOwnClosedRequest_OthersAreRefused()
    {
        var (id, officer) = await ReportAsync();
        var early = await FeedbackAsync(id, ("api_key", Open311Silo.ApiKey), ("verdict", "satisfied"));
        Assert.Equal(HttpStatusCode.BadRequest, early.Status);
        Assert.Contains("closed case", early.Body[0].GetProperty("description").GetString());
        await silo.CloseAsync(id, officer);

        var otherKey = await silo.Factory.IssueAsync("Reporter", "another-app");
        Assert.Equal(HttpStatusCode.NotFound, (await FeedbackAsync(id, ("api_key", otherKey), ("verdict", "satisfied"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await FeedbackAsync("C-no-such-case", ("api_key", Open311Silo.ApiKey), ("verdict", "satisfied"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await FeedbackAsync(id, ("verdict", "satisfied"))).Status);
        var dispatcherKey = await silo.Factory.IssueAsync("Dispatcher", "D-FEEDBACK");
        Assert.Equal(HttpStatusCode.Forbidden, (await FeedbackAsync(id, ("api_key", dispatcherKey), ("verdict", "satisfied"))).Status);
        foreach (var bad in new[] { "", "happy", "1", "satisfied;dissatisfied" })
            Assert.Equal(HttpStatusCode.BadRequest, (await FeedbackAsync(id, ("api_key", Open311Silo.ApiKey), ("verdict", bad))).Status);
        var tooLong = await FeedbackAsync(id, ("api_key", Open311Silo.ApiKey), ("verdict", "dissatisfied"), ("comment", new string('长', 2001)));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        var control = await FeedbackAsync(id, ("api_key", Open311Silo.ApiKey), ("verdict", "dissatisfied"), ("comment", "bad\0nul"));
        Assert.Equal(HttpStatusCode.BadRequest, control.Status);

        var given = await FeedbackAsync(id, ("api_key", Open311Silo.ApiKey), ("verdict", "dissatisfied"), ("comment", "the car came back"));
        Assert.Equal(HttpStatusCode.OK, given.Status);
        Assert.Equal(("dissatisfied", "closed"), (given.Body[0].GetProperty("verdict").GetString(), given.Body[0].GetProperty("status").GetString()));

        var view = await JsonOf(await silo.Dispatcher.GetAsync($"/api/cases/{id}"));
        var followUp = view.GetProperty("followUp");
        Assert.Equal(("Dissatisfied", "the car came back", "reporter"),
            (followUp.GetProperty("verdict").GetString(), followUp.GetProperty("comment").GetString(), followUp.GetProperty("how").GetString()));
        // The matter does not reopen on a bad verdict (the default): the case stays closed, the follow-up on its timeline.
        Assert.Equal(("Closed", "FollowUp"), (view.GetProperty("state").GetString(), view.GetProperty("timeline")[view.GetProperty("timeline").GetArrayLength() - 1].GetProperty("action").GetString()));
    }

    [Fact]
    public async Task Api_ADispatcherRecordsATelephoneFollowUp_AndItCountsAsSatisfaction()
    {
        var (id, officer) = await ReportAsync();
        using (var open = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/follow-up", new { verdict = "satisfied" }))
            Assert.Equal(HttpStatusCode.Conflict, open.StatusCode);
        await silo.CloseAsync(id, officer);

        using (var asOfficer = await officer.PostAsJsonAsync($"/api/cases/{id}/follow-up", new { verdict = "satisfied" }))
            Assert.Equal(HttpStatusCode.Forbidden, asOfficer.StatusCode);
        using (var bad = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/follow-up", new { verdict = "meh" }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var asAction = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Reopen", note = "x" }))
            Assert.Equal(HttpStatusCode.Forbidden, asAction.StatusCode);
        using (var unknown = await silo.Dispatcher.PostAsJsonAsync("/api/cases/C-none/follow-up", new { verdict = "satisfied" }))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var recorded = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/follow-up", new { verdict = "basically_satisfied", comment = "电话回访：基本满意" });
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        var followUp = (await JsonOf(recorded)).GetProperty("followUp");
        Assert.Equal(("BasicallySatisfied", "telephone", SiloFactory.DispatcherId),
            (followUp.GetProperty("verdict").GetString(), followUp.GetProperty("how").GetString(), followUp.GetProperty("by").GetString()));

        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        using var table = await silo.Dispatcher.GetAsync($"/api/evaluation?level=grid&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
        var row = Assert.Single((await JsonOf(table)).GetProperty("rows").EnumerateArray(), r => r.GetProperty("code").GetString() == Grid);
        Assert.True(row.GetProperty("followedUp").GetInt32() >= 1);
        Assert.Equal(row.GetProperty("followedUp").GetInt32(), row.GetProperty("satisfied").GetInt32()
            + (row.GetProperty("followedUp").GetInt32() - row.GetProperty("satisfied").GetInt32()));
        Assert.Equal((double)row.GetProperty("satisfied").GetInt32() / row.GetProperty("followedUp").GetInt32(), row.GetProperty("satisfaction").GetDouble(), 6);
    }
}
