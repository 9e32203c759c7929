using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of a squad.</summary>
[GenerateSerializer, Alias("personnel.squad-state")]
public sealed class SquadState
{
    [Id(0)] public string? Leader { get; set; }
    [Id(1)] public HashSet<string> Officers { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public HashSet<string> Grids { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A squad: its leader, officers and grids.</summary>
public sealed class SquadGrain([PersistentState("squad", GrainStorage.Personnel)] IPersistentState<SquadState> state) : Grain, ISquadGrain
{
    public async ValueTask SetLeaderAsync(string officerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(officerId);
        state.State.Leader = officerId;
        state.State.Officers.Add(officerId);
        await state.WriteStateAsync();
    }

    public async ValueTask AddOfficerAsync(string officerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(officerId);
        if (state.State.Officers.Add(officerId)) await state.WriteStateAsync();
    }

    public async ValueTask AddGridAsync(string gridCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gridCode);
        if (state.State.Grids.Add(gridCode)) await state.WriteStateAsync();
    }

    public async ValueTask RemoveGridAsync(string gridCode)
    {
        if (state.State.Grids.Remove(gridCode)) await state.WriteStateAsync();
    }

    public ValueTask<string?> GetLeaderAsync() => ValueTask.FromResult(state.State.Leader);

    public ValueTask<SquadView> GetAsync() => ValueTask.FromResult(new SquadView(
        this.GetPrimaryKeyString(), state.State.Leader, [.. state.State.Officers.Order(StringComparer.Ordinal)], [.. state.State.Grids.Order(StringComparer.Ordinal)]));
}
