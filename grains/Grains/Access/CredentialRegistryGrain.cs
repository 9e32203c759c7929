using GridServer.Abstractions.Access;

namespace GridServer.Grains.Access;

/// <summary>Persisted state of the credential registry.</summary>
[GenerateSerializer, Alias("access.credentials-state")]
public sealed class CredentialRegistryState
{
    [Id(0)] public long Revision { get; set; }
    [Id(1)] public Dictionary<string, CredentialRecord> ById { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The one keeper of issued credentials: hashes, roles and subjects; silos read it and cache it.</summary>
public sealed class CredentialRegistryGrain(
    [PersistentState("credentials", GrainStorage.Personnel)] IPersistentState<CredentialRegistryState> state) : Grain, ICredentialRegistryGrain
{
    public async ValueTask<bool> IssueAsync(CredentialRecord credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (state.State.ById.ContainsKey(credential.Id)
            || state.State.ById.Values.Any(c => string.Equals(c.SecretSha256, credential.SecretSha256, StringComparison.OrdinalIgnoreCase)))
            return false;
        await WriteAsync(credential);
        return true;
    }

    public async ValueTask<CredentialRecord?> RevokeAsync(string id, string actor, DateTimeOffset at)
    {
        if (!state.State.ById.TryGetValue(id, out var credential)) return null;
        if (credential.RevokedAt is not null) return credential;
        var revoked = credential with { RevokedAt = at, RevokedBy = actor };
        await WriteAsync(revoked);
        return revoked;
    }

    /// <summary>
    /// Stores one credential's new record under the next revision; if the write fails, memory goes back to what is
    /// stored, so a failed revocation never looks done and a revision number never names two different sets.
    /// </summary>
    private async Task WriteAsync(CredentialRecord record)
    {
        var before = state.State.ById.TryGetValue(record.Id, out var old) ? old : null;
        state.State.ById[record.Id] = record;
        state.State.Revision++;
        try
        {
            await state.WriteOrReloadAsync(this);
        }
        catch
        {
            state.State.Revision--;
            if (before is null) state.State.ById.Remove(record.Id);
            else state.State.ById[record.Id] = before;
            throw;
        }
    }

    public ValueTask<CredentialSet?> GetIfChangedAsync(long knownRevision) => ValueTask.FromResult(
        knownRevision == state.State.Revision
            ? null
            : new CredentialSet(state.State.Revision, [.. state.State.ById.Values.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)]));
}
