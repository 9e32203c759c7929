using System.Text;
using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri.Shapefiles.Readers;

namespace GridServer.Domain.Import;

/// <summary>
/// Reads grid boundaries from an Esri shapefile: the .shp with its .shx and .dbf beside it, and the .prj
/// and .cpg when present.
/// </summary>
/// <remarks>
/// Geometries are in the file's own coordinate system, as stored; the .prj text is handed on unparsed,
/// and a file without one declares no coordinate system (nothing is guessed). Attribute text is decoded
/// with, in order: the encoding the caller names; the .cpg (or GeoServer's .cst); for text that is not
/// UTF-8, the Chinese language driver id of the .dbf header; and otherwise UTF-8 when the bytes are valid
/// UTF-8, GBK when they are not. Every failure to read the file is a <see cref="GridFileException"/>
/// naming the file; a feature whose geometry cannot be built is kept, with the reason.
/// </remarks>
public static class ShapefileGridReader
{
    private const string NoGeometry = "feature has no geometry";

    /// <summary>Reads every feature of a polygon shapefile.</summary>
    /// <param name="path">The .shp, the .dbf, or the shared path without an extension.</param>
    /// <param name="encodingName">
    /// The attribute text encoding when the caller knows better than the file: a name ("GBK", "UTF-8",
    /// "GB18030", "cp936") or a code page number ("936"); null to take it from the file.
    /// </param>
    /// <returns>The features in file order (records marked deleted in the .dbf are left out).</returns>
    /// <exception cref="GridFileException">
    /// A file of the set is missing, truncated or corrupt; the file holds points or lines; or
    /// <paramref name="encodingName"/> names no known encoding.
    /// </exception>
    public static SourceDataset Read(string path, string? encodingName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var files = ShapefileFiles.Locate(path);

        using var shpStream = Open(files.Shp);
        var shp = ShpLayout.Read(shpStream, files.Shp);
        using var dbfStream = Open(files.Dbf);
        var dbf = DbfLayout.Read(dbfStream, files.Dbf);
        if (shp.RecordErrors.Count != dbf.RecordCount)
            throw new GridFileException(
                $"{files.Shp} holds {shp.RecordErrors.Count} shapes but {files.Dbf} holds {dbf.RecordCount} attribute records; " +
                "they must pair one to one, so one of them is damaged or comes from another shapefile.");

        var (encoding, encodingWhy) = ChooseEncoding(encodingName, files, dbfStream, dbf);
        RefuseDuplicateFieldNames(dbf, encoding, files.Dbf);
        var crs = files.Prj is null ? null : ReadText(files.Prj);

        var features = new List<SourceFeature>(checked((int)dbf.RecordCount));
        var index = 0;
        try
        {
            shpStream.Position = 0;
            dbfStream.Position = 0;
            var options = new ShapefileReaderOptions
            {
                Encoding = encoding,
                // Strict throws on the first invalid polygon and the Fix modes drop or rebuild rings: both
                // hide from the checks that follow what the file really holds. This mode builds what the
                // rings say, valid or not.
                GeometryBuilderMode = GeometryBuilderMode.IgnoreInvalidShapes,
            };
            using var reader = new ShapefilePolygonReader(shpStream, dbfStream, options);
            for (; reader.Read(out var deleted); index++)
            {
                if (deleted)
                    continue;
                var attributes = new Dictionary<string, object?>(reader.Fields.Count, StringComparer.OrdinalIgnoreCase);
                foreach (var field in reader.Fields)
                    attributes[field.Name] = field.Value;
                var recordError = shp.RecordErrors[index];
                var geometry = recordError is null ? ToGridGeometry(reader.Shape) : null;
                features.Add(new SourceFeature(index, attributes.AsReadOnly(), geometry,
                    recordError ?? (geometry is null ? NoGeometry : null)));
            }
        }
        catch (Exception e) when (e is not GridFileException and not OutOfMemoryException)
        {
            // The checks above catch what they can name; anything the library still finds wrong is
            // reported against the record it was reading.
            throw new GridFileException(
                $"{files.Shp} (with {Path.GetFileName(files.Dbf)}) could not be read at record {index + 1}: {e.Message}", e);
        }

        return new SourceDataset(path, features, crs, encodingWhy);
    }

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GridFileException($"{path} cannot be opened: {e.Message}", e);
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GridFileException($"{path} cannot be read: {e.Message}", e);
        }
    }

    private static (Encoding Encoding, string Why) ChooseEncoding(string? option, ShapefileFiles files, Stream dbf, DbfLayout layout)
    {
        if (option is not null)
        {
            var chosen = ShapefileEncodings.Resolve(option)
                ?? throw new GridFileException(
                    $"Unknown text encoding \"{option}\" given for {files.Shp}: name one such as UTF-8, GBK or GB18030, " +
                    "or a code page number such as 936.");
            return (chosen, Describe(chosen, "from the encoding option", option, Utf8Warning(chosen, dbf, layout)));
        }

        string? unrecognised = null;
        foreach (var (declaration, source) in new[] { (files.Cpg, ".cpg"), (files.Cst, ".cst") })
        {
            if (declaration is null || ReadText(declaration) is not { } text)
                continue;
            if (ShapefileEncodings.Resolve(text) is { } declared)
                return (declared, Describe(declared, "from " + source, text, Utf8Warning(declared, dbf, layout)));
            unrecognised ??= $"; {source} \"{text}\" not recognised";
        }

        var kind = ShapefileEncodings.Classify(dbf, layout);
        if (kind == ShapefileEncodings.TextKind.Ascii)
            return (ShapefileEncodings.Utf8, $"UTF-8 (detected: the text is plain ASCII{unrecognised})");
        if (kind == ShapefileEncodings.TextKind.Utf8)
            return (ShapefileEncodings.Utf8, $"UTF-8 (detected: valid UTF-8{unrecognised})");
        if (ShapefileEncodings.FromLanguageDriver(layout.LanguageDriverId) is { } driver)
            return (driver, $"{ShapefileEncodings.DisplayName(driver)} (from the .dbf language driver 0x{layout.LanguageDriverId:X2}: not valid UTF-8{unrecognised})");
        var gbk = ShapefileEncodings.Resolve("GBK")!;
        return (gbk, $"GBK (detected: not valid UTF-8{unrecognised})");
    }

    private static string Describe(Encoding encoding, string source, string asWritten, string note)
    {
        var name = ShapefileEncodings.DisplayName(encoding);
        var quoted = string.Equals(name, asWritten.Trim(), StringComparison.OrdinalIgnoreCase) ? "" : $" \"{asWritten.Trim()}\"";
        return $"{name} ({source}{quoted}{note})";
    }

    /// <summary>A declared UTF-8 over bytes that are not UTF-8 is read as declared, with a hint: the declaration may be wrong.</summary>
    private static string Utf8Warning(Encoding chosen, Stream dbf, DbfLayout layout) =>
        chosen.CodePage == 65001 && ShapefileEncodings.Classify(dbf, layout) == ShapefileEncodings.TextKind.NotUtf8
            ? "; warning: the text is not valid UTF-8, name the encoding explicitly, e.g. GBK"
            : "";

    /// <summary>The library keys fields by name without case and would fail with a bare dictionary error.</summary>
    private static void RefuseDuplicateFieldNames(DbfLayout layout, Encoding encoding, string dbfName)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in layout.Fields)
        {
            var name = encoding.GetString(field.NameBytes).Trim();
            if (!seen.Add(name))
                throw new GridFileException($"{dbfName} has two fields named \"{name}\" (field names are compared without case); rename one.");
        }
    }

    /// <summary>A polygon for a one-part shape, a multipolygon for more, null for an empty (null) shape.</summary>
    private static Geometry? ToGridGeometry(MultiPolygon? shape)
    {
        if (shape is null || shape.IsEmpty)
            return null;
        var multi = shape.NumGeometries > 1 || ((Polygon)shape.GetGeometryN(0)).NumInteriorRings > 0
            ? NestRingsIfMisoriented(shape)
            : shape;
        return multi.NumGeometries == 1 ? multi.GetGeometryN(0) : multi;
    }

    /// <summary>
    /// The library tells shells from holes by ring orientation, as the shapefile specification says
    /// (shells clockwise, holes counter-clockwise). Files from tools that ignore that rule come out with
    /// holes as overlapping polygons. When that gives an invalid geometry, the rings are nested by
    /// containment instead, as GDAL does; if that is no better, the library's reading stands and the
    /// checks report it.
    /// </summary>
    private static MultiPolygon NestRingsIfMisoriented(MultiPolygon byOrientation)
    {
        if (byOrientation.IsValid)
            return byOrientation;

        var factory = byOrientation.Factory;
        var rings = new List<LinearRing>();
        foreach (var polygon in byOrientation.Geometries.Cast<Polygon>())
        {
            rings.Add(polygon.Shell);
            rings.AddRange(polygon.Holes);
        }
        if (rings.Any(r => !r.IsValid || !r.IsSimple))
            return byOrientation;

        // Largest first, so that a ring's container comes before it; the smallest container is its parent.
        var order = rings.OrderByDescending(r => Math.Abs(Area.OfRingSigned(r.CoordinateSequence))).ToList();
        var areas = order.Select(r => factory.CreatePolygon(r)).ToList();
        var parent = new int[order.Count];
        var depth = new int[order.Count];
        for (var i = 0; i < order.Count; i++)
        {
            parent[i] = -1;
            for (var j = i - 1; j >= 0; j--)
            {
                if (areas[j].Covers(areas[i]))
                {
                    parent[i] = j;
                    depth[i] = depth[j] + 1;
                    break;
                }
            }
        }

        var polygons = new List<Polygon>();
        for (var i = 0; i < order.Count; i++)
        {
            if (depth[i] % 2 != 0)
                continue;
            var holes = Enumerable.Range(0, order.Count).Where(k => parent[k] == i && depth[k] % 2 != 0).Select(k => order[k]).ToArray();
            polygons.Add(factory.CreatePolygon(order[i], holes));
        }
        var byNesting = factory.CreateMultiPolygon(polygons.ToArray());
        return byNesting.IsValid ? byNesting : byOrientation;
    }
}

