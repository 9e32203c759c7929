using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using Orleans.Concurrency;

namespace GridServer.Grains.Cases;

/// <summary>
/// Re-routes open cases after a boundary change. It holds no state: each case moves itself by the same rule a
/// reassignment uses (<see cref="ICaseGrain.MoveToGridAsync"/>, which ends in the follow-responsibility rule).
/// </summary>
[StatelessWorker]
public sealed class CaseRoutingGrain : Grain, ICaseRoutingGrain
{
    /// <summary>Cases moved at once.</summary>
    private const int Parallelism = 32;

    public async ValueTask<ImmutableArray<CaseRerouteView>> RerouteAsync(ImmutableArray<CaseMoveView> moves, string actorId, string note)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        ArgumentException.ThrowIfNullOrWhiteSpace(note);
        var results = new List<CaseRerouteView>(moves.Length);
        foreach (var chunk in moves.Chunk(Parallelism))
            results.AddRange(await Task.WhenAll(chunk.Select(move => MoveAsync(move, actorId, note))));
        return [.. results];
    }

    private async Task<CaseRerouteView> MoveAsync(CaseMoveView move, string actorId, string note)
    {
        var result = await GrainFactory.GetGrain<ICaseGrain>(move.CaseId).MoveToGridAsync(actorId, move.ToGrid, note);
        var view = result.Case;
        var moved = view.GridCode == move.ToGrid;
        var detail = result.Refusal?.Message ?? (view.Timeline.IsDefaultOrEmpty ? null : view.Timeline[^1].Note);
        return new CaseRerouteView(move.CaseId, move.FromGrid, move.ToGrid, moved ? CaseRerouteView.Rerouted : CaseRerouteView.Stayed,
            view.State, view.OfficerId, detail);
    }
}
