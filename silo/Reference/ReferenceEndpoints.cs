using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using GridServer.Abstractions.Reference;
using GridServer.Domain.Access;
using GridServer.Domain.Geo;
using GridServer.Domain.Import;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using GridServer.Silo.Plugins;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Reference;

/// <summary>
/// <c>/api/reference</c>: the reference data the loaded duty modules keep (shops and their frontage zones, sites,
/// permits, bays). Operators import a set as GeoJSON or CSV, whole (PUT) or by record (POST); every record is checked
/// (key, required fields, text, shape, then the module's own check) and any problem refuses the whole import, so a
/// set never holds half of a file.
/// </summary>
public static class ReferenceEndpoints
{
    /// <summary>The largest import body.</summary>
    public const long MaxImportBytes = 64L * 1024 * 1024;

    public const int MaxPage = 1_000;

    public static IEndpointRouteBuilder MapReferenceEndpoints(this IEndpointRouteBuilder app)
    {
        var reference = app.MapGroup("/api/reference").WithTags("Reference data");
        reference.MapGet("/", List).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The reference data sets the loaded duty modules keep: module, shape, fields, records served and version.");
        reference.MapGet("/{set}", Records).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("A set's records as a GeoJSON FeatureCollection in key order (offset, limit at most 1000).");
        reference.MapGet("/{set}/{key}", Record).RequireRoles(Role.Operator, Role.Dispatcher).WithSummary("One record as a GeoJSON Feature.");
        reference.MapPut("/{set}", (string set, HttpRequest request, ModuleRegistry modules, ReferenceCatalog catalog, IGrainFactory grains, ICrsDefinitionStore crsDefinitions, string? crs, string? encoding, bool? dryRun, CancellationToken cancellationToken) =>
                ImportAsync(set, true, request, modules, catalog, grains, crsDefinitions, crs, encoding, dryRun ?? false, cancellationToken))
            .RequireRoles(Role.Operator)
            .WithSummary("Replaces the whole set with the records of a GeoJSON FeatureCollection or a CSV (text/csv); ?crs= for data not in WGS84; ?dryRun=true checks only.");
        reference.MapPost("/{set}", (string set, HttpRequest request, ModuleRegistry modules, ReferenceCatalog catalog, IGrainFactory grains, ICrsDefinitionStore crsDefinitions, string? crs, string? encoding, bool? dryRun, CancellationToken cancellationToken) =>
                ImportAsync(set, false, request, modules, catalog, grains, crsDefinitions, crs, encoding, dryRun ?? false, cancellationToken))
            .RequireRoles(Role.Operator)
            .WithSummary("Adds records to the set, replacing those with the same keys (GeoJSON or CSV, as PUT).");
        reference.MapDelete("/{set}/{key}", Delete).RequireRoles(Role.Operator).WithSummary("Removes one record.");
        return app;
    }

    internal static IResult List(ModuleRegistry modules, ReferenceCatalog catalog) =>
        TypedResults.Ok(modules.Current.DataSets.Values.OrderBy(d => d.Definition.Name, StringComparer.Ordinal).Select(d => new
        {
            name = d.Definition.Name,
            description = d.Definition.Description,
            module = d.Module.Folder,
            shape = d.Definition.Shape.ToString().ToLowerInvariant(),
            fields = (d.Definition.Fields.IsDefault ? [] : d.Definition.Fields).Select(f => new { name = f.Name, description = f.Description, required = f.Required }),
            served = catalog.Served(d.Definition.Name) is { } served ? new { version = served.Version, records = served.Count } : null,
        }));

    internal static async Task<IResult> Records(string set, ModuleRegistry modules, ReferenceCatalog catalog, int? offset, int? limit, CancellationToken cancellationToken)
    {
        if (Unknown(set, modules) is { } unknown) return unknown;
        if (offset is < 0 || limit is < 1 or > MaxPage) return Problems.Of(400, "Bad page", $"offset must be 0 or more and limit 1 to {MaxPage}");
        var index = await catalog.LoadAsync(set, cancellationToken);
        var page = index.All().Skip(offset ?? 0).Take(limit ?? 100).ToList();
        return Json(new JsonObject
        {
            ["type"] = "FeatureCollection",
            ["set"] = set,
            ["version"] = index.Version,
            ["total"] = index.Count,
            ["offset"] = offset ?? 0,
            ["features"] = new JsonArray([.. page.Select(r => Feature(index.Shape(r.Key), r))]),
        });
    }

