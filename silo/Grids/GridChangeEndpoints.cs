using System.Text.Json;
using System.Text.Json.Nodes;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Access;
using GridServer.Domain.Export;
using GridServer.Domain.Import;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Grids;

/// <summary>The answer to a grid change: what it did, and the revision the cluster now serves.</summary>
public sealed record GridChangeResponse(int Added, int Changed, int Unchanged, IReadOnlyList<string> Retired, long Revision, IReadOnlyList<string> Warnings);

/// <summary>
/// Changing grid boundaries over HTTP: through the cluster's grid directory, which checks, stores and tells every
/// silo. The answer comes once this silo serves the change, so a client that redraws and then locates sees it.
/// </summary>
public static class GridChangeEndpoints
{
    /// <summary>The largest body a single redraw may have.</summary>
    public const long MaxRedrawBytes = 4 * 1024 * 1024;

    /// <summary>The largest GeoJSON collection posted in one request.</summary>
    public const long MaxCollectionBytes = 256L * 1024 * 1024;

    /// <summary>
    /// The most a posted zipped Shapefile may expand to. Smaller than the command line's limit: the set is written to
    /// the server's temporary folder while it is read, and any client may post.
    /// </summary>
    public const long MaxZipExpandedBytes = 1024L * 1024 * 1024;

    /// <summary>The name a posted archive goes by in messages.</summary>
    public const string UploadName = "upload.zip";

    /// <summary>How long a change's answer waits for this silo's index to serve it.</summary>
    public static readonly TimeSpan ServeTimeout = TimeSpan.FromSeconds(5);

    private static readonly HashSet<string> GeometryTypes = ["Polygon", "MultiPolygon"];

