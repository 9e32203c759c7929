using System.Collections.Concurrent;
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
        var moved = new ConcurrentBag<string>();
        var stayed = new ConcurrentBag<string>();
        var errors = new ConcurrentBag<string>();
        var assigned = 0;
        await Parallel.ForEachAsync(assignments, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, TaskScheduler = TaskScheduler.Current }, async (assignment, _) =>
        {
            GridResponsibilityView view;
            try
            {
                view = await GrainFactory.GetGrain<IGridCellGrain>(assignment.GridCode).AssignAsync(assignment);
            }
            catch (ArgumentException e)
            {
                errors.Add($"{assignment.GridCode}: {e.Message}");
                return;
            }
            Interlocked.Increment(ref assigned);
            var open = view.OpenCases.IsDefault ? [] : view.OpenCases;
            foreach (var caseId in open)
            {
                if (!openCasesFollow)
                {
                    stayed.Add($"{caseId}: kept by whoever holds it (open cases were not asked to follow)");
                    continue;
                }
                var result = await GrainFactory.GetGrain<ICaseGrain>(caseId).FollowResponsibilityAsync(actorId, $"grid {assignment.GridCode} reassigned");
                if (result.Accepted) moved.Add(caseId);
                else stayed.Add($"{caseId}: {result.Refusal}");
            }
        });
        return new ReassignmentResult(assigned, [.. moved.Order(StringComparer.Ordinal)], [.. stayed.Order(StringComparer.Ordinal)], [.. errors.Order(StringComparer.Ordinal)]);
    }
}
