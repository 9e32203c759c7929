using GridServer.Domain.Grids;
using Microsoft.Extensions.Time.Testing;
using NetTopologySuite.IO;

namespace GridServer.Tests.Grids;

public class GridVersioningTests
{
    private static readonly WKTReader Wkt = new();

    private static Grid Grid(string code, string wkt) =>
        new(code, code, null, null, null, null, Wkt.Read(wkt), 1, 1, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task InMemoryStore_RetiredCodeComesBack_ContinuesNumberingAndClosesValidity()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new InMemoryGridStore(clock);
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);
        clock.Advance(TimeSpan.FromDays(1));
        var retire = await store.SaveAsync([], GridSaveMode.Replace);
        clock.Advance(TimeSpan.FromDays(1));
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);

        Assert.Equal(["A"], retire.Retired);
        var history = await store.HistoryAsync("A");
        Assert.Equal([1, 2], history.Select(h => h.Version));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), history[0].ValidTo);
        Assert.Null(history[1].ValidTo);
    }

    [Fact]
    public void Plan_DuplicateCodeInInput_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GridVersioning.Plan(new Dictionary<string, Grid>(), new Dictionary<string, int>(),
            [Grid("A", "POLYGON((0 0,1 0,1 1,0 0))"), Grid("A", "POLYGON((0 0,1 0,1 1,0 0))")], GridSaveMode.Merge, DateTimeOffset.UnixEpoch));
        Assert.Contains("'A' occurs twice", e.Message);
    }
}
