using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of a squad.</summary>
[GenerateSerializer, Alias("personnel.squad-state")]
public sealed class SquadState
{
    /// <summary>The layout of <see cref="Officers"/>: 1 from when the leader stopped being added to it.</summary>
    public const int CurrentLayout = 1;

    [Id(0)] public string? Leader { get; set; }

    /// <summary>Officers in the squad in their own right; the leader is a member by leading, and listed here only when added.</summary>
    [Id(1)] public HashSet<string> Officers { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public HashSet<string> Grids { get; set; } = new(StringComparer.Ordinal);

    /// <summary>0: written when setting a leader also added them to <see cref="Officers"/> (so a replaced leader stayed a member for ever).</summary>
    [Id(3)] public int Layout { get; set; }
}

/// <summary>A squad: its leader, officers and grids. Whom it counts as members is what officers' scopes are judged by, on every request.</summary>
public sealed partial class SquadGrain(
    [PersistentState("squad", GrainStorage.Personnel)] IPersistentState<SquadState> state,
    ILogger<SquadGrain> logger) : Grain, ISquadGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A squad stored before the leader was kept apart had its leader added to its officers by SetLeader, with no
        // record of whether they were also added as an officer: they count as leader only, so a later change of leader
        // takes the old one's rights away (an operator adds them back as an officer if they stay).
        if (state.State.Layout < SquadState.CurrentLayout)
        {
            if (state.RecordExists && state.State.Leader is { } leader) state.State.Officers.Remove(leader);
            state.State.Layout = SquadState.CurrentLayout;
        }
        return Task.CompletedTask;
    }

    public async ValueTask SetLeaderAsync(string officerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(officerId);
        if (state.State.Leader == officerId) return;
        state.State.Leader = officerId;
        await state.WriteOrReloadAsync(this);
        await TellGridsAsync();
    }

    public async ValueTask<bool> ClearLeaderAsync()
    {
        if (state.State.Leader is null) return false;
        state.State.Leader = null;
        await state.WriteOrReloadAsync(this);
        await TellGridsAsync();
        return true;
    }

    public async ValueTask AddOfficerAsync(string officerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(officerId);
        if (state.State.Officers.Add(officerId)) await state.WriteOrReloadAsync(this);
    }

    public async ValueTask<bool> RemoveOfficerAsync(string officerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(officerId);
        var member = state.State.Officers.Remove(officerId);
        var leader = state.State.Leader == officerId;
        if (leader) state.State.Leader = null;
        if (!member && !leader) return false;
        await state.WriteOrReloadAsync(this);
        if (leader) await TellGridsAsync();
        return true;
    }

    public async ValueTask AddGridAsync(string gridCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gridCode);
        if (state.State.Grids.Add(gridCode)) await state.WriteOrReloadAsync(this);
    }

    public async ValueTask RemoveGridAsync(string gridCode)
    {
        if (state.State.Grids.Remove(gridCode)) await state.WriteOrReloadAsync(this);
    }

    public ValueTask<string?> GetLeaderAsync() => ValueTask.FromResult(state.State.Leader);

    public ValueTask<SquadView> GetAsync() => ValueTask.FromResult(new SquadView(
        this.GetPrimaryKeyString(), state.State.Leader, [.. state.State.Officers.Order(StringComparer.Ordinal)], [.. state.State.Grids.Order(StringComparer.Ordinal)]));

    /// <summary>
    /// Grids keep their squad's leader for dispatch (escalation goes to the leader): each of the squad's grids is told
    /// the leader changed. A grid that cannot be told now asks again within <see cref="DutyCalendars.MaxAge"/> anyway.
    /// </summary>
    private Task TellGridsAsync()
    {
        var squad = this.GetPrimaryKeyString();
        return DutyCalendars.TellGridsAsync(GrainFactory, state.State.Grids.ToList(), (grid, e) => LogNotTold(logger, squad, grid, e));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Squad {SquadId}: grid {GridCode} could not be told that the leader changed; it asks again within minutes")]
    private static partial void LogNotTold(ILogger logger, string squadId, string gridCode, Exception error);
}
