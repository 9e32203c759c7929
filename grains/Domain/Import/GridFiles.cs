using System.IO.Compression;
using GridServer.Domain.Geo;

namespace GridServer.Domain.Import;

/// <summary>
/// The one way grid files come in, whatever the channel (command line, HTTP upload): read by format,
/// resolve the coordinate system, check every feature.
/// </summary>
public static class GridFiles
{
    /// <summary>The most a zipped Shapefile may expand to.</summary>
    public const long MaxExpandedBytes = 2L * 1024 * 1024 * 1024;

    public const string SupportedFormats = ".geojson or .json (GeoJSON), .shp (Shapefile with .shx/.dbf beside it) or .zip (a zipped Shapefile)";

    /// <summary>Reads a grid file by its extension. Unreadable files throw <see cref="GridFileException"/>.</summary>
    public static SourceDataset Read(string path, string? encoding = null, long maxExpandedBytes = MaxExpandedBytes)
    {
        if (!File.Exists(path)) throw new GridFileException($"{path}: no such file");
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".geojson" or ".json" => GeoJsonGridReader.ReadFile(path),
            ".shp" or ".dbf" => ShapefileGridReader.Read(path, encoding),
            ".zip" => ReadZippedShapefile(path, encoding, maxExpandedBytes),
            _ => throw new GridFileException($"{path}: unknown file type '{extension}'; use {SupportedFormats}"),
        };
    }

    /// <summary>
    /// The file's coordinate system: the explicit option wins, then what the file declares; GeoJSON
    /// without a declaration is WGS84 as RFC 7946 defines; a Shapefile without .prj is an error.
    /// </summary>
    public static SourceCrs ResolveCrs(SourceDataset dataset, string? srsOption)
    {
        try
        {
            if (!string.IsNullOrWhiteSpace(srsOption)) return CrsRegistry.Resolve(srsOption);
            if (dataset.CrsDeclaration is { } declared) return CrsRegistry.Resolve(declared);
        }
        catch (CrsException e)
        {
            var source = string.IsNullOrWhiteSpace(srsOption) ? "the coordinate system it declares" : "--srs";
            throw new GridFileException($"{dataset.FileName}: {source}: {e.Message}", e);
        }
        if (IsGeoJson(dataset.FileName)) return CrsRegistry.Resolve("wgs84");
        throw new GridFileException(
            $"{dataset.FileName}: the file declares no coordinate system (no .prj beside it); pass --srs, " +
            "e.g. --srs EPSG:4549 for CGCS2000 Gauss-Kruger 120°E, --srs cgcs2000 or --srs wgs84 for lon/lat");
    }

    /// <summary>Reads, resolves the CRS and checks a grid file: the whole import short of storing.</summary>
    public static (GridImportResult Result, SourceDataset Dataset, SourceCrs Crs) Check(
        string path, GridImportOptions options, string? srs, string? encoding, TimeProvider time, IProgress<ImportProgress>? progress = null)
    {
        var dataset = Read(path, encoding);
        var crs = ResolveCrs(dataset, srs);
        var named = string.IsNullOrWhiteSpace(srs) && dataset.CrsDeclaration is null ? null : crs.Name;
        var importer = new GridImporter(crs.ToWgs84, GridArea.AreaSquareMetres, time, named);
        return (importer.Check(dataset, options, progress), dataset, crs);
    }

    private static bool IsGeoJson(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() is ".geojson" or ".json";

    private static SourceDataset ReadZippedShapefile(string path, string? encoding, long maxExpandedBytes)
    {
        var folder = Directory.CreateTempSubdirectory("gridserver-zip-");
        try
        {
            try
            {
                using var zip = ZipFile.OpenRead(path);
                // Refuse archives that would expand without bound (counting bytes really written, not the
                // sizes the archive claims) or whose entries would overwrite each other once flattened.
                var budget = maxExpandedBytes;
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var entry in zip.Entries)
                {
                    if (entry.FullName.EndsWith('/')) continue;
                    var name = Path.GetFileName(entry.FullName);
                    if (name.Length == 0 || name.StartsWith('.')) continue;
                    if (!names.Add(name))
                        throw new GridFileException($"{path}: the archive holds two files named '{name}'; keep one Shapefile set in it");
                    using var source = entry.Open();
                    using var target = File.Create(Path.Combine(folder.FullName, name));
                    var buffer = new byte[81920];
                    int read;
                    while ((read = source.Read(buffer)) > 0)
                    {
                        budget -= read;
                        if (budget < 0)
                            throw new GridFileException($"{path}: the archive expands to more than {maxExpandedBytes:N0} bytes");
                        target.Write(buffer, 0, read);
                    }
                }
            }
            catch (InvalidDataException e)
            {
                throw new GridFileException($"{path}: not a readable zip archive: {e.Message}", e);
            }
            var shapes = Directory.GetFiles(folder.FullName).Where(f => f.EndsWith(".shp", StringComparison.OrdinalIgnoreCase)).ToArray();
            if (shapes.Length != 1)
                throw new GridFileException($"{path}: the archive must hold exactly one .shp (with its .shx and .dbf), holds {shapes.Length}");
            var dataset = ShapefileGridReader.Read(shapes[0], encoding);
            return dataset with { FileName = path + "!" + Path.GetFileName(shapes[0]) };
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
