using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;
using Orleans.Concurrency;

namespace GridServer.Abstractions.Grids;

/// <summary>Who answers for a grid now; <see cref="OpenCases"/>: the grid's open cases as the case store holds them (at most 1,000).</summary>
[GenerateSerializer, Immutable, Alias("grid.responsibility")]
public sealed record GridResponsibilityView(
    [property: Id(0)] string GridCode,
    [property: Id(1)] string? SquadId,
    [property: Id(2)] string? OfficerA,
    [property: Id(3)] string? OfficerB,
    [property: Id(4)] ImmutableArray<string> Liaisons,
    [property: Id(5)] int? BoundaryVersion,
    [property: Id(6)] ImmutableArray<string> OpenCases);

/// <summary>Who is to answer for a grid: its squad and its A and B officers (null leaves a post empty).</summary>
[GenerateSerializer, Immutable, Alias("grid.assignment")]
public sealed record GridAssignment(
    [property: Id(0)] string GridCode,
    [property: Id(1)] string? SquadId,
    [property: Id(2)] string? OfficerA,
    [property: Id(3)] string? OfficerB);

/// <summary>
/// What the AB-post rule needs to dispatch a case in a grid, in one answer: its squad and the squad's leader, its A and B
/// officers with their duty at the time asked, and the grid's liaisons (a new case alerts them).
/// </summary>
[GenerateSerializer, Immutable, Alias("grid.dispatch-info")]
public sealed record GridDispatchInfo(
    [property: Id(0)] string GridCode,
    [property: Id(1)] string? SquadId,
    [property: Id(2)] string? SquadLeader,
    [property: Id(3)] string? OfficerA,
    [property: Id(4)] OfficerDuty DutyA,
    [property: Id(5)] string? OfficerB,
    [property: Id(6)] OfficerDuty DutyB,
    [property: Id(7)] ImmutableArray<string> Liaisons);

/// <summary>One unit grid's people. Key: its grid code, e.g. "33030200100101".</summary>
[Alias("grid.cell")]
public interface IGridCellGrain : IGrainWithStringKey
{
    /// <summary>Puts the grid under a squad (null: none); the squads' own grid lists follow.</summary>
    [Alias("assign-squad")] ValueTask AssignSquadAsync(string? squadId);

    /// <summary>Names the A and B officers (AB岗); null leaves a post empty.</summary>
    [Alias("assign-officers")] ValueTask AssignOfficersAsync(string? officerA, string? officerB);

    /// <summary>Sets squad, A and B at once; the answer includes the grid's open cases, for the caller to move if asked.</summary>
    [Alias("assign")] ValueTask<GridResponsibilityView> AssignAsync(GridAssignment assignment);

    [Alias("add-liaison")] ValueTask AddLiaisonAsync(string liaisonId);

    [Alias("remove-liaison")] ValueTask RemoveLiaisonAsync(string liaisonId);

    /// <summary>Records the grid's current boundary version (null: the grid was retired). Told by the grid directory.</summary>
    [Alias("set-boundary-version")] ValueTask SetBoundaryVersionAsync(int? version);

    [Alias("responsibility")] ValueTask<GridResponsibilityView> GetResponsibilityAsync();

    /// <summary>Who would take a case in this grid at <paramref name="at"/>: what the case asks once per dispatch.</summary>
    [Alias("dispatch-info")] ValueTask<GridDispatchInfo> GetDispatchInfoAsync(DateTimeOffset at);

    /// <summary>
    /// Told by the grid's squad and officers when the leader, a roster or an absence changes: the grid drops what it
    /// kept of them and asks again at the next dispatch. Runs between the steps of a dispatch in progress, so that
    /// a squad or officer telling the grid never waits on the grid asking it.
    /// </summary>
    [AlwaysInterleave, Alias("forget-people")] ValueTask ForgetPeopleAsync();
}
