using GridServer.Abstractions.Notices;
using GridServer.Notices;
using GridServer.Silo.Hosting;

namespace GridServer.Silo.Notices;

/// <summary>
/// Keeps this silo's <see cref="NoticeTemplateStore"/> on the templates the bureau edited through the API: polls the
/// cluster's template catalog every <see cref="PollPeriod"/>, and on a change puts each serving version into the store
/// (checked there again: one that fails keeps the last good version and shows its error) and takes out those no longer
/// serving, so the templates folder, a module's or the built-in serves again.
/// </summary>
public sealed partial class TemplateFollower(IGrainFactory grains, NoticeTemplateStore store, IHostApplicationLifetime lifetime, ILogger<TemplateFollower> logger)
    : PollingService(lifetime)
{
    public static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(1);

    /// <summary>The name an edited version renders under: "api:dispatch.parking@v3".</summary>
    public static string SourceOf(string name, int version) => $"api:{name}@v{version}";

    private long _seen = -1;

    protected override TimeSpan Period => PollPeriod;

    protected override async Task PollAsync(CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key);
        if (await catalog.GetRevisionAsync() == _seen) return;
        var serving = await catalog.GetServingAsync();
        Apply(serving);
        _seen = serving.Revision;
    }

    protected override void OnFailure(Exception exception) => LogFollowFailed(logger, exception);

    /// <summary>Makes the store's edited templates exactly the serving versions.</summary>
    public void Apply(TemplatesServing serving)
    {
        ArgumentNullException.ThrowIfNull(serving);
        var wanted = new HashSet<(NoticeKind, string?)>();
        foreach (var version in serving.Versions)
        {
            if (!NoticeTemplateStore.TryParseName(version.Name, out var kind, out var matter)) continue;
            wanted.Add((kind, matter));
            var errors = store.SetEdited(kind, matter, version.Text, SourceOf(version.Name, version.Version));
            if (!errors.IsEmpty) LogRefused(logger, version.Name, version.Version, errors[0].ToString());
        }
        foreach (var key in store.Edited.Keys.Concat(store.EditedErrors.Keys).Distinct().Where(k => !wanted.Contains(k)).ToList())
            store.RemoveEdited(key.Kind, key.Matter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the edited notice templates failed; the templates in use stay, trying again")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Edited template {Name} version {Version} refused on this silo (the last good version serves): {Error}")]
    private static partial void LogRefused(ILogger logger, string name, int version, string error);
}
