using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using GridServer.Abstractions.Reference;
using GridServer.Domain.Geo;
using GridServer.Domain.Import;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Grids;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.Operation.Valid;

namespace GridServer.Silo.Reference;

/// <summary>What is wrong with one record of an import: its place (1-based feature or data row), its key when known, the field, and what would be right.</summary>
public sealed record ImportProblem(int Record, string? Key, string? Field, string Message);

/// <summary>
/// The records an import read (those without problems, with their 1-based place in the file in <see cref="Numbers"/>),
/// every problem found (any problem refuses the whole import), and the fields it ignored because the set does not declare them.
/// </summary>
public sealed record ParsedImport(ImmutableArray<ReferenceRecordData> Records, ImmutableArray<ImportProblem> Problems, ImmutableArray<string> IgnoredFields)
{
    public ImmutableArray<int> Numbers { get; init; } = [];

    /// <summary>The text encoding a CSV was read in, and why; null for GeoJSON (always UTF-8).</summary>
    public string? Encoding { get; init; }
}

/// <summary>A document that cannot be read at all: the message says where and what to do.</summary>
public sealed class ReferenceImportException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads reference records for a declared set from GeoJSON (a FeatureCollection; the key in the property <c>key</c>
/// or <c>id</c>, the fields in the other properties) or CSV (a header row; the key in column <c>key</c> or <c>id</c>;
/// a shape in <c>lon</c>/<c>lat</c> columns or a <c>wkt</c> column). Every record is checked the same way whatever
/// the format: its key, its required fields, its text, its shape. The module's own check comes after.
/// </summary>
public static class ReferenceImport
{
    public const int MaxKey = 200;
    public const int MaxField = 2_000;

    /// <summary>How many problems an answer lists; the count says how many there were.</summary>
    public const int MaxListedProblems = 50;

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    private static readonly string[] KeyNames = ["key", "id"];

    /// <summary>Reads a GeoJSON document. <paramref name="crs"/>: the coordinate system its numbers are in when it declares none (null: WGS84).</summary>
    /// <param name="maxRecords">The most records the set holds: more refuse the whole file.</param>
    public static ParsedImport FromGeoJson(ReadOnlySpan<byte> utf8, ReferenceDataSet set, string? crs, Func<string, CrsDefinition?>? named = null,
        int maxRecords = IReferenceSetGrain.MaxRecords)
    {
        ArgumentNullException.ThrowIfNull(set);
        SourceDataset dataset;
        try
        {
            dataset = GeoJsonGridReader.Read(utf8, "the body");
        }
        catch (GridFileException e)
        {
            throw new ReferenceImportException(e.Message, e);
        }
        var source = ResolveCrs(dataset.CrsDeclaration ?? crs, named);
        var rows = dataset.Features.Select(f => new Row(f.Index + 1,
            f.Attributes.ToDictionary(a => a.Key, a => Text(a.Value), StringComparer.Ordinal), f.Geometry, f.GeometryError));
        return Check(rows, set, source, maxRecords);
    }

    /// <summary>Reads CSV text (UTF-8, a header row). <paramref name="crs"/>: the coordinate system of its lon/lat or WKT (null: WGS84).</summary>
    public static ParsedImport FromCsv(string text, ReferenceDataSet set, string? crs, Func<string, CrsDefinition?>? named = null,
        int maxRecords = IReferenceSetGrain.MaxRecords)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(set);
        var source = ResolveCrs(crs, named);
        using var reader = new StringReader(text.TrimStart('\uFEFF'));
        try
        {
            return Check(CsvRows(reader, maxRecords), set, source, maxRecords);
        }
        catch (FormatException e)
        {
            throw new ReferenceImportException($"the CSV: {e.Message}", e);
        }
    }

    /// <summary>The data rows of a CSV, read lazily (so that a file too large stops at its limit), header checked first.</summary>
    private static IEnumerable<Row> CsvRows(TextReader reader, int maxRecords)
    {
        using var lines = Csv.Read(reader).GetEnumerator();
        var first = lines.MoveNext() ? lines.Current : null;
        if (first?.Error is { } headerError) throw new ReferenceImportException($"the header row: {headerError}");
        var header = first?.Fields;
        if (header is null || header.Count == 0 || header.All(string.IsNullOrWhiteSpace)) throw new ReferenceImportException("the CSV is empty: it needs a header row naming its columns (key, the set's fields, lon/lat or wkt)");
        var names = header.Select(h => h.Trim()).ToList();
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ReferenceImportException($"the header names column '{Shorten(twice.Key)}' twice");
        var count = 0;
        for (var number = 1; lines.MoveNext(); number++)
        {
            var (fields, error, blank) = lines.Current;
            if (error is not null) throw new ReferenceImportException($"data row {number}: {error}");
            if (blank) continue;
            if (fields.Count != names.Count)
                throw new ReferenceImportException($"data row {number} has {fields.Count} columns; the header has {names.Count}");
            if (count++ >= maxRecords) throw new ReferenceImportException($"more than {maxRecords} rows; a set holds at most {maxRecords}");
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < names.Count; i++) values[names[i]] = string.IsNullOrEmpty(fields[i]) ? null : fields[i];
            var (shape, shapeError) = CsvShape(values);
            values.Remove("lon");
            values.Remove("lat");
            values.Remove("wkt");
            yield return new Row(number, values, shape, shapeError);
        }
    }

    private sealed record Row(int Number, Dictionary<string, string?> Values, Geometry? Shape, string? ShapeError);

    private static (Geometry? Shape, string? Error) CsvShape(Dictionary<string, string?> values)
    {
        var (lonText, latText, wkt) = (values.GetValueOrDefault("lon"), values.GetValueOrDefault("lat"), values.GetValueOrDefault("wkt"));
        if (wkt is not null)
        {
            if (lonText is not null || latText is not null) return (null, "give a shape either as lon/lat or as wkt, not both");
            try
            {
                return (new WKTReader(Factory.GeometryServices).Read(wkt), null);
            }
            catch (Exception e) when (e is ParseException or ArgumentException or FormatException)
            {
                return (null, $"wkt is not well-known text: {Shorten(e.Message)}");
            }
        }
        if (lonText is null && latText is null) return (null, null);
        if (lonText is null || latText is null) return (null, "give both lon and lat, or neither");
        if (!double.TryParse(lonText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) || !double.IsFinite(lon)) return (null, $"lon '{Shorten(lonText)}' is not a number");
        if (!double.TryParse(latText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || !double.IsFinite(lat)) return (null, $"lat '{Shorten(latText)}' is not a number");
        return (Factory.CreatePoint(new Coordinate(lon, lat)), null);
    }

    private static SourceCrs? ResolveCrs(string? spec, Func<string, CrsDefinition?>? named)
    {
        if (spec is null) return null;
        if (!CrsRegistry.TryResolve(spec, out var crs, out var error, named)) throw new ReferenceImportException($"the coordinate system: {error}");
        return crs;
    }

    private static ParsedImport Check(IEnumerable<Row> rows, ReferenceDataSet set, SourceCrs? crs, int maxRecords)
    {
        var declared = (set.Fields.IsDefault ? [] : set.Fields).ToDictionary(f => f.Name, StringComparer.Ordinal);
        var problems = ImmutableArray.CreateBuilder<ImportProblem>();
        var records = ImmutableArray.CreateBuilder<ReferenceRecordData>();
        var numbers = ImmutableArray.CreateBuilder<int>();
        var ignored = new SortedSet<string>(StringComparer.Ordinal);
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var writer = new WKTWriter { OutputOrdinates = Ordinates.XY };
        foreach (var row in rows)
        {
            if (records.Count + problems.Count >= maxRecords)
                throw new ReferenceImportException($"more than {maxRecords} records; a set holds at most {maxRecords}");
            var givenKeys = KeyNames.Where(n => row.Values.GetValueOrDefault(n) is not null).ToList();
            var key = givenKeys.Count > 0 ? row.Values[givenKeys[0]]!.Trim() : null;
            void Problem(string? field, string message) => problems.Add(new ImportProblem(row.Number, key, field, message));
            var before = problems.Count;
            if (givenKeys.Count > 1 && row.Values["key"]!.Trim() != row.Values["id"]!.Trim()) Problem("key", "'key' and 'id' differ; give one");
            if (string.IsNullOrEmpty(key)) Problem("key", "every record needs its key, in 'key' (or 'id')");
            else if (key.Length > MaxKey || key.Any(char.IsControl)) Problem("key", $"the key must be at most {MaxKey} characters, without control characters");
            else if (keys.TryGetValue(key, out var first)) Problem("key", $"key '{Shorten(key)}' is also the key of record {first}");
            else keys[key] = row.Number;

            var fields = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in row.Values)
            {
                if (KeyNames.Contains(name)) continue;
                if (!declared.ContainsKey(name))
                {
                    ignored.Add(Shorten(name));
                    continue;
                }
                if (value is null) continue;
                var text = value.Trim();
                if (text.Length == 0) continue;
                if (text.Length > MaxField) Problem(name, $"at most {MaxField} characters");
                else if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\t'))) Problem(name, "control characters are not allowed");
                else fields[name] = text;
            }
            foreach (var field in declared.Values.Where(f => f.Required && !fields.ContainsKey(f.Name))) Problem(field.Name, $"'{field.Name}' is required: {field.Description}");

            var (wkt, lon, lat) = Shape(row, set.Shape, crs, writer, Problem);
            if (problems.Count == before)
            {
                records.Add(new ReferenceRecordData(key!, fields.ToImmutable(), wkt, lon, lat));
                numbers.Add(row.Number);
            }
        }
        if (ignored.Count > 100) ignored = [.. ignored.Take(100)];
        return new ParsedImport(records.ToImmutable(), problems.ToImmutable(), [.. ignored]) { Numbers = numbers.ToImmutable() };
    }

    private static (string? Wkt, double? Lon, double? Lat) Shape(Row row, ReferenceShape kind, SourceCrs? crs, WKTWriter writer, Action<string?, string> problem)
    {
        if (row.ShapeError is not null)
        {
            problem("geometry", row.ShapeError);
            return default;
        }
        if (kind == ReferenceShape.None)
        {
            if (row.Shape is not null) problem("geometry", "this set's records have no shape: leave the geometry out");
            return default;
        }
        if (row.Shape is not { IsEmpty: false } shape)
        {
            problem("geometry", kind == ReferenceShape.Point ? "a point is required (GeoJSON Point, or lon and lat columns)" : "an area is required (GeoJSON Polygon or MultiPolygon, or a wkt column)");
            return default;
        }
        var wanted = kind == ReferenceShape.Point ? shape is Point : shape is Polygon or MultiPolygon;
        if (!wanted)
        {
            problem("geometry", $"{shape.GeometryType} given; this set's records are {(kind == ReferenceShape.Point ? "points" : "areas (Polygon or MultiPolygon)")}");
            return default;
        }
        try
        {
            if (crs is not null) shape = crs.ToWgs84(shape);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            problem("geometry", $"cannot be converted to WGS84: {Shorten(e.Message)}");
            return default;
        }
        if (shape.Coordinates.Any(c => !double.IsFinite(c.X) || !double.IsFinite(c.Y) || c.X is < -180 or > 180 || c.Y is < -90 or > 90))
        {
            problem("geometry", "coordinates must be longitude -180..180 and latitude -90..90 (WGS84 degrees); give the data's coordinate system with ?crs= when it is another");
            return default;
        }
        if (shape.Coordinates.Length > 10_000)
        {
            problem("geometry", $"{shape.Coordinates.Length} vertices; at most 10000");
            return default;
        }
        if (kind == ReferenceShape.Area)
        {
            var validity = new IsValidOp(shape).ValidationError;
            if (validity is not null)
            {
                problem("geometry", string.Create(CultureInfo.InvariantCulture, $"not a valid area: {validity.Message} at {validity.Coordinate?.X:0.######} {validity.Coordinate?.Y:0.######}"));
                return default;
            }
            if (shape.Area <= 0)
            {
                problem("geometry", "the area is empty");
                return default;
            }
        }
        var inside = kind == ReferenceShape.Point ? (Point)shape : shape.InteriorPoint;
        shape.SRID = 4326;
        return (writer.Write(shape), inside.X, inside.Y);
    }

    /// <summary>
    /// A property value as text. The GeoJSON reader gives strings (objects and arrays as their JSON text), whole
    /// numbers as long, other numbers as double, booleans, and null.
    /// </summary>
    private static string? Text(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };

    internal static string Shorten(string? text) => text is null ? "(null)" : text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>The problems as an answer lists them: the first <see cref="MaxListedProblems"/>.</summary>
    public static string Summary(ImmutableArray<ImportProblem> problems)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{problems.Length} problem{(problems.Length == 1 ? "" : "s")}; nothing was stored. ");
        text.AppendJoin("; ", problems.Take(5).Select(p => $"record {p.Record}{(p.Key is null ? "" : $" ({Shorten(p.Key)})")}{(p.Field is null ? "" : $" {p.Field}")}: {p.Message}"));
        return text.ToString();
    }
}
