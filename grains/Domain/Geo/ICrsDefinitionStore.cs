using System.Collections.Concurrent;

namespace GridServer.Domain.Geo;

/// <summary>A named coordinate system as stored: the definition, who wrote it last and when.</summary>
public sealed record StoredCrsDefinition(CrsDefinition Definition, string ChangedBy, DateTimeOffset ChangedAt);

/// <summary>Where the bureau's named coordinate systems are kept, for every silo and the command line alike.</summary>
public interface ICrsDefinitionStore
{
    /// <summary>Every definition, by name.</summary>
    Task<IReadOnlyList<StoredCrsDefinition>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes a definition, replacing one of its name.</summary>
    Task SaveAsync(StoredCrsDefinition stored, CancellationToken cancellationToken = default);

    /// <summary>Removes a definition; false when there was none of that name.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}

public static class CrsDefinitionStoreExtensions
{
    /// <summary>The definitions as the lookup <see cref="CrsRegistry.Resolve(string?, Func{string, CrsDefinition?}?)"/> takes: read once, for one import.</summary>
    public static async Task<Func<string, CrsDefinition?>> LookupAsync(this ICrsDefinitionStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var all = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(d => d.Definition.Name, d => d.Definition, StringComparer.Ordinal);
        return name => all.GetValueOrDefault(name);
    }
}

/// <summary>The embedded default's definitions: in memory, lost at exit like the rest of its state.</summary>
public sealed class InMemoryCrsDefinitionStore : ICrsDefinitionStore
{
    private readonly ConcurrentDictionary<string, StoredCrsDefinition> _definitions = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<StoredCrsDefinition>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StoredCrsDefinition>>([.. _definitions.Values.OrderBy(d => d.Definition.Name, StringComparer.Ordinal)]);

    public Task SaveAsync(StoredCrsDefinition stored, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stored);
        _definitions[stored.Definition.Name] = stored;
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(_definitions.TryRemove(name, out _));
}
