using System.Collections.Immutable;
using GridServer.Domain.Access;
using GridServer.Domain.Catalog;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using GridServer.Silo.Open311;
using GridServer.Silo.Reference;

namespace GridServer.Silo.Catalog;

/// <summary>
/// The CJ/T 214 catalog the server counts matters under (gis-data/cjt214), and the one a bureau gives instead
/// (<c>GridServer:Catalog:File</c>), read and checked at start. <c>GET /api/catalog</c> lists the classes with the matters
/// counted under each; evaluation groups by class (<c>level=class</c>, <c>level=classmajor</c>).
/// </summary>
public static class CatalogEndpoints
{
    public const string FileSetting = "GridServer:Catalog:File";

    /// <summary>The catalog: the bureau's file when configured (a bad file stops the start, naming the line), else the built-in one.</summary>
    public static MatterCatalog Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[FileSetting] is not { Length: > 0 } path) return MatterCatalog.Default;
        try
        {
            using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
            return MatterCatalog.Read(reader, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{FileSetting}: cannot read '{path}': {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"{FileSetting}: {e.Message}", e);
        }
    }

    /// <summary>The most components a census holds, and the largest census body.</summary>
    public const int MaxComponents = 2_000_000;

    public const long MaxImportBytes = 512L * 1024 * 1024;

    /// <summary>The census read as records: a key (<c>id</c>: the 16-digit CJ/T 214 identifier, or the bureau's own), the class, the owner, a point.</summary>
    internal static readonly ReferenceDataSet CensusSet = new("components", "部件普查 the bureau's component census", ReferenceShape.Point,
    [
        new ReferenceField("class", "the CJ/T 214 component class (C0102); may be left out when the id is a 16-digit CJ/T 214 identifier, which names it"),
        new ReferenceField("owner", "the department that owns and maintains it (权属单位)", Required: true),
        new ReferenceField("name", "what it is called, where it has a name"),
        new ReferenceField("contact", "how to reach the owner about it (a phone)"),
    ]);

    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/catalog", List).WithTags("Catalog").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The CJ/T 214 classes (components C…, events E…; major and minor) with the matters counted under each, and the matters with no class.");
        app.MapGet("/api/components", Summary).WithTags("Catalog").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The component census served: its version, components by class, when and by whom it was imported; ?lon=&lat=&class= finds the component a report there would be routed by.");
        app.MapPut("/api/components", Import).WithTags("Catalog").RequireRoles(Role.Operator)
            .WithSummary("Replaces the component census (部件普查) with a CSV (id, class, owner, name, contact, lon, lat; UTF-8 or GBK) or GeoJSON of points; ?crs=, ?encoding=, ?dryRun=true.");
        return app;
    }

    internal static async Task<IResult> Summary(CensusService census, MatterCatalog catalog, double? lon, double? lat, string? @class, CancellationToken cancellationToken)
    {
        var served = await census.LoadAsync(cancellationToken);
        object? found = null;
        if (lon is not null || lat is not null || @class is not null)
        {
            if (lon is not { } x || lat is not { } y || @class is null) return Problems.Of(400, "Incomplete query", "give lon, lat and class together (e.g. ?lon=120.65&lat=28.0&class=C0102)");
            if (ComponentCensus.ClassProblem(@class, catalog) is { } problem) return Problems.Of(400, "Unknown class", problem);
            found = await census.OwnerAsync(@class, x, y, cancellationToken) is { } owner ? new { owner = owner.Name, contact = owner.Contact, reason = owner.Reason } : null;
        }
        return TypedResults.Ok(new
        {
            version = served.Version,
            components = served.Index.Count,
            byClass = served.ByClass.Select(p => new { code = p.Key, name = catalog.Find(p.Key)?.Name, count = p.Value }),
            importedAt = served.ImportedAt,
            importedBy = served.ImportedBy,
            found,
        });
    }

    internal static async Task<IResult> Import(HttpRequest request, CensusService census, IComponentStore store, MatterCatalog catalog,
        GridServer.Domain.Geo.ICrsDefinitionStore crsDefinitions, TimeProvider time, string? crs, string? encoding, bool? dryRun, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ReferenceEndpoints.ParseBodyAsync(request, CensusSet, MaxImportBytes, MaxComponents, crsDefinitions, crs, encoding, cancellationToken);
        if (parsed is null) return refusal!;
        var problems = parsed.Problems.ToBuilder();
        var components = new List<CensusComponent>(parsed.Records.Length);
        for (var i = 0; i < parsed.Records.Length; i++)
        {
            var r = parsed.Records[i];
            var given = r.Fields.GetValueOrDefault("class");
            var classCode = given ?? ComponentCensus.ClassOfIdentifier(r.Key);
            var problem = classCode is null ? "give the component's class (C0102), or an id that is a 16-digit CJ/T 214 identifier"
                : ComponentCensus.ClassProblem(classCode, catalog)
                ?? (given is not null && ComponentCensus.ClassOfIdentifier(r.Key) is { } named && named != given ? $"the id names class {named}, the class column {given}" : null);
            if (problem is not null) problems.Add(new ImportProblem(parsed.Numbers[i], r.Key, "class", problem));
            else components.Add(new CensusComponent(r.Key, classCode!, r.Fields["owner"], r.Fields.GetValueOrDefault("name"), r.Fields.GetValueOrDefault("contact"), r.Lon!.Value, r.Lat!.Value));
        }
        if (problems.Count > 0)
        {
            var all = problems.OrderBy(p => p.Record).ToImmutableArray();
            return TypedResults.Problem(ReferenceImport.Summary(all), statusCode: 422, title: "Import refused",
                extensions: new Dictionary<string, object?> { ["problems"] = all.Take(ReferenceImport.MaxListedProblems).ToList(), ["problemCount"] = all.Length });
        }
        if (components.Count == 0) return Problems.Of(422, "Import refused", "the file holds no components; a census is replaced whole, so an empty one would remove every component");
        var body = new Dictionary<string, object?>
        {
            ["components"] = components.Count,
            ["byClass"] = ComponentCensus.CountByClass(components),
            ["ignoredFields"] = parsed.IgnoredFields,
            ["encoding"] = parsed.Encoding,
        };
        if (dryRun ?? false) return TypedResults.Ok(new Dictionary<string, object?>(body) { ["dryRun"] = true });
        body["version"] = await store.ReplaceAsync(components, request.HttpContext.RequiredCaller().Subject, time.GetUtcNow(), cancellationToken);
        body["servedVersion"] = (await census.LoadAsync(cancellationToken)).Version;
        return TypedResults.Ok(body);
    }

    internal static IResult List(MatterCatalog catalog, Open311Services services)
    {
        var all = services.All;
        return TypedResults.Ok(new
        {
            classes = catalog.Classes.Select(c => new
            {
                code = c.Code,
                name = c.Name,
                kind = c.Kind == CatalogKind.Component ? "component" : "event",
                major = c.MajorCode,
                matters = all.Where(s => s.ClassCode == c.Code).Select(s => new { code = s.Code, name = s.Name }),
            }),
            unclassified = all.Where(s => s.ClassCode is null || catalog.Find(s.ClassCode) is null).Select(s => new { code = s.Code, name = s.Name }),
        });
    }
}
