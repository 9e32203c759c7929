using System.Text.Json;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using NetTopologySuite.Geometries;

namespace GridServer.Silo.Grids;

/// <summary>The answer of <c>GET /api/grids/locate</c>. Coordinates are the WGS84 position matched.</summary>
public sealed record LocateResponse(
    double Lon, double Lat, string Crs, string Status, string? GridCode, string? GridName,
    string? StreetName, string? CommunityName, string? NearestGrid, double? DistanceM);

/// <summary>HTTP face of grid matching.</summary>
public static class GridEndpoints
{
    /// <summary>Who reads grids: everyone but reporters (liaisons their own grids only).</summary>
    internal static readonly Role[] Readers = [Role.Operator, Role.Dispatcher, Role.Officer, Role.Liaison];

    public static IEndpointRouteBuilder MapGridEndpoints(this IEndpointRouteBuilder app)
    {
        var grids = app.MapGroup("/api/grids").WithTags("Grids");
        grids.MapGet("/locate", Locate).RequireRoles(Role.Operator, Role.Dispatcher, Role.Officer)
            .WithSummary("The grid covering a point (a point on a boundary counts; ties go to the lowest code).");
        // Liaisons read these too, but only their own grids: another grid answers as if it did not exist.
        grids.MapGet("/{code}", Get).RequireRoles(Readers).WithSummary("One grid as a GeoJSON Feature.");
        grids.MapGet("/{code}/history", History).RequireRoles(Readers)
            .WithSummary("Every version of a grid, oldest first, as GeoJSON features with version, valid_from and valid_to.");
        grids.MapGet("/", List).RequireRoles(Readers)
            .WithSummary("Grids as a GeoJSON FeatureCollection, filtered by bbox (minLon,minLat,maxLon,maxLat), street and community (code or name); with asOf (an instant, with its offset) and a bbox: the versions valid then.");
        return app;
    }

    internal static Results<Ok<LocateResponse>, ProblemHttpResult> Locate(GridCatalog catalog, string? lon, string? lat, string? crs)
    {
        if (!TryCoordinate(lon, "lon", -180, 180, out var x, out var problem) || !TryCoordinate(lat, "lat", -90, 90, out var y, out problem, x))
            return problem!;
        if (!PointCrsExtensions.TryParse(crs ?? "wgs84", out var pointCrs, out var crsError))
            return TypedResults.Problem(crsError, statusCode: 400, title: "Unknown coordinate system");
        var (wLon, wLat) = pointCrs.ToWgs84(x, y);
        var match = catalog.Match(wLon, wLat);
        var grid = match.GridCode is null ? null : catalog.Find(match.GridCode);
        return TypedResults.Ok(new LocateResponse(wLon, wLat, pointCrs.ToSpec(), match.Covered ? "covered" : "no_grid",
            match.GridCode, grid?.Name, grid?.StreetName, grid?.CommunityName, match.NearestGridCode,
            match.DistanceMetres is { } d ? Math.Round(d, 2) : null));
    }

    internal static async Task<IResult> Get(GridCatalog catalog, string code, HttpContext context, Scopes scopes)
    {
        // Scope first: a liaison's answer takes the same path whether or not the code exists.
        if (!await scopes.MayReadGridAsync(context, code) || catalog.Find(code) is not { } grid) return TypedResults.Problem($"no grid has the code '{Problems.Shorten(code)}'", statusCode: 404, title: "Grid not found");
        using var buffer = new MemoryStream();
        using (var json = GeoJsonGridWriter.CreateWriter(buffer)) GeoJsonGridWriter.WriteFeature(json, grid);
        return Results.Bytes(buffer.ToArray(), "application/geo+json");
    }

    internal static async Task<IResult> History(string code, IGrainFactory grains, HttpContext context, Scopes scopes)
    {
        if (code.Length > 64 || !await scopes.MayReadGridAsync(context, code)) return TypedResults.Problem($"no grid has the code '{Problems.Shorten(code)}'", statusCode: 404, title: "Grid not found");
        var history = await grains.GetGrain<GridServer.Abstractions.Grids.IGridDirectoryGrain>(GridServer.Abstractions.Grids.IGridDirectoryGrain.Key).GetHistoryAsync(code);
        using var document = JsonDocument.Parse(history);
        if (document.RootElement.GetProperty("features").GetArrayLength() == 0)
            return TypedResults.Problem($"no grid has ever had the code '{Problems.Shorten(code)}'", statusCode: 404, title: "Grid not found");
        return Results.Bytes(history, "application/geo+json");
    }

    /// <summary>The most grids one list answers with; a bbox, street or community narrows a larger district.</summary>
    public const int MaxListed = 10_000;

