using System.Globalization;
using System.Text.Json;
using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;

namespace GridServer.Domain.Export;

/// <summary>
/// Writes grids as an RFC 7946 FeatureCollection: lon/lat WGS84, 7 decimals (about 1 cm), exterior rings
/// counter-clockwise and holes clockwise (the right-hand rule).
/// </summary>
public static class GeoJsonGridWriter
{
    public const int Decimals = 7;

    public static void Write(Stream output, IEnumerable<Grid> grids)
    {
        using var json = CreateWriter(output);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
        foreach (var grid in grids)
        {
            WriteFeature(json, grid);
            json.Flush();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One grid as a GeoJSON Feature (id = code), the form every feature of <see cref="Write"/> takes.</summary>
    public static void WriteFeature(Utf8JsonWriter json, Grid grid)
    {
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteString("id", grid.Code);
        json.WritePropertyName("properties");
        json.WriteStartObject();
        json.WriteString("code", grid.Code);
        json.WriteString("name", grid.Name);
        WriteOptional(json, "street_code", grid.StreetCode);
        WriteOptional(json, "street_name", grid.StreetName);
        WriteOptional(json, "community_code", grid.CommunityCode);
        WriteOptional(json, "community_name", grid.CommunityName);
        json.WriteNumber("area_m2", Math.Round(grid.AreaSquareMetres, 2));
        json.WriteNumber("version", grid.Version);
        json.WriteString("valid_from", grid.ValidFrom.ToString("O", CultureInfo.InvariantCulture));
        if (grid.ValidTo is { } validTo) json.WriteString("valid_to", validTo.ToString("O", CultureInfo.InvariantCulture));
        if (grid.ChangedBy is { } changedBy) json.WriteString("changed_by", changedBy);
        if (grid.EndedBy is { } endedBy) json.WriteString("ended_by", endedBy);
        json.WriteEndObject();
        json.WritePropertyName("geometry");
        WriteGeometry(json, grid.Boundary);
        json.WriteEndObject();
    }

    /// <summary>A compact writer that keeps Chinese text readable instead of \u-escaping it.</summary>
    public static Utf8JsonWriter CreateWriter(Stream output) =>
        new(output, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static void WriteFile(string path, IEnumerable<Grid> grids)
    {
        using var file = File.Create(path);
        Write(file, grids);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }

    public static void WriteGeometry(Utf8JsonWriter json, Geometry geometry)
    {
        json.WriteStartObject();
        switch (geometry)
        {
            case Polygon polygon:
                json.WriteString("type", "Polygon");
                json.WritePropertyName("coordinates");
                WritePolygon(json, polygon);
                break;
            case MultiPolygon multi:
                json.WriteString("type", "MultiPolygon");
                json.WritePropertyName("coordinates");
                json.WriteStartArray();
                foreach (var part in multi.Geometries.Cast<Polygon>()) WritePolygon(json, part);
                json.WriteEndArray();
                break;
            // The shapes a finding is drawn with besides polygons: the rings of an invalid boundary, the point where it fails.
            case Point point:
                json.WriteString("type", "Point");
                json.WritePropertyName("coordinates");
                WritePosition(json, point.Coordinate);
                break;
            case LineString line:
                json.WriteString("type", "LineString");
                json.WritePropertyName("coordinates");
                WritePositions(json, line.Coordinates);
                break;
            case MultiLineString lines:
                json.WriteString("type", "MultiLineString");
                json.WritePropertyName("coordinates");
                json.WriteStartArray();
                foreach (var line in lines.Geometries) WritePositions(json, line.Coordinates);
                json.WriteEndArray();
                break;
            case GeometryCollection collection when collection is not MultiPoint:
                json.WriteString("type", "GeometryCollection");
                json.WritePropertyName("geometries");
                json.WriteStartArray();
                foreach (var part in collection.Geometries) WriteGeometry(json, part);
                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"a grid boundary must be a Polygon or MultiPolygon, not {geometry.GeometryType}", nameof(geometry));
        }
        json.WriteEndObject();
    }

    /// <summary>A geometry as a GeoJSON text (lon/lat, rounded as boundaries are).</summary>
    public static string GeometryText(Geometry geometry)
    {
        using var buffer = new MemoryStream();
        using (var json = CreateWriter(buffer)) WriteGeometry(json, geometry);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WritePositions(Utf8JsonWriter json, Coordinate[] positions)
    {
        json.WriteStartArray();
        foreach (var c in positions) WritePosition(json, c);
        json.WriteEndArray();
    }

    private static void WritePosition(Utf8JsonWriter json, Coordinate c)
    {
        json.WriteStartArray();
        json.WriteNumberValue(Math.Round(c.X, Decimals));
        json.WriteNumberValue(Math.Round(c.Y, Decimals));
        json.WriteEndArray();
    }

    private static void WritePolygon(Utf8JsonWriter json, Polygon polygon)
    {
        json.WriteStartArray();
        if (!polygon.IsEmpty)
        {
            WriteRing(json, polygon.ExteriorRing.Coordinates, counterClockwise: true);
            foreach (var hole in polygon.InteriorRings) WriteRing(json, hole.Coordinates, counterClockwise: false);
        }
        json.WriteEndArray();
    }

    private static void WriteRing(Utf8JsonWriter json, Coordinate[] ring, bool counterClockwise)
    {
        var reverse = NetTopologySuite.Algorithm.Orientation.IsCCW(ring) != counterClockwise;
        json.WriteStartArray();
        for (var k = 0; k < ring.Length; k++)
        {
            WritePosition(json, ring[reverse ? ring.Length - 1 - k : k]);
        }
        json.WriteEndArray();
    }
}
