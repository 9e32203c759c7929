using System.Security.Claims;
using System.Text.Encodings.Web;
using GridServer.Domain.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Access;

/// <summary>
/// Reads the credential of a request: <c>Authorization: Bearer &lt;secret&gt;</c> or <c>X-Api-Key: &lt;secret&gt;</c>.
/// No credential leaves the request anonymous (public routes need none); a wrong one fails it with the reason.
/// Refusals are problem details: 401 with <c>WWW-Authenticate: Bearer</c>, or 403.
/// </summary>
public sealed class CredentialAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Credentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "GridServer";
    public const string ApiKeyHeader = "X-Api-Key";
    public const string SubjectClaim = "sub";
    public const string CredentialClaim = "credential";

    /// <summary>The secret a request presents (Bearer or X-Api-Key), null when none, or why the headers cannot be read.</summary>
    public static (string? Secret, string? Problem) Presented(HttpRequest request)
    {
        string? secret = null;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return (null, "the Authorization header must be 'Bearer <key>'");
            secret = authorization["Bearer ".Length..].Trim();
        }
        var apiKey = request.Headers[ApiKeyHeader].ToString();
        if (apiKey.Length > 0)
        {
            if (secret is not null && secret != apiKey) return (null, $"Authorization and {ApiKeyHeader} name different credentials");
            secret = apiKey;
        }
        return (secret, null);
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (secret, problem) = Presented(Request);
        if (problem is not null) return AuthenticateResult.Fail(problem);
        if (secret is null) return AuthenticateResult.NoResult();
        var (caller, refusal) = await credentials.AuthenticateAsync(secret, Context.RequestAborted);
        if (caller is null) return AuthenticateResult.Fail(refusal!);
        return AuthenticateResult.Success(new AuthenticationTicket(Principal(caller), SchemeName));
    }

    public static ClaimsPrincipal Principal(Caller caller) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Role, caller.Role.ToString()), new Claim(SubjectClaim, caller.Subject), new Claim(CredentialClaim, caller.CredentialId)],
        SchemeName, SubjectClaim, ClaimTypes.Role));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Response.HasStarted) return;   // another scheme of the endpoint answered already (the dashboard's session)
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message ?? $"this needs a credential: send 'Authorization: Bearer <key>' or '{ApiKeyHeader}: <key>'";
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(Context, 401, "Not authenticated", reason);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Response.HasStarted ? Task.CompletedTask :
        WriteProblemAsync(Context, 403, "Forbidden", properties.Items.TryGetValue("reason", out var reason) && reason is not null
            ? reason
            : $"the role {Context.User.Caller()?.Role.ToString() ?? "?"} may not do this");

    internal static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status, Title = title, Detail = detail } });
    }
}

/// <summary>Reading the caller back from a request's principal.</summary>
public static class CallerExtensions
{
    public static Caller? Caller(this ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        var role = user.FindFirst(ClaimTypes.Role)?.Value;
        var subject = user.FindFirst(CredentialAuthentication.SubjectClaim)?.Value;
        var id = user.FindFirst(CredentialAuthentication.CredentialClaim)?.Value;
        return role is not null && subject is not null && id is not null && Enum.TryParse<Role>(role, out var r) ? new Caller(r, subject, id) : null;
    }

    /// <summary>The caller of a route that requires one (its authorization ran before the handler).</summary>
    public static Caller RequiredCaller(this HttpContext context) =>
        context.User.Caller() ?? throw new InvalidOperationException($"{context.Request.Path} ran without an authenticated caller; its route lacks RequireRoles");
}

/// <summary>
/// Logs every refused attempt (who, what, why, from where) before the framework answers 401 or 403, and says in a
/// 403 which roles the route takes.
/// </summary>
public sealed partial class DenialLog(ILogger<DenialLog> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged || authorizeResult.Forbidden)
        {
            var roles = policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).ToList();
            // The framework keeps only a successful authentication on the request; the handler caches a failed one.
            var reason = authorizeResult.Challenged
                ? (await context.AuthenticateAsync(CredentialAuthentication.SchemeName)).Failure?.Message ?? "no credential"
                : roles.Count > 0 ? $"the role {context.User.Caller()?.Role} may not do this; it takes {string.Join(" or ", roles)}" : "not allowed";
            Log(context, reason);
            if (authorizeResult.Forbidden)
            {
                await context.ForbidAsync(CredentialAuthentication.SchemeName, new Microsoft.AspNetCore.Authentication.AuthenticationProperties(
                    new Dictionary<string, string?> { ["reason"] = reason }));
                return;
            }
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>Logs a refusal decided by a handler (a case or grid outside the caller's scope).</summary>
    public void Log(HttpContext context, string reason)
    {
        var caller = context.User.Caller();
        Denied(logger, context.Request.Method, Printable(context.Request.Path.Value ?? ""), Printable(reason),
            caller?.CredentialId ?? "none", caller?.Role.ToString() ?? "anonymous", caller?.Subject ?? "-",
            context.Connection.RemoteIpAddress?.ToString() ?? "-");
    }

    /// <summary>A request's text as one log line: control characters (a decoded %0A) become '?', and it is cut at 200 characters.</summary>
    private static string Printable(string text)
    {
        var shown = text.Length > 200 ? text[..200] + "…" : text;
        return string.Create(shown.Length, shown, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }

    [LoggerMessage(EventId = 4030, Level = LogLevel.Warning,
        Message = "Denied {Method} {Path}: {Reason} (credential {CredentialId}, role {Role}, subject {Subject}, from {Address})")]
    private static partial void Denied(ILogger logger, string method, string path, string reason, string credentialId, string role, string subject, string address);
}

/// <summary>Route conventions: which roles a route takes.</summary>
public static class RoleRequirements
{
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, params Role[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizeAttribute { Roles = string.Join(',', roles), AuthenticationSchemes = CredentialAuthentication.SchemeName });
}
