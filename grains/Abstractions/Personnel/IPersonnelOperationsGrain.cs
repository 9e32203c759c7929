using System.Collections.Immutable;
using GridServer.Abstractions.Grids;

namespace GridServer.Abstractions.Personnel;

/// <summary>What a bulk reassignment did: grids assigned, cases moved, cases left where they were (with why), grids refused.</summary>
[GenerateSerializer, Immutable, Alias("personnel.reassignment")]
public sealed record ReassignmentResult(
    [property: Id(0)] int Grids,
    [property: Id(1)] ImmutableArray<string> MovedCases,
    [property: Id(2)] ImmutableArray<string> StayedCases,
    [property: Id(3)] ImmutableArray<string> Errors);

/// <summary>Operations over many grids at once. A stateless worker: any silo runs it, key <see cref="Key"/>.</summary>
[Alias("personnel.operations")]
public interface IPersonnelOperationsGrain : IGrainWithStringKey
{
    public const string Key = "personnel";

    /// <summary>
    /// Reassigns grids in bulk (a squad's area changed). With <paramref name="openCasesFollow"/> the grids' open cases
    /// go to the new people: not yet accepted ones are dispatched again, those in hand are transferred (移交); without,
    /// they stay with whoever holds them and only new cases go to the new people.
    /// </summary>
    [Alias("reassign")] ValueTask<ReassignmentResult> ReassignAsync(ImmutableArray<GridAssignment> assignments, bool openCasesFollow, string actorId);
}
