using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Spatial;
using GridServer.Tests.Support;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace GridServer.Tests.Spatial;

public class GridIndexTests
{
    private static readonly WKTReader Wkt = new();
    private static readonly GridIndex SnappedIndex = GridIndex.Build(Tilings.Snapped.Select(g => (g.Code, (Geometry)g.Boundary)));

    private static GridIndex Index(params (string Code, string Wkt)[] grids) =>
        GridIndex.Build(grids.Select(g => (g.Code, Wkt.Read(g.Wkt))));

    private static readonly GridIndex TwoSquares = Index(
        ("B", "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"),
        ("A", "POLYGON((1 0, 2 0, 2 1, 1 1, 1 0))"));

    [Theory]
    [InlineData(0.5, 0.5, "B")]
    [InlineData(1.5, 0.5, "A")]
    [InlineData(0, 0, "B")]        // outer vertex
    [InlineData(0, 0.5, "B")]      // outer edge
    [InlineData(2, 1, "A")]
    public void Locate_PointInsideOrOnBoundary_ReturnsCoveringGrid(double x, double y, string expected) =>
        Assert.Equal(expected, TwoSquares.Locate(x, y));

    [Theory]
    [InlineData(1, 0.5)]   // shared edge
    [InlineData(1, 0)]     // shared vertex
    [InlineData(1, 1)]
    public void Locate_PointOnSharedBoundary_PicksLowestCode(double x, double y) =>
        Assert.Equal("A", TwoSquares.Locate(x, y));

    [Theory]
    [InlineData(-0.000001, 0.5)]
    [InlineData(2.000001, 0.5)]
    [InlineData(1, 1.0000001)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(0.5, double.PositiveInfinity)]
    [InlineData(1e308, -1e308)]
    public void Locate_PointOutside_ReturnsNull(double x, double y) => Assert.Null(TwoSquares.Locate(x, y));

    [Fact]
    public void Locate_PointInHole_IsNotCovered_HoleBoundaryIs()
    {
        var index = Index(("H", "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))"),
                          ("I", "POLYGON((4 4, 6 4, 6 6, 4 6, 4 4))"));
        Assert.Equal("H", index.Locate(1, 1));
        Assert.Equal("I", index.Locate(5, 5));
        Assert.Equal("H", index.Locate(4, 5)); // on the hole's ring: both cover, H < I
    }

    [Fact]
    public void Locate_MultiPolygonParts_AllCovered()
    {
        var index = Index(("M", "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 1, 0 0)), ((5 5, 6 5, 6 6, 5 6, 5 5)))"));
        Assert.Equal("M", index.Locate(0.5, 0.5));
        Assert.Equal("M", index.Locate(5.5, 5.5));
        Assert.Null(index.Locate(3, 3));
    }

    [Fact]
    public void Match_PointInNoGrid_GivesNearestAndDistanceInMetres()
    {
        // Two grids near 28°N; the point is 0.001° of latitude (about 110.8 m) north of "A".
        var index = Index(("A", "POLYGON((120.60 28.00, 120.61 28.00, 120.61 28.01, 120.60 28.01, 120.60 28.00))"),
                          ("B", "POLYGON((120.62 28.00, 120.63 28.00, 120.63 28.01, 120.62 28.01, 120.62 28.00))"));
        var match = index.Match(120.605, 28.011);
        Assert.False(match.Covered);
        Assert.Equal("A", match.NearestGridCode);
        Assert.InRange(match.DistanceMetres!.Value, 110.7, 110.9);
    }

    private static readonly GridIndex SideBySide = Index(
        ("A", "POLYGON((120.60 28.00, 120.61 28.00, 120.61 28.01, 120.60 28.01, 120.60 28.00))"),
        ("B", "POLYGON((120.61 28.00, 120.62 28.00, 120.62 28.01, 120.61 28.01, 120.61 28.00))"),
        ("C", "POLYGON((120.70 28.00, 120.71 28.00, 120.71 28.01, 120.70 28.01, 120.70 28.00))"));

