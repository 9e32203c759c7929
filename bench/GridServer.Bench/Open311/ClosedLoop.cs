using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Bench.Cases;
using GridServer.Domain.Cases;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Bench.Open311;

/// <summary>
/// The rest of a case's way after its report: accept, start handling, final feedback (with a photo after handling), start
/// verification, pass it, close. Each step is made as <c>POST /api/cases/{id}/actions</c> makes it (the case read for the
/// caller's scope, then the action), by the officer the case went to or by the command center. A case grain leaves
/// memory after each written step, so each step loads the case again: this measures what a step after the first costs.
/// </summary>
internal static class ClosedLoop
{
    /// <summary>The steps in order, and whether the officer takes them (else a dispatcher).</summary>
    public static readonly ImmutableArray<(CaseAction Action, bool ByOfficer)> Steps =
    [
        (CaseAction.Accept, true), (CaseAction.StartHandling, true), (CaseAction.GiveFinalFeedback, true),
        (CaseAction.StartVerification, false), (CaseAction.PassVerification, false), (CaseAction.Close, false),
    ];

    private const string Dispatcher = "bench-dispatcher";

    /// <summary>A photo after handling, by reference (the grain takes the reference; the HTTP handler would also find the photo stored).</summary>
    private static readonly ImmutableArray<string> AfterPhoto = [$"photo:after:{new string('a', 64)}"];

    /// <summary>The timed steps, what they cost, PostgreSQL's cores over them, and how many cases ended closed.</summary>
    public sealed record Result(LoadRun Run, RunCost? Cost, double? PostgresCores, int Cases, int Closed, string Check);

    /// <summary>
    /// Takes <paramref name="caseIds"/> (dispatched cases) through <see cref="Steps"/>: step k of every case, then step k+1, with
    /// <paramref name="concurrency"/> callers (a case's next step waits for its previous one, which with thousands of cases
    /// between them has always ended). Afterwards every case is read from the store: Closed, its timeline grown by the steps.
    /// </summary>
    public static async Task<Result> RunAsync(string label, BenchServer server, BenchStorage storage, PostgresCpu? postgresCpu,
        IReadOnlyList<string> caseIds, int concurrency, bool warmup = false)
    {
        var store = server.Services.GetRequiredService<ICaseStore>();
        // Who holds each case, read from the store, not through its grain (that would bring the grain into memory).
        var records = await LoadAllAsync(store, caseIds);
        var cases = records.Where(r => r is { State: CaseState.Dispatched, Holder.OfficerId: not null }).Select(r => r!).ToList();
        var n = cases.Count;
        var done = Enumerable.Range(0, n * Steps.Length).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();

        // A warm-up (the first steps of a process compile their code, and PostgreSQL plans their statements) is not costed.
        var probe = warmup ? null : await CostProbe.BeforeAsync(server, storage, postgresCpu);
        var before = postgresCpu?.Seconds();
        var run = await LoadRun.RunAsync(label, warmup ? "warm-up, closed-loop steps" : "closed-loop steps", n * Steps.Length, concurrency, async i =>
        {
            var (phase, c) = (i / n, i % n);
            try
            {
                if (phase > 0) await done[i - n].Task;
                return await StepAsync(server.Grains, cases[c], Steps[phase]);
            }
            finally
            {
                done[i].SetResult();
            }
        });
        var cores = postgresCpu is null ? (double?)null : (postgresCpu.Seconds() - before!.Value) / run.Elapsed.TotalSeconds;
        var cost = probe is null ? null : await probe.AfterAsync(run, run.Count);

        var after = await LoadAllAsync(store, [.. cases.Select(c => c.File.Id)]);
        var closed = 0;
        var shortTimelines = 0;
        for (var c = 0; c < n; c++)
        {
            if (after[c] is not { State: CaseState.Closed } record) continue;
            closed++;
            if (record.File.Timeline.Count < cases[c].File.Timeline.Count + Steps.Length) shortTimelines++;
        }
        var check = $"{closed:N0} of {n:N0} cases Closed in the store"
            + (shortTimelines > 0 ? $", {shortTimelines:N0} of them with fewer timeline events than steps" : ", each timeline grown by its steps")
            + (n < caseIds.Count ? $"; {caseIds.Count - n:N0} of the {caseIds.Count:N0} were not dispatched to an officer and were left out" : "");
        return new Result(run, cost, cores, n, shortTimelines == 0 ? closed : closed - shortTimelines, check);
    }

    private static async Task<string?> StepAsync(IGrainFactory grains, CaseRecord record, (CaseAction Action, bool ByOfficer) step)
    {
        var actor = step.ByOfficer ? record.Holder.OfficerId! : Dispatcher;
        var grain = grains.GetGrain<ICaseGrain>(record.File.Id);
        // As the HTTP handler does: the case is read for the caller's scope, then the action is asked.
        if (await grain.GetAsync() is not { } view) return "the case is gone";
        if (step.ByOfficer && view.OfficerId != actor) return $"the case is held by {view.OfficerId}, not {actor}";
        var result = await grain.ActAsync(new CaseActionRequest(step.Action, actor, step.Action == CaseAction.GiveFinalFeedback ? "cleared" : null,
            step.Action == CaseAction.GiveFinalFeedback ? AfterPhoto : [], null, AsOfficer: step.ByOfficer));
        return result.Refusal is { } refused ? $"{step.Action} refused: {refused.Message}" : null;
    }

    private static async Task<CaseRecord?[]> LoadAllAsync(ICaseStore store, IReadOnlyList<string> ids)
    {
        var records = new CaseRecord?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, token) => records[i] = (await store.LoadAsync(ids[i], token)).Record);
        return records;
    }
}
