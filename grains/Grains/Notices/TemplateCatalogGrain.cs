using System.Globalization;
using GridServer.Abstractions;
using GridServer.Abstractions.Notices;
using GridServer.Domain.Notices;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Grains.Notices;

/// <summary>
/// The edited notice templates of the cluster. Its truth is the store: read at activation and after every change it
/// makes, so what it answers is what is stored.
/// </summary>
public sealed class TemplateCatalogGrain(ITemplateVersionStore store, [FromKeyedServices(GrainClock.Key)] TimeProvider time) : Grain, ITemplateCatalogGrain
{
    private TemplateCatalogData _catalog = new(0, [], [], []);

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => _catalog = await store.LoadAsync(cancellationToken);

    public async ValueTask<CatalogResult> SaveAsync(string name, string text, string author, string? note)
    {
        var (version, revision) = await store.SaveAsync(name, text, author, note, time.GetUtcNow());
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, version.ToString(CultureInfo.InvariantCulture));
    }

    public async ValueTask<CatalogResult> ActivateAsync(string name, int version, string actor)
    {
        if (!_catalog.Versions.Any(v => v.Name == name && v.Version == version))
            return new(CatalogOutcome.NotFound, _catalog.Revision, $"template {name} has no saved version {version}");
        if (ActiveOf(name) == version) return new(CatalogOutcome.Unchanged, _catalog.Revision, null);
        var revision = await store.ActivateAsync(name, version, actor, time.GetUtcNow());
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, null);
    }

    public async ValueTask<CatalogResult> RevertAsync(string name, string actor)
    {
        if (ActiveOf(name) is null) return new(CatalogOutcome.Unchanged, _catalog.Revision, null);
        var revision = await store.ActivateAsync(name, null, actor, time.GetUtcNow());
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, null);
    }

    public ValueTask<long> GetRevisionAsync() => ValueTask.FromResult(_catalog.Revision);

    public ValueTask<TemplateCatalogView> GetAsync() => ValueTask.FromResult(new TemplateCatalogView(_catalog.Revision,
        [.. _catalog.Versions.Select(TemplateVersionInfo.Of)],
        [.. _catalog.Activations.Select(a => new TemplateActivationInfo(a.Name, a.ActiveVersion, a.ChangedBy, a.ChangedAt))],
        [.. _catalog.History.Select(CatalogChange.Of)]));

    public async ValueTask<TemplatesServing> GetServingAsync() => new(_catalog.Revision, (await GetAsync()).Serving);

    private int? ActiveOf(string name) => _catalog.Activations.FirstOrDefault(a => a.Name == name)?.ActiveVersion;

    private async Task ReloadAsync() => _catalog = await store.LoadAsync();
}
