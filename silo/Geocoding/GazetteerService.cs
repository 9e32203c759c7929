using System.Collections.Immutable;
using GridServer.Domain.Geocoding;
using GridServer.Grains.Geocoding;
using GridServer.Grains.Grids;
using GridServer.Silo.Hosting;

namespace GridServer.Silo.Geocoding;

/// <summary>The gazetteer as a silo serves it: the index, and what it was built from.</summary>
/// <param name="Unreadable">Entries whose address names no road the matcher can read: they are stored but never matched.</param>
public sealed record ServedGazetteer(long Version, Gazetteer Index, int Entries, int Unreadable, ImmutableSortedDictionary<string, string> Aliases,
    DateTimeOffset? ImportedAt, string? ImportedBy);

/// <summary>
/// This silo's copy of the bureau's gazetteer (<see cref="IGazetteerStore"/> is the truth), indexed in memory so that
/// geocoding a report never waits for a database. An import through this silo is served before its answer; one
/// through another silo within a few seconds (<see cref="ServedCopy{T}"/>). It answers the case intake (<see cref="IAddressLocator"/>)
/// and <c>/api/geocode</c>, with each candidate's grid from the silo's grid index.
/// </summary>
public sealed partial class GazetteerService(IGazetteerStore store, IGridLocator grids, IHostApplicationLifetime lifetime, ILogger<GazetteerService> logger)
    : ServedCopy<ServedGazetteer>(lifetime), IAddressLocator
{
    public async ValueTask<AddressLocating?> LocateAsync(string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        // The store away: the report waits for a dispatcher, as without a gazetteer.
        return await ServedOrLoadAsync(cancellationToken) is { Version: > 0 } served ? AddressLocating.Of(served.Index.Match(address), GridOf) : null;
    }

    /// <summary>The grid covering a point, for a candidate.</summary>
    public string? GridOf(double lon, double lat) => grids.Match(lon, lat).GridCode;

    protected override Task<long> StoredVersionAsync(CancellationToken cancellationToken) => store.VersionAsync(cancellationToken);

    protected override long VersionOf(ServedGazetteer served) => served.Version;

    protected override async Task<ServedGazetteer> BuildAsync(CancellationToken cancellationToken)
    {
        var stored = await store.LoadAsync(cancellationToken);
        var index = Gazetteer.Build(stored.Entries, stored.Aliases);
        var served = new ServedGazetteer(stored.Version, index, stored.Entries.Length, stored.Entries.Length - index.Count, stored.Aliases,
            stored.ImportedAt, stored.ImportedBy);
        if (served.Version > 0) LogLoaded(logger, served.Version, served.Entries, served.Unreadable, served.Aliases.Count);
        return served;
    }

    /// <summary>The store is away: the gazetteer served stays, and the next round tries again.</summary>
    protected override void OnFailure(Exception exception) => LogLoadFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gazetteer version {Version} served: {Entries} entries ({Unreadable} without a road the matcher reads), {Aliases} aliases")]
    private static partial void LogLoaded(ILogger logger, long version, int entries, int unreadable, int aliases);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the stored gazetteer failed; the version served stays")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);
}
