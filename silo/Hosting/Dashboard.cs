using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace GridServer.Silo.Hosting;

/// <summary>Orleans' dashboard for operators. Section <c>GridServer:Dashboard</c>.</summary>
public sealed class GridDashboardOptions
{
    public const string Section = "GridServer:Dashboard";

    /// <summary>
    /// Whether the silo serves Orleans' dashboard at <c>/dashboard/</c> (operators only). It profiles every grain call, so
    /// it is off unless asked for; turn it on for every silo of a cluster, since each silo reports its own figures.
    /// </summary>
    public bool Enabled { get; set; }
}

/// <summary>
/// A browser cannot send an operator's key with the dashboard's own requests, so an operator's console asks for a
/// session (<c>POST /api/dashboard/session</c>): a random token in an HttpOnly, SameSite=Strict cookie for
/// <c>/dashboard</c> only, good for <see cref="Lifetime"/>, known to this silo only (kept as its hash, in memory). The
/// session keeps the hash of the key that opened it, and each request is judged by that key as it stands then: a key
/// revoked or expired meanwhile ends its sessions.
/// </summary>
public sealed class DashboardSessions(TimeProvider time)
{
    public const string Cookie = "gridserver_dashboard";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>The most sessions a silo keeps; the oldest go first.</summary>
    public const int MaxSessions = 200;

    private readonly ConcurrentDictionary<string, (string KeyHash, DateTimeOffset Until)> _sessions = new(StringComparer.Ordinal);

    public (string Token, DateTimeOffset Until) Open(string keyHash)
    {
        var now = time.GetUtcNow();
        foreach (var (key, _) in _sessions.Where(s => s.Value.Until <= now).ToList()) _sessions.TryRemove(key, out _);
        while (_sessions.Count >= MaxSessions && _sessions.OrderBy(s => s.Value.Until).FirstOrDefault() is { Key: { } oldest }) _sessions.TryRemove(oldest, out _);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var until = now + Lifetime;
        _sessions[Hash(token)] = (keyHash, until);
        return (token, until);
    }

    /// <summary>The hash of the key behind a session, or null when the token names none that lasts.</summary>
    public string? Find(string token)
    {
        if (token.Length is 0 or > 100 || !_sessions.TryGetValue(Hash(token), out var session)) return null;
        if (session.Until > time.GetUtcNow()) return session.KeyHash;
        _sessions.TryRemove(Hash(token), out _);
        return null;
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>Authenticates a dashboard request by its session cookie (<see cref="DashboardSessions"/>); no cookie, no result.</summary>
public sealed class DashboardSessionAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, DashboardSessions sessions, Credentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "GridServerDashboard";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(DashboardSessions.Cookie, out var token) || string.IsNullOrEmpty(token)) return AuthenticateResult.NoResult();
        if (sessions.Find(token) is not { } keyHash) return AuthenticateResult.Fail("the dashboard session has ended: open the dashboard again from the console");
        var (caller, refusal) = await credentials.AuthenticateHashAsync(keyHash, Context.RequestAborted);
        return caller is null
            ? AuthenticateResult.Fail($"the dashboard session's key is no longer good ({refusal})")
            : AuthenticateResult.Success(new AuthenticationTicket(CredentialAuthentication.Principal(caller), SchemeName));
    }

    // Asked first of the dashboard's two schemes; a request that came with a key is answered by the key's scheme instead.
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is null && (Request.Headers.Authorization.Count > 0 || Request.Headers.ContainsKey(CredentialAuthentication.ApiKeyHeader))) return;
        await CredentialAuthentication.WriteProblemAsync(Context, 401, "Not authenticated",
            result.Failure?.Message ?? "the dashboard needs a session: open it from the console (凭据 → 集群面板) as an operator");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Response.HasStarted ? Task.CompletedTask : CredentialAuthentication.WriteProblemAsync(Context, 403, "Forbidden", "the dashboard is for operators");
}

public static class DashboardHosting
{
    public const string Path = "/dashboard";

    public static void AddGridServerDashboard(this WebApplicationBuilder builder, ISiloBuilder silo)
    {
        if (!Enabled(builder.Configuration)) return;
        // Live log lines may carry what a request said: the dashboard does not stream them.
        silo.AddDashboard(o => o.HideTrace = true);
    }

    public static void AddGridServerDashboardSessions(this IServiceCollection services, Microsoft.AspNetCore.Authentication.AuthenticationBuilder authentication)
    {
        services.AddSingleton<DashboardSessions>();
        authentication.AddScheme<AuthenticationSchemeOptions, DashboardSessionAuthentication>(DashboardSessionAuthentication.SchemeName, null);
    }

    public static void MapGridServerDashboard(this WebApplication app)
    {
        var enabled = Enabled(app.Configuration);
        app.MapPost("/api/dashboard/session", IResult (HttpContext context, DashboardSessions sessions) =>
            {
                if (!enabled) return Problems.Of(404, "No dashboard", $"this server does not serve Orleans' dashboard: set {GridDashboardOptions.Section}:Enabled to true on every silo");
                // The key that asked (the route takes keys only): each of the session's requests is judged by it again.
                var (token, until) = sessions.Open(GridServer.Domain.Access.Secrets.Sha256Hex(CredentialAuthentication.Presented(context.Request).Secret!));
                context.Response.Cookies.Append(DashboardSessions.Cookie, token, new CookieOptions
                {
                    Path = Path,
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = context.Request.IsHttps,
                    Expires = until,
                });
                return TypedResults.Ok(new { url = Path + "/", until });
            })
            .RequireRoles(Role.Operator).WithTags("Operations")
            .WithSummary("Opens a dashboard session for an operator's browser on this silo (a cookie for /dashboard, one hour); 404 when the dashboard is off.");
        if (!enabled) return;
        app.MapOrleansDashboard(Path).RequireAuthorization(new AuthorizeAttribute
        {
            Roles = nameof(Role.Operator),
            AuthenticationSchemes = $"{DashboardSessionAuthentication.SchemeName},{CredentialAuthentication.SchemeName}",
        });
    }

    private static bool Enabled(IConfiguration configuration) =>
        configuration.GetSection(GridDashboardOptions.Section).Get<GridDashboardOptions>()?.Enabled ?? false;
}
