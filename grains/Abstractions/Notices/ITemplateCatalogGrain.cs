using System.Collections.Immutable;
using GridServer.Domain.Notices;

namespace GridServer.Abstractions.Notices;

/// <summary>A saved version of an edited notice template, with its text.</summary>
/// <param name="Name"><c>dispatch</c> (a kind's default) or <c>dispatch.parking</c> (one matter).</param>
[GenerateSerializer, Immutable, Alias("notices.template-version")]
public sealed record TemplateVersionInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int Version,
    [property: Id(2)] string Text,
    [property: Id(3)] string Author,
    [property: Id(4)] DateTimeOffset SavedAt,
    [property: Id(5)] string? Note)
{
    public static TemplateVersionInfo Of(TemplateVersion v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return new(v.Name, v.Version, v.Text, v.Author, v.SavedAt, v.Note);
    }
}

/// <summary>Which saved version of a template serves (null: none, the files serve), since when and by whose change.</summary>
[GenerateSerializer, Immutable, Alias("notices.template-activation")]
public sealed record TemplateActivationInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int? ActiveVersion,
    [property: Id(2)] string ChangedBy,
    [property: Id(3)] DateTimeOffset ChangedAt);

/// <summary>The edited templates at one revision: every version, what serves, the latest changes (newest first).</summary>
[GenerateSerializer, Immutable, Alias("notices.template-catalog")]
public sealed record TemplateCatalogView(
    [property: Id(0)] long Revision,
    [property: Id(1)] ImmutableArray<TemplateVersionInfo> Versions,
    [property: Id(2)] ImmutableArray<TemplateActivationInfo> Activations,
    [property: Id(3)] ImmutableArray<CatalogChange> History)
{
    /// <summary>The versions that serve now, one per template that has one.</summary>
    public ImmutableArray<TemplateVersionInfo> Serving =>
    [
        .. Activations.Where(a => a.ActiveVersion is not null)
            .Select(a => Versions.FirstOrDefault(v => v.Name == a.Name && v.Version == a.ActiveVersion))
            .OfType<TemplateVersionInfo>(),
    ];
}

/// <summary>The edited versions that serve at one revision of the catalog: what every silo takes into its template store.</summary>
[GenerateSerializer, Immutable, Alias("notices.template-serving")]
public sealed record TemplatesServing([property: Id(0)] long Revision, [property: Id(1)] ImmutableArray<TemplateVersionInfo> Versions);

/// <summary>
/// The notice templates the bureau edits through the API, for the whole cluster. A singleton: key <see cref="Key"/>.
/// Texts reach it checked by the silo that took them; every silo checks them again when it takes them into its store.
/// </summary>
[Alias("notices.template-catalog-grain")]
public interface ITemplateCatalogGrain : IGrainWithStringKey
{
    public const string Key = "cluster";

    /// <summary>Saves the next version of a template and makes it serve; the answer's message is the version's number.</summary>
    [Alias("save")] ValueTask<CatalogResult> SaveAsync(string name, string text, string author, string? note);

    /// <summary>Makes a saved version serve again (a rollback, or forward again).</summary>
    [Alias("activate")] ValueTask<CatalogResult> ActivateAsync(string name, int version, string actor);

    /// <summary>No saved version serves any more: the templates folder, a module's template or the built-in serves.</summary>
    [Alias("revert")] ValueTask<CatalogResult> RevertAsync(string name, string actor);

    [Alias("revision")] ValueTask<long> GetRevisionAsync();

    [Alias("get")] ValueTask<TemplateCatalogView> GetAsync();

    [Alias("serving")] ValueTask<TemplatesServing> GetServingAsync();
}
