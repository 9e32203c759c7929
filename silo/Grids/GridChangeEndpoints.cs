using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Access;
using GridServer.Domain.Export;
using GridServer.Domain.Import;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Grids;

/// <summary>
/// The answer to a grid change: what it did (for a dry run: would do), the revision the cluster now serves, the ground that
/// changes hands, and the open cases whose point falls in another grid with what happened to each.
/// </summary>
public sealed record GridChangeResponse(int Added, int Changed, int Unchanged, IReadOnlyList<string> Retired, long Revision, IReadOnlyList<string> Warnings,
    bool DryRun, IReadOnlyList<GridTransferResponse> Transfers, IReadOnlyList<CaseImpactResponse> Cases, IReadOnlyList<GridFindingResponse> Findings);

/// <summary>
/// A finding that has a place, to draw: kind (Overlap, InvalidGeometry, Gap), the feature (0-based index in the posted
/// collection or Shapefile) and grid it is about, the other grid (an overlap's), whether it refuses the change, its line
/// as in errors/warnings, and where it is as a GeoJSON geometry (lon/lat WGS84): an overlap's shared ground, a gap's
/// hole, an invalid boundary's rings with the point where it fails.
/// </summary>
public sealed record GridFindingResponse(string Kind, int? Feature, string? Code, string? OtherCode, bool IsError, string Message, JsonElement Geometry)
{
    internal static IReadOnlyList<GridFindingResponse> Of(IEnumerable<GridFindingView> findings) =>
        [.. findings.Select(f => new GridFindingResponse(f.Kind, f.FeatureIndex, f.Code, f.OtherCode, f.IsError, f.Message, GridChangeEndpoints.Element(f.GeoJson)))];
}

/// <summary>Ground that changes hands: from a grid to another (null: no grid), its area in m², and the piece as a GeoJSON geometry (lon/lat WGS84).</summary>
public sealed record GridTransferResponse(string? FromGrid, string? ToGrid, double AreaM2, JsonElement Geometry);

/// <summary>
/// An open case whose point falls in another grid after the change (toGrid null: in no grid). Outcome: null in a dry run;
/// "re-routed", "stayed" (detail says why) or "not re-routed" (the change was made without rerouteOpenCases).
/// </summary>
public sealed record CaseImpactResponse(string CaseId, string? FromGrid, string? ToGrid, GridServer.Domain.Cases.CaseState State, string? Outcome, string? OfficerId, string? Detail);

/// <summary>A merge: the grids to merge and the grid they become (code, name and the other grid properties; no geometry).</summary>
public sealed record GridMergeBody(string[]? Codes, JsonObject? Into);

