using System.Text;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Grids;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.TestImport;

namespace GridServer.Tests.Grains;

[Collection(ClusterTests.Name)]
public class GridDirectoryTests(ClusterFixture fixture)
{
    private IGridDirectoryGrain Directory => fixture.Grains.GetGrain<IGridDirectoryGrain>(IGridDirectoryGrain.Key);

    /// <summary>Records the revisions the directory announces.</summary>
    private sealed class Listener : IGridDirectoryObserver
    {
        private readonly List<(long Revision, TaskCompletionSource Seen)> _waits = [];
        private long _highest = -1;

        public Task GridsChangedAsync(long revision)
        {
            lock (_waits)
            {
                _highest = Math.Max(_highest, revision);
                foreach (var w in _waits.Where(w => w.Revision <= revision)) w.Seen.TrySetResult();
            }
            return Task.CompletedTask;
        }

        /// <summary>Completes when a revision at least <paramref name="revision"/> is announced; fails the test after 30 s.</summary>
        public Task Announced(long revision)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waits)
            {
                if (_highest >= revision) seen.TrySetResult();
                else _waits.Add((revision, seen));
            }
            return seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>A free corner of the shared store for one test (tests share the cluster's grid store): x, y in units of 0.001°.</summary>
    private static (int X, int Y) Corner() => (Random.Shared.Next(0, 20_000) * 2, Random.Shared.Next(0, 20_000) * 2);

    private static string Code() => "T" + Guid.NewGuid().ToString("N")[..10];

    private static GridChangeRequest Change(string geojson, bool replace = false, bool allowOverlaps = false) =>
        new(Encoding.UTF8.GetBytes(geojson), replace, allowOverlaps, "test", "Free");

    [Fact]
    public async Task Change_NewGridsThenRedraw_StoredVersionedAnnouncedToEveryCell()
    {
        var listener = new Listener();
        var observer = fixture.Cluster.Client.CreateObjectReference<IGridDirectoryObserver>(listener);
        await Directory.SubscribeAsync(observer);
        var (x, y) = Corner();
        var (a, b) = (Code(), Code());
        var before = await Directory.GetRevisionAsync();

        var added = await Directory.ChangeAsync(Change(Collection((a, Square(x, y)), (b, Square(x + 1, y)))));
        Assert.True(added.Accepted, string.Join("; ", added.Errors));
        Assert.Equal((2, 0), (added.Added, added.Changed));
        Assert.True(added.Revision > before);
        await listener.Announced(added.Revision);
        Assert.Equal(1, (await fixture.Grains.GetGrain<IGridCellGrain>(a).GetResponsibilityAsync()).BoundaryVersion);

        // Redraw a along b's edge: shrink it to its left half. No overlap with b, so accepted.
        var redrawn = await Directory.ChangeAsync(Change(Collection((a, Square(x, y, 0.5)))));
        Assert.True(redrawn.Accepted, string.Join("; ", redrawn.Errors));
        Assert.Equal((0, 1), (redrawn.Added, redrawn.Changed));
        Assert.True(redrawn.Revision > added.Revision);
        await listener.Announced(redrawn.Revision);
        Assert.Equal(2, (await fixture.Grains.GetGrain<IGridCellGrain>(a).GetResponsibilityAsync()).BoundaryVersion);
        var history = await ClusterFixture.GridStore.HistoryAsync(a);
        Assert.Equal([1, 2], history.Select(g => g.Version).ToArray());
        await Directory.UnsubscribeAsync(observer);
    }

    [Fact]
    public async Task Redraw_OverlappingNeighbour_RefusedNamingItAndTheArea_NothingStored()
    {
        var (x, y) = Corner();
        var (a, b) = (Code(), Code());
        Assert.True((await Directory.ChangeAsync(Change(Collection((a, Square(x, y)), (b, Square(x + 1, y)))))).Accepted);
        var revision = await Directory.GetRevisionAsync();

        // a grows over half of b.
        var refused = await Directory.ChangeAsync(Change(Collection((a, Square(x, y, 1.5)))));
        Assert.False(refused.Accepted);
        var error = Assert.Single(refused.Errors);
        Assert.Contains($"overlaps neighbouring grid '{b}'", error);
        Assert.Matches(@"by \d+\.\d m²", error);
        Assert.Equal(revision, await Directory.GetRevisionAsync());
        Assert.Equal(1, Assert.Single(await ClusterFixture.GridStore.HistoryAsync(a)).Version);

        // The operator may accept the overlap: stored, with the overlap as a warning.
        var allowed = await Directory.ChangeAsync(Change(Collection((a, Square(x, y, 1.5))), allowOverlaps: true));
        Assert.True(allowed.Accepted);
        Assert.Contains(allowed.Warnings, w => w.Contains($"'{b}'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"type\":", "not valid JSON")]
    [InlineData("[]", "root of a GeoJSON document must be an object")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[]}", "no features")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.001,28],[120.001,28.001],[120,28]]]}}]}", "no 'code' attribute")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"Tbowtie\",\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[120,28],[120.001,28.001],[120.001,28],[120,28.001],[120,28]]]}}]}", "self-intersection")]
    public async Task Change_Malformed_RefusedWithReason_RevisionUnchanged(string body, string expected)
    {
        var revision = await Directory.GetRevisionAsync();
        var result = await Directory.ChangeAsync(Change(body));
        Assert.False(result.Accepted);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(revision, await Directory.GetRevisionAsync());
    }

    [Fact]
    public async Task Change_EmptyReplaceOrUnknownScheme_Refused()
    {
        var empty = await Directory.ChangeAsync(Change("{\"type\":\"FeatureCollection\",\"features\":[]}", replace: true));
        Assert.Contains("would retire every grid", Assert.Single(empty.Errors));
        var scheme = await Directory.ChangeAsync(new GridChangeRequest(Encoding.UTF8.GetBytes(Collection((Code(), Square(0, 0)))), false, false, "test", "Nope"));
        Assert.Contains("unknown code scheme 'Nope'", Assert.Single(scheme.Errors));
    }

    [Fact]
    public async Task StoreChangedOutsideTheCluster_DirectoryAnnouncesTheNewRevision()
    {
        var listener = new Listener();
        var observer = fixture.Cluster.Client.CreateObjectReference<IGridDirectoryObserver>(listener);
        await Directory.SubscribeAsync(observer);
        var (x, y) = Corner();
        // As `grids import` does: straight into the store, not through the directory.
        var checkedGrids = Check(Collection((Code(), Square(x, y))), new Domain.Import.GridImportOptions { CodeScheme = GridCodeScheme.Free });
        await ClusterFixture.GridStore.SaveAsync(checkedGrids.Grids, GridSaveMode.Merge);
        var revision = await ClusterFixture.GridStore.GetRevisionAsync();

        await listener.Announced(revision);
        Assert.True(await Directory.GetRevisionAsync() >= revision);
        await Directory.UnsubscribeAsync(observer);
    }
}

