using System.Collections.Immutable;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Personnel;

/// <summary>Who answers for a grid, as put to <c>PUT /api/grids/{code}/responsibility</c>.</summary>
public sealed record ResponsibilityBody(string? SquadId, string? OfficerA, string? OfficerB);

/// <summary>A bulk reassignment: the grids' new people, and whether their open cases follow.</summary>
public sealed record ReassignBody(ResponsibilityItem[]? Grids, bool OpenCasesFollow, string? ActorId);

public sealed record ResponsibilityItem(string? GridCode, string? SquadId, string? OfficerA, string? OfficerB);

/// <summary>An officer's roster: weekly shifts and dated extra shifts in local time (UTC offset in minutes, 480 for China).</summary>
public sealed record RosterBody(WeeklyShiftView[]? Weekly, ExtraShiftView[]? Extra, int? UtcOffsetMinutes);

public sealed record AbsenceBody(DateTimeOffset? From, DateTimeOffset? To, string? Reason);

public sealed record LeaderBody(string? OfficerId);

/// <summary>Personnel over HTTP: grid responsibility (squad, A and B posts), bulk reassignment, rosters, absences, squad leaders.</summary>
public static class PersonnelEndpoints
{
    public const int MaxId = 128;
    public const int MaxBulkGrids = 100_000;