    [Fact]
    public void Near_ACircleAcrossTheBoundary_NamesBothGrids_NearestFirst()
    {
        // 0.0005° of longitude west of the shared edge at 28.005°N: about 49.2 m (98,350 m a degree there).
        Assert.Equal(["A"], SideBySide.Near(120.6095, 28.005, 30).Select(g => g.Code));
        var both = SideBySide.Near(120.6095, 28.005, 60);
        Assert.Equal(["A", "B"], both.Select(g => g.Code));
        Assert.Equal(0, both[0].DistanceMetres);
        Assert.InRange(both[1].DistanceMetres, 49.0, 49.4);
        Assert.Equal(["A"], SideBySide.Near(120.6095, 28.005, 60, skip: code => code == "B").Select(g => g.Code));
        // Outside every grid: the grids whose edge is within reach; none within 10 m of a point 1 km away.
        Assert.Equal(["B"], SideBySide.Near(120.6205, 28.005, 100).Select(g => g.Code));
        Assert.Empty(SideBySide.Near(120.65, 28.005, 10));
        Assert.Empty(SideBySide.Near(double.NaN, 28.005, 10));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1000.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Near_ADistanceOutOfRange_IsRefused(double metres) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SideBySide.Near(120.6095, 28.005, metres));

    [Fact]
    public void Match_PointFarAway_StillFindsNearest()
    {
        var match = TwoSquares.Match(50, 0.5);
        Assert.Equal("A", match.NearestGridCode);
        Assert.True(match.DistanceMetres > 5_000_000);
    }

    [Fact]
    public void Match_NoGridsOrInvalidPoint_GivesNoNearest()
    {
        Assert.Equal(GridMatch.NoGrids, GridIndex.Build([]).Match(1, 1));
        Assert.Equal(GridMatch.NoGrids, TwoSquares.Match(double.NaN, 1));
        Assert.Equal(GridMatch.NoGrids, TwoSquares.Match(1, 95));
    }

