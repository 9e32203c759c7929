using System.Collections.Immutable;
using GridServer.Abstractions.Reference;
using GridServer.Silo.Reference;

namespace GridServer.Tests.Reference;

public sealed class ReferenceIndexTests
{
    private static ReferenceRecordData Area(string key, double x0, double y0, double x1, double y1) =>
        new(key, ImmutableSortedDictionary<string, string>.Empty.Add("name", key),
            $"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))", (x0 + x1) / 2, (y0 + y1) / 2);

    private static ReferenceRecordData Point(string key, double x, double y) =>
        new(key, ImmutableSortedDictionary<string, string>.Empty, $"POINT({x} {y})", x, y);

    private static ReferenceSetIndex Index(params ReferenceRecordData[] records) =>
        ReferenceSetIndex.Build(new ReferenceSetData("set", 7, [.. records], null, null));

    [Fact]
    public void Covering_FindsEveryAreaOverThePoint_SmallestFirst_AndTheEdgeCounts()
    {
        var index = Index(Area("big", 120, 30, 120.01, 30.01), Area("small", 120.004, 30.004, 120.006, 30.006), Area("elsewhere", 121, 31, 121.01, 31.01));

        Assert.Equal(["small", "big"], index.Covering(120.005, 30.005).Select(r => r.Key));
        Assert.Equal(["big"], index.Covering(120.001, 30.001).Select(r => r.Key));
        Assert.Equal(["small", "big"], index.Covering(120.004, 30.005).Select(r => r.Key));   // on small's edge
        Assert.Empty(index.Covering(119, 29));
        Assert.Empty(index.Covering(double.NaN, 30));
        Assert.Equal(7, index.Version);
    }

    [Fact]
    public void Near_MeasuresMetres_ToPointsAndToTheNearestEdge_NearestFirst()
    {
        // At 30°N a degree of latitude is about 110,852 m: 0.0001° ≈ 11.1 m.
        var index = Index(Point("p10", 120, 30.0001), Point("p30", 120, 30.00027), Area("zone", 120.0002, 29.9999, 120.0003, 30.0001));

        var near = index.Near(120, 30, 25);
        Assert.Equal(["p10", "zone"], near.Select(m => m.Record.Key));
        Assert.Equal(11.1, near[0].DistanceMetres, 0);
        Assert.InRange(near[1].DistanceMetres, 19, 20);        // 0.0002° of longitude at 30°N ≈ 19.3 m
        Assert.Equal(0, index.Near(120.00025, 30, 5).Single().DistanceMetres);   // inside the zone
        Assert.Equal(3, index.Near(120, 30, 1e9).Count);       // capped at 1 km, still all three
        Assert.Empty(index.Near(120, 30, -1));
    }

    [Fact]
    public void Lookup_ServesOnlyTheModulesSets()
    {
        var lookup = new ReferenceLookup(new Dictionary<string, ReferenceSetIndex> { ["set"] = Index(Point("a", 120, 30)) });
        Assert.Equal("a", lookup.Find("set", "a")!.Key);
        Assert.Null(lookup.Find("set", "b"));
        Assert.Empty(lookup.All("other"));
        Assert.Empty(lookup.Covering("other", 120, 30));
        Assert.Single(lookup.All("set"));
    }

    [Fact]
    public void AStoredShapeThatNoLongerReads_KeepsTheRecordWithoutAShape()
    {
        var index = Index(new ReferenceRecordData("broken", ImmutableSortedDictionary<string, string>.Empty, "POLYGON((", 120, 30));
        Assert.NotNull(index.Find("broken"));
        Assert.Null(index.Shape("broken"));
        Assert.Empty(index.Near(120, 30, 10));
    }
}
