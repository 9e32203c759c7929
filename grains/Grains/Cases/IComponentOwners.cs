namespace GridServer.Grains.Cases;

/// <summary>
/// The bureau's component census as this silo serves it: who owns the component a report is about (权属单位). The
/// silo's census service answers, in memory.
/// </summary>
public interface IComponentOwners
{
    /// <summary>
    /// The owner of the census component of <paramref name="classCode"/> (a component class, minor or major) nearest the
    /// point, as the party the case names; null when the census has none there (or none is imported).
    /// </summary>
    ValueTask<ModuleParty?> OwnerAsync(string classCode, double lon, double lat, CancellationToken cancellationToken = default);
}
