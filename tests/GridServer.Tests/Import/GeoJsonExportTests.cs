using GridServer.Domain.Export;
using GridServer.Domain.Import;
using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;
using static GridServer.Tests.Support.TestImport;

namespace GridServer.Tests.Import;

public class GeoJsonExportTests
{
    [Fact]
    public void Write_ThenRead_RoundTripsWithRightHandRuleAndSevenDecimals()
    {
        // Exterior clockwise and hole counter-clockwise on input: the writer must flip both.
        var holed = "[[[120.6,28.0],[120.6,28.01],[120.61,28.01],[120.61,28.0],[120.6,28.0]],[[120.602,28.002],[120.608,28.002],[120.608,28.008],[120.602,28.008],[120.602,28.002]]]";
        var source = Check(Collection(("33030200100101", holed), ("33030200100102", "[[[120.61,28.0],[120.62,28.0],[120.62,28.01],[120.61,28.01],[120.61,28.0]]]")));
        Assert.True(source.Accepted);
        using var stream = new MemoryStream();
        GeoJsonGridWriter.Write(stream, source.Grids);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.DoesNotContain("\\u", text);
        var back = GeoJsonGridReader.Read(stream.ToArray(), "export.geojson");
        Assert.Equal(2, back.Features.Count);
        var polygon = Assert.IsType<Polygon>(back.Features[0].Geometry);
        Assert.True(Orientation.IsCCW(polygon.ExteriorRing.Coordinates));
        Assert.False(Orientation.IsCCW(polygon.InteriorRings[0].Coordinates));
        Assert.True(polygon.EqualsTopologically(source.Grids[0].Boundary));
        Assert.Equal("33030200100101", back.Features[0].Attributes["code"]);
        Assert.Equal("网格01", back.Features[0].Attributes["name"]);
    }

    [Fact]
    public void Write_RoundsToSevenDecimals()
    {
        var source = Check(Collection(("33030200100101", "[[[120.600000049,28.0],[120.61,28.0],[120.61,28.01],[120.600000049,28.0]]]")));
        using var stream = new MemoryStream();
        GeoJsonGridWriter.Write(stream, source.Grids);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("[120.6,28]", text);
        Assert.DoesNotContain("120.600000049", text);
    }
}