    public static IEndpointRouteBuilder MapPersonnelEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Personnel");
        api.MapGet("/grids/{code}/responsibility", GetResponsibility).WithSummary("The grid's squad, A and B officers, liaisons and open cases.");
        api.MapPut("/grids/{code}/responsibility", PutResponsibility).WithSummary("Sets the grid's squad and A/B officers.");
        api.MapPost("/personnel/reassign", Reassign).WithSummary("Reassigns grids in bulk; with openCasesFollow their open cases move to the new people.");
        api.MapPut("/officers/{id}/roster", PutRoster).WithSummary("Sets an officer's roster.");
        api.MapPost("/officers/{id}/absences", PostAbsence).WithSummary("Marks an officer absent for a period.");
        api.MapGet("/officers/{id}/cases", GetOfficerCases).WithSummary("The open cases an officer holds now.");
        api.MapPut("/squads/{id}/leader", PutLeader).WithSummary("Sets a squad's leader.");
        api.MapGet("/squads/{id}", GetSquad).WithSummary("A squad: leader, officers and grids.");
        return app;
    }

    internal static async Task<Results<Ok<GridResponsibilityView>, ProblemHttpResult>> GetResponsibility(string code, IGrainFactory grains, GridCatalog catalog) =>
        catalog.Find(code) is null ? UnknownGrid(code) : TypedResults.Ok(await grains.GetGrain<IGridCellGrain>(code).GetResponsibilityAsync());

    internal static async Task<Results<Ok<GridResponsibilityView>, ProblemHttpResult>> PutResponsibility(
        string code, ResponsibilityBody? body, IGrainFactory grains, GridCatalog catalog)
    {
        if (body is null) return Problems.Of(400, "Missing body", "the body must be JSON: squadId, officerA, officerB");
        if (catalog.Find(code) is null) return UnknownGrid(code);
        if (IdProblem(("squadId", body.SquadId), ("officerA", body.OfficerA), ("officerB", body.OfficerB)) is { } problem) return problem;
        if (body.OfficerA is not null && body.OfficerA == body.OfficerB)
            return Problems.Of(400, "Same officer twice", $"officer {body.OfficerA} cannot hold both the A and the B post of one grid");
        return TypedResults.Ok(await grains.GetGrain<IGridCellGrain>(code).AssignAsync(new GridAssignment(code, body.SquadId, body.OfficerA, body.OfficerB)));
    }

    internal static async Task<Results<Ok<ReassignmentResult>, ProblemHttpResult>> Reassign(ReassignBody? body, IGrainFactory grains, GridCatalog catalog)
    {
        if (body?.Grids is not { Length: > 0 } items) return Problems.Of(400, "Missing grids", "the body must be JSON: grids (gridCode, squadId, officerA, officerB), openCasesFollow, actorId");
        if (items.Length > MaxBulkGrids) return Problems.Of(400, "Too many grids", $"at most {MaxBulkGrids} grids in one reassignment");
        if (string.IsNullOrWhiteSpace(body.ActorId)) return Problems.Of(400, "Missing field", "'actorId' is required");
        if (IdProblem(("actorId", body.ActorId)) is { } actorProblem) return actorProblem;
        var unknown = items.Where(i => string.IsNullOrWhiteSpace(i.GridCode) || catalog.Find(i.GridCode) is null).Select(i => i.GridCode ?? "(none)").Take(10).ToList();
        if (unknown.Count > 0) return Problems.Of(422, "Unknown grids", $"no such grids: {string.Join(", ", unknown)}; nothing was changed");
        foreach (var i in items)
        {
            if (IdProblem(("squadId", i.SquadId), ("officerA", i.OfficerA), ("officerB", i.OfficerB)) is { } problem) return problem;
        }
        var assignments = items.Select(i => new GridAssignment(i.GridCode!, i.SquadId, i.OfficerA, i.OfficerB)).ToImmutableArray();
        var result = await grains.GetGrain<IPersonnelOperationsGrain>(IPersonnelOperationsGrain.Key).ReassignAsync(assignments, body.OpenCasesFollow, body.ActorId!);
        return TypedResults.Ok(result);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> PutRoster(string id, RosterBody? body, IGrainFactory grains)
    {
        if (body is null) return Problems.Of(400, "Missing body", "the body must be JSON: weekly, extra, utcOffsetMinutes");
        if (IdProblem(("officer id", id)) is { } problem) return problem;
        if (body.UtcOffsetMinutes is < -14 * 60 or > 14 * 60) return Problems.Of(400, "Bad UTC offset", "'utcOffsetMinutes' must lie between -840 and 840");
        if ((body.Weekly?.Length ?? 0) + (body.Extra?.Length ?? 0) > 1000) return Problems.Of(400, "Too many shifts", "at most 1000 shifts in a roster");
        await grains.GetGrain<IOfficerGrain>(id).SetRosterAsync(new RosterView([.. body.Weekly ?? []], [.. body.Extra ?? []], body.UtcOffsetMinutes ?? 480));
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> PostAbsence(string id, AbsenceBody? body, IGrainFactory grains)
    {
        if (IdProblem(("officer id", id)) is { } problem) return problem;
        if (body?.From is not { } from || body.To is not { } to) return Problems.Of(400, "Missing period", "'from' and 'to' are required");
        if (to <= from) return Problems.Of(400, "Empty period", "'to' must be after 'from'");
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 500) return Problems.Of(400, "Missing reason", "'reason' is required (at most 500 characters)");
        await grains.GetGrain<IOfficerGrain>(id).MarkAbsentAsync(new AbsenceView(from, to, body.Reason));
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<string[]>, ProblemHttpResult>> GetOfficerCases(string id, IGrainFactory grains) =>
        IdProblem(("officer id", id)) is { } problem ? problem : TypedResults.Ok((await grains.GetGrain<IOfficerGrain>(id).GetCasesAsync()).ToArray());

    internal static async Task<Results<Ok<SquadView>, ProblemHttpResult>> PutLeader(string id, LeaderBody? body, IGrainFactory grains)
    {
        if (IdProblem(("squad id", id), ("officerId", body?.OfficerId)) is { } problem) return problem;
        if (string.IsNullOrWhiteSpace(body?.OfficerId)) return Problems.Of(400, "Missing field", "'officerId' is required");
        var squad = grains.GetGrain<ISquadGrain>(id);
        await squad.SetLeaderAsync(body.OfficerId);
        return TypedResults.Ok(await squad.GetAsync());
    }

    internal static async Task<Results<Ok<SquadView>, ProblemHttpResult>> GetSquad(string id, IGrainFactory grains) =>
        IdProblem(("squad id", id)) is { } problem ? problem : TypedResults.Ok(await grains.GetGrain<ISquadGrain>(id).GetAsync());

    /// <summary>Ids are optional here; one given must be non-blank, short and free of control characters.</summary>
    private static ProblemHttpResult? IdProblem(params (string Name, string? Value)[] ids)
    {
        foreach (var (name, value) in ids)
        {
            if (value is null) continue;
            if (string.IsNullOrWhiteSpace(value) || value.Length > MaxId || value.Any(char.IsControl))
                return Problems.Of(400, "Invalid id", $"'{name}' must be 1 to {MaxId} characters without control characters");
        }
        return null;
    }

    private static ProblemHttpResult UnknownGrid(string code) =>
        Problems.Of(404, "Grid not found", $"no grid has the code '{(code.Length <= 40 ? code : code[..40] + "…")}'");

}
