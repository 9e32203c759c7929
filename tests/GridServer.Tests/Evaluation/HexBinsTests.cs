using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Evaluation;
using GridServer.Domain.Export;
using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;
using NetTopologySuite.Geometries;

namespace GridServer.Tests.Evaluation;

/// <summary>Hot spots as hexagons, and communities and streets as the unions of their grids.</summary>
public class HexBinsTests
{
    private static readonly GeometryFactory LonLat = new(new PrecisionModel(), 4326);

    [Fact]
    public void PointsAFewMetresApart_ShareAHexagon_FarOnesDoNot_NoPositionIsSkipped()
    {
        var metric = LocalMetric.At(28.0);
        (double, double) East(double metres) => (120.65 + metres / metric.MetresPerDegreeLon, 28.0);
        var bins = HexBins.Of([(120.65, 28.0), East(5), East(-5), East(2000), (double.NaN, double.NaN)], 100, origin: (120.65, 28.0));

        Assert.Equal([3L, 1L], bins.Select(b => b.Count));
        Assert.True(bins[0].Outline.Covers(LonLat.CreatePoint(new Coordinate(120.65, 28.0))));
        Assert.True(bins[0].Outline.IsValid);
        Assert.True(bins[0].Outline.Shell.IsCCW);
        // A hexagon of size s (centre to corner) has the area 3√3/2·s².
        var area = bins[0].Outline.Area * metric.MetresPerDegreeLon * metric.MetresPerDegreeLat;
        Assert.Equal(3 * Math.Sqrt(3) / 2 * 100 * 100, area, 1.0);
        Assert.Empty(HexBins.Of([], 100));
        // Another origin lays another lattice; the same origin, the same hexagons whatever else is binned.
        var alone = Assert.Single(HexBins.Of([(120.65, 28.0)], 100, origin: (120.65, 28.0)));
        Assert.Equal((bins[0].Q, bins[0].R), (alone.Q, alone.R));
        Assert.True(bins[0].Outline.EqualsExact(alone.Outline, 1e-12));
    }

    [Theory]
    [InlineData(9.99)]
    [InlineData(5000.1)]
    [InlineData(double.NaN)]
    public void ASizeOutOfRange_IsRefused(double size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HexBins.Of([(120.65, 28.0)], size));

    /// <summary>Every point lies in the outline of the hexagon that counts it, and the counts add up to the points.</summary>
    [Property(MaxTest = 200)]
    public Property EveryPoint_IsCountedOnce_InTheHexagonThatCoversIt() =>
        Prop.ForAll(
            (from n in Gen.Choose(1, 40)
             from points in Gen.ArrayOf(from dx in Gen.Choose(-20000, 20000) from dy in Gen.Choose(-20000, 20000) select (120.65 + dx / 1e5, 28.0 + dy / 1e5), n)
             from size in Gen.Elements(10.0, 50.0, 333.0, 2500.0)
             select (points, size)).ToArbitrary(),
            input =>
            {
                var bins = HexBins.Of(input.points, input.size);
                var counted = bins.Sum(b => b.Count) == input.points.Length;
                // Covered with a hair of tolerance: a point on an edge belongs to one hexagon and touches its neighbour.
                var covered = input.points.All(p => bins.Any(b => b.Outline.Buffer(1e-9).Covers(LonLat.CreatePoint(new Coordinate(p.Item1, p.Item2)))));
                return counted && covered;
            });

    private static Grid Square(string code, double x, double y, string? community, string? street) =>
        new(code, code, street, "街道" + street, community, "社区" + community,
            LonLat.CreatePolygon([new(x, y), new(x + 0.001, y), new(x + 0.001, y + 0.001), new(x, y + 0.001), new(x, y)]), 0, 1, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Communities_AreTheUnionsOfTheirGrids_GridsWithoutOneAreLeftOut()
    {
        Grid[] grids =
        [
            Square("33030200100101", 120.0, 28.0, "330302001001", "330302001"),
            Square("33030200100102", 120.001, 28.0, "330302001001", "330302001"),
            Square("33030200100201", 120.0, 28.001, "330302001002", "330302001"),
            Square("X-1", 121.0, 28.0, null, null),
        ];
        var communities = EvaluationArea.Of(EvaluationLevel.Community, grids);
        Assert.Equal(["330302001001", "330302001002"], communities.Select(a => a.Code));
        var first = communities[0];
        Assert.IsType<Polygon>(first.Boundary);
        Assert.Equal(0.000002, first.Boundary.Area, 12);
        Assert.Equal(("社区330302001001", "330302001"), (first.Name, first.Within.Single(w => w.Name == "street_code").Value));
        var street = Assert.Single(EvaluationArea.Of(EvaluationLevel.Street, grids));
        Assert.Equal(0.000003, street.Boundary.Area, 12);
        Assert.Throws<ArgumentException>(() => EvaluationArea.Of(EvaluationLevel.Officer, grids));
    }
}
