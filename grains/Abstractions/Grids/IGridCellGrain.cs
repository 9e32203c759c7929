using System.Collections.Immutable;

namespace GridServer.Abstractions.Grids;

/// <summary>Who answers for a grid now.</summary>
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

    /// <summary>A case in this grid opened (or moved here); told by the case.</summary>
    [Alias("add-open-case")] ValueTask AddOpenCaseAsync(string caseId);

    /// <summary>A case of this grid finished (or moved away); told by the case.</summary>
    [Alias("remove-open-case")] ValueTask RemoveOpenCaseAsync(string caseId);

    [Alias("add-liaison")] ValueTask AddLiaisonAsync(string liaisonId);

    [Alias("remove-liaison")] ValueTask RemoveLiaisonAsync(string liaisonId);

    /// <summary>Records the grid's current boundary version (null: the grid was retired). Told by the grid directory.</summary>
    [Alias("set-boundary-version")] ValueTask SetBoundaryVersionAsync(int? version);

    [Alias("responsibility")] ValueTask<GridResponsibilityView> GetResponsibilityAsync();
}
