using System.Collections.Immutable;

namespace GridServer.Domain.Notices;

/// <summary>
/// One saved version of a notice template edited through the API. <see cref="Name"/> is the template's name as its
/// file would be called without the extension: <c>dispatch</c> (the kind's default) or <c>dispatch.parking</c> (one matter).
/// </summary>
/// <param name="Version">1 for the first save of a name, then one more with each save.</param>
public sealed record TemplateVersion(string Name, int Version, string Text, string Author, DateTimeOffset SavedAt, string? Note);

/// <summary>Which saved version of a template serves (null: none; the templates folder, a module's or the built-in serves instead).</summary>
public sealed record TemplateActivation(string Name, int? ActiveVersion, string ChangedBy, DateTimeOffset ChangedAt);

/// <summary>The edited templates at one revision: every saved version, what serves, and the latest changes (newest first).</summary>
public sealed record TemplateCatalogData(long Revision, ImmutableArray<TemplateVersion> Versions, ImmutableArray<TemplateActivation> Activations, ImmutableArray<ChangeRecord> History);

/// <summary>
/// Where edited notice templates are kept for the cluster (PostgreSQL in a durable cluster, memory in the embedded default).
/// Versions are never rewritten; every change raises <see cref="TemplateCatalogData.Revision"/> and appends to the history.
/// </summary>
public interface ITemplateVersionStore
{
    Task<TemplateCatalogData> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves the next version of <paramref name="name"/> and makes it the one that serves; answers its number and the new revision.</summary>
    Task<(int Version, long Revision)> SaveAsync(string name, string text, string author, string? note, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Makes a saved version serve (a rollback), or none with a null <paramref name="version"/> (back to the files).</summary>
    Task<long> ActivateAsync(string name, int? version, string actor, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default's template versions: in memory, lost at exit, as the rest of its state.</summary>
public sealed class InMemoryTemplateVersionStore : ITemplateVersionStore
{
    private readonly Lock _gate = new();
    private readonly List<TemplateVersion> _versions = [];
    private readonly Dictionary<string, TemplateActivation> _activations = new(StringComparer.Ordinal);
    private readonly List<ChangeRecord> _history = [];
    private long _revision;
    private long _seq;

    public Task<TemplateCatalogData> LoadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(new TemplateCatalogData(_revision, [.. _versions],
                [.. _activations.Values.OrderBy(a => a.Name, StringComparer.Ordinal)], [.. Enumerable.Reverse(_history).Take(200)]));
        }
    }

    public Task<(int Version, long Revision)> SaveAsync(string name, string text, string author, string? note, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var version = _versions.Where(v => v.Name == name).Select(v => v.Version).DefaultIfEmpty(0).Max() + 1;
            _versions.Add(new TemplateVersion(name, version, text, author, at, note));
            _activations[name] = new TemplateActivation(name, version, author, at);
            Record(name, "save", version, author, at);
            return Task.FromResult((version, ++_revision));
        }
    }

    public Task<long> ActivateAsync(string name, int? version, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _activations[name] = new TemplateActivation(name, version, actor, at);
            Record(name, version is null ? "revert" : "activate", version, actor, at);
            return Task.FromResult(++_revision);
        }
    }

    private void Record(string name, string action, int? version, string actor, DateTimeOffset at)
    {
        _history.Add(new ChangeRecord(++_seq, name, action, version?.ToString(System.Globalization.CultureInfo.InvariantCulture), actor, at, null));
        if (_history.Count > 400) _history.RemoveRange(0, 200);
    }
}
