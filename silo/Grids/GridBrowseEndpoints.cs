using GridServer.Abstractions.Grids;
using GridServer.Domain.Access;
using GridServer.Domain.Grids;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using NetTopologySuite.Geometries;

namespace GridServer.Silo.Grids;

/// <summary>The district at a glance: how many grids, the revision served, its extent, its streets and communities.</summary>
/// <param name="Bbox">minLon, minLat, maxLon, maxLat (WGS84); null when no grid is served.</param>
public sealed record GridSummary(int Count, long Revision, double[]? Bbox, IReadOnlyList<AreaSummary> Streets, IReadOnlyList<AreaSummary> Communities);

/// <summary>A street or community: its code, name, the street it belongs to (communities), how many grids, their extent (WGS84).</summary>
public sealed record AreaSummary(string Code, string? Name, string? StreetCode, int Grids, double[] Bbox);

/// <summary>A grid found by a search, with its extent (WGS84) to fly to.</summary>
public sealed record GridHit(string Code, string Name, string? StreetName, string? CommunityName, double[] Bbox);

/// <summary>What a search found: grids, streets and communities whose code or name holds the words.</summary>
public sealed record GridSearchResult(IReadOnlyList<GridHit> Grids, IReadOnlyList<AreaSummary> Streets, IReadOnlyList<AreaSummary> Communities);

/// <summary>Who answers for one grid now, and how many cases are open in it.</summary>
public sealed record GridStaffing(string Code, string? SquadId, string? OfficerA, string? OfficerB, int Liaisons, int OpenCases);

/// <summary>
/// What the console needs to find its way around the grids: the summary, a search, and the people of many grids at once
/// (for colouring the map by squad or open cases). A liaison sees only their own grids in each.
/// </summary>
public static class GridBrowseEndpoints
{
    public const int MaxHits = 20;
    public const int MaxQuery = 100;

    public static IEndpointRouteBuilder MapGridBrowseEndpoints(this IEndpointRouteBuilder app)
    {
        var grids = app.MapGroup("/api/grids").WithTags("Grids").RequireRoles(GridEndpoints.Readers);
        grids.MapGet("/summary", Summary).WithSummary("Grid count, revision, extent, streets and communities of the grids the caller may read.");
        grids.MapGet("/search", Search).WithSummary($"Grids, streets and communities whose code or name contains q (at most {MaxHits} of each).");
        grids.MapGet("/staffing", Staffing)
            .WithSummary($"Squad, A/B officers, liaison count and open cases of the grids in a bbox or a street/community (at most {GridEndpoints.MaxListed:N0}).");
        return app;
    }

    internal static async Task<IResult> Summary(GridCatalog catalog, HttpContext context, Scopes scopes)
    {
        var grids = await ReadableAsync(catalog, context, scopes);
        return TypedResults.Ok(new GridSummary(grids.Count, catalog.Revision, grids.Count == 0 ? null : Bbox(grids),
            Areas(grids, g => g.StreetCode, g => g.StreetName, _ => null),
            Areas(grids, g => g.CommunityCode, g => g.CommunityName, g => g.StreetCode)));
    }

    internal static async Task<IResult> Search(string? q, GridCatalog catalog, HttpContext context, Scopes scopes)
    {
        var words = (q ?? "").Trim();
        if (words.Length == 0 || words.Length > MaxQuery)
            return Problems.Of(400, "Invalid query", $"q is the text to find in grid codes and names, streets and communities (1 to {MaxQuery} characters)");
        var grids = await ReadableAsync(catalog, context, scopes);
        bool Has(string? text) => text is not null && text.Contains(words, StringComparison.OrdinalIgnoreCase);
        var hits = grids.Where(g => Has(g.Code) || Has(g.Name)).Take(MaxHits)
            .Select(g => new GridHit(g.Code, g.Name, g.StreetName, g.CommunityName, Bbox([g]))).ToList();
        var streets = Areas(grids.Where(g => Has(g.StreetCode) || Has(g.StreetName)).ToList(), g => g.StreetCode, g => g.StreetName, _ => null).Take(MaxHits).ToList();
        var communities = Areas(grids.Where(g => Has(g.CommunityCode) || Has(g.CommunityName)).ToList(), g => g.CommunityCode, g => g.CommunityName, g => g.StreetCode).Take(MaxHits).ToList();
        return TypedResults.Ok(new GridSearchResult(hits, streets, communities));
    }

    internal static async Task<IResult> Staffing(string? bbox, string? street, string? community, GridCatalog catalog, IGrainFactory grains, HttpContext context, Scopes scopes)
    {
        if (bbox is null && street is null && community is null)
            return Problems.Of(400, "Too many grids", "name the grids: bbox (minLon,minLat,maxLon,maxLat), street or community");
        Envelope? box = null;
        if (bbox is not null && !GridEndpoints.TryParseBbox(bbox, out box, out var problem)) return problem!;
        var selected = (await ReadableAsync(catalog, context, scopes))
            .Where(g => box is null || g.Boundary.EnvelopeInternal.Intersects(box))
            .Where(g => street is null || g.StreetCode == street || g.StreetName == street)
            .Where(g => community is null || g.CommunityCode == community || g.CommunityName == community)
            .Take(GridEndpoints.MaxListed + 1).ToList();
        if (selected.Count > GridEndpoints.MaxListed)
            return Problems.Of(400, "Too many grids", $"more than {GridEndpoints.MaxListed:N0} grids match; narrow the bbox, street or community");
        var answers = new List<GridStaffing>(selected.Count);
        // In chunks: every grid is one grain call, and a district's worth at once would flood the silo's queue.
        foreach (var chunk in selected.Chunk(500))
        {
            var views = await Task.WhenAll(chunk.Select(g => grains.GetGrain<IGridCellGrain>(g.Code).GetResponsibilityAsync().AsTask()));
            answers.AddRange(views.Select(v => new GridStaffing(v.GridCode, v.SquadId, v.OfficerA, v.OfficerB,
                v.Liaisons.IsDefault ? 0 : v.Liaisons.Length, v.OpenCases.IsDefault ? 0 : v.OpenCases.Length)));
        }
        return TypedResults.Ok(answers);
    }

    private static async Task<IReadOnlyList<Grid>> ReadableAsync(GridCatalog catalog, HttpContext context, Scopes scopes)
    {
        var caller = context.RequiredCaller();
        if (caller.Role != Role.Liaison) return catalog.All().ToList();
        var watched = scopes.WatchedGrids(await scopes.LiaisonAsync(caller.Subject));
        return catalog.All().Where(g => watched.Contains(g.Code)).ToList();
    }

    private static List<AreaSummary> Areas(IReadOnlyList<Grid> grids, Func<Grid, string?> code, Func<Grid, string?> name, Func<Grid, string?> parent) =>
        grids.Where(g => code(g) is not null).GroupBy(g => code(g)!, StringComparer.Ordinal).OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new AreaSummary(a.Key, name(a.First()), parent(a.First()), a.Count(), Bbox(a.ToList()))).ToList();

    private static double[] Bbox(IReadOnlyList<Grid> grids)
    {
        var envelope = new Envelope();
        foreach (var g in grids) envelope.ExpandToInclude(g.Boundary.EnvelopeInternal);
        return [Math.Round(envelope.MinX, 7), Math.Round(envelope.MinY, 7), Math.Round(envelope.MaxX, 7), Math.Round(envelope.MaxY, 7)];
    }
}
