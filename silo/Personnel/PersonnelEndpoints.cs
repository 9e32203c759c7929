using System.Collections.Immutable;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Personnel;

/// <summary>Who answers for a grid, as put to <c>PUT /api/grids/{code}/responsibility</c>.</summary>
public sealed record ResponsibilityBody(string? SquadId, string? OfficerA, string? OfficerB);

/// <summary>A bulk reassignment: the grids' new people, and whether their open cases follow.</summary>
public sealed record ReassignBody(ResponsibilityItem[]? Grids, bool OpenCasesFollow);

public sealed record ResponsibilityItem(string? GridCode, string? SquadId, string? OfficerA, string? OfficerB);

/// <summary>An officer's roster: weekly shifts and dated extra shifts in local time (UTC offset in minutes, 480 for China).</summary>
public sealed record RosterBody(WeeklyShiftView[]? Weekly, ExtraShiftView[]? Extra, int? UtcOffsetMinutes);

public sealed record AbsenceBody(DateTimeOffset? From, DateTimeOffset? To, string? Reason);

public sealed record LeaderBody(string? OfficerId);

/// <summary>
/// Personnel over HTTP: grid responsibility (squad, A and B posts), bulk reassignment, rosters, absences, squads,
/// liaisons and their grids. Operators change them; dispatchers and officers read them; an officer reads only their
/// own cases and a liaison only their own grids.
/// </summary>
public static class PersonnelEndpoints
{
    public const int MaxId = 128;
    public const int MaxBulkGrids = 100_000;

