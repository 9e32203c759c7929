using System.Collections.Immutable;

namespace GridServer.Domain.Catalog;

/// <summary>The component census as stored: its components, and which import it is (<see cref="Version"/> grows with each; 0: none).</summary>
public sealed record StoredCensus(long Version, ImmutableArray<CensusComponent> Components, DateTimeOffset? ImportedAt, string? ImportedBy)
{
    public static readonly StoredCensus Empty = new(0, [], null, null);
}

/// <summary>Where the component census is kept, for every silo alike. An import replaces it whole.</summary>
public interface IComponentStore
{
    /// <summary>The version stored now (0: nothing imported), cheap enough to ask every few seconds.</summary>
    Task<long> VersionAsync(CancellationToken cancellationToken = default);

    Task<StoredCensus> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the census and answers the new version.</summary>
    Task<long> ReplaceAsync(IReadOnlyList<CensusComponent> components, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default's census: in memory, lost at exit like the rest of its state.</summary>
public sealed class InMemoryComponentStore : IComponentStore
{
    private readonly Lock _lock = new();
    private StoredCensus _stored = StoredCensus.Empty;

    public Task<long> VersionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_stored.Version);
    }

    public Task<StoredCensus> LoadAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_stored);
    }

    public Task<long> ReplaceAsync(IReadOnlyList<CensusComponent> components, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(components);
        lock (_lock)
        {
            _stored = new StoredCensus(_stored.Version + 1, [.. components], at, importedBy);
            return Task.FromResult(_stored.Version);
        }
    }
}