    internal static async Task<IResult> List(GridCatalog catalog, string? bbox, string? street, string? community, string? asOf, HttpContext context, Scopes scopes, IGrainFactory grains)
    {
        Envelope? box = null;
        if (bbox is not null && !TryParseBbox(bbox, out box, out var bboxProblem)) return bboxProblem!;
        if (asOf is not null) return await AsOfAsync(asOf, box, street ?? community, context, scopes, grains);
        static bool Named(string? wanted, string? code, string? name) =>
            wanted is null || string.Equals(wanted, code, StringComparison.Ordinal) || string.Equals(wanted, name, StringComparison.Ordinal);
        var caller = context.RequiredCaller();
        var watched = caller.Role == Role.Liaison ? scopes.WatchedGrids(await scopes.LiaisonAsync(caller.Subject)) : null;
        var selected = catalog.All()
            .Where(g => watched is null || watched.Contains(g.Code))
            .Where(g => box is null || g.Boundary.EnvelopeInternal.Intersects(box))
            .Where(g => Named(street, g.StreetCode, g.StreetName) && Named(community, g.CommunityCode, g.CommunityName))
            .Take(MaxListed + 1)
            .ToList();
        if (selected.Count > MaxListed)
            return TypedResults.Problem($"more than {MaxListed:N0} grids match; narrow the list with bbox, street or community", statusCode: 400, title: "Too many grids");
        using var buffer = new MemoryStream();
        GeoJsonGridWriter.Write(buffer, selected);
        return Results.Bytes(buffer.ToArray(), "application/geo+json");
    }

    /// <summary>The grids as they stood at an instant (from the grid history), in a bbox.</summary>
    private static async Task<IResult> AsOfAsync(string asOf, Envelope? box, string? named, HttpContext context, Scopes scopes, IGrainFactory grains)
    {
        if (!DateTimeOffset.TryParse(asOf, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at) || !asOf.Contains('T', StringComparison.Ordinal))
            return TypedResults.Problem($"asOf is an instant with its offset, e.g. 2026-11-30T23:59:59+08:00, not '{Problems.Shorten(asOf)}'", statusCode: 400, title: "Invalid asOf");
        if (box is null || named is not null)
            return TypedResults.Problem("asOf takes a bbox (minLon,minLat,maxLon,maxLat) and no street or community", statusCode: 400, title: "Invalid asOf");
        var caller = context.RequiredCaller();
        // A liaison: their codes only ("" keeps the list non-empty when they watch nothing: empty means every grid).
        var only = caller.Role == Role.Liaison ? [.. scopes.WatchedGrids(await scopes.LiaisonAsync(caller.Subject)).Append("")] : System.Collections.Immutable.ImmutableArray<string>.Empty;
        var found = await grains.GetGrain<GridServer.Abstractions.Grids.IGridDirectoryGrain>(GridServer.Abstractions.Grids.IGridDirectoryGrain.Key)
            .GetAsOfAsync(at, new GridServer.Abstractions.Grids.GridBox(box.MinX, box.MinY, box.MaxX, box.MaxY), MaxListed, only);
        if (found.Count > MaxListed)
            return TypedResults.Problem($"{found.Count:N0} grids stood in that bbox then, more than {MaxListed:N0}; narrow the bbox", statusCode: 400, title: "Too many grids");
        return Results.Bytes(found.GeoJson, "application/geo+json");
    }

    /// <summary>Reads minLon,minLat,maxLon,maxLat in decimal degrees; the problem says what is wrong.</summary>
    internal static bool TryParseBbox(string bbox, out Envelope? box, out ProblemHttpResult? problem)
    {
        box = null;
        var parts = bbox.Split(',');
        var numbers = parts.Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
        problem = parts.Length != 4 || numbers.Any(n => !double.IsFinite(n))
            ? TypedResults.Problem($"bbox is minLon,minLat,maxLon,maxLat in decimal degrees, not '{Problems.Shorten(bbox)}'", statusCode: 400, title: "Invalid bbox")
            : (LonLat.Problem(numbers[0], numbers[1]) ?? LonLat.Problem(numbers[2], numbers[3])) is { } range
                ? TypedResults.Problem($"bbox: {range}", statusCode: 400, title: "Invalid bbox")
                : numbers[0] > numbers[2] || numbers[1] > numbers[3]
                    ? TypedResults.Problem("bbox: the minimum must not exceed the maximum (minLon,minLat,maxLon,maxLat)", statusCode: 400, title: "Invalid bbox")
                    : null;
        if (problem is not null) return false;
        box = new Envelope(numbers[0], numbers[2], numbers[1], numbers[3]);
        return true;
    }

    /// <param name="lon">For the latitude: the longitude already read, to tell whether the two look swapped.</param>
    private static bool TryCoordinate(string? text, string name, double min, double max, out double value, out ProblemHttpResult? problem, double? lon = null)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            value = double.NaN;
            problem = TypedResults.Problem($"query parameter '{name}' is required (decimal degrees)", statusCode: 400, title: "Missing coordinate");
            return false;
        }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            problem = TypedResults.Problem($"'{name}' must be a decimal number of degrees, got '{Problems.Shorten(text)}'", statusCode: 400, title: "Invalid coordinate");
            return false;
        }
        if (LonLat.RangeProblem(name, value, min, max, lon) is { } range)
        {
            problem = TypedResults.Problem(range, statusCode: 400, title: "Coordinate out of range");
            return false;
        }
        return true;
    }

}