    internal static async Task<IResult> Record(string set, string key, ModuleRegistry modules, ReferenceCatalog catalog, CancellationToken cancellationToken)
    {
        if (Unknown(set, modules) is { } unknown) return unknown;
        var index = await catalog.LoadAsync(set, cancellationToken);
        if (index.Find(key) is not { } record) return Problems.Of(404, "No such record", $"set '{set}' has no record with the key '{Problems.Shorten(key)}'");
        return Json(Feature(index.Shape(key), record));
    }

    internal static async Task<Results<Ok<ReferenceChangeResult>, ProblemHttpResult>> Delete(
        string set, string key, HttpContext context, ModuleRegistry modules, ReferenceCatalog catalog, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!modules.Current.DataSets.ContainsKey(set)) return UnknownProblem(set);
        var result = await grains.GetGrain<IReferenceSetGrain>(set).DeleteAsync(key, context.RequiredCaller().Subject);
        if (result.Removed == 0) return Problems.Of(404, "No such record", $"set '{set}' has no record with the key '{Problems.Shorten(key)}'");
        await catalog.LoadAsync(set, cancellationToken);
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> ImportAsync(
        string set, bool replace, HttpRequest request, ModuleRegistry modules, ReferenceCatalog catalog, IGrainFactory grains,
        ICrsDefinitionStore crsDefinitions, string? crs, string? encoding, bool dryRun, CancellationToken cancellationToken)
    {
        if (!modules.Current.DataSets.TryGetValue(set, out var owner)) return UnknownProblem(set);
        var (parsed, refusal) = await ParseBodyAsync(request, owner.Definition, MaxImportBytes, IReferenceSetGrain.MaxRecords, crsDefinitions, crs, encoding, cancellationToken);
        if (parsed is null) return refusal!;
        var problems = parsed.Problems;
        // The module checks every record the server's own checks passed, so one answer names every problem of the file.
        if (!parsed.Records.IsEmpty)
        {
            // The module's own check, for the whole batch in one guarded call. A module that cannot answer cannot
            // vouch for the records: nothing is stored, and the answer says why.
            var answer = await owner.Module.ValidateRecordsAsync(set, [.. parsed.Records.Select(r => new ReferenceRecord(r.Key, r.Fields, r.Lon, r.Lat))]);
            if (!answer.Answered)
                return Problems.Of(503, "Module did not answer", $"the module that keeps '{set}' ({owner.Module.Folder}) could not check the records: {answer.Error}; nothing was stored");
            problems = [.. problems.Concat(answer.Value!.SelectMany((found, i) => found.Select(p => new ImportProblem(parsed.Numbers[i], parsed.Records[i].Key, p.Attribute, p.Message))))
                .OrderBy(p => p.Record)];
        }
        if (!problems.IsEmpty)
        {
            return TypedResults.Problem(ReferenceImport.Summary(problems), statusCode: 422, title: "Import refused",
                extensions: new Dictionary<string, object?>
                {
                    ["problems"] = problems.Take(ReferenceImport.MaxListedProblems).ToList(),
                    ["problemCount"] = problems.Length,
                    ["ignoredFields"] = parsed.IgnoredFields,
                });
        }
        if (dryRun) return TypedResults.Ok(new { set, dryRun = true, records = parsed.Records.Length, ignoredFields = parsed.IgnoredFields, encoding = parsed.Encoding });
        var grain = grains.GetGrain<IReferenceSetGrain>(set);
        var actor = request.HttpContext.RequiredCaller().Subject;
        ReferenceChangeResult result;
        try
        {
            result = replace ? await grain.ReplaceAsync(parsed.Records, actor) : await grain.UpsertAsync(parsed.Records, actor);
        }
        catch (ArgumentException e)
        {
            return Problems.Of(422, "Import refused", e.Message);
        }
        var served = await catalog.LoadAsync(set, cancellationToken);
        return TypedResults.Ok(new
        {
            set,
            version = result.Version,
            added = result.Added,
            replaced = result.Replaced,
            removed = result.Removed,
            count = result.Count,
            servedVersion = served.Version,
            ignoredFields = parsed.IgnoredFields,
            encoding = parsed.Encoding,
        });
    }

