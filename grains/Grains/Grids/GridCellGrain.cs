using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;

namespace GridServer.Grains.Grids;

/// <summary>Persisted state of a grid cell: who answers for it.</summary>
[GenerateSerializer, Alias("grid.cell-state")]
public sealed class GridCellState
{
    [Id(0)] public string? SquadId { get; set; }
    [Id(1)] public string? OfficerA { get; set; }
    [Id(2)] public string? OfficerB { get; set; }
    [Id(3)] public HashSet<string> Liaisons { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public int? BoundaryVersion { get; set; }

    /// <summary>Kept by servers before the case store (told by every case); no longer written: the store answers a grid's open cases.</summary>
    [Id(5)] public HashSet<string> OpenCases { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One unit grid's people: squad, A and B officers, liaisons.</summary>
public sealed class GridCellGrain([PersistentState("grid", GrainStorage.Personnel)] IPersistentState<GridCellState> state, ICaseSearch cases) : Grain, IGridCellGrain
{
    public async ValueTask AssignSquadAsync(string? squadId)
    {
        var previous = state.State.SquadId;
        if (previous == squadId) return;
        state.State.SquadId = squadId;
        await state.WriteStateAsync();
        await FollowSquadAsync(previous, squadId);
    }

    public async ValueTask AssignOfficersAsync(string? officerA, string? officerB)
    {
        CheckPosts(officerA, officerB);
        state.State.OfficerA = officerA;
        state.State.OfficerB = officerB;
        await state.WriteStateAsync();
    }

    public async ValueTask<GridResponsibilityView> AssignAsync(GridAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        CheckPosts(assignment.OfficerA, assignment.OfficerB);
        var previous = state.State.SquadId;
        (state.State.SquadId, state.State.OfficerA, state.State.OfficerB) = (assignment.SquadId, assignment.OfficerA, assignment.OfficerB);
        await state.WriteStateAsync();
        if (previous != assignment.SquadId) await FollowSquadAsync(previous, assignment.SquadId);
        return await ViewAsync();
    }

    private static void CheckPosts(string? officerA, string? officerB)
    {
        if (officerA is not null && officerA == officerB)
            throw new ArgumentException($"officer {officerA} cannot hold both the A and the B post of one grid", nameof(officerB));
    }

    /// <summary>The grid is the source of truth for its squad; the squads' grid lists follow it.</summary>
    private async Task FollowSquadAsync(string? previous, string? squadId)
    {
        var code = this.GetPrimaryKeyString();
        if (previous is not null) await GrainFactory.GetGrain<ISquadGrain>(previous).RemoveGridAsync(code);
        if (squadId is not null) await GrainFactory.GetGrain<ISquadGrain>(squadId).AddGridAsync(code);
    }

    public async ValueTask AddLiaisonAsync(string liaisonId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(liaisonId);
        if (state.State.Liaisons.Add(liaisonId)) await state.WriteStateAsync();
    }

    public async ValueTask RemoveLiaisonAsync(string liaisonId)
    {
        if (state.State.Liaisons.Remove(liaisonId)) await state.WriteStateAsync();
    }

    public async ValueTask SetBoundaryVersionAsync(int? version)
    {
        if (state.State.BoundaryVersion == version) return;
        state.State.BoundaryVersion = version;
        await state.WriteStateAsync();
    }

    public async ValueTask<GridResponsibilityView> GetResponsibilityAsync() => await ViewAsync();

    public async ValueTask<GridDispatchInfo> GetDispatchInfoAsync(DateTimeOffset at)
    {
        var s = state.State;
        var leader = s.SquadId is { } squad ? await GrainFactory.Get<ISquadGrain>(squad).GetLeaderAsync() : null;
        var dutyA = s.OfficerA is { } a ? await GrainFactory.Get<IOfficerGrain>(a).GetDutyAsync(at) : OfficerDuty.OffDuty;
        var dutyB = s.OfficerB is { } b ? await GrainFactory.Get<IOfficerGrain>(b).GetDutyAsync(at) : OfficerDuty.OffDuty;
        return new GridDispatchInfo(this.GetPrimaryKeyString(), s.SquadId, leader, s.OfficerA, dutyA, s.OfficerB, dutyB, [.. s.Liaisons.Order(StringComparer.Ordinal)]);
    }

    private async Task<GridResponsibilityView> ViewAsync()
    {
        var code = this.GetPrimaryKeyString();
        var open = await cases.SearchAsync(new CaseQuery(GridCode: code, Open: true, Limit: CaseQuery.MaxLimit));
        return new(code, state.State.SquadId, state.State.OfficerA, state.State.OfficerB, [.. state.State.Liaisons.Order(StringComparer.Ordinal)],
            state.State.BoundaryVersion, [.. open.Select(r => r.CaseId).Order(StringComparer.Ordinal)]);
    }
}
