using System.Text.Json;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Grids;

/// <summary>The answer of <c>GET /api/grids/locate</c>. Coordinates are the WGS84 position matched.</summary>
public sealed record LocateResponse(
    double Lon, double Lat, string Crs, string Status, string? GridCode, string? GridName,
    string? StreetName, string? CommunityName, string? NearestGrid, double? DistanceM);

/// <summary>HTTP face of grid matching.</summary>
public static class GridEndpoints
{
    public static IEndpointRouteBuilder MapGridEndpoints(this IEndpointRouteBuilder app)
    {
        var grids = app.MapGroup("/api/grids").WithTags("Grids");
        grids.MapGet("/locate", Locate).WithSummary("The grid covering a point (a point on a boundary counts; ties go to the lowest code).");
        grids.MapGet("/{code}", Get).WithSummary("One grid as a GeoJSON Feature.");
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

    internal static IResult Get(GridCatalog catalog, string code)
    {
        var grid = catalog.Find(code);
        if (grid is null) return TypedResults.Problem($"no grid has the code '{Problems.Shorten(code)}'", statusCode: 404, title: "Grid not found");
        using var buffer = new MemoryStream();
        using (var json = GeoJsonGridWriter.CreateWriter(buffer)) GeoJsonGridWriter.WriteFeature(json, grid);
        return Results.Bytes(buffer.ToArray(), "application/geo+json");
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
