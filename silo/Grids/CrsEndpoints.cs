using System.Globalization;
using GridServer.Domain.Access;
using GridServer.Domain.Geo;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Grids;

/// <summary>
/// <c>/api/crs</c>: the bureau's named coordinate systems (<c>local:NAME</c> wherever a coordinate system is given:
/// a Shapefile upload's <c>?srs=</c>, a reference import's <c>?crs=</c>, <c>grids import --srs</c>), and a conversion
/// an operator checks a control point with before importing anything. Definitions are checked whole by building them:
/// one that cannot convert is never stored. docs/coordinates.md.
/// </summary>
public static class CrsEndpoints
{
    /// <summary>The body of <c>PUT /api/crs/{name}</c>.</summary>
    public sealed record CrsDefinitionBody(string? Base, double[]? ToWgs84, PlaneBody? Plane, string? Description);

    /// <summary>Four plane parameters: east, north (metres), rotation (arc-seconds, counter-clockwise), scale (ppm).</summary>
    public sealed record PlaneBody(double East, double North, double RotationSeconds, double ScalePpm);

    public static IEndpointRouteBuilder MapCrsEndpoints(this IEndpointRouteBuilder app)
    {
        var crs = app.MapGroup("/api/crs").WithTags("Coordinate systems");
        crs.MapGet("/", List).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The bureau's named coordinate systems, each with what it resolves to and how it is shifted to WGS 84; and how many EPSG systems the server knows.");
        crs.MapGet("/convert", Convert).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("One point of a coordinate system (?srs=EPSG:2385 or local:NAME, ?x=&y=) to WGS 84 lon/lat, with the system's name and shift: to check a control point.");
        crs.MapGet("/{name}", Get).RequireRoles(Role.Operator, Role.Dispatcher).WithSummary("One named coordinate system.");
        crs.MapPut("/{name}", Put).RequireRoles(Role.Operator)
            .WithSummary("Defines or replaces a named system: {base: EPSG code or WKT, toWgs84?: [3 or 7 numbers], plane?: {east, north, rotationSeconds, scalePpm}, description?}; refused (400) naming the problem when it cannot convert.");
        crs.MapDelete("/{name}", Delete).RequireRoles(Role.Operator)
            .WithSummary("Removes a named system. Grids are stored in WGS 84: nothing stored moves.");
        return app;
    }

    internal static async Task<IResult> List(ICrsDefinitionStore store, CancellationToken cancellationToken)
    {
        var all = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(new { definitions = all.Select(View), epsgSystems = EpsgTable.Count });
    }

    internal static async Task<IResult> Get(string name, ICrsDefinitionStore store, CancellationToken cancellationToken)
    {
        var found = (await store.ListAsync(cancellationToken)).FirstOrDefault(d => d.Definition.Name == name);
        return found is null ? NotDefined(name) : TypedResults.Ok(View(found));
    }

    internal static async Task<IResult> Put(string name, CrsDefinitionBody? body, HttpContext context, ICrsDefinitionStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body is null) return Problems.Of(400, "No definition", "send {\"base\": \"EPSG:2385\", \"toWgs84\": [dx, dy, dz, rx, ry, rz, ds]} (docs/coordinates.md)");
        var definition = new CrsDefinition(name, body.Base ?? "", body.ToWgs84,
            body.Plane is { } p ? new PlaneSimilarity(p.East, p.North, p.RotationSeconds, p.ScalePpm) : null, body.Description);
        if (!CrsRegistry.TryResolve(definition, out _, out var error)) return Problems.Of(400, "Unusable coordinate system", error);
        var stored = new StoredCrsDefinition(definition, context.RequiredCaller().Subject, time.GetUtcNow());
        await store.SaveAsync(stored, cancellationToken);
        return TypedResults.Ok(View(stored));
    }

    internal static async Task<IResult> Delete(string name, ICrsDefinitionStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(name, cancellationToken) ? TypedResults.NoContent() : NotDefined(name);

    internal static async Task<IResult> Convert(string? srs, string? x, string? y, ICrsDefinitionStore store, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(srs)) return Problems.Of(400, "No coordinate system", "give ?srs=, e.g. EPSG:2385 or local:NAME, with ?x= and ?y=");
        if (!double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var px) || !double.IsFinite(px)
            || !double.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var py) || !double.IsFinite(py))
            return Problems.Of(400, "No point", "give ?x= and ?y= as numbers (easting and northing, or lon and lat, in the system's units)");
        var named = await store.LookupAsync(cancellationToken);
        if (!CrsRegistry.TryResolve(srs, out var crs, out var error, named)) return Problems.Of(400, "Unusable coordinate system", error);
        double lon, lat;
        try
        {
            (lon, lat) = crs.ToWgs84(px, py);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException or InvalidOperationException)
        {
            (lon, lat) = (double.NaN, double.NaN);
        }
        if (!double.IsFinite(lon) || !double.IsFinite(lat) || lon is < -180 or > 180 || lat is < -90 or > 90)
            return Problems.Of(422, "Not a place on Earth", $"({Problems.Shorten(x!)}, {Problems.Shorten(y!)}) in {crs.Name} gives no lon/lat; are x and y swapped, or in other units?");
        return TypedResults.Ok(new { lon, lat, crs = crs.Name, shift = crs.Shift });
    }

    private static ProblemHttpResult NotDefined(string name) =>
        Problems.Of(404, "No such coordinate system", $"no coordinate system named '{Problems.Shorten(name)}' is defined (GET /api/crs lists them)");

    private static object View(StoredCrsDefinition stored)
    {
        var d = stored.Definition;
        var usable = CrsRegistry.TryResolve(d, out var crs, out var error);
        return new
        {
            name = d.Name,
            spec = CrsDefinition.Prefix + d.Name,
            @base = d.Base,
            toWgs84 = d.ToWgs84,
            plane = d.Plane is { } p ? new { east = p.East, north = p.North, rotationSeconds = p.RotationSeconds, scalePpm = p.ScalePpm } : null,
            description = d.Description,
            resolves = usable ? crs!.Name : null,
            shift = usable ? crs!.Shift : null,
            // A definition stored by an earlier version can stop resolving (an EPSG table changed): said, not hidden.
            error = usable ? null : error,
            changedBy = stored.ChangedBy,
            changedAt = stored.ChangedAt,
        };
    }
}
