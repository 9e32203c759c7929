using System.Net;
using GridServer.Silo.Hosting;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

public sealed class DashboardSilo() : EmbeddedSiloWith(new() { ["GridServer:Dashboard:Enabled"] = "true" });

/// <summary>
/// Orleans' dashboard at <c>/dashboard/</c>, for operators only: by an operator's key, or by the session cookie an
/// operator's console asks for (<c>POST /api/dashboard/session</c>); nobody else, and no live log stream.
/// </summary>
public sealed class DashboardTests(DashboardSilo silo, EmbeddedSilo off) : IClassFixture<DashboardSilo>, IClassFixture<EmbeddedSilo>
{
    [Fact]
    public async Task Dashboard_OperatorsKeyReadsIt_OtherRolesAndNobodyAreRefused()
    {
        using (var anonymous = await silo.Client.GetAsync("/dashboard/ClusterStats"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var dispatcher = await silo.Dispatcher.GetAsync("/dashboard/ClusterStats"))
            Assert.Equal(HttpStatusCode.Forbidden, dispatcher.StatusCode);
        using var stats = await silo.Operator.GetAsync("/dashboard/ClusterStats");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal("application/json", stats.Content.Headers.ContentType?.MediaType);
        using var page = await silo.Operator.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Session_OnlyForOperators_ItsCookieIsHttpOnlyStrictAndForTheDashboardOnly_AndOpensIt()
    {
        using (var dispatcher = await silo.Dispatcher.PostAsync("/api/dashboard/session", null))
            Assert.Equal(HttpStatusCode.Forbidden, dispatcher.StatusCode);
        using var session = await silo.Operator.PostAsync("/api/dashboard/session", null);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.Equal("/dashboard/", (await JsonOf(session)).GetProperty("url").GetString());
        var cookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(DashboardSessions.Cookie + "=", cookie, StringComparison.Ordinal);
        foreach (var attribute in new[] { "path=/dashboard", "httponly", "samesite=strict", "expires=" })
            Assert.Contains(attribute, cookie, StringComparison.OrdinalIgnoreCase);

        // A browser holding only the cookie: the page, its figures; never the live log.
        using var browser = silo.Factory.CreateClient();
        browser.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        foreach (var path in new[] { "/dashboard/", "/dashboard/ClusterStats", "/dashboard/Reminders" })
        {
            using var response = await browser.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
        using (var trace = await browser.GetAsync("/dashboard/Trace"))
            Assert.Equal(HttpStatusCode.Forbidden, trace.StatusCode);
        // The cookie is no key to the rest of the API.
        using (var api = await browser.GetAsync("/api/credentials"))
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Session_ItsKeyRevoked_TheCookieNoLongerOpensTheDashboard()
    {
        var subject = $"O-DASH-{Guid.NewGuid():N}"[..16];
        using var operatorOfItsOwn = await silo.AsAsync("Operator", subject);
        using var session = await operatorOfItsOwn.PostAsync("/api/dashboard/session", null);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        using var browser = silo.Factory.CreateClient();
        browser.DefaultRequestHeaders.Add("Cookie", Assert.Single(session.Headers.GetValues("Set-Cookie")).Split(';')[0]);
        using (var before = await browser.GetAsync("/dashboard/ClusterStats"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var list = await silo.Operator.GetAsync("/api/credentials");
        var id = (await JsonOf(list)).EnumerateArray().Single(c => c.GetProperty("subject").GetString() == subject).GetProperty("id").GetString();
        using (var revoked = await silo.Operator.DeleteAsync($"/api/credentials/{id}"))
            Assert.True(revoked.IsSuccessStatusCode, revoked.StatusCode.ToString());

        using var after = await browser.GetAsync("/dashboard/ClusterStats");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("was revoked", (await JsonOf(after)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("forged-session-token")]
    [InlineData("")]
    [InlineData("%00%01'\";--")]
    public async Task Session_UnknownOrEmptyCookie_Refused(string token)
    {
        using var browser = silo.Factory.CreateClient();
        browser.DefaultRequestHeaders.Add("Cookie", $"{DashboardSessions.Cookie}={token}");
        using var response = await browser.GetAsync("/dashboard/ClusterStats");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var detail = (await JsonOf(response)).GetProperty("detail").GetString()!;
        Assert.True(detail.Contains("session", StringComparison.Ordinal), detail);
    }

    [Fact]
    public async Task Dashboard_Off_ByDefault_SessionSaysHowToTurnItOn()
    {
        using (var session = await off.Operator.PostAsync("/api/dashboard/session", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, session.StatusCode);
            Assert.Contains("GridServer:Dashboard:Enabled", (await JsonOf(session)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using var stats = await off.Operator.GetAsync("/dashboard/ClusterStats");
        Assert.NotEqual(HttpStatusCode.OK, stats.StatusCode);
    }
}