    [Fact]
    public void Build_DuplicateCode_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Index(("A", "POLYGON((0 0, 1 0, 1 1, 0 0))"), ("A", "POLYGON((2 0, 3 0, 3 1, 2 0))")));
        Assert.Contains("'A' occurs twice", e.Message);
    }

    [Fact]
    public void Locate_EveryVertexAndEdgeMidpointOfTiling_AgreesWithNtsCovers()
    {
        var checkedPoints = 0;
        foreach (var (_, boundary) in Tilings.Snapped.Take(60))
        {
            var c = boundary.Coordinates;
            for (var i = 0; i < c.Length - 1; i++)
            {
                var mx = (c[i].X + c[i + 1].X) / 2;
                var my = (c[i].Y + c[i + 1].Y) / 2;
                Assert.Equal(Tilings.BruteForce(Tilings.Snapped, c[i].X, c[i].Y), SnappedIndex.Locate(c[i].X, c[i].Y));
                Assert.Equal(Tilings.BruteForce(Tilings.Snapped, mx, my), SnappedIndex.Locate(mx, my));
                Assert.NotNull(SnappedIndex.Locate(mx, my));
                checkedPoints += 2;
            }
        }
        Assert.True(checkedPoints > 5000);
    }

    /// <summary>Random points of four kinds: anywhere around the tiling, on a vertex, on an edge, just off a vertex.</summary>
    private static Arbitrary<(double X, double Y)> Points() => PointGen().ToArbitrary();

    internal static Gen<(double X, double Y)> PointGen()
    {
        var env = new Envelope();
        foreach (var g in Tilings.Snapped) env.ExpandToInclude(g.Boundary.EnvelopeInternal);
        var anywhere =
            from fx in Gen.Choose(-50, 1050)
            from fy in Gen.Choose(-50, 1050)
            from jitter in Gen.Choose(0, 1_000_000)
            select (env.MinX + env.Width * (fx + jitter / 1e6) / 1000, env.MinY + env.Height * (fy + jitter / 1e6) / 1000);
        var vertex =
            from g in Gen.Choose(0, Tilings.Snapped.Count - 1)
            from v in Gen.Choose(0, 51)
            select (Tilings.Snapped[g].Boundary.Coordinates[v].X, Tilings.Snapped[g].Boundary.Coordinates[v].Y);
        var midpoint =
            from g in Gen.Choose(0, Tilings.Snapped.Count - 1)
            from v in Gen.Choose(0, 51)
            let c = Tilings.Snapped[g].Boundary.Coordinates
            select ((c[v].X + c[v + 1].X) / 2, (c[v].Y + c[v + 1].Y) / 2);
        var nearVertex =
            from p in vertex
            from dx in Gen.Choose(-2, 2)
            from dy in Gen.Choose(-2, 2)
            select (p.X + dx * Math.ScaleB(1.0, -30), p.Y + dy * Math.ScaleB(1.0, -30));
        return Gen.OneOf(anywhere, vertex, midpoint, nearVertex);
    }

    [Property(MaxTest = 3000)]
    public Property Locate_RandomPoints_AgreesWithBruteForceNtsCovers() =>
        Prop.ForAll(Points(), p => SnappedIndex.Locate(p.X, p.Y) == Tilings.BruteForce(Tilings.Snapped, p.X, p.Y));

    /// <summary>Nearest grid by brute force: every grid projected into the tangent plane at the point, NTS distance.</summary>
    private static (string Code, double Metres)[] NearestByBruteForce(double lon, double lat)
    {
        var metric = LocalMetric.At(lat);
        var origin = new Point(0, 0);
        return Tilings.Snapped.Select(g =>
        {
            var local = (Geometry)g.Boundary.Copy();
            local.Apply(new LocalFrame(lon, lat, metric));
            return (g.Code, local.Distance(origin));
        }).OrderBy(d => d.Item2).ThenBy(d => d.Code, StringComparer.Ordinal).ToArray();
    }

    private sealed class LocalFrame(double lon, double lat, LocalMetric metric) : ICoordinateSequenceFilter
    {
        public bool Done => false;
        public bool GeometryChanged => true;
        public void Filter(CoordinateSequence seq, int i)
        {
            seq.SetX(i, (seq.GetX(i) - lon) * metric.MetresPerDegreeLon);
            seq.SetY(i, (seq.GetY(i) - lat) * metric.MetresPerDegreeLat);
        }
    }

    [Property(MaxTest = 300)]
    public Property Match_PointInNoGrid_NearestAgreesWithBruteForceDistance() =>
        Prop.ForAll(
            (from fx in Gen.Choose(-3000, 4000) from fy in Gen.Choose(-3000, 4000) select (fx / 1000.0, fy / 1000.0)).ToArbitrary(),
            f =>
            {
                var lon = 120.60 + f.Item1 * 0.02;   // up to about 60 km around the 2 km tiling
                var lat = 28.00 + f.Item2 * 0.02;
                var match = SnappedIndex.Match(lon, lat);
                if (match.Covered) return true;
                var brute = NearestByBruteForce(lon, lat);
                var distanceAgrees = Math.Abs(match.DistanceMetres!.Value - brute[0].Metres) < 1e-6 * Math.Max(1, brute[0].Metres);
                var tie = brute.Length > 1 && brute[1].Metres - brute[0].Metres < 1e-6;
                return distanceAgrees && (tie || match.NearestGridCode == brute[0].Code);
            });

    [Fact]
    public void Raster_MostCellsAnswerWithoutPolygonTest()
    {
        var (cells, listed) = SnappedIndex.RasterStats;
        Assert.True(listed < cells * 0.8, $"{listed} of {cells} cells need a polygon test");
    }
}
