using GridServer.Domain.Access;
using GridServer.Domain.Catalog;
using GridServer.Silo.Access;
using GridServer.Silo.Open311;

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

    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/catalog", List).WithTags("Catalog").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The CJ/T 214 classes (components C…, events E…; major and minor) with the matters counted under each, and the matters with no class.");
        return app;
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
