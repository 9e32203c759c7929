using System.Globalization;
using GridServer.Domain.Catalog;
using GridServer.Grains.Cases;
using GridServer.Silo.Hosting;

namespace GridServer.Silo.Catalog;

/// <summary>The census as a silo serves it: the index, and what it was built from.</summary>
public sealed record ServedCensus(long Version, ComponentCensus Index, IReadOnlyDictionary<string, int> ByClass, DateTimeOffset? ImportedAt, string? ImportedBy);

/// <summary>
/// This silo's copy of the component census (<see cref="IComponentStore"/> is the truth), indexed by class. A report of
/// a matter counted under a component class is routed to the owner of the nearest component of that class within
/// <c>GridServer:Catalog:ComponentMatchMetres</c> (default 30 m): the case names the owner as its party, which is told.
/// </summary>
public sealed partial class CensusService(IComponentStore store, MatterCatalog catalog, IConfiguration configuration, IHostApplicationLifetime lifetime,
    ILogger<CensusService> logger) : ServedCopy<ServedCensus>(lifetime), IComponentOwners
{
    /// <summary>The party kind a component's owner is named under (its inbox: party:owners/NAME).</summary>
    public const string PartyKind = "owners";

    private readonly double _metres = Math.Clamp(
        configuration.GetValue("GridServer:Catalog:ComponentMatchMetres", ComponentCensus.DefaultMatchMetres), 1, ComponentCensus.MaxMatchMetres);

    public async ValueTask<ModuleParty?> OwnerAsync(string classCode, double lon, double lat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(classCode);
        if (await ServedOrLoadAsync(cancellationToken) is not { } served || served.Index.Nearest(classCode, lon, lat, _metres) is not { } match) return null;
        var c = match.Component;
        var what = catalog.Find(c.ClassCode)?.Name ?? c.ClassCode;
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{what} {c.Id}{(c.Name is null ? "" : $" ({c.Name})")}, {match.Metres:0} m from the report, is owned by {c.Owner} (部件普查)");
        return new ModuleParty(PartyKind, c.Owner, c.Owner, reason, c.Contact, RepeatWindow: null, EscalateFrom: 0, Notify: true);
    }

    protected override Task<long> StoredVersionAsync(CancellationToken cancellationToken) => store.VersionAsync(cancellationToken);

    protected override long VersionOf(ServedCensus served) => served.Version;

    protected override async Task<ServedCensus> BuildAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadAsync(cancellationToken);
        var served = new ServedCensus(stored.Version, ComponentCensus.Build(stored.Components), ComponentCensus.CountByClass(stored.Components),
            stored.ImportedAt, stored.ImportedBy);
        if (served.Version > 0) LogLoaded(logger, served.Version, served.Index.Count);
        return served;
    }

    protected override void OnFailure(Exception exception) => LogLoadFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Component census version {Version} served: {Count} components")]
    private static partial void LogLoaded(ILogger logger, long version, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the stored component census failed; the version served stays")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);
}
