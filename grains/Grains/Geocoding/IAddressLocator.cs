using GridServer.Domain.Geocoding;

namespace GridServer.Grains.Geocoding;

/// <summary>
/// The bureau's gazetteer as this silo serves it: what a report's address comes to (candidates with their grids, and
/// whether the best is sure enough to place the report). The silo's gazetteer service answers, in memory.
/// </summary>
public interface IAddressLocator
{
    /// <summary>The gazetteer's answer for an address; null when no gazetteer is imported (or it cannot be read now).</summary>
    ValueTask<AddressLocating?> LocateAsync(string address, CancellationToken cancellationToken = default);
}