/// <summary>The directory's split and merge, and dry runs: checked like any change, nothing stored in a dry run.</summary>
[Collection(ClusterTests.Name)]
public class GridReshapeDirectoryTests(ClusterFixture fixture)
{
    private IGridDirectoryGrain Directory => fixture.Grains.GetGrain<IGridDirectoryGrain>(IGridDirectoryGrain.Key);

    private static (int X, int Y) Corner() => (Random.Shared.Next(0, 20_000) * 2 + 1, Random.Shared.Next(0, 20_000) * 2 + 1);

    private static string Code() => "T" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A lon/lat rectangle as Polygon coordinates, corners in units of 0.001° as <see cref="Square"/> takes them.</summary>
    private static string Rect(double x0, double y0, double x1, double y1) => FormattableString.Invariant(
        $"[[[{120.6 + x0 * 0.001},{28 + y0 * 0.001}],[{120.6 + x1 * 0.001},{28 + y0 * 0.001}],[{120.6 + x1 * 0.001},{28 + y1 * 0.001}],[{120.6 + x0 * 0.001},{28 + y1 * 0.001}],[{120.6 + x0 * 0.001},{28 + y0 * 0.001}]]]");

    private static GridChangeRequest Change(string geojson, bool dryRun = false) => new(Encoding.UTF8.GetBytes(geojson), false, false, "test", "Free", dryRun);

    [Fact]
    public async Task Split_DryRunStoresNothing_ThenSplitRetiresOldAndPartsInheritPeople()
    {
        var (x, y) = Corner();
        var (old, west, east) = (Code(), Code(), Code());
        Assert.True((await Directory.ChangeAsync(Change(Collection((old, Square(x, y)))))).Accepted);
        await fixture.Grains.GetGrain<IGridCellGrain>(old).AssignAsync(new GridAssignment(old, "SQ-split", "O-split-a", "O-split-b"));
        var parts = Collection((west, Rect(x, y, x + 0.5, y + 1)), (east, Rect(x + 0.5, y, x + 1, y + 1)));
        var before = await Directory.GetRevisionAsync();

        var preview = await Directory.SplitAsync(old, Change(parts, dryRun: true));

        Assert.True(preview.Accepted, string.Join("; ", preview.Errors));
        Assert.Equal(before, await Directory.GetRevisionAsync());
        Assert.Null((await fixture.Grains.GetGrain<IGridCellGrain>(west).GetResponsibilityAsync()).SquadId);
        Assert.Equal(2, preview.Transfers.Length);

        var split = await Directory.SplitAsync(old, Change(parts));

        Assert.True(split.Accepted, string.Join("; ", split.Errors));
        Assert.Equal([old], split.Retired.ToArray());
        Assert.Single(await ClusterFixture.GridStore.HistoryAsync(west));
        Assert.DoesNotContain(await ClusterFixture.GridStore.LoadCurrentAsync(), g => g.Code == old);
        var people = await fixture.Grains.GetGrain<IGridCellGrain>(east).GetResponsibilityAsync();
        Assert.Equal(("SQ-split", "O-split-a", "O-split-b"), (people.SquadId, people.OfficerA, people.OfficerB));
    }

    [Fact]
    public async Task Merge_GridsApartRefused_NeighboursMergedIntoNewCode_BothRetire()
    {
        var (x, y) = Corner();
        var (a, b, far, merged) = (Code(), Code(), Code(), Code());
        Assert.True((await Directory.ChangeAsync(Change(Collection((a, Square(x, y)), (b, Square(x + 1, y)), (far, Square(x + 10, y)))))).Accepted);
        var into = Change(Collection((merged, Square(0, 0))));

        var apart = await Directory.MergeAsync([a, far], into);
        var done = await Directory.MergeAsync([a, b], into);

        Assert.False(apart.Accepted);
        Assert.Contains("do not form one piece", apart.Errors[0], StringComparison.Ordinal);
        Assert.True(done.Accepted, string.Join("; ", done.Errors));
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), done.Retired.Order(StringComparer.Ordinal));
        var current = (await ClusterFixture.GridStore.LoadCurrentAsync()).Single(g => g.Code == merged);
        Assert.Equal(2, current.AreaSquareMetres / (await ClusterFixture.GridStore.HistoryAsync(a))[0].AreaSquareMetres, 3);
    }
}
