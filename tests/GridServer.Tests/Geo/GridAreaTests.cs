using GridServer.Domain.Geo;
using NetTopologySuite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Xunit.Abstractions;
using static GridServer.Tests.Geo.GeoReference;

namespace GridServer.Tests.Geo;

public class GridAreaTests(ITestOutputHelper output)
{
    private static readonly WKTReader Wkt = new(new NtsGeometryServices(new PrecisionModel(), 4326));

    private static string Box(double lon0, double lat0, double lon1, double lat1) =>
        FormattableString.Invariant($"({lon0} {lat0}, {lon1} {lat0}, {lon1} {lat1}, {lon0} {lat1}, {lon0} {lat0})");

    private void AssertRelative(double expected, double actual, double tolerance, string what)
    {
        var relative = Math.Abs(actual - expected) / expected;
        output.WriteLine($"{what}: {actual:F3} m² vs reference {expected:F3} m², relative error {relative:E2}");
        Assert.True(relative < tolerance, $"{what}: relative error {relative:E2}");
    }

    [Fact]
    public void Area_Cell001DegreeAt28N_MatchesEllipsoidalQuadrilateralWithin0_1Percent()
    {
        var cell = Wkt.Read($"POLYGON({Box(120.60, 28.00, 120.61, 28.01)})");
        var expected = QuadrilateralAreaSquareMetres(120.60, 28.00, 120.61, 28.01);
        AssertRelative(expected, GridArea.AreaSquareMetres(cell), 0.001, "0.01° cell at 28°N");
        Assert.InRange(expected, 1.08e6, 1.10e6); // about 982 m × 1109 m
    }

    [Fact]
    public void Area_Cell1DegreeAt28N_FollowsLonLatEdgesWithin1e6()
    {
        // Parallels are curved in Albers: without following the edges this cell would lose about 0.1%.
        var cell = Wkt.Read($"POLYGON({Box(120, 28, 121, 29)})");
        AssertRelative(QuadrilateralAreaSquareMetres(120, 28, 121, 29), GridArea.AreaSquareMetres(cell), 1e-6, "1° cell at 28°N");
    }

    [Theory]
    [InlineData(75.0, 40.0)]   // Kashgar, 30° west of the central meridian
    [InlineData(126.5, 45.7)]  // Harbin
    [InlineData(110.3, 20.0)]  // Haikou, south of both standard parallels
    public void Area_CellAnywhereInChina_MatchesEllipsoidalQuadrilateral(double lon, double lat)
    {
        var cell = Wkt.Read($"POLYGON({Box(lon, lat, lon + 0.01, lat + 0.01)})");
        AssertRelative(QuadrilateralAreaSquareMetres(lon, lat, lon + 0.01, lat + 0.01), GridArea.AreaSquareMetres(cell), 1e-6,
            FormattableString.Invariant($"0.01° cell at ({lon}, {lat})"));
    }

    [Fact]
    public void Area_PolygonWithHole_IsShellMinusHole()
    {
        // Shell clockwise and hole counter-clockwise: orientation must not matter.
        var polygon = Wkt.Read(
            $"POLYGON((120.60 28.00, 120.60 28.02, 120.62 28.02, 120.62 28.00, 120.60 28.00), {Box(120.605, 28.005, 120.615, 28.015)})");
        var expected = QuadrilateralAreaSquareMetres(120.60, 28.00, 120.62, 28.02)
            - QuadrilateralAreaSquareMetres(120.605, 28.005, 120.615, 28.015);
        AssertRelative(expected, GridArea.AreaSquareMetres(polygon), 1e-6, "0.02° cell with a 0.01° hole");
    }

    [Fact]
    public void Area_MultiPolygonAndCollection_SumPolygonsOnly()
    {
        var a = QuadrilateralAreaSquareMetres(120.60, 28.00, 120.61, 28.01);
        var b = QuadrilateralAreaSquareMetres(120.70, 28.10, 120.71, 28.11);
        var multi = Wkt.Read($"MULTIPOLYGON(({Box(120.60, 28.00, 120.61, 28.01)}), ({Box(120.70, 28.10, 120.71, 28.11)}))");
        AssertRelative(a + b, GridArea.AreaSquareMetres(multi), 1e-6, "two cells");
        var collection = Wkt.Read($"GEOMETRYCOLLECTION(POINT(120 28), LINESTRING(120 28, 121 29), POLYGON({Box(120.60, 28.00, 120.61, 28.01)}))");
        AssertRelative(a, GridArea.AreaSquareMetres(collection), 1e-6, "collection");
        Assert.Equal(0, GridArea.AreaSquareMetres(Wkt.Read("LINESTRING(120 28, 121 29)")));
        Assert.Equal(0, GridArea.AreaSquareMetres(Wkt.Read("POLYGON EMPTY")));
    }

    [Fact]
    public void Area_ProjectedGeometry_Refused()
    {
        var projected = new GeometryFactory(new PrecisionModel(), 4549).CreatePoint(new Coordinate(500000, 3100000)).Buffer(100);
        var e = Assert.Throws<ArgumentException>(() => GridArea.AreaSquareMetres(projected));
        Assert.Contains("SRID 4549", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Albers_CentralMeridian_MapsToXZero()
    {
        // ProjNET reads "longitude_of_center"; a parameter it ignored would leave the projection centred on 0°E.
        var (x, _) = GridArea.ToAlbers.Transform(105, 35);
        var (xEast, _) = GridArea.ToAlbers.Transform(106, 35);
        Assert.Equal(0, x, 1e-6);
        Assert.InRange(xEast, 80_000, 100_000);
    }
}