    public static IEndpointRouteBuilder MapGridChangeEndpoints(this IEndpointRouteBuilder app)
    {
        // Only operators change boundaries.
        var grids = app.MapGroup("/api/grids").WithTags("Grids").RequireRoles(Role.Operator);
        grids.MapPut("/{code}", Redraw)
            .WithSummary("Redraws one grid (or adds it): a GeoJSON Feature or a bare Polygon/MultiPolygon, lon/lat WGS84; checked against its neighbours.")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRedrawBytes));
        grids.MapPost("/", Import)
            .WithSummary("Adds or redraws the grids of a GeoJSON FeatureCollection or a zipped Shapefile (application/zip; ?srs= when it has no .prj, ?encoding= for its text) (?mode=replace: the file is the whole set).")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxCollectionBytes));
        return app;
    }

    internal static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> Redraw(
        string code, HttpRequest request, IGrainFactory grains, GridCatalog catalog, IOptions<StorageOptions> options,
        bool? allowOverlaps, CancellationToken cancellationToken)
    {
        var (bytes, refusal) = await ReadBodyAsync(request, MaxRedrawBytes, cancellationToken);
        if (refusal is not null) return refusal;
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return Problems.Of(400, "Not valid JSON", $"the body is not valid JSON: {e.Message}");
        }
        if (body is not JsonObject root || root["type"]?.GetValueKind() != JsonValueKind.String)
            return Problems.Of(400, "Not a GeoJSON object", "the body must be a GeoJSON Feature or a Polygon/MultiPolygon geometry object");
        var type = root["type"]!.GetValue<string>();
        JsonObject feature;
        if (type == "Feature")
        {
            feature = root;
        }
        else if (GeometryTypes.Contains(type))
        {
            feature = new JsonObject { ["type"] = "Feature", ["geometry"] = root.DeepClone(), ["properties"] = new JsonObject() };
        }
        else
        {
            return Problems.Of(400, "Not a grid boundary", $"a grid boundary is a Feature, Polygon or MultiPolygon, not a {Problems.Shorten(type)}");
        }
        if (feature["properties"] is not JsonObject properties)
            feature["properties"] = properties = new JsonObject();
        if (properties["code"] is JsonValue given && given.GetValueKind() == JsonValueKind.String && given.GetValue<string>() != code)
            return Problems.Of(400, "Code mismatch", $"the feature's code '{Problems.Shorten(given.GetValue<string>())}' is not the grid '{Problems.Shorten(code)}' in the path");
        properties["code"] = code;
        // Attributes not given stay as they are: a redraw changes the boundary.
        if (catalog.Find(code) is { } current)
        {
            properties["name"] ??= current.Name;
            properties["street_code"] ??= current.StreetCode;
            properties["street_name"] ??= current.StreetName;
            properties["community_code"] ??= current.CommunityCode;
            properties["community_name"] ??= current.CommunityName;
        }
        var collection = new JsonObject { ["type"] = "FeatureCollection", ["features"] = new JsonArray(feature.DeepClone()) };
        var change = new GridChangeRequest(JsonSerializer.SerializeToUtf8Bytes(collection), false, allowOverlaps ?? false, Actor(request),
            options.Value.CodeScheme.ToString());
        return await ApplyAsync(change, grains, catalog, cancellationToken);
    }

    internal static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> Import(
        HttpRequest request, IGrainFactory grains, GridCatalog catalog, IOptions<StorageOptions> options, TimeProvider time,
        string? mode, bool? allowOverlaps, string? srs, string? encoding, CancellationToken cancellationToken)
    {
        var replace = mode?.ToLowerInvariant() switch
        {
            null or "" or "merge" => false,
            "replace" => true,
            _ => (bool?)null,
        };
        if (replace is null) return Problems.Of(400, "Unknown mode", $"mode is 'merge' (default) or 'replace', not '{Problems.Shorten(mode!)}'");
        var (bytes, refusal) = await ReadBodyAsync(request, MaxCollectionBytes, cancellationToken);
        if (refusal is not null) return refusal;
        if (IsZip(request, bytes))
        {
            (bytes, refusal) = ShapefileAsGeoJson(bytes, srs, encoding, options.Value.CodeScheme, allowOverlaps ?? false, time);
            if (refusal is not null) return refusal;
        }
        else if (srs is not null || encoding is not null)
        {
            return Problems.Of(400, "Option for Shapefiles only", "srs and encoding apply to a zipped Shapefile; a GeoJSON collection is lon/lat WGS84 UTF-8 or declares its CRS in a 'crs' member");
        }
        var change = new GridChangeRequest(bytes, replace.Value, allowOverlaps ?? false, Actor(request), options.Value.CodeScheme.ToString());
        return await ApplyAsync(change, grains, catalog, cancellationToken);
    }

    /// <summary>A zip by its declared type, or by its first bytes when the client sent none or a generic one.</summary>
    private static bool IsZip(HttpRequest request, byte[] bytes)
    {
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (type is "application/zip" or "application/x-zip-compressed" or "application/x-zip") return true;
        return type is null or "" or "application/octet-stream" && ZippedShapefileReader.LooksLikeZip(bytes);
    }

    /// <summary>
    /// A zipped Shapefile read and checked feature by feature as <c>grids import</c> reads it, then handed to the
    /// directory in the one form it takes: a GeoJSON collection of the checked grids, lon/lat WGS84. The tiling
    /// (overlaps, neighbours) is left to the directory, which checks it for every change.
    /// </summary>
    private static (byte[] GeoJson, ProblemHttpResult? Refusal) ShapefileAsGeoJson(
        byte[] zip, string? srs, string? encoding, Domain.Grids.GridCodeScheme scheme, bool allowOverlaps, TimeProvider time)
    {
        SourceDataset dataset;
        GridImportResult result;
        try
        {
            using var archive = new MemoryStream(zip, writable: false);
            dataset = ZippedShapefileReader.Read(archive, UploadName, encoding, MaxZipExpandedBytes);
            var importOptions = new GridImportOptions { CodeScheme = scheme, AllowOverlaps = allowOverlaps, CheckTiling = false };
            (result, _) = GridFiles.Check(dataset, importOptions, srs, time, optionName: "?srs=");
        }
        catch (GridFileTooLargeException e)
        {
            return ([], Problems.Of(413, "Archive too large", e.Message));
        }
        catch (GridFileException e)
        {
            return ([], Problems.Of(400, "Unusable Shapefile archive", e.Message));
        }
        if (!result.Accepted)
        {
            return ([], Refused([.. result.Errors.Select(i => $"{dataset.FileName}: {i}")], [.. result.Issues.Where(i => !i.IsError).Select(i => i.ToString())]));
        }
        if (result.Grids.Count == 0) return ([], Problems.Of(422, "Grid change refused", $"{dataset.FileName} holds no features"));
        using var geoJson = new MemoryStream();
        GeoJsonGridWriter.Write(geoJson, result.Grids);
        return (geoJson.ToArray(), null);
    }

    private static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> ApplyAsync(
        GridChangeRequest change, IGrainFactory grains, GridCatalog catalog, CancellationToken cancellationToken)
    {
        var result = await grains.GetGrain<IGridDirectoryGrain>(IGridDirectoryGrain.Key).ChangeAsync(change);
        if (!result.Accepted) return Refused(result.Errors, result.Warnings);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ServeTimeout);
            try
            {
                await catalog.WaitForRevisionAsync(result.Revision, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Stored and announced; this silo is slow to rebuild. The answer says so rather than failing a stored change.
                return TypedResults.Ok(Response(result, [.. result.Warnings, $"stored, but this silo did not serve revision {result.Revision} within {ServeTimeout.TotalSeconds:F0} s"]));
            }
        }
        return TypedResults.Ok(Response(result, result.Warnings));
    }

    /// <summary>
    /// The body, at most <paramref name="limit"/> bytes. Counted here rather than left to the server's limit alone,
    /// because a body sent without a length (chunked) is only found too large while it is read.
    /// </summary>
    private static async Task<(byte[] Bytes, ProblemHttpResult? Refusal)> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        var tooLarge = Problems.Of(413, "Body too large", $"the body may have at most {limit:N0} bytes");
        if (request.ContentLength > limit) return ([], tooLarge);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit) return ([], tooLarge);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            return ([], Problems.Of(e.StatusCode, "Body refused", e.Message));
        }
        return (buffer.ToArray(), null);
    }

    /// <summary>A change refused for what it holds: the first errors in the detail, all of them in <c>errors</c>.</summary>
    private static ProblemHttpResult Refused(IReadOnlyList<string> errors, IReadOnlyList<string> warnings) =>
        TypedResults.Problem(string.Join("; ", errors.Take(3)) + (errors.Count > 3 ? $" (and {errors.Count - 3} more)" : ""),
            statusCode: 422, title: "Grid change refused",
            extensions: new Dictionary<string, object?> { ["errors"] = errors, ["warnings"] = warnings });

    private static GridChangeResponse Response(GridChangeResult result, IReadOnlyList<string> warnings) =>
        new(result.Added, result.Changed, result.Unchanged, result.Retired, result.Revision, warnings);

    /// <summary>Who made the change, for the log; authenticated identities come with the roles of the API.</summary>
    /// <summary>Who made a change, as its history records it: the operator's subject.</summary>
    private static string Actor(HttpRequest request) => request.HttpContext.RequiredCaller().Subject;

}
