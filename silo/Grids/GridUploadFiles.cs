using GridServer.Abstractions.Grids;
using GridServer.Domain.Export;
using GridServer.Domain.Import;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Grids;

/// <summary>
/// Grid files uploaded over HTTP in a form the grid directory does not take as it is — a zipped Shapefile, or a GeoJSON
/// collection in another or a bureau's named coordinate system — read and checked feature by feature as
/// <c>grids import</c> reads them, and handed on in the one form the directory takes: a GeoJSON collection in lon/lat
/// WGS 84. The tiling (overlaps, neighbours) is left to the directory, which checks it for every change.
/// </summary>
internal static class GridUploadFiles
{
    /// <summary>A zip by its declared type, or by its first bytes when the client sent none or a generic one.</summary>
    internal static bool IsZip(HttpRequest request, byte[] bytes)
    {
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (type is "application/zip" or "application/x-zip-compressed" or "application/x-zip") return true;
        return type is null or "" or "application/octet-stream" && ZippedShapefileReader.LooksLikeZip(bytes);
    }

    /// <summary>A GeoJSON body that may declare a named coordinate system ('crs' naming local:NAME): parsed to be sure only then.</summary>
    internal static bool MayDeclareNamedCrs(byte[] bytes)
    {
        if (bytes.AsSpan().IndexOf("\"crs\""u8) < 0 || bytes.AsSpan().IndexOf("local:"u8) < 0) return false;
        try
        {
            return GeoJsonGridReader.Read(bytes, "upload.geojson").CrsDeclaration?.StartsWith("local:", StringComparison.Ordinal) == true;
        }
        catch (GridFileException)   // unreadable: the directory says why, as for any collection
        {
            return false;
        }
    }

    internal static (byte[] GeoJson, ProblemHttpResult? Refusal) GeoJsonInWgs84(
        byte[] bytes, string? srs, Domain.Grids.GridCodeScheme scheme, bool allowOverlaps, TimeProvider time, Func<string, GridServer.Domain.Geo.CrsDefinition?>? named)
    {
        SourceDataset dataset;
        try
        {
            dataset = GeoJsonGridReader.Read(bytes, "upload.geojson");
        }
        catch (GridFileException e)
        {
            return ([], Problems.Of(400, "Unreadable GeoJSON", e.Message));
        }
        return CheckedAsGeoJson(dataset, srs, scheme, allowOverlaps, time, named);
    }

    /// <summary>
    /// A zipped Shapefile read and checked feature by feature as <c>grids import</c> reads it, then handed to the
    /// directory in the one form it takes: a GeoJSON collection of the checked grids, lon/lat WGS84. The tiling
    /// (overlaps, neighbours) is left to the directory, which checks it for every change.
    /// </summary>
    internal static (byte[] GeoJson, ProblemHttpResult? Refusal) ShapefileAsGeoJson(
        byte[] zip, string? srs, string? encoding, Domain.Grids.GridCodeScheme scheme, bool allowOverlaps, TimeProvider time,
        Func<string, GridServer.Domain.Geo.CrsDefinition?>? named)
    {
        SourceDataset dataset;
        try
        {
            using var archive = new MemoryStream(zip, writable: false);
            dataset = ZippedShapefileReader.Read(archive, GridChangeEndpoints.UploadName, encoding, GridChangeEndpoints.MaxZipExpandedBytes);
        }
        catch (GridFileTooLargeException e)
        {
            return ([], Problems.Of(413, "Archive too large", e.Message));
        }
        catch (GridFileException e)
        {
            return ([], Problems.Of(400, "Unusable Shapefile archive", e.Message));
        }
        return CheckedAsGeoJson(dataset, srs, scheme, allowOverlaps, time, named);
    }

    /// <summary>A file's grids checked feature by feature (the tiling is left to the directory), as a GeoJSON collection in lon/lat WGS 84.</summary>
    private static (byte[] GeoJson, ProblemHttpResult? Refusal) CheckedAsGeoJson(
        SourceDataset dataset, string? srs, Domain.Grids.GridCodeScheme scheme, bool allowOverlaps, TimeProvider time, Func<string, GridServer.Domain.Geo.CrsDefinition?>? named)
    {
        GridImportResult result;
        try
        {
            var importOptions = new GridImportOptions { CodeScheme = scheme, AllowOverlaps = allowOverlaps, CheckTiling = false };
            (result, _) = GridFiles.Check(dataset, importOptions, srs, time, optionName: "?srs=", named: named);
        }
        catch (GridFileException e)
        {
            return ([], Problems.Of(400, "Unusable coordinate system", e.Message));
        }
        if (!result.Accepted)
        {
            return ([], GridChangeEndpoints.Refused([.. result.Errors.Select(i => $"{dataset.FileName}: {i}")], [.. result.Issues.Where(i => !i.IsError).Select(i => i.ToString())], dryRun: false,
                GridFindingView.Of(result.Issues, GridChangeEndpoints.MaxFindings)));
        }
        if (result.Grids.Count == 0) return ([], Problems.Of(422, "Grid change refused", $"{dataset.FileName} holds no features"));
        using var geoJson = new MemoryStream();
        GeoJsonGridWriter.Write(geoJson, result.Grids);
        return (geoJson.ToArray(), null);
    }
}
