using System.Net;
using System.Text;
using GridServer.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Silo;

/// <summary>
/// Every route against every role: a role the route takes gets past authorization (whatever the handler then says
/// about the made-up input), any other gets 403, and no credential gets 401. The table is the documented matrix
/// (docs/access.md); a route missing from it fails <see cref="EveryRoute_IsInTheMatrix"/>.
/// </summary>
public sealed class AuthorizationMatrixTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private const string Grid = "33030200200910";

    [Flags]
    private enum Who
    {
        None = 0,
        Operator = 1,
        Dispatcher = 2,
        Officer = 4,
        Liaison = 8,
        Reporter = 16,
        Sensor = 32,
        Staff = Operator | Dispatcher | Officer | Liaison,
        Anyone = Staff | Reporter | Sensor,
    }

    /// <summary>The route (method and pattern, as mapped), a request path for it, and who may call it. Public routes take anyone, with or without a credential.</summary>
    private static readonly (string Route, string Path, Who Allowed, bool Public)[] Matrix =
    [
        ("GET /health", "/health", Who.Anyone, true),
        ("GET /health/live", "/health/live", Who.Anyone, true),
        ("GET /health/ready", "/health/ready", Who.Anyone, true),
        ("GET /", "/", Who.Anyone, true),
        ("GET /openapi/{documentName}.json", "/openapi/v1.json", Who.Anyone, true),
        ("GET /open311/v2/discovery.{format}", "/open311/v2/discovery.json", Who.Anyone, true),
        ("GET /open311/v2/services.{format}", "/open311/v2/services.json", Who.Anyone, true),
        ("GET /open311/v2/services/{code}.{format}", "/open311/v2/services/parking.json", Who.Anyone, true),
        ("POST /open311/v2/requests.{format}", "/open311/v2/requests.json", Who.Anyone, true),
        ("GET /open311/v2/requests.{format}", "/open311/v2/requests.json", Who.Anyone, true),
        ("GET /open311/v2/requests/{id}.{format}", "/open311/v2/requests/C-x.json", Who.Anyone, true),
        ("GET /open311/v2/requests/{id}/media/{file}", "/open311/v2/requests/C-x/media/x.jpg", Who.Anyone, true),
        ("GET /open311/v2/tokens/{token}.{format}", "/open311/v2/tokens/C-x.json", Who.Anyone, true),
        ("POST /open311/v2/requests/{id}/feedback.{format}", "/open311/v2/requests/C-x/feedback.json", Who.Anyone, true),

        ("GET /api/me", "/api/me", Who.Anyone, false),
        ("GET /metrics", "/metrics", Who.Operator, false),
        ("POST /api/dashboard/session", "/api/dashboard/session", Who.Operator, false),
        ("POST /api/credentials/", "/api/credentials", Who.Operator, false),
        ("GET /api/credentials/", "/api/credentials", Who.Operator, false),
        ("DELETE /api/credentials/{id}", "/api/credentials/K-000000000000", Who.Operator, false),
        ("GET /api/audit", "/api/audit", Who.Operator, false),

        ("GET /api/grids/locate", "/api/grids/locate?lon=120.65&lat=28.0", Who.Operator | Who.Dispatcher | Who.Officer, false),
        ("GET /api/grids/", "/api/grids?bbox=120.6499,27.9999,120.6501,28.0001", Who.Staff, false),
        ("GET /api/grids/{code}", $"/api/grids/{Grid}", Who.Staff, false),
        ("GET /api/grids/{code}/history", $"/api/grids/{Grid}/history", Who.Staff, false),
        ("GET /api/grids/summary", "/api/grids/summary", Who.Staff, false),
        ("GET /api/grids/search", "/api/grids/search?q=910", Who.Staff, false),
        ("GET /api/grids/staffing", "/api/grids/staffing?bbox=120.6499,27.9999,120.6501,28.0001", Who.Staff, false),
        ("GET /api/tiles/grids/{z:int}/{x:int}/{y:int}", "/api/tiles/grids/14/13682/6863", Who.Staff, false),
        ("PUT /api/grids/{code}", $"/api/grids/{Grid}", Who.Operator, false),
        ("POST /api/grids/", "/api/grids", Who.Operator, false),
        ("POST /api/grids/{code}/split", $"/api/grids/{Grid}/split?dryRun=true", Who.Operator, false),
        ("POST /api/grids/merge", "/api/grids/merge?dryRun=true", Who.Operator, false),

        ("GET /api/grids/{code}/responsibility", $"/api/grids/{Grid}/responsibility", Who.Staff, false),
        ("PUT /api/grids/{code}/responsibility", $"/api/grids/{Grid}/responsibility", Who.Operator, false),
        ("POST /api/personnel/reassign", "/api/personnel/reassign", Who.Operator, false),
        ("PUT /api/officers/{id}/roster", "/api/officers/O-MATRIX/roster", Who.Operator, false),
        ("POST /api/officers/{id}/absences", "/api/officers/O-MATRIX/absences", Who.Operator, false),
        ("GET /api/officers/{id}", "/api/officers/O-MATRIX", Who.Operator | Who.Dispatcher | Who.Officer, false),
        ("GET /api/officers/{id}/cases", "/api/officers/O-MATRIX/cases", Who.Operator | Who.Dispatcher | Who.Officer, false),
        ("PUT /api/squads/{id}/leader", "/api/squads/SQ-MATRIX/leader", Who.Operator, false),
        ("DELETE /api/squads/{id}/leader", "/api/squads/SQ-MATRIX-OTHER/leader", Who.Operator, false),
        ("PUT /api/squads/{id}/officers/{officerId}", "/api/squads/SQ-MATRIX/officers/O-MATRIX", Who.Operator, false),
        ("DELETE /api/squads/{id}/officers/{officerId}", "/api/squads/SQ-MATRIX-OTHER/officers/O-MATRIX", Who.Operator, false),
        ("GET /api/squads/{id}", "/api/squads/SQ-MATRIX", Who.Operator | Who.Dispatcher | Who.Officer, false),
        ("GET /api/liaisons/{id}", "/api/liaisons/L-MATRIX", Who.Operator | Who.Dispatcher | Who.Liaison, false),
        ("PUT /api/liaisons/{id}/grids/{code}", "/api/liaisons/L-OTHER/grids/" + Grid, Who.Operator, false),
        ("DELETE /api/liaisons/{id}/grids/{code}", "/api/liaisons/L-OTHER/grids/" + Grid, Who.Operator, false),
        ("PUT /api/liaisons/{id}/communities/{code}", "/api/liaisons/L-OTHER/communities/330302002009", Who.Operator, false),
        ("DELETE /api/liaisons/{id}/communities/{code}", "/api/liaisons/L-OTHER/communities/330302002009", Who.Operator, false),

        ("POST /api/cases/", "/api/cases", Who.Dispatcher | Who.Officer, false),
        ("GET /api/cases/", "/api/cases", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("POST /api/cases/search", "/api/cases/search", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("GET /api/cases/{id}", "/api/cases/C-MATRIX", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("POST /api/cases/{id}/actions", "/api/cases/C-MATRIX/actions", Who.Dispatcher | Who.Officer, false),
        ("GET /api/cases/{id}/actions", "/api/cases/C-MATRIX/actions", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("GET /api/cases/{id}/photos", "/api/cases/C-MATRIX/photos", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("GET /api/cases/{id}/photos/{media}", "/api/cases/C-MATRIX/photos/x", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("POST /api/media", "/api/media", Who.Dispatcher | Who.Officer, false),
        ("POST /api/cases/{id}/locate", "/api/cases/C-MATRIX/locate", Who.Dispatcher, false),
        ("POST /api/cases/{id}/dispatch", "/api/cases/C-MATRIX/dispatch", Who.Dispatcher, false),
        ("POST /api/cases/{id}/follow-up", "/api/cases/C-MATRIX/follow-up", Who.Dispatcher, false),
        ("POST /api/cases/{id}/move", "/api/cases/C-MATRIX/move", Who.Dispatcher, false),
        ("GET /api/command-center/queue", "/api/command-center/queue", Who.Dispatcher, false),
        ("GET /api/command-center/supervision", "/api/command-center/supervision", Who.Dispatcher, false),
        ("GET /api/command-center/counts", "/api/command-center/counts", Who.Dispatcher, false),
        ("GET /api/cases/stream", "/api/cases/stream", Who.Dispatcher | Who.Officer | Who.Liaison, false),
        ("GET /api/evaluation/", "/api/evaluation?level=grid", Who.Operator | Who.Dispatcher, false),
        ("GET /api/evaluation/cases", "/api/evaluation/cases?indicator=closed", Who.Operator | Who.Dispatcher, false),
        ("GET /api/evaluation/density", "/api/evaluation/density", Who.Operator | Who.Dispatcher, false),
        ("GET /api/evaluation/bulletin", "/api/evaluation/bulletin", Who.Operator | Who.Dispatcher, false),
        ("GET /api/evaluation/indicators", "/api/evaluation/indicators", Who.Operator | Who.Dispatcher, false),

        ("GET /api/plugins", "/api/plugins", Who.Operator | Who.Dispatcher, false),
        ("GET /api/plugins/checks", "/api/plugins/checks", Who.Operator | Who.Dispatcher, false),
        ("POST /api/plugins/{folder}/check", "/api/plugins/no-such-module/check", Who.Operator, false),
        ("GET /api/plugins/packages/", "/api/plugins/packages", Who.Operator | Who.Dispatcher, false),
        ("POST /api/plugins/packages/", "/api/plugins/packages", Who.Operator, false),
        ("GET /api/plugins/packages/{module}", "/api/plugins/packages/GridServer.Plugins.Matrix", Who.Operator | Who.Dispatcher, false),
        ("POST /api/plugins/packages/{module}/activate", "/api/plugins/packages/GridServer.Plugins.Matrix/activate", Who.Operator, false),
        ("POST /api/plugins/packages/{module}/disable", "/api/plugins/packages/GridServer.Plugins.Matrix/disable", Who.Operator, false),
        ("DELETE /api/plugins/packages/{module}/versions/{version}", "/api/plugins/packages/GridServer.Plugins.Matrix/versions/1.0.0", Who.Operator, false),
        ("DELETE /api/plugins/packages/{module}", "/api/plugins/packages/GridServer.Plugins.Matrix", Who.Operator, false),
        ("GET /api/templates/", "/api/templates", Who.Operator | Who.Dispatcher, false),
        ("GET /api/templates/{name}", "/api/templates/dispatch", Who.Operator | Who.Dispatcher, false),
        ("GET /api/templates/{name}/versions/{version:int}", "/api/templates/dispatch/versions/1", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/templates/{name}", "/api/templates/dispatch.matrix", Who.Operator, false),
        ("POST /api/templates/{name}/activate", "/api/templates/dispatch.matrix/activate", Who.Operator, false),
        ("DELETE /api/templates/{name}", "/api/templates/dispatch.matrix", Who.Operator, false),
        ("POST /api/templates/{name}/preview", "/api/templates/dispatch/preview", Who.Operator | Who.Dispatcher, false),
        ("POST /api/sensors/readings", "/api/sensors/readings", Who.Operator | Who.Sensor, false),
        ("GET /api/crs/", "/api/crs", Who.Operator | Who.Dispatcher, false),
        ("GET /api/crs/convert", "/api/crs/convert?srs=EPSG:32650&x=500000&y=3100000", Who.Operator | Who.Dispatcher, false),
        ("GET /api/crs/{name}", "/api/crs/wenzhou2000", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/crs/{name}", "/api/crs/wenzhou2000", Who.Operator, false),
        ("DELETE /api/crs/{name}", "/api/crs/wenzhou2000", Who.Operator, false),
        ("GET /api/gazetteer/", "/api/gazetteer", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/gazetteer/", "/api/gazetteer", Who.Operator, false),
        ("GET /api/gazetteer/aliases", "/api/gazetteer/aliases", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/gazetteer/aliases", "/api/gazetteer/aliases", Who.Operator, false),
        ("GET /api/geocode", "/api/geocode?q=x", Who.Operator | Who.Dispatcher, false),
        ("GET /api/catalog", "/api/catalog", Who.Operator | Who.Dispatcher, false),
        ("GET /api/components", "/api/components", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/components", "/api/components", Who.Operator, false),
        ("GET /api/reference/", "/api/reference", Who.Operator | Who.Dispatcher, false),
        ("GET /api/reference/{set}", "/api/reference/shops", Who.Operator | Who.Dispatcher, false),
        ("GET /api/reference/{set}/{key}", "/api/reference/shops/S-1", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/reference/{set}", "/api/reference/shops", Who.Operator, false),
        ("POST /api/reference/{set}", "/api/reference/shops", Who.Operator, false),
        ("DELETE /api/reference/{set}/{key}", "/api/reference/shops/S-1", Who.Operator, false),
        ("GET /api/parties/{kind}/{id}", "/api/parties/shops/S-1", Who.Operator | Who.Dispatcher, false),
        ("PUT /api/communities/{code}/webhook", "/api/communities/330302002009/webhook", Who.Operator, false),
        ("GET /api/communities/{code}/webhook", "/api/communities/330302002009/webhook", Who.Operator, false),
        ("DELETE /api/communities/{code}/webhook", "/api/communities/330302002009/webhook", Who.Operator, false),
        ("POST /api/communities/{code}/webhook/test", "/api/communities/330302002009/webhook/test", Who.Operator, false),
        ("GET /api/communities/{code}/notices", "/api/communities/330302002009/notices", Who.Operator | Who.Dispatcher, false),
        ("GET /api/webhooks/dead-letters", "/api/webhooks/dead-letters", Who.Operator | Who.Dispatcher, false),
        ("POST /api/webhooks/dead-letters/{id}/resend", "/api/webhooks/dead-letters/DL-MATRIX/resend", Who.Operator | Who.Dispatcher, false),
        ("DELETE /api/webhooks/dead-letters/{id}", "/api/webhooks/dead-letters/DL-MATRIX", Who.Operator | Who.Dispatcher, false),
        ("GET /api/inbox/", "/api/inbox", Who.Dispatcher | Who.Officer | Who.Liaison | Who.Reporter, false),
        ("POST /api/inbox/{id}/read", "/api/inbox/N-MATRIX/read", Who.Dispatcher | Who.Officer | Who.Liaison | Who.Reporter, false),
        ("GET /api/inbox/stream", "/api/inbox/stream", Who.Dispatcher | Who.Officer | Who.Liaison, false),
    ];

    private static string Method(string route) => route.Split(' ')[0];

    [Fact]
    public async Task EveryRoleAgainstEveryRoute_AllowedOrRefused_AsTheMatrixSays()
    {
        var clients = new Dictionary<Who, HttpClient>
        {
            [Who.None] = silo.Client,
            [Who.Operator] = silo.Operator,
            [Who.Dispatcher] = silo.Dispatcher,
            [Who.Officer] = await silo.AsAsync("Officer", "O-MATRIX"),
            [Who.Liaison] = await silo.AsAsync("Liaison", "L-MATRIX"),
        };
        var reporterKey = await silo.Factory.IssueAsync("Reporter", "channel-matrix");
        clients[Who.Reporter] = silo.Factory.CreateClientWith(reporterKey);
        clients[Who.Sensor] = await silo.AsAsync("Sensor", "gateway-matrix");
        var wrong = new List<string>();
        foreach (var (route, path, allowed, isPublic) in Matrix)
        {
            foreach (var (who, client) in clients)
            {
                // An empty JSON object: enough to get past the reading of a body, never enough to change anything.
                using var request = new HttpRequestMessage(new HttpMethod(Method(route)), path);
                if (request.Method == HttpMethod.Post || request.Method == HttpMethod.Put) request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                // Open311 intake takes anyone's request and checks the channel's api_key itself (403 in its own format without one).
                if (path.StartsWith("/open311/v2/requests", StringComparison.Ordinal) && request.Method == HttpMethod.Post)
                    request.Content = new FormUrlEncodedContent([KeyValuePair.Create("api_key", reporterKey), KeyValuePair.Create("service_code", "parking")]);
                // Headers only: a live stream (GET /api/inbox/stream) never ends by itself; disposing the response closes it.
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                var expected = isPublic || (allowed & who) != 0 ? "allowed" : who == Who.None ? "401" : "403";
                var actual = status is 401 or 403 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : status >= 500 ? $"a fault ({status})" : "allowed";
                if (expected != actual) wrong.Add($"{route} as {who}: expected {expected}, got {status}");
                if (status == 401) Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
                if (status is 401 or 403) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        clients[Who.Reporter].Dispose();
    }

    [Fact]
    public void EveryRoute_IsInTheMatrix()
    {
        var mapped = silo.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet();
        var listed = Matrix.Select(m => m.Route).ToHashSet();
        Assert.Empty(mapped.Except(listed));
        Assert.Empty(listed.Except(mapped));
    }

    [Fact]
    public async Task RefusedAttempts_AreLogged_WithWhoWhatAndWhy()
    {
        var officer = await silo.AsAsync("Officer", "O-LOGGED");
        using (await officer.GetAsync("/api/command-center/queue"))
        using (await silo.Client.GetAsync("/api/cases"))
        {
            var logged = silo.Factory.Denials.Messages.ToList();
            Assert.Contains(logged, m => m.StartsWith("Warning: Denied GET /api/command-center/queue", StringComparison.Ordinal)
                && m.Contains("role Officer, subject O-LOGGED", StringComparison.Ordinal) && m.Contains("it takes Dispatcher", StringComparison.Ordinal));
            Assert.Contains(logged, m => m.StartsWith("Warning: Denied GET /api/cases: no credential", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("Bearer gs_not-a-real-key-at-all-000000", null, "the credential is not valid")]
    [InlineData("Basic b3A6cGFzcw==", null, "the Authorization header must be 'Bearer <key>'")]
    [InlineData(null, "gs_not-a-real-key-at-all-000000", "the credential is not valid")]
    public async Task WrongCredential_Is401_SayingWhy(string? authorization, string? apiKey, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        using var response = await silo.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDifferentCredentialsInOneRequest_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + SiloFactory.DispatcherKey);
        request.Headers.Add("X-Api-Key", SiloFactory.OperatorKey);
        using var response = await silo.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("name different credentials", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
