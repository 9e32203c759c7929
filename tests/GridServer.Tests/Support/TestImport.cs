using GridServer.Domain.Import;
using GridServer.Domain.Spatial;
using NetTopologySuite.Geometries;

namespace GridServer.Tests.Support;

/// <summary>An importer for files already in lon/lat, with areas from a local metric frame.</summary>
public static class TestImport
{
    public static GridImporter Importer() => new(g => g.Copy(), PlanarArea, TimeProvider.System);

    public static double PlanarArea(Geometry g)
    {
        var metric = LocalMetric.At(g.Centroid.IsEmpty ? 0 : g.Centroid.Y);
        return g.Area * metric.MetresPerDegreeLon * metric.MetresPerDegreeLat;
    }

    public static GridImportResult Check(string geojson, GridImportOptions? options = null) =>
        Importer().Check(GeoJsonGridReader.Read(System.Text.Encoding.UTF8.GetBytes(geojson), "test.geojson"), options ?? new GridImportOptions());

    /// <summary>A FeatureCollection of polygons given as (code, coordinates JSON of a Polygon).</summary>
    public static string Collection(params (string Code, string Coordinates)[] features) =>
        "{\"type\":\"FeatureCollection\",\"features\":[" + string.Join(",", features.Select(f =>
            $"{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{f.Code}\",\"name\":\"网格{f.Code[^2..]}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":{f.Coordinates}}}}}")) + "]}";

    /// <summary>An axis-aligned square around Wenzhou, side in units of 0.001°.</summary>
    public static string Square(double x0, double y0, double side = 1) =>
        FormattableString.Invariant($"[[[{120.6 + x0 * 0.001},{28 + y0 * 0.001}],[{120.6 + (x0 + side) * 0.001},{28 + y0 * 0.001}],[{120.6 + (x0 + side) * 0.001},{28 + (y0 + side) * 0.001}],[{120.6 + x0 * 0.001},{28 + (y0 + side) * 0.001}],[{120.6 + x0 * 0.001},{28 + y0 * 0.001}]]]");
}
