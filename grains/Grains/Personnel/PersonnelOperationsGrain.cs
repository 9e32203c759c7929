using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using Orleans.Concurrency;

namespace GridServer.Grains.Personnel;

/// <summary>
/// Bulk personnel operations. It holds no state: it asks each grid cell to take its new people, then (if asked)
/// each of the grid's open cases to follow them. Cells never call cases here, so no two grains wait on each other.
/// </summary>
[StatelessWorker]
public sealed class PersonnelOperationsGrain : Grain, IPersonnelOperationsGrain
{
    /// <summary>Grids worked on at once.</summary>
    private const int Parallelism = 32;

    public async ValueTask<ReassignmentResult> ReassignAsync(ImmutableArray<GridAssignment> assignments, bool openCasesFollow, string actorId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        var duplicates = assignments.GroupBy(a => a.GridCode, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            return new ReassignmentResult(0, [], [], [$"grids named more than once: {string.Join(", ", duplicates.Take(10))}; nothing was changed"]);
        var moved = new List<string>();
        var stayed = new List<string>();
        var errors = new List<string>();
        var assigned = 0;
        // A chunk of grids at a time, awaited together on the grain's own scheduler (no Parallel.* in a grain).
        foreach (var chunk in assignments.Chunk(Parallelism))
        {
            foreach (var outcome in await Task.WhenAll(chunk.Select(a => ReassignOneAsync(a, openCasesFollow, actorId))))
            {
                if (outcome.Error is { } error)
                {
                    errors.Add(error);
                    continue;
                }
                assigned++;
                moved.AddRange(outcome.Moved);
                stayed.AddRange(outcome.Stayed);
            }
        }
        return new ReassignmentResult(assigned, [.. moved.Order(StringComparer.Ordinal)], [.. stayed.Order(StringComparer.Ordinal)], [.. errors.Order(StringComparer.Ordinal)]);
    }

    private sealed record Outcome(string? Error, List<string> Moved, List<string> Stayed);

    /// <summary>One grid: its new people, then (when asked) each of its open cases follows them.</summary>
    private async Task<Outcome> ReassignOneAsync(GridAssignment assignment, bool openCasesFollow, string actorId)
    {
        GridResponsibilityView view;
        try
        {
            view = await GrainFactory.GetGrain<IGridCellGrain>(assignment.GridCode).AssignAsync(assignment);
        }
        catch (ArgumentException e)
        {
            return new Outcome($"{assignment.GridCode}: {e.Message}", [], []);
        }
        var outcome = new Outcome(null, [], []);
        foreach (var caseId in view.OpenCases.IsDefault ? [] : view.OpenCases)
        {
            if (!openCasesFollow)
            {
                outcome.Stayed.Add($"{caseId}: kept by whoever holds it (open cases were not asked to follow)");
                continue;
            }
            var result = await GrainFactory.GetGrain<ICaseGrain>(caseId).FollowResponsibilityAsync(actorId, $"grid {assignment.GridCode} reassigned");
            if (result.Accepted) outcome.Moved.Add(caseId);
            else outcome.Stayed.Add($"{caseId}: {result.Refusal}");
        }
        return outcome;
    }
}