/// <summary>
/// Changing grid boundaries over HTTP: through the cluster's grid directory, which checks, stores and tells every
/// silo. The answer comes once this silo serves the change, so a client that redraws and then locates sees it.
/// Every route takes <c>?dryRun=true</c> (check and show the impact, store nothing); redraw and import take
/// <c>?rerouteOpenCases=true</c>; a split or a merge always re-routes, since grids retire.
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

    /// <summary>The most findings with a place an answer carries (as many as the directory reports).</summary>
    public const int MaxFindings = 100;

    /// <summary>The most grids one merge may name.</summary>
    public const int MaxMergeGrids = 100;

    private static readonly HashSet<string> GeometryTypes = ["Polygon", "MultiPolygon"];

    /// <summary>Grid properties a change keeps from the current grid when the request leaves them out.</summary>
    private static readonly string[] KeptProperties = ["name", "street_code", "street_name", "community_code", "community_name"];

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
        grids.MapPost("/{code}/split", Split)
            .WithSummary("Splits a grid into the grids of a GeoJSON FeatureCollection (new codes) that cover it; the old grid retires and its open cases move to their parts.")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRedrawBytes));
        grids.MapPost("/merge", Merge)
            .WithSummary("Merges grids that form one piece into one ({codes, into:{code, name, ...}}); the others retire and their open cases move to it.")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxRedrawBytes));
        return app;
    }

    internal static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> Redraw(
        string code, HttpRequest request, IGrainFactory grains, GridCatalog catalog, IOptions<StorageOptions> options,
        bool? allowOverlaps, bool? dryRun, bool? rerouteOpenCases, CancellationToken cancellationToken)
    {
        var (bytes, refusal) = await ReadBodyAsync(request, MaxRedrawBytes, cancellationToken);
        if (refusal is not null) return refusal;
        var (body, unreadable) = ParseJson(bytes);
        if (unreadable is not null) return unreadable;
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
        KeepProperties(properties, catalog.Find(code));
        var collection = new JsonObject { ["type"] = "FeatureCollection", ["features"] = new JsonArray(feature.DeepClone()) };
        var change = new GridChangeRequest(JsonSerializer.SerializeToUtf8Bytes(collection), false, allowOverlaps ?? false, Actor(request),
            options.Value.CodeScheme.ToString(), dryRun ?? false);
        return await ApplyAsync(d => d.ChangeAsync(change), change, rerouteOpenCases ?? false, grains, catalog, cancellationToken);
    }

    internal static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> Import(
        HttpRequest request, IGrainFactory grains, GridCatalog catalog, IOptions<StorageOptions> options, TimeProvider time,
        GridServer.Domain.Geo.ICrsDefinitionStore crsDefinitions,
        string? mode, bool? allowOverlaps, string? srs, string? encoding, bool? dryRun, bool? rerouteOpenCases, CancellationToken cancellationToken)
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
        if (GridUploadFiles.IsZip(request, bytes))
        {
            var named = srs is null ? null : await GridServer.Domain.Geo.CrsDefinitionStoreExtensions.LookupAsync(crsDefinitions, cancellationToken);
            (bytes, refusal) = GridUploadFiles.ShapefileAsGeoJson(bytes, srs, encoding, options.Value.CodeScheme, allowOverlaps ?? false, time, named);
            if (refusal is not null) return refusal;
        }
        else if (encoding is not null)
        {
            return Problems.Of(400, "Option for Shapefiles only", "encoding applies to a zipped Shapefile's attributes; a GeoJSON collection is UTF-8");
        }
        else if (srs is not null || GridUploadFiles.MayDeclareNamedCrs(bytes))
        {
            // A collection in another system by ?srs=, or declaring a bureau's named one (local:NAME): converted here, where
            // the named systems are known, and handed on in lon/lat WGS 84 as a Shapefile's features are.
            var named = await GridServer.Domain.Geo.CrsDefinitionStoreExtensions.LookupAsync(crsDefinitions, cancellationToken);
            (bytes, refusal) = GridUploadFiles.GeoJsonInWgs84(bytes, srs, options.Value.CodeScheme, allowOverlaps ?? false, time, named);
            if (refusal is not null) return refusal;
        }
        var change = new GridChangeRequest(bytes, replace.Value, allowOverlaps ?? false, Actor(request), options.Value.CodeScheme.ToString(), dryRun ?? false);
        return await ApplyAsync(d => d.ChangeAsync(change), change, rerouteOpenCases ?? false, grains, catalog, cancellationToken);
    }

    internal static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> Split(
        string code, HttpRequest request, IGrainFactory grains, GridCatalog catalog, IOptions<StorageOptions> options,
        bool? allowOverlaps, bool? dryRun, CancellationToken cancellationToken)
    {
        if (catalog.Find(code) is null) return Problems.Of(404, "Unknown grid", $"there is no grid '{Problems.Shorten(code)}' to split");
        var (bytes, refusal) = await ReadBodyAsync(request, MaxRedrawBytes, cancellationToken);
        if (refusal is not null) return refusal;
        var (body, unreadable) = ParseJson(bytes);
        if (unreadable is not null) return unreadable;
        if (body is not JsonObject root || root["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String
            || type.GetValue<string>() != "FeatureCollection" || root["features"] is not JsonArray)
            return Problems.Of(400, "Not a FeatureCollection", "the body must be a GeoJSON FeatureCollection of the new grids (each with a new code and a Polygon or MultiPolygon)");
        var change = new GridChangeRequest(bytes, false, allowOverlaps ?? false, Actor(request), options.Value.CodeScheme.ToString(), dryRun ?? false);
        return await ApplyAsync(d => d.SplitAsync(code, change), change, true, grains, catalog, cancellationToken);
    }

    internal static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> Merge(
        GridMergeBody? body, HttpRequest request, IGrainFactory grains, GridCatalog catalog, IOptions<StorageOptions> options,
        bool? allowOverlaps, bool? dryRun, CancellationToken cancellationToken)
    {
        if (body?.Codes is not { } codes || body.Into is not { } into)
            return Problems.Of(400, "Missing fields", "the body must be JSON: codes (the grids to merge) and into (code, name and other properties of the merged grid)");
        if (codes.Length < 2) return Problems.Of(400, "Too few grids", "a merge names at least two grids in 'codes'");
        if (codes.Length > MaxMergeGrids) return Problems.Of(400, "Too many grids", $"at most {MaxMergeGrids} grids in one merge");
        var unknown = codes.Where(c => string.IsNullOrWhiteSpace(c) || catalog.Find(c) is null).Select(c => Problems.Shorten(c ?? "(none)")).Take(10).ToList();
        if (unknown.Count > 0) return Problems.Of(404, "Unknown grids", $"no such grids: {string.Join(", ", unknown)}; nothing was changed");
        if (into["code"] is not JsonValue intoCode || intoCode.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(intoCode.GetValue<string>()))
            return Problems.Of(400, "Missing field", "'into.code' is required: the code of the merged grid (one of 'codes', or a new code)");
        if (into.ContainsKey("geometry"))
            return Problems.Of(400, "Geometry given", "'into' takes properties only: the merged grid's boundary is the union of the grids");
        var properties = (JsonObject)into.DeepClone();
        var target = intoCode.GetValue<string>();
        // Merging into one of the grids keeps its name and places unless 'into' gives others.
        if (codes.Contains(target, StringComparer.Ordinal)) KeepProperties(properties, catalog.Find(target));
        var feature = new JsonObject { ["type"] = "Feature", ["properties"] = properties, ["geometry"] = null };
        var collection = new JsonObject { ["type"] = "FeatureCollection", ["features"] = new JsonArray(feature) };
        var change = new GridChangeRequest(JsonSerializer.SerializeToUtf8Bytes(collection), false, allowOverlaps ?? false, Actor(request),
            options.Value.CodeScheme.ToString(), dryRun ?? false);
        return await ApplyAsync(d => d.MergeAsync([.. codes], change), change, true, grains, catalog, cancellationToken);
    }

    /// <summary>
    /// Runs a change through the directory; once stored and served here, moves the open cases whose point changed grid (when
    /// <paramref name="reroute"/>). A refusal, dry run or not, is the same 422 problem with every error and warning.
    /// </summary>
    private static async Task<Results<Ok<GridChangeResponse>, ProblemHttpResult>> ApplyAsync(
        Func<IGridDirectoryGrain, ValueTask<GridChangeResult>> run, GridChangeRequest change, bool reroute,
        IGrainFactory grains, GridCatalog catalog, CancellationToken cancellationToken)
    {
        var result = await run(grains.GetGrain<IGridDirectoryGrain>(IGridDirectoryGrain.Key));
        if (!result.Accepted) return Refused(result.Errors, result.Warnings, result.DryRun, result.Findings);
        var moves = result.Cases.IsDefault ? [] : result.Cases;
        if (result.DryRun)
            return TypedResults.Ok(Response(result, result.Warnings, moves.Select(m => new CaseImpactResponse(m.CaseId, m.FromGrid, m.ToGrid, m.State, null, null, null))));
        var warnings = result.Warnings.ToList();
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
                warnings.Add($"stored, but this silo did not serve revision {result.Revision} within {ServeTimeout.TotalSeconds:F0} s");
            }
        }
        if (!reroute || moves.Length == 0)
        {
            return TypedResults.Ok(Response(result, warnings, moves.Select(m =>
                new CaseImpactResponse(m.CaseId, m.FromGrid, m.ToGrid, m.State, CaseRerouteView.NotRerouted, null, "the case stays with its grid; pass rerouteOpenCases=true to move it"))));
        }
        // The cases move after the change is stored: each is dispatched or transferred to whoever answers for its new grid.
        var rerouted = await grains.GetGrain<ICaseRoutingGrain>(ICaseRoutingGrain.Key)
            .RerouteAsync(moves, change.ActorId, $"grid boundaries changed (revision {result.Revision})");
        return TypedResults.Ok(Response(result, warnings, rerouted.Select(r => new CaseImpactResponse(r.CaseId, r.FromGrid, r.ToGrid, r.State, r.Outcome, r.OfficerId, r.Detail))));
    }

    private static (JsonNode? Body, ProblemHttpResult? Refusal) ParseJson(byte[] bytes)
    {
        try
        {
            return (JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Of(400, "Not valid JSON", $"the body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>Properties not given keep the current grid's values.</summary>
    private static void KeepProperties(JsonObject properties, GridServer.Domain.Grids.Grid? current)
    {
        if (current is null) return;
        string?[] values = [current.Name, current.StreetCode, current.StreetName, current.CommunityCode, current.CommunityName];
        for (var i = 0; i < KeptProperties.Length; i++) properties[KeptProperties[i]] ??= values[i];
    }

    /// <summary>
    /// The body, at most <paramref name="limit"/> bytes. Counted here rather than left to the server's limit alone,
    /// because a body sent without a length (chunked) is only found too large while it is read.
    /// </summary>
    internal static async Task<(byte[] Bytes, ProblemHttpResult? Refusal)> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
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

    /// <summary>
    /// A change refused for what it holds, dry run or not: the first errors in the detail, all of them in <c>errors</c>,
    /// and those that have a place in <c>findings</c> (as in an accepted answer) so that a client can draw them.
    /// </summary>
    internal static ProblemHttpResult Refused(IReadOnlyList<string> errors, IReadOnlyList<string> warnings, bool dryRun, ImmutableArray<GridFindingView> findings = default) =>
        TypedResults.Problem(string.Join("; ", errors.Take(3)) + (errors.Count > 3 ? $" (and {errors.Count - 3} more)" : ""),
            statusCode: 422, title: "Grid change refused",
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = errors, ["warnings"] = warnings, ["dryRun"] = dryRun,
                ["findings"] = GridFindingResponse.Of(findings.IsDefault ? [] : findings),
            });

    private static GridChangeResponse Response(GridChangeResult result, IReadOnlyList<string> warnings, IEnumerable<CaseImpactResponse> cases) =>
        new(result.Added, result.Changed, result.Unchanged, result.Retired, result.Revision, warnings, result.DryRun,
            [.. (result.Transfers.IsDefault ? [] : result.Transfers).Select(t => new GridTransferResponse(t.FromGrid, t.ToGrid, t.AreaSquareMetres, Element(t.GeoJson)))],
            [.. cases], GridFindingResponse.Of(result.Findings.IsDefault ? [] : result.Findings));

    internal static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Who made the change, for the log; authenticated identities come with the roles of the API.</summary>
    /// <summary>Who made a change, as its history records it: the operator's subject.</summary>
    private static string Actor(HttpRequest request) => request.HttpContext.RequiredCaller().Subject;

}