/// <summary>The files of one shapefile set, found beside each other whatever the case of their extensions.</summary>
internal sealed record ShapefileFiles(string Shp, string Dbf, string? Prj, string? Cpg, string? Cst)
{
    private static readonly string[] Extensions = [".shp", ".shx", ".dbf", ".prj", ".cpg", ".cst"];

    public static ShapefileFiles Locate(string path)
    {
        var extension = Path.GetExtension(path);
        var stem = Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase) ? path[..^extension.Length] : path;

        var shp = Find(stem, ".shp");
        var shx = Find(stem, ".shx");
        var dbf = Find(stem, ".dbf");
        if (shp is null)
            throw new GridFileException(
                $"{stem}.shp does not exist{(dbf is null ? "" : $" (only {Path.GetFileName(dbf)} does)")}: " +
                "give the path of a shapefile's .shp, with its .shx and .dbf beside it.");
        if (shx is null)
            throw new GridFileException(
                $"{stem}.shx is missing: a shapefile is the .shp, .shx and .dbf together; copy all the files of the set, not only {Path.GetFileName(shp)}.");
        if (dbf is null)
            throw new GridFileException(
                $"{stem}.dbf is missing: the attribute table (grid codes and names) is in the .dbf; copy all the files of the set, not only {Path.GetFileName(shp)}.");
        return new ShapefileFiles(shp, dbf, Find(stem, ".prj"), Find(stem, ".cpg"), Find(stem, ".cst"));
    }

    private static string? Find(string stem, string extension)
    {
        var exact = stem + extension;
        if (File.Exists(exact))
            return exact;
        // Sets copied from Windows often have upper-case extensions (GRID.SHP, GRID.DBF).
        var directory = Path.GetDirectoryName(stem);
        var name = Path.GetFileName(stem) + extension;
        var searchIn = string.IsNullOrEmpty(directory) ? "." : directory;
        if (!Directory.Exists(searchIn))
            return null;
        var match = Directory.EnumerateFiles(searchIn)
            .FirstOrDefault(f => string.Equals(Path.GetFileName(f), name, StringComparison.OrdinalIgnoreCase));
        return match is null ? null : Path.Combine(directory ?? "", Path.GetFileName(match));
    }
}
