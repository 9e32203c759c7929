using System.Collections.Immutable;

namespace GridServer.Abstractions.Access;

/// <summary>
/// A credential as the registry keeps it: the SHA-256 of the secret (hex), never the secret itself. Role names are
/// those of <c>GridServer.Domain.Access.Role</c>. <see cref="ExpiresAt"/> null: an API key that lasts until revoked;
/// otherwise a bearer token that stops working then.
/// </summary>
[GenerateSerializer, Immutable, Alias("access.credential")]
public sealed record CredentialRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string SecretSha256,
    [property: Id(2)] string Role,
    [property: Id(3)] string Subject,
    [property: Id(4)] string? Label,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] string CreatedBy,
    [property: Id(7)] DateTimeOffset? ExpiresAt,
    [property: Id(8)] DateTimeOffset? RevokedAt = null,
    [property: Id(9)] string? RevokedBy = null);

/// <summary>Every credential and the registry's revision (it grows with every issue and revocation).</summary>
[GenerateSerializer, Immutable, Alias("access.credential-set")]
public sealed record CredentialSet([property: Id(0)] long Revision, [property: Id(1)] ImmutableArray<CredentialRecord> Credentials);

/// <summary>
/// The cluster's credentials (issued over HTTP; the keys in configuration are not here). It stores hashes only: the
/// silo that issues a credential makes the secret, shows it once and sends the hash. Singleton key: <see cref="Key"/>.
/// </summary>
[Alias("access.credentials")]
public interface ICredentialRegistryGrain : IGrainWithStringKey
{
    public const string Key = "credentials";

    /// <summary>Stores a new credential; refused (false) when its id or hash is already taken.</summary>
    [Alias("issue")] ValueTask<bool> IssueAsync(CredentialRecord credential);

    /// <summary>Revokes a credential; the record after it, or null for an unknown id. Revoking twice keeps the first time.</summary>
    [Alias("revoke")] ValueTask<CredentialRecord?> RevokeAsync(string id, string actor, DateTimeOffset at);

    /// <summary>Every credential, revoked ones included, when the revision differs from <paramref name="knownRevision"/>; else null.</summary>
    [Alias("changes")] ValueTask<CredentialSet?> GetIfChangedAsync(long knownRevision);
}
