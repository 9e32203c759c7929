using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Geometries;

namespace GridServer.Domain.Import;

/// <summary>
/// Reads GeoJSON (RFC 7946, and the 2008 form with a <c>crs</c> member) strictly: a malformed document
/// is refused with a message that names the file and the place; a malformed geometry inside a feature
/// marks that feature, so one run reports every bad feature.
/// </summary>
/// <remarks>
/// Decisions on what RFC 7946 leaves to the reader: ring winding order is not checked (readers must not
/// reject it; the exporter writes the right-hand rule); positions beyond three elements are accepted and
/// the extra elements ignored; nested or single-member GeometryCollections are accepted; coordinate
/// precision is kept as written. Without a <c>crs</c> member the coordinates are WGS84 lon/lat, as RFC 7946
/// defines; a file whose numbers are not lon/lat fails validation with a hint to pass its CRS.
/// </remarks>
public static class GeoJsonGridReader
{
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 0);

    private static readonly HashSet<string> GeometryTypes =
        ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"];

    public static SourceDataset ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GridFileException($"{path}: cannot read the file: {e.Message}", e);
        }
        return Read(bytes, path);
    }

    public static SourceDataset Read(ReadOnlySpan<byte> utf8, string fileName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new GridFileException($"{fileName}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new GridFileException($"{fileName}: the root of a GeoJSON document must be an object, not {Describe(root)}");
            try
            {
                return ReadRoot(root, fileName);
            }
            catch (GeoJsonFormatException e)
            {
                throw new GridFileException($"{fileName}: {e.Message}", e);
            }
        }
    }

    private static SourceDataset ReadRoot(JsonElement root, string fileName)
    {
        CheckDuplicates(root, "the root object");
        var type = RequiredType(root, "the root object");
        var crs = ReadCrs(root);
        CheckBbox(root, "the root object");
        switch (type)
        {
            case "FeatureCollection":
                Forbid(root, "FeatureCollection", "properties", "coordinates", "geometry", "geometries");
                if (!root.TryGetProperty("features", out var features))
                    throw new GeoJsonFormatException("a FeatureCollection needs a \"features\" member");
                if (features.ValueKind != JsonValueKind.Array)
                    throw new GeoJsonFormatException($"\"features\" must be an array, not {Describe(features)}");
                var list = new List<SourceFeature>(features.GetArrayLength());
                var index = 0;
                foreach (var feature in features.EnumerateArray()) list.Add(ReadFeature(feature, index++));
                return new SourceDataset(fileName, list, crs);
            case "Feature":
                return new SourceDataset(fileName, [ReadFeature(root, 0)], crs);
            default:
                if (!GeometryTypes.Contains(type))
                    throw new GeoJsonFormatException(UnknownType(type));
                // A bare geometry: one feature without attributes. Structural errors refuse the file.
                return new SourceDataset(fileName, [new SourceFeature(0, new Dictionary<string, object?>(), ReadGeometry(root, "the root geometry"))], crs);
        }
    }

    private static SourceFeature ReadFeature(JsonElement feature, int index)
    {
        var where = $"feature {index}";
        if (feature.ValueKind != JsonValueKind.Object)
            throw new GeoJsonFormatException($"{where} must be an object, not {Describe(feature)}");
        CheckDuplicates(feature, where);
        var type = RequiredType(feature, where);
        if (type != "Feature")
            throw new GeoJsonFormatException($"{where} has type \"{type}\"; every member of \"features\" must have type \"Feature\"");
        Forbid(feature, where, "features", "coordinates", "geometries");
        ForbidNestedCrs(feature, where);
        CheckBbox(feature, where);
        if (feature.TryGetProperty("id", out var id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            throw new GeoJsonFormatException($"{where}: \"id\" must be a string or a number, not {Describe(id)}");

        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (feature.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in properties.EnumerateObject())
                {
                    if (!attributes.TryAdd(p.Name, Value(p.Value)))
                        throw new GeoJsonFormatException($"{where}: property \"{p.Name}\" occurs twice");
                }
            }
            else if (properties.ValueKind != JsonValueKind.Null)
            {
                throw new GeoJsonFormatException($"{where}: \"properties\" must be an object or null, not {Describe(properties)}");
            }
        }
        else
        {
            throw new GeoJsonFormatException($"{where} has no \"properties\" member (RFC 7946 requires it, null when empty)");
        }

        if (!feature.TryGetProperty("geometry", out var geometry))
            throw new GeoJsonFormatException($"{where} has no \"geometry\" member (RFC 7946 requires it, null when absent)");
        if (geometry.ValueKind == JsonValueKind.Null)
            return new SourceFeature(index, attributes, null, "feature has no geometry (null)");
        try
        {
            return new SourceFeature(index, attributes, ReadGeometry(geometry, "geometry"));
        }
        catch (GeoJsonFormatException e)
        {
            return new SourceFeature(index, attributes, null, e.Message);
        }
    }

    private static Geometry ReadGeometry(JsonElement g, string where)
    {
        if (g.ValueKind != JsonValueKind.Object)
            throw new GeoJsonFormatException($"{where} must be an object, not {Describe(g)}");
        CheckDuplicates(g, where);
        var type = RequiredType(g, where);
        if (!GeometryTypes.Contains(type))
            throw new GeoJsonFormatException(type is "Feature" or "FeatureCollection"
                ? $"{where} is a {type}, not a geometry"
                : UnknownType(type));
        Forbid(g, $"a {type} geometry", "properties", "geometry", "features");
        ForbidNestedCrs(g, where);
        CheckBbox(g, where);
        if (type == "GeometryCollection")
        {
            if (!g.TryGetProperty("geometries", out var members) || members.ValueKind != JsonValueKind.Array)
                throw new GeoJsonFormatException($"a GeometryCollection needs a \"geometries\" array");
            var parts = new List<Geometry>();
            var i = 0;
            foreach (var member in members.EnumerateArray()) parts.Add(ReadGeometry(member, $"member {i++} of a GeometryCollection"));
            return Factory.CreateGeometryCollection(parts.ToArray());
        }
        if (!g.TryGetProperty("coordinates", out var c))
            throw new GeoJsonFormatException($"a {type} needs a \"coordinates\" member");
        return type switch
        {
            "Point" => Factory.CreatePoint(Position(c)),
            "MultiPoint" => Factory.CreateMultiPoint(Array(c, "a MultiPoint", Position).Select(p => Factory.CreatePoint(p)).ToArray()),
            "LineString" => Line(c),
            "MultiLineString" => Factory.CreateMultiLineString(Array(c, "a MultiLineString", Line)),
            "Polygon" => Polygon(c),
            _ => Factory.CreateMultiPolygon(Array(c, "a MultiPolygon", Polygon)),
        };
    }

    private static LineString Line(JsonElement c)
    {
        var points = Array(c, "a LineString", Position);
        if (points.Length < 2)
            throw new GeoJsonFormatException($"a LineString needs two or more positions, has {points.Length}");
        return Factory.CreateLineString(points);
    }

    private static Polygon Polygon(JsonElement c)
    {
        var rings = Array(c, "a Polygon", Ring);
        if (rings.Length == 0) return Factory.CreatePolygon();
        return Factory.CreatePolygon(rings[0], rings[1..]);
    }

    private static LinearRing Ring(JsonElement c)
    {
        var points = Array(c, "a ring", Position);
        if (points.Length < 4)
            throw new GeoJsonFormatException($"a polygon ring needs four or more positions (closed), has {points.Length}");
        if (!SamePosition(c[0], c[points.Length - 1]))
            throw new GeoJsonFormatException(
                $"a polygon ring is not closed: it starts at {Format(points[0])} and ends at {Format(points[^1])}");
        return Factory.CreateLinearRing(points);
    }

    /// <summary>First and last positions of a ring must be identical, extra dimensions included.</summary>
    private static bool SamePosition(JsonElement a, JsonElement b)
    {
        var n = a.GetArrayLength();
        if (n != b.GetArrayLength()) return false;
        for (var i = 0; i < n; i++)
        {
            if (a[i].GetDouble() != b[i].GetDouble()) return false;
        }
        return true;
    }

    private static Coordinate Position(JsonElement c)
    {
        if (c.ValueKind != JsonValueKind.Array)
            throw new GeoJsonFormatException($"a position must be an array of numbers, not {Describe(c)}");
        var n = c.GetArrayLength();
        if (n < 2)
            throw new GeoJsonFormatException($"a position needs two or more numbers, has {n}");
        foreach (var e in c.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number)
                throw new GeoJsonFormatException(e.ValueKind == JsonValueKind.Array
                    ? "a coordinate array was nested too deeply for its geometry type"
                    : $"every element of a position must be a number, found {Describe(e)}");
        }
        var x = c[0].GetDouble();
        var y = c[1].GetDouble();
        if (!double.IsFinite(x) || !double.IsFinite(y))
            throw new GeoJsonFormatException("a position holds a number too large to represent");
        return new Coordinate(x, y);
    }

    private static T[] Array<T>(JsonElement c, string what, Func<JsonElement, T> item)
    {
        if (c.ValueKind != JsonValueKind.Array)
            throw new GeoJsonFormatException($"the coordinates of {what} must be an array, not {Describe(c)}");
        var result = new T[c.GetArrayLength()];
        var i = 0;
        foreach (var e in c.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Number && typeof(T) != typeof(Coordinate))
                throw new GeoJsonFormatException($"a number was found where the coordinates of {what} need a deeper array");
            result[i++] = item(e);
        }
        return result;
    }

    private static string? ReadCrs(JsonElement root)
    {
        if (!root.TryGetProperty("crs", out var crs) || crs.ValueKind == JsonValueKind.Null) return null;
        if (crs.ValueKind != JsonValueKind.Object)
            throw new GeoJsonFormatException($"\"crs\" must be an object, not {Describe(crs)}");
        if (!crs.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String || t.GetString() != "name"
            || !crs.TryGetProperty("properties", out var p) || p.ValueKind != JsonValueKind.Object
            || !p.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            throw new GeoJsonFormatException("only a named \"crs\" is understood: {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:4549\"}}; pass --srs instead");
        return NormaliseCrsName(name.GetString()!);
    }

    /// <summary>"urn:ogc:def:crs:EPSG::4549" → "EPSG:4549"; OGC CRS84 → "EPSG:4326"; anything else as given.</summary>
    internal static string NormaliseCrsName(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.EndsWith("CRS84", StringComparison.OrdinalIgnoreCase)) return "EPSG:4326";
        var marker = trimmed.IndexOf("EPSG:", StringComparison.OrdinalIgnoreCase);
        if (marker >= 0)
        {
            var code = trimmed[(marker + 5)..].TrimStart(':');
            var digits = code.Split(':').Last();
            if (digits.Length > 0 && digits.All(char.IsAsciiDigit)) return "EPSG:" + digits;
        }
        return trimmed;
    }

    private static void CheckBbox(JsonElement e, string where)
    {
        if (!e.TryGetProperty("bbox", out var bbox)) return;
        if (bbox.ValueKind != JsonValueKind.Array)
            throw new GeoJsonFormatException($"{where}: \"bbox\" must be an array of numbers, not {Describe(bbox)}");
        var n = bbox.GetArrayLength();
        if (n is not (4 or 6))
            throw new GeoJsonFormatException($"{where}: \"bbox\" must hold 4 (2D) or 6 (3D) numbers, holds {n}");
        if (bbox.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
            throw new GeoJsonFormatException($"{where}: every element of \"bbox\" must be a number");
    }

    private static string RequiredType(JsonElement e, string where)
    {
        if (!e.TryGetProperty("type", out var type))
            throw new GeoJsonFormatException($"{where} has no \"type\" member");
        if (type.ValueKind != JsonValueKind.String)
            throw new GeoJsonFormatException($"{where}: \"type\" must be a string, not {Describe(type)}");
        var value = type.GetString()!;
        if (!GeometryTypes.Contains(value) && value is not ("Feature" or "FeatureCollection"))
        {
            var known = GeometryTypes.Concat(["Feature", "FeatureCollection"])
                .FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase));
            throw new GeoJsonFormatException(known is null
                ? $"{where}: {UnknownType(value)}"
                : $"{where}: type \"{value}\" must be written \"{known}\" (GeoJSON types are case-sensitive)");
        }
        return value;
    }

    private static string UnknownType(string type) =>
        $"unknown GeoJSON type \"{type}\"; expected FeatureCollection, Feature or a geometry type";

    private static void Forbid(JsonElement e, string what, params string[] members)
    {
        foreach (var m in members)
        {
            if (e.TryGetProperty(m, out _))
                throw new GeoJsonFormatException($"{what} must not have a \"{m}\" member (it would change the object's meaning)");
        }
    }

    /// <summary>A "crs" below the root would give one feature other coordinates than the rest: refused, never ignored.</summary>
    private static void ForbidNestedCrs(JsonElement e, string where)
    {
        if (e.TryGetProperty("crs", out var crs) && crs.ValueKind != JsonValueKind.Null)
            throw new GeoJsonFormatException($"{where} has its own \"crs\" member; only the root object may declare the coordinate system (or pass --srs)");
    }

    private static void CheckDuplicates(JsonElement e, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name))
                throw new GeoJsonFormatException($"{where} has the member \"{p.Name}\" twice, so its meaning is ambiguous");
        }
    }

    private static object? Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.TryGetInt64(out var l) ? l : v.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => v.GetRawText(),
    };

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Short(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };

    private static string Short(string s) => s.Length <= 30 ? s : s[..30] + "…";

    private static string Format(Coordinate c) =>
        string.Create(CultureInfo.InvariantCulture, $"[{c.X}, {c.Y}]");

    private sealed class GeoJsonFormatException(string message) : Exception(message);
}
