using GridServer.Domain.Import;
using GridServer.Tests.Support;

namespace GridServer.Tests.Import;

/// <summary>The public GeoJSON test vectors: good files read, hard-invalid files are refused with a message.</summary>
public class GeoJsonVectorTests
{
    /// <summary>
    /// Files the mapbox set lists as bad only for policy findings that RFC 7946 leaves to the reader. The
    /// reader accepts them, as its remarks document: winding order, positions with more than three
    /// numbers, excessive precision, nested or single-member GeometryCollections.
    /// </summary>
    private static readonly HashSet<string> PolicyOnly = new(StringComparer.Ordinal)
    {
        "bad-polygon-interiorring-rhr.geojson",
        "polygon_winding_order.geojson",
        "point-toomany.geojson",
        "excessive_precision_truncated.geojson",
        "geometrycollection_nested.geojson",
        "geometrycollection_single.geojson",
    };

    public static IEnumerable<object[]> MapboxGood() => SharedData.Files("geojson-vectors/mapbox-geojsonhint/good", "*.geojson");
    public static IEnumerable<object[]> MapboxBad() => SharedData.Files("geojson-vectors/mapbox-geojsonhint/bad", "*.geojson");
    public static IEnumerable<object[]> SchemaValid() => SharedData.Files("geojson-vectors/geojson-schema-fixtures/valid", "*.json");
    public static IEnumerable<object[]> SchemaInvalid() => SharedData.Files("geojson-vectors/geojson-schema-fixtures/invalid", "*.json");

    [SharedDataTheory]
    [MemberData(nameof(MapboxGood))]
    [MemberData(nameof(SchemaValid))]
    public void Read_GoodFile_ReadsEveryFeatureWithoutError(string file)
    {
        var dataset = GeoJsonGridReader.ReadFile(SharedData.PathOf(file));
        Assert.All(dataset.Features, f =>
        {
            Assert.True(f.Geometry is not null || f.GeometryError == "feature has no geometry (null)", f.GeometryError);
            if (f.Geometry is not null) Assert.True(f.Geometry.IsValid || f.Geometry.IsEmpty, $"{file}: {f.Geometry}");
        });
    }

    [SharedDataTheory]
    [MemberData(nameof(MapboxBad))]
    [MemberData(nameof(SchemaInvalid))]
    public void Read_BadFile_RefusedWithMessageUnlessPolicyOnly(string file)
    {
        var path = SharedData.PathOf(file);
        if (PolicyOnly.Contains(Path.GetFileName(file)))
        {
            var dataset = GeoJsonGridReader.ReadFile(path);
            Assert.All(dataset.Features, f => Assert.Null(f.GeometryError));
            return;
        }
        string? message = null;
        try
        {
            var dataset = GeoJsonGridReader.ReadFile(path);
            message = dataset.Features.FirstOrDefault(f => f.GeometryError is not null && f.Geometry is null
                && f.GeometryError != "feature has no geometry (null)")?.GeometryError;
        }
        catch (GridFileException e)
        {
            message = e.Message;
            Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        }
        Assert.False(string.IsNullOrWhiteSpace(message), $"{file} was accepted");
    }
}
