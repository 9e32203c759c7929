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

    public GridMatch Match(double lon, double lat) =>
        GridIndex.Build(store.LoadCurrentAsync().Result.Select(g => (g.Code, g.Boundary))).Match(lon, lat);
}
