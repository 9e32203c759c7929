using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;
using GridServer.Grains.Grids;

namespace GridServer.Tests.Support;

/// <summary>
/// The test cluster's grid locator: the grids of an <see cref="InMemoryGridStore"/> as they stand (the silo's own
/// catalog follows the directory; the test cluster has none). The store's tasks are complete when returned.
/// </summary>
public sealed class StoreGridLocator(InMemoryGridStore store) : IGridLocator
{
    public Grid? Find(string code) => store.HistoryAsync(code).Result is { Count: > 0 } history && history[^1].ValidTo is null ? history[^1] : null;

    public GridMatch Match(double lon, double lat) => Index().Match(lon, lat);

    public IReadOnlyList<(string Code, double DistanceMetres)> Near(double lon, double lat, double metres) => Index().Near(lon, lat, metres);

    private GridIndex Index() => GridIndex.Build(store.LoadCurrentAsync().Result.Select(g => (g.Code, g.Boundary)));
}
