using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GridServer.Tests.Grids;

/// <summary>The ground a change moves between grids, split coverage and merge unions: plain geometry, true areas.</summary>
public sealed class GridImpactTests
{
    private static readonly WKTReader Wkt = new(new NetTopologySuite.NtsGeometryServices(new PrecisionModel(), 4326));

    /// <summary>A lon/lat box near Wenzhou, corners in units of 0.001° from (120.6, 28).</summary>
    private static Geometry Box(double x0, double y0, double x1, double y1) => Wkt.Read(FormattableString.Invariant(
        $"POLYGON(({120.6 + x0 * 0.001} {28 + y0 * 0.001},{120.6 + x1 * 0.001} {28 + y0 * 0.001},{120.6 + x1 * 0.001} {28 + y1 * 0.001},{120.6 + x0 * 0.001} {28 + y1 * 0.001},{120.6 + x0 * 0.001} {28 + y0 * 0.001}))"));

    private static GridImpact Impact((string, Geometry)[] before, (string, Geometry)[] after) =>
        new(before, after, GridArea.AreaSquareMetres, 1.0);

    [Fact]
    public void Transfers_SharedBorderMovedEast_OnePieceFromBToAOfTheStripArea()
    {
        var impact = Impact([("A", Box(0, 0, 1, 1)), ("B", Box(1, 0, 2, 1))], [("A", Box(0, 0, 1.2, 1)), ("B", Box(1.2, 0, 2, 1))]);

        var transfer = Assert.Single(impact.Transfers());

        Assert.Equal(("B", "A"), (transfer.FromGrid, transfer.ToGrid));
        Assert.Equal(GridArea.AreaSquareMetres(Box(1, 0, 1.2, 1)), transfer.AreaSquareMetres, 6);
        Assert.True(transfer.Area.EqualsTopologically(Box(1, 0, 1.2, 1)));
    }

    [Fact]
    public void Transfers_SharedBorderMovedWest_OnePieceFromAToB()
    {
        var impact = Impact([("A", Box(0, 0, 1, 1)), ("B", Box(1, 0, 2, 1))], [("A", Box(0, 0, 0.7, 1)), ("B", Box(0.7, 0, 2, 1))]);

        var transfer = Assert.Single(impact.Transfers());

        Assert.Equal(("A", "B"), (transfer.FromGrid, transfer.ToGrid));
        Assert.Equal(GridArea.AreaSquareMetres(Box(0.7, 0, 1, 1)), transfer.AreaSquareMetres, 6);
    }

    [Fact]
    public void Transfers_GridShrinks_AreaGoesToNoGrid_GridGrows_AreaComesFromNoGrid()
    {
        var shrink = Impact([("A", Box(0, 0, 1, 1))], [("A", Box(0, 0, 1, 0.5))]);
        var grow = Impact([("A", Box(0, 0, 1, 1))], [("A", Box(0, 0, 1, 1.5))]);

        var left = Assert.Single(shrink.Transfers());
        var gained = Assert.Single(grow.Transfers());

        Assert.Equal(("A", (string?)null), (left.FromGrid, left.ToGrid));
        Assert.Equal(GridArea.AreaSquareMetres(Box(0, 0.5, 1, 1)), left.AreaSquareMetres, 6);
        Assert.Equal(((string?)null, "A"), (gained.FromGrid, gained.ToGrid));
        Assert.Equal(GridArea.AreaSquareMetres(Box(0, 1, 1, 1.5)), gained.AreaSquareMetres, 6);
    }

    [Fact]
    public void Transfers_UnchangedOrRedrawnThroughTheSamePoints_None()
    {
        var same = Impact([("A", Box(0, 0, 1, 1)), ("B", Box(1, 0, 2, 1))], [("A", Box(0, 0, 1, 1)), ("B", Box(1, 0, 2, 1))]);

        Assert.Empty(same.Transfers());
        Assert.Empty(same.Changed);
    }

    [Fact]
    public void Transfers_SplitIntoTwo_EachPartTakesItsHalf()
    {
        var impact = Impact([("A", Box(0, 0, 2, 1))], [("A1", Box(0, 0, 1, 1)), ("A2", Box(1, 0, 2, 1))]);

        var transfers = impact.Transfers().OrderBy(t => t.ToGrid, StringComparer.Ordinal).ToList();

        Assert.Equal([("A", "A1"), ("A", "A2")], transfers.Select(t => (t.FromGrid, t.ToGrid)).ToArray());
        Assert.Equal(GridArea.AreaSquareMetres(Box(0, 0, 2, 1)), transfers.Sum(t => t.AreaSquareMetres), 3);
    }

    [Fact]
    public void MovedCases_PointsInMovedStripAndElsewhere_OnlyTheMovedOnesWithTheirNewGrid()
    {
        var impact = Impact([("A", Box(0, 0, 1, 1)), ("B", Box(1, 0, 2, 1))], [("A", Box(0, 0, 1.2, 1)), ("B", Box(1.2, 0, 2, 0.5))]);

        var moved = impact.MovedCases([("in-strip", "B", 120.6011, 28.0005), ("stays", "A", 120.6005, 28.0005), ("dropped", "B", 120.6015, 28.0008)]);

        Assert.Equal([new CaseMove("in-strip", "B", "A"), new CaseMove("dropped", "B", null)], moved.ToArray());
    }

    [Fact]
    public void CheckCovers_PartsCoverTheGrid_NoRefusal_PartsLeaveAHole_RefusalNamesTheArea()
    {
        var old = Box(0, 0, 2, 1);

        Assert.Null(GridReshape.CheckCovers("A", old, [Box(0, 0, 1, 1), Box(1, 0, 2, 1)], GridArea.AreaSquareMetres, 1.0));
        var refusal = GridReshape.CheckCovers("A", old, [Box(0, 0, 1, 1), Box(1.5, 0, 2, 1)], GridArea.AreaSquareMetres, 1.0);

        Assert.NotNull(refusal);
        var expected = GridArea.AreaSquareMetres(Box(1, 0, 1.5, 1));
        Assert.Contains(FormattableString.Invariant($"{expected:F1} m² of grid 'A' uncovered"), refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_NeighboursSharingAnEdge_OnePolygon_GridsApart_Refused()
    {
        var (union, refusal) = GridReshape.Merge([("A", Box(0, 0, 1, 1)), ("B", Box(1, 0, 2, 1))]);
        Assert.Null(refusal);
        Assert.True(union!.EqualsTopologically(Box(0, 0, 2, 1)));

        var (apart, why) = GridReshape.Merge([("A", Box(0, 0, 1, 1)), ("C", Box(3, 0, 4, 1))]);
        Assert.Null(apart);
        Assert.Contains("do not form one piece", why, StringComparison.Ordinal);
        // Touching at a corner only is not one piece either.
        Assert.NotNull(GridReshape.Merge([("A", Box(0, 0, 1, 1)), ("D", Box(1, 1, 2, 2))]).Refusal);
    }
}
