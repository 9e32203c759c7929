using GridServer.Domain.Geo;

namespace GridServer.Domain.Import;

/// <summary>
/// The one way grid files come in, whatever the channel (command line, HTTP upload): read by format,
/// resolve the coordinate system, check every feature.
/// </summary>
public static class GridFiles
{
    public const string SupportedFormats = ".geojson or .json (GeoJSON), .shp (Shapefile with .shx/.dbf beside it) or .zip (a zipped Shapefile)";

    /// <summary>Reads a grid file by its extension. Unreadable files throw <see cref="GridFileException"/>.</summary>
    public static SourceDataset Read(string path, string? encoding = null, long maxExpandedBytes = ZippedShapefileReader.MaxExpandedBytes)
    {
        if (!File.Exists(path)) throw new GridFileException($"{path}: no such file");
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".geojson" or ".json" => GeoJsonGridReader.ReadFile(path),
            ".shp" or ".dbf" => ShapefileGridReader.Read(path, encoding),
            ".zip" => ReadZip(path, encoding, maxExpandedBytes),
            _ => throw new GridFileException($"{path}: unknown file type '{extension}'; use {SupportedFormats}"),
        };
    }

    /// <summary>
    /// The file's coordinate system: the explicit option wins, then what the file declares; GeoJSON
    /// without a declaration is WGS84 as RFC 7946 defines; a Shapefile without .prj is an error.
    /// </summary>
    /// <param name="optionName">How the caller names the option in messages: <c>--srs</c> on the command line, <c>?srs=</c> over HTTP.</param>
    /// <param name="named">The bureau's named coordinate systems (<c>local:NAME</c>), or null where there are none.</param>
    public static SourceCrs ResolveCrs(SourceDataset dataset, string? srsOption, string optionName = "--srs", Func<string, CrsDefinition?>? named = null)
    {
        try
        {
            if (!string.IsNullOrWhiteSpace(srsOption)) return CrsRegistry.Resolve(srsOption, named);
            if (dataset.CrsDeclaration is { } declared) return CrsRegistry.Resolve(declared, named);
        }
        catch (CrsException e)
        {
            var source = string.IsNullOrWhiteSpace(srsOption) ? "the coordinate system it declares" : optionName;
            throw new GridFileException($"{dataset.FileName}: {source}: {e.Message}", e);
        }
        if (IsGeoJson(dataset.FileName)) return CrsRegistry.Resolve("wgs84");
        throw new GridFileException(
            $"{dataset.FileName}: the file declares no coordinate system (no .prj beside it); pass {optionName}, " +
            $"e.g. {optionName}{Separator(optionName)}EPSG:4549 for CGCS2000 Gauss-Kruger 120°E, {optionName}{Separator(optionName)}cgcs2000 or {optionName}{Separator(optionName)}wgs84 for lon/lat");
    }

    /// <summary>Reads, resolves the CRS and checks a grid file: the whole import short of storing.</summary>
    public static (GridImportResult Result, SourceDataset Dataset, SourceCrs Crs) Check(
        string path, GridImportOptions options, string? srs, string? encoding, TimeProvider time, IProgress<ImportProgress>? progress = null,
        Func<string, CrsDefinition?>? named = null)
    {
        var dataset = Read(path, encoding);
        var (result, crs) = Check(dataset, options, srs, time, progress, named: named);
        return (result, dataset, crs);
    }

    /// <summary>Resolves the CRS of a dataset already read and checks its features.</summary>
    /// <param name="optionName">How the caller names the CRS option in messages (see <see cref="ResolveCrs"/>).</param>
    public static (GridImportResult Result, SourceCrs Crs) Check(
        SourceDataset dataset, GridImportOptions options, string? srs, TimeProvider time, IProgress<ImportProgress>? progress = null, string optionName = "--srs",
        Func<string, CrsDefinition?>? named = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var crs = ResolveCrs(dataset, srs, optionName, named);
        var crsName = string.IsNullOrWhiteSpace(srs) && dataset.CrsDeclaration is null ? null : crs.Name;
        var importer = new GridImporter(crs.ToWgs84, GridArea.AreaSquareMetres, time, crsName);
        return (importer.Check(dataset, options, progress), crs);
    }

    private static bool IsGeoJson(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() is ".geojson" or ".json";

    private static string Separator(string optionName) => optionName.EndsWith('=') ? "" : " ";

    private static SourceDataset ReadZip(string path, string? encoding, long maxExpandedBytes)
    {
        using var archive = File.OpenRead(path);
        return ZippedShapefileReader.Read(archive, path, encoding, maxExpandedBytes);
    }
}
