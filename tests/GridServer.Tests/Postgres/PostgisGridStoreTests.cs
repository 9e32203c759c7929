using FsCheck;
using FsCheck.Fluent;
using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GridServer.Tests.Postgres;

public class PostgisGridStoreTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private static readonly WKTReader Wkt = new(new NetTopologySuite.NtsGeometryServices(new PrecisionModel(), 4326));

    private static Grid Grid(string code, string wkt, string name = "g") =>
        new(code, name, null, null, null, null, Wkt.Read(wkt), 1.0, 1, DateTimeOffset.UnixEpoch);

    private async Task<PostgisGridStore> FreshStoreAsync(TimeProvider time)
    {
        var store = new PostgisGridStore(database.DataSource, time);
        await store.CheckSchemaAsync();
        await using var clear = database.DataSource.CreateCommand("TRUNCATE gridserver.grids, gridserver.grid_history");
        await clear.ExecuteNonQueryAsync();
        return store;
    }

    [PostgisFact]
    public async Task Revision_GrowsWithEveryChangeByAnyWriter_NotWithANoOpSave()
    {
        var store = await FreshStoreAsync(TimeProvider.System);
        var start = await store.GetRevisionAsync();
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);
        var added = await store.GetRevisionAsync();
        Assert.True(added > start);

        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);
        Assert.Equal(added, await store.GetRevisionAsync());

        // By hand, outside the store: still a change the silos must see.
        await using (var edit = database.DataSource.CreateCommand("UPDATE gridserver.grids SET name = 'renamed' WHERE code = 'A'"))
            await edit.ExecuteNonQueryAsync();
        var edited = await store.GetRevisionAsync();
        Assert.True(edited > added);
        await using (var truncate = database.DataSource.CreateCommand("TRUNCATE gridserver.grids"))
            await truncate.ExecuteNonQueryAsync();
        Assert.True(await store.GetRevisionAsync() > edited);
    }

    [PostgisFact]
    public async Task Save_MergeRetiringNamedGrids_RetiresThemWithTheChange_SameInBothStores()
    {
        var postgis = await FreshStoreAsync(TimeProvider.System);
        var memory = new InMemoryGridStore(TimeProvider.System);
        foreach (IGridStore store in new IGridStore[] { postgis, memory })
        {
            await store.SaveAsync([Grid("A", "POLYGON((0 0,2 0,2 1,0 1,0 0))"), Grid("B", "POLYGON((2 0,3 0,3 1,2 1,2 0))")], GridSaveMode.Replace);

            // A split: A's parts come in, A retires; B stays; an unknown code to retire is passed over.
            var plan = await store.SaveAsync([Grid("A1", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("A2", "POLYGON((1 0,2 0,2 1,1 1,1 0))")],
                GridSaveMode.Merge, ["A", "NOPE"]);

            Assert.Equal(2, plan.Added);
            Assert.Equal(["A"], plan.Retired.ToArray());
            Assert.Equal(["A1", "A2", "B"], (await store.LoadCurrentAsync()).Select(g => g.Code).Order(StringComparer.Ordinal).ToArray());
            Assert.NotNull(Assert.Single(await store.HistoryAsync("A")).ValidTo);
        }
    }

    [PostgisFact]
    public async Task LoadChangesSince_NamesRedrawnAddedAndRetiredGrids_NullAfterAnUnloggedTruncate()
    {
        var postgis = await FreshStoreAsync(TimeProvider.System);
        var memory = new InMemoryGridStore(TimeProvider.System);
        foreach (IGridStore store in new IGridStore[] { postgis, memory })
        {
            await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("B", "POLYGON((1 0,2 0,2 1,1 1,1 0))")], GridSaveMode.Replace);
            var start = await store.GetRevisionAsync();
            Assert.Empty((await store.LoadChangesSinceAsync(start))!.Current);

            await store.SaveAsync([Grid("A", "POLYGON((0 0,0.5 0,0.5 1,0 1,0 0))"), Grid("C", "POLYGON((5 5,6 5,6 6,5 6,5 5))")], GridSaveMode.Merge);
            await store.SaveAsync([Grid("A", "POLYGON((0 0,0.5 0,0.5 1,0 1,0 0))"), Grid("C", "POLYGON((5 5,6 5,6 6,5 6,5 5))")], GridSaveMode.Replace);

            var changes = await store.LoadChangesSinceAsync(start);
            Assert.NotNull(changes);
            Assert.Equal(await store.GetRevisionAsync(), changes.Revision);
            Assert.Equal(["A", "C"], changes.Current.Select(g => g.Code).ToArray());
            Assert.Equal(2, changes.Current[0].Version);
            Assert.Equal(["B"], changes.Retired.ToArray());
        }
        await using (var truncate = database.DataSource.CreateCommand("TRUNCATE gridserver.grids"))
            await truncate.ExecuteNonQueryAsync();
        Assert.Null(await postgis.LoadChangesSinceAsync(0));
    }

    [PostgisFact]
    public async Task ChangeLog_KeepsTheLastThousandRevisions_ASiloFurtherBehindLoadsEverything()
    {
        var store = await FreshStoreAsync(TimeProvider.System);
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);
        var start = await store.GetRevisionAsync();

        // 1,001 changes by hand, each its own statement and so its own revision.
        await using (var edits = database.DataSource.CreateCommand(
            "DO $$ BEGIN FOR i IN 1..1001 LOOP UPDATE gridserver.grids SET name = 'n' || i WHERE code = 'A'; END LOOP; END $$"))
            await edits.ExecuteNonQueryAsync();

        var now = await store.GetRevisionAsync();
        Assert.Equal(start + 1001, now);
        await using (var oldest = database.DataSource.CreateCommand("SELECT min(revision), count(DISTINCT revision) FROM gridserver.grid_changes"))
        await using (var reader = await oldest.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((now - 999, 1000L), (reader.GetInt64(0), reader.GetInt64(1)));
        }
        Assert.Null(await store.LoadChangesSinceAsync(start));   // behind the window: load everything
        var recent = await store.LoadChangesSinceAsync(now - 10);
        Assert.Equal(("A", "n1001"), (Assert.Single(recent!.Current).Code, recent.Current[0].Name));
    }

    [PostgisFact]
    public async Task LoadNear_OnlyGridsWhoseBoxesMeetTheEnvelope()
    {
        var store = await FreshStoreAsync(TimeProvider.System);
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("B", "POLYGON((1 0,2 0,2 1,1 1,1 0))"),
            Grid("C", "POLYGON((5 5,6 5,6 6,5 6,5 5))")], GridSaveMode.Merge);

        var near = await store.LoadNearAsync(new Envelope(0.5, 1.5, 0.2, 0.4));
        var memory = new InMemoryGridStore(TimeProvider.System);
        await memory.SaveAsync(await store.LoadCurrentAsync(), GridSaveMode.Merge);

        Assert.Equal(["A", "B"], near.Select(g => g.Code).ToArray());
        Assert.Equal(["A", "B"], (await memory.LoadNearAsync(new Envelope(0.5, 1.5, 0.2, 0.4))).Select(g => g.Code).ToArray());
    }

    [PostgisFact]
    public async Task Save_ChangedAndRetiredGrids_KeepEveryVersionWithValidity()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await FreshStoreAsync(clock);
        var first = await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("B", "POLYGON((1 0,2 0,2 1,1 1,1 0))")], GridSaveMode.Merge);
        Assert.Equal((2, 0, 0), (first.Added, first.Changed, first.Unchanged));

        clock.Advance(TimeSpan.FromDays(1));
        var second = await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("B", "POLYGON((1 0,2.5 0,2 1,1 1,1 0))")], GridSaveMode.Merge);
        Assert.Equal((0, 1, 1), (second.Added, second.Changed, second.Unchanged));

        clock.Advance(TimeSpan.FromDays(1));
        var third = await store.SaveAsync([Grid("B", "POLYGON((1 0,2.5 0,2 1,1 1,1 0))")], GridSaveMode.Replace);
        Assert.Equal(["A"], third.Retired);

        var current = await store.LoadCurrentAsync();
        var b = Assert.Single(current);
        Assert.Equal(("B", 2), (b.Code, b.Version));
        Assert.Equal(4326, b.Boundary.SRID);

        var history = await store.HistoryAsync("B");
        Assert.Equal([1, 2], history.Select(h => h.Version));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), history[0].ValidTo);
        Assert.Null(history[1].ValidTo);
        var a = Assert.Single(await store.HistoryAsync("A"));
        Assert.Equal(new DateTimeOffset(2026, 1, 3, 0, 0, 0, TimeSpan.Zero), a.ValidTo);
    }

    [PostgisFact]
    public async Task Save_WithActors_HistoryNamesWhoMadeAndWhoEndedEachVersion_SameInBothStores()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var postgis = await FreshStoreAsync(clock);
        var memory = new InMemoryGridStore(clock);
        foreach (IGridStore store in new IGridStore[] { postgis, memory })
        {
            var start = clock.GetUtcNow();
            await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("B", "POLYGON((1 0,2 0,2 1,1 1,1 0))")], GridSaveMode.Merge, actor: "op-1");
            clock.Advance(TimeSpan.FromDays(1));
            await store.SaveAsync([Grid("A", "POLYGON((0 0,1.5 0,1 1,0 1,0 0))")], GridSaveMode.Merge, retire: ["B"], actor: "op-2");

            var a = await store.HistoryAsync("A");
            Assert.Equal([("op-1", "op-2"), ("op-2", (string?)null)], a.Select(v => (v.ChangedBy, v.EndedBy)));
            var b = Assert.Single(await store.HistoryAsync("B"));
            Assert.Equal(("op-1", "op-2"), (b.ChangedBy, b.EndedBy));

            // As of the first day: A's first version and B; as of now: A's second only.
            var everywhere = new Envelope(-10, 10, -10, 10);
            var then = await store.LoadAsOfAsync(start.AddHours(1), everywhere);
            Assert.Equal([("A", 1), ("B", 1)], then.Select(g => (g.Code, g.Version)));
            var now = await store.LoadAsOfAsync(clock.GetUtcNow(), everywhere);
            Assert.Equal([("A", 2)], now.Select(g => (g.Code, g.Version)));
            Assert.Empty(await store.LoadAsOfAsync(start.AddHours(1), new Envelope(5, 6, 5, 6)));
            clock.Advance(TimeSpan.FromDays(1));
        }
    }

    [PostgisFact]
    public async Task Save_RetiredCodeComesBack_ContinuesItsNumbering()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await FreshStoreAsync(clock);
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);
        clock.Advance(TimeSpan.FromDays(1));
        await store.SaveAsync([Grid("B", "POLYGON((1 0,2 0,2 1,1 1,1 0))")], GridSaveMode.Replace);
        clock.Advance(TimeSpan.FromDays(1));

        var back = await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("B", "POLYGON((1 0,2 0,2 1,1 1,1 0))")], GridSaveMode.Merge);

        Assert.Equal((1, 0, 1), (back.Added, back.Changed, back.Unchanged));
        Assert.Equal([1, 2], (await store.HistoryAsync("A")).Select(h => h.Version));
        Assert.Equal(2, (await store.LoadCurrentAsync()).Single(g => g.Code == "A").Version);
    }

    [PostgisFact]
    public async Task Save_ClockBehindStoredValidity_NeverEndsAVersionBeforeItBegan()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await FreshStoreAsync(clock);
        await store.SaveAsync([Grid("A", "POLYGON((0 0,1 0,1 1,0 1,0 0))")], GridSaveMode.Merge);
        // Another silo whose clock is a month behind.
        var behind = new PostgisGridStore(database.DataSource, new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero)));

        await behind.SaveAsync([Grid("A", "POLYGON((0 0,2 0,2 1,0 1,0 0))")], GridSaveMode.Merge);

        var history = await store.HistoryAsync("A");
        Assert.Equal([1, 2], history.Select(h => h.Version));
        Assert.True(history[0].ValidTo >= history[0].ValidFrom);
        Assert.Equal(history[0].ValidTo, history[1].ValidFrom);
    }

    [PostgisFact]
    public async Task Locate_SharedEdgeAndOverlap_SqlUsesSameTieBreakAsIndex()
    {
        var store = await FreshStoreAsync(TimeProvider.System);
        Grid[] grids = [Grid("B", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), Grid("A", "POLYGON((1 0,2 0,2 1,1 1,1 0))"), Grid("C", "POLYGON((0.5 0.5,1.5 0.5,1.5 1.5,0.5 1.5,0.5 0.5))")];
        await store.SaveAsync(grids, GridSaveMode.Merge);
        var index = GridIndex.Build(grids.Select(g => (g.Code, g.Boundary)));
        foreach (var (x, y) in new[] { (1.0, 0.5), (1.0, 0.0), (0.7, 0.7), (0.5, 0.5), (1.5, 1.5), (0.2, 0.2), (3.0, 3.0) })
            Assert.Equal(index.Locate(x, y), await store.LocateAsync(x, y));
    }

    [PostgisFact]
    public async Task Locate_100000RandomPointsOverTiling_IndexAgreesWithPostgisCovers()
    {
        var store = await FreshStoreAsync(TimeProvider.System);
        var grids = Tilings.Snapped.Select(g => new Grid(g.Code, g.Code, null, null, null, null, g.Boundary, 1, 1, DateTimeOffset.UnixEpoch)).ToList();
        await store.SaveAsync(grids, GridSaveMode.Replace);
        var index = GridIndex.Build(grids.Select(g => (g.Code, g.Boundary)));

        // FsCheck draws 100 batches of 1,000 points: random, on vertices, on exact edge midpoints, near vertices.
        var points = Spatial.GridIndexTests.PointGen().ArrayOf(1000);
        var checkedPoints = 0;
        var disagreements = new List<string>();
        foreach (var batch in points.Sample(100, size: 1000))
        {
            var sql = await LocateBatchAsync(batch);
            for (var i = 0; i < batch.Length; i++)
            {
                var mine = index.Locate(batch[i].X, batch[i].Y);
                if (mine != sql[i]) disagreements.Add($"({batch[i].X:R}, {batch[i].Y:R}): index {mine ?? "none"}, PostGIS {sql[i] ?? "none"}");
            }
            checkedPoints += batch.Length;
        }
        Assert.Equal(100_000, checkedPoints);
        Assert.Empty(disagreements);
    }

    private async Task<string?[]> LocateBatchAsync((double X, double Y)[] batch)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT gridserver.locate(t.x, t.y) FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y, i) ORDER BY t.i");
        command.Parameters.AddWithValue(batch.Select(p => p.X).ToArray());
        command.Parameters.AddWithValue(batch.Select(p => p.Y).ToArray());
        var result = new List<string?>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        return result.ToArray();
    }
}