    public static IEndpointRouteBuilder MapPersonnelEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Personnel");
        api.MapGet("/grids/{code}/responsibility", GetResponsibility).RequireRoles(Role.Operator, Role.Dispatcher, Role.Officer, Role.Liaison)
            .WithSummary("The grid's squad, A and B officers, liaisons and open cases.");
        api.MapPut("/grids/{code}/responsibility", PutResponsibility).RequireRoles(Role.Operator).WithSummary("Sets the grid's squad and A/B officers.");
        api.MapPost("/personnel/reassign", Reassign).RequireRoles(Role.Operator)
            .WithSummary("Reassigns grids in bulk; with openCasesFollow their open cases move to the new people.");
        api.MapPut("/officers/{id}/roster", PutRoster).RequireRoles(Role.Operator).WithSummary("Sets an officer's roster.");
        api.MapPost("/officers/{id}/absences", PostAbsence).RequireRoles(Role.Operator).WithSummary("Marks an officer absent for a period.");
        api.MapGet("/officers/{id}", GetOfficer).RequireRoles(Role.Operator, Role.Dispatcher, Role.Officer)
            .WithSummary("An officer: roster, absences not yet over, on duty now or not, open cases (an officer: their own).");
        api.MapGet("/officers/{id}/cases", GetOfficerCases).RequireRoles(Role.Operator, Role.Dispatcher, Role.Officer)
            .WithSummary("The open cases an officer holds now (an officer: their own).");
        api.MapPut("/squads/{id}/leader", PutLeader).RequireRoles(Role.Operator)
            .WithSummary("Sets a squad's leader; the leader before loses the squad unless added as an officer.");
        api.MapDelete("/squads/{id}/leader", DeleteLeader).RequireRoles(Role.Operator)
            .WithSummary("Leaves a squad without a leader; the leader before loses the squad unless added as an officer.");
        api.MapPut("/squads/{id}/officers/{officerId}", PutSquadOfficer).RequireRoles(Role.Operator).WithSummary("Adds an officer to a squad.");
        api.MapDelete("/squads/{id}/officers/{officerId}", DeleteSquadOfficer).RequireRoles(Role.Operator)
            .WithSummary("Takes an officer out of a squad (and from its lead): the squad's cases leave their scope at once.");
        api.MapGet("/squads/{id}", GetSquad).RequireRoles(Role.Operator, Role.Dispatcher, Role.Officer).WithSummary("A squad: leader, officers and grids.");
        api.MapGet("/liaisons/{id}", GetLiaison).RequireRoles(Role.Operator, Role.Dispatcher, Role.Liaison)
            .WithSummary("A liaison's grids and communities (a liaison: their own).");
        api.MapPut("/liaisons/{id}/grids/{code}", PutLiaisonGrid).RequireRoles(Role.Operator).WithSummary("Assigns a grid to a liaison.");
        api.MapDelete("/liaisons/{id}/grids/{code}", DeleteLiaisonGrid).RequireRoles(Role.Operator).WithSummary("Takes a grid from a liaison.");
        api.MapPut("/liaisons/{id}/communities/{code}", PutLiaisonCommunity).RequireRoles(Role.Operator)
            .WithSummary("Assigns a whole community (every grid whose community code it is) to a liaison.");
        api.MapDelete("/liaisons/{id}/communities/{code}", DeleteLiaisonCommunity).RequireRoles(Role.Operator).WithSummary("Takes a community from a liaison.");
        return app;
    }

    internal static async Task<Results<Ok<GridResponsibilityView>, ProblemHttpResult>> GetResponsibility(
        string code, IGrainFactory grains, GridCatalog catalog, HttpContext context, Scopes scopes)
    {
        // Scope first: a liaison's answer takes the same path whether or not the code exists.
        if (!await scopes.MayReadGridAsync(context, code) || catalog.Find(code) is not { } grid) return UnknownGrid(code);
        var view = await grains.GetGrain<IGridCellGrain>(code).GetResponsibilityAsync();
        // A cell learns its boundary version from the grid directory's changes; grids loaded another way (the embedded
        // default's file, `grids import`) are answered with the version this silo serves.
        return TypedResults.Ok(view with { BoundaryVersion = view.BoundaryVersion ?? grid.Version });
    }

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

    internal static async Task<Results<Ok<ReassignmentResult>, ProblemHttpResult>> Reassign(ReassignBody? body, IGrainFactory grains, GridCatalog catalog, HttpContext context)
    {
        if (body?.Grids is not { Length: > 0 } items) return Problems.Of(400, "Missing grids", "the body must be JSON: grids (gridCode, squadId, officerA, officerB), openCasesFollow");
        if (items.Length > MaxBulkGrids) return Problems.Of(400, "Too many grids", $"at most {MaxBulkGrids} grids in one reassignment");
        var unknown = items.Where(i => string.IsNullOrWhiteSpace(i.GridCode) || catalog.Find(i.GridCode) is null).Select(i => i.GridCode ?? "(none)").Take(10).ToList();
        if (unknown.Count > 0) return Problems.Of(422, "Unknown grids", $"no such grids: {string.Join(", ", unknown)}; nothing was changed");
        foreach (var i in items)
        {
            if (IdProblem(("squadId", i.SquadId), ("officerA", i.OfficerA), ("officerB", i.OfficerB)) is { } problem) return problem;
        }
        var assignments = items.Select(i => new GridAssignment(i.GridCode!, i.SquadId, i.OfficerA, i.OfficerB)).ToImmutableArray();
        var result = await grains.GetGrain<IPersonnelOperationsGrain>(IPersonnelOperationsGrain.Key).ReassignAsync(assignments, body.OpenCasesFollow, context.RequiredCaller().Subject);
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

    internal static async Task<Results<Ok<OfficerView>, ProblemHttpResult>> GetOfficer(
        string id, IGrainFactory grains, HttpContext context, DenialLog denials, TimeProvider time)
    {
        if (IdProblem(("officer id", id)) is { } problem) return problem;
        if (!IsSelf(context, Role.Officer, id, denials)) return Problems.Of(403, "Forbidden", "an officer reads only their own page");
        return TypedResults.Ok(await grains.GetGrain<IOfficerGrain>(id).GetAsync(time.GetUtcNow()));
    }

    internal static async Task<Results<Ok<string[]>, ProblemHttpResult>> GetOfficerCases(string id, IGrainFactory grains, HttpContext context, DenialLog denials)
    {
        if (IdProblem(("officer id", id)) is { } problem) return problem;
        if (!IsSelf(context, Role.Officer, id, denials)) return Problems.Of(403, "Forbidden", "an officer reads only their own cases");
        return TypedResults.Ok((await grains.GetGrain<IOfficerGrain>(id).GetCasesAsync()).ToArray());
    }

    internal static async Task<Results<Ok<SquadView>, ProblemHttpResult>> PutLeader(string id, LeaderBody? body, IGrainFactory grains)
    {
        if (IdProblem(("squad id", id), ("officerId", body?.OfficerId)) is { } problem) return problem;
        if (string.IsNullOrWhiteSpace(body?.OfficerId)) return Problems.Of(400, "Missing field", "'officerId' is required");
        var squad = grains.GetGrain<ISquadGrain>(id);
        await squad.SetLeaderAsync(body.OfficerId);
        return TypedResults.Ok(await squad.GetAsync());
    }

    internal static async Task<Results<Ok<SquadView>, ProblemHttpResult>> PutSquadOfficer(string id, string officerId, IGrainFactory grains)
    {
        if (IdProblem(("squad id", id), ("officer id", officerId)) is { } problem) return problem;
        var squad = grains.GetGrain<ISquadGrain>(id);
        await squad.AddOfficerAsync(officerId);
        return TypedResults.Ok(await squad.GetAsync());
    }

    internal static async Task<Results<Ok<SquadView>, ProblemHttpResult>> DeleteLeader(string id, IGrainFactory grains)
    {
        if (IdProblem(("squad id", id)) is { } problem) return problem;
        var squad = grains.GetGrain<ISquadGrain>(id);
        await squad.ClearLeaderAsync();
        return TypedResults.Ok(await squad.GetAsync());
    }

    internal static async Task<Results<Ok<SquadView>, ProblemHttpResult>> DeleteSquadOfficer(string id, string officerId, IGrainFactory grains)
    {
        if (IdProblem(("squad id", id), ("officer id", officerId)) is { } problem) return problem;
        var squad = grains.GetGrain<ISquadGrain>(id);
        await squad.RemoveOfficerAsync(officerId);
        return TypedResults.Ok(await squad.GetAsync());
    }

    internal static async Task<Results<Ok<LiaisonView>, ProblemHttpResult>> GetLiaison(string id, IGrainFactory grains, HttpContext context, DenialLog denials)
    {
        if (IdProblem(("liaison id", id)) is { } problem) return problem;
        if (!IsSelf(context, Role.Liaison, id, denials)) return Problems.Of(403, "Forbidden", "a liaison reads only their own assignment");
        return TypedResults.Ok(await grains.GetGrain<ILiaisonGrain>(id).GetAsync());
    }

    internal static async Task<Results<Ok<LiaisonView>, ProblemHttpResult>> PutLiaisonGrid(string id, string code, IGrainFactory grains, GridCatalog catalog)
    {
        if (IdProblem(("liaison id", id)) is { } problem) return problem;
        if (catalog.Find(code) is null) return UnknownGrid(code);
        var liaison = grains.GetGrain<ILiaisonGrain>(id);
        await liaison.AddGridAsync(code);
        return TypedResults.Ok(await liaison.GetAsync());
    }

    internal static async Task<Results<Ok<LiaisonView>, ProblemHttpResult>> DeleteLiaisonGrid(string id, string code, IGrainFactory grains)
    {
        if (IdProblem(("liaison id", id), ("grid code", code)) is { } problem) return problem;
        var liaison = grains.GetGrain<ILiaisonGrain>(id);
        await liaison.RemoveGridAsync(code);
        return TypedResults.Ok(await liaison.GetAsync());
    }

    internal static async Task<Results<Ok<LiaisonView>, ProblemHttpResult>> PutLiaisonCommunity(string id, string code, IGrainFactory grains, GridCatalog catalog)
    {
        if (IdProblem(("liaison id", id)) is { } problem) return problem;
        if (!catalog.All().Any(g => g.CommunityCode == code))
            return Problems.Of(404, "Community not found", $"no grid lies in a community with the code '{Problems.Shorten(code)}'");
        var liaison = grains.GetGrain<ILiaisonGrain>(id);
        await liaison.AddCommunityAsync(code);
        return TypedResults.Ok(await liaison.GetAsync());
    }

    internal static async Task<Results<Ok<LiaisonView>, ProblemHttpResult>> DeleteLiaisonCommunity(string id, string code, IGrainFactory grains)
    {
        if (IdProblem(("liaison id", id), ("community code", code)) is { } problem) return problem;
        var liaison = grains.GetGrain<ILiaisonGrain>(id);
        await liaison.RemoveCommunityAsync(code);
        return TypedResults.Ok(await liaison.GetAsync());
    }

    /// <summary>Whether the caller may read a person's own page: any role but <paramref name="scoped"/>, which reads only its own (a refusal is logged).</summary>
    private static bool IsSelf(HttpContext context, Role scoped, string id, DenialLog denials)
    {
        var caller = context.RequiredCaller();
        if (caller.Role != scoped || caller.Subject == id) return true;
        denials.Log(context, $"{scoped} {caller.Subject} asked for {Problems.Shorten(id)}'s page");
        return false;
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
