using System.Collections.Immutable;

namespace GridServer.Domain.Geocoding;

/// <summary>
/// A bureau's gazetteer as stored: its entries, the aliases callers use for its names, and which import it is
/// (<see cref="Version"/> grows with every import; 0: none yet).
/// </summary>
public sealed record StoredGazetteer(
    long Version, ImmutableArray<GazetteerEntry> Entries, ImmutableSortedDictionary<string, string> Aliases, DateTimeOffset? ImportedAt, string? ImportedBy)
{
    public static readonly StoredGazetteer Empty = new(0, [], ImmutableSortedDictionary<string, string>.Empty, null, null);
}

/// <summary>Where the gazetteer is kept, for every silo alike. An import replaces it whole, so it never holds half of a file.</summary>
public interface IGazetteerStore
{
    /// <summary>The version stored now (0: nothing imported), cheap enough to ask every few seconds.</summary>
    Task<long> VersionAsync(CancellationToken cancellationToken = default);

    /// <summary>The whole gazetteer.</summary>
    Task<StoredGazetteer> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the entries (the aliases stay) and answers the new version.</summary>
    Task<long> ReplaceEntriesAsync(IReadOnlyList<GazetteerEntry> entries, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Replaces the aliases (the entries stay) and answers the new version.</summary>
    Task<long> ReplaceAliasesAsync(IReadOnlyDictionary<string, string> aliases, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default's gazetteer: in memory, lost at exit like the rest of its state.</summary>
public sealed class InMemoryGazetteerStore : IGazetteerStore
{
    private readonly Lock _lock = new();
    private StoredGazetteer _stored = StoredGazetteer.Empty;

    public Task<long> VersionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_stored.Version);
    }

    public Task<StoredGazetteer> LoadAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_stored);
    }

    public Task<long> ReplaceEntriesAsync(IReadOnlyList<GazetteerEntry> entries, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_lock)
        {
            _stored = _stored with { Version = _stored.Version + 1, Entries = [.. entries], ImportedAt = at, ImportedBy = importedBy };
            return Task.FromResult(_stored.Version);
        }
    }

    public Task<long> ReplaceAliasesAsync(IReadOnlyDictionary<string, string> aliases, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(aliases);
        lock (_lock)
        {
            _stored = _stored with { Version = _stored.Version + 1, Aliases = aliases.ToImmutableSortedDictionary(StringComparer.Ordinal), ImportedAt = at, ImportedBy = importedBy };
            return Task.FromResult(_stored.Version);
        }
    }
}
