using GridServer.Abstractions.Access;
using GridServer.Domain.Access;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Access;

/// <summary>A credential asked for: its role, whom it speaks for, a label, and (for a bearer token) when it expires.</summary>
public sealed record CredentialRequest(string? Role, string? Subject, string? Label, DateTimeOffset? ExpiresAt);

/// <summary>A credential as listed: never its secret nor the secret's hash.</summary>
public sealed record CredentialView(
    string Id, string Role, string Subject, string? Label, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string? RevokedBy)
{
    public static CredentialView Of(CredentialRecord r) =>
        new(r.Id, r.Role, r.Subject, r.Label, r.CreatedAt, r.CreatedBy, r.ExpiresAt, r.RevokedAt, r.RevokedBy);
}

/// <summary>A credential just issued: the secret appears here once and is kept nowhere.</summary>
public sealed record IssuedCredential(CredentialView Credential, string Secret);

/// <summary>The caller, as the server sees them, and what the web console shows them.</summary>
public sealed record WhoAmI(string Role, string Subject, string CredentialId, GridServer.Silo.Console.ConsoleInfo Console);

/// <summary>Credentials over HTTP: operators issue, list and revoke them; anyone can ask who they are.</summary>
public static class AccessEndpoints
{
    public const int MaxSubject = 128;
    public const int MaxLabel = 200;

    public static IEndpointRouteBuilder MapAccessEndpoints(this IEndpointRouteBuilder app)
    {
        var credentials = app.MapGroup("/api/credentials").WithTags("Access").RequireRoles(Role.Operator);
        credentials.MapPost("/", Issue).WithSummary("Issues a credential (API key; with expiresAt, a bearer token). The secret is in this answer only.");
        credentials.MapGet("/", List).WithSummary("Every issued credential: role, subject, label, created, expiry, revocation. No secrets.");
        credentials.MapDelete("/{id}", Revoke).WithSummary("Revokes a credential; every silo refuses it within seconds.");
        app.MapGet("/api/me", Me).RequireAuthorization().WithTags("Access").WithSummary("The role and subject of the presented credential.");
        return app;
    }

    internal static async Task<Results<Created<IssuedCredential>, ProblemHttpResult>> Issue(
        CredentialRequest? body, HttpContext context, Credentials credentials, TimeProvider time)
    {
        if (body is null) return Problems.Of(400, "Missing body", "the body must be JSON: role, subject, label, and optionally expiresAt");
        if (!AccessRules.TryParseName<Role>(body.Role, out var role))
            return Problems.Of(400, "Unknown role", $"'role' must be one of {string.Join(", ", Enum.GetNames<Role>())}");
        if (string.IsNullOrWhiteSpace(body.Subject) || body.Subject.Length > MaxSubject || body.Subject.Any(char.IsControl))
            return Problems.Of(400, "Invalid subject", $"'subject' is required: the officer's or liaison's id, or the dispatcher's or channel's name (at most {MaxSubject} characters, no control characters)");
        if (body.Subject.Trim().StartsWith(Credentials.ConfiguredPrefix, StringComparison.OrdinalIgnoreCase))
            return Problems.Of(400, "Invalid subject", $"subjects starting with '{Credentials.ConfiguredPrefix}' belong to keys from configuration");
        if (body.Label is { } label && (label.Length > MaxLabel || label.Any(char.IsControl)))
            return Problems.Of(400, "Invalid label", $"'label' may have at most {MaxLabel} characters and no control characters");
        if (body.ExpiresAt is { } expires && expires <= time.GetUtcNow())
            return Problems.Of(400, "Already expired", "'expiresAt' must lie in the future");
        var (record, secret) = await credentials.IssueAsync(role, body.Subject.Trim(), body.Label, body.ExpiresAt, context.RequiredCaller());
        return TypedResults.Created($"/api/credentials/{record.Id}", new IssuedCredential(CredentialView.Of(record), secret));
    }

    internal static async Task<Ok<CredentialView[]>> List(Credentials credentials) =>
        TypedResults.Ok((await credentials.ListAsync()).Select(CredentialView.Of).ToArray());

    internal static async Task<Results<Ok<CredentialView>, ProblemHttpResult>> Revoke(string id, HttpContext context, Credentials credentials)
    {
        if (id.Length > 64) return Problems.Of(404, "Credential not found", $"no credential has the id '{Problems.Shorten(id)}'");
        return await credentials.RevokeAsync(id, context.RequiredCaller()) is { } revoked
            ? TypedResults.Ok(CredentialView.Of(revoked))
            : Problems.Of(404, "Credential not found", $"no credential has the id '{Problems.Shorten(id)}' (keys from configuration are removed from configuration)");
    }

    internal static Ok<WhoAmI> Me(HttpContext context, Microsoft.Extensions.Options.IOptions<GridServer.Silo.Console.ConsoleOptions> console)
    {
        var caller = context.RequiredCaller();
        return TypedResults.Ok(new WhoAmI(caller.Role.ToString(), caller.Subject, caller.CredentialId,
            GridServer.Silo.Console.ConsoleHosting.Info(caller.Role, console.Value.Basemap)));
    }
}