    /// <summary>
    /// Reads an import's body as the records of <paramref name="set"/>: a GeoJSON FeatureCollection, or a CSV in UTF-8 or
    /// GBK (the charset of its content type or <paramref name="encoding"/> names another). Null records: the refusal says why.
    /// </summary>
    internal static async Task<(ParsedImport? Parsed, IResult? Refusal)> ParseBodyAsync(HttpRequest request, ReferenceDataSet set, long maxBytes, int maxRecords,
        ICrsDefinitionStore crsDefinitions, string? crs, string? encoding, CancellationToken cancellationToken)
    {
        var (bytes, refusal) = await GridChangeEndpoints.ReadBodyAsync(request, maxBytes, cancellationToken);
        if (refusal is not null) return (null, refusal);
        if (bytes.Length == 0) return (null, Problems.Of(400, "Empty body", "the body must be a GeoJSON FeatureCollection (application/geo+json or application/json) or a CSV (text/csv)"));
        var contentType = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var parsedType) ? parsedType : null;
        var type = contentType?.MediaType.Value?.ToLowerInvariant() ?? request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var named = crs is null ? null : await crsDefinitions.LookupAsync(cancellationToken);
        var known = type is null or "application/json" or "application/geo+json" or "text/csv" or "application/csv";
        try
        {
            if (type is "text/csv" or "application/csv")
            {
                DecodedText text;
                try
                {
                    text = ImportText.Decode(bytes, encoding ?? contentType?.Charset.Value);
                }
                catch (FormatException e)
                {
                    throw new ReferenceImportException($"the CSV: {e.Message}", e);
                }
                return (ReferenceImport.FromCsv(text.Text, set, crs, named, maxRecords) with { Encoding = text.Encoding }, null);
            }
            return known
                ? (ReferenceImport.FromGeoJson(bytes, set, crs, named, maxRecords), null)
                : throw new ReferenceImportException($"content type '{Problems.Shorten(type ?? "")}' is neither GeoJSON (application/geo+json, application/json) nor CSV (text/csv)");
        }
        catch (ReferenceImportException e)
        {
            return (null, Problems.Of(known ? 400 : 415, "Unreadable import", e.Message));
        }
    }

    private static JsonObject Feature(NetTopologySuite.Geometries.Geometry? shape, ReferenceRecord record)
    {
        var properties = new JsonObject { ["key"] = record.Key };
        foreach (var (name, value) in record.Fields) properties[name] = value;
        JsonNode? geometry = null;
        if (shape is not null)
        {
            using var buffer = new MemoryStream();
            using (var writer = GridServer.Domain.Export.GeoJsonGridWriter.CreateWriter(buffer)) GridServer.Domain.Export.GeoJsonGridWriter.WriteGeometry(writer, shape);
            geometry = JsonNode.Parse(buffer.ToArray());
        }
        return new JsonObject
        {
            ["type"] = "Feature",
            ["id"] = record.Key,
            ["geometry"] = geometry,
            ["properties"] = properties,
        };
    }

    private static ContentHttpResult Json(JsonNode node) => TypedResults.Text(node.ToJsonString(), "application/geo+json", Encoding.UTF8);

    private static ProblemHttpResult? Unknown(string set, ModuleRegistry modules) => modules.Current.DataSets.ContainsKey(set) ? null : UnknownProblem(set);

    private static ProblemHttpResult UnknownProblem(string set) =>
        Problems.Of(404, "No such reference set", $"no loaded duty module keeps a reference set named '{Problems.Shorten(set)}'; GET /api/reference lists them");
}
