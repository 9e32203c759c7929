using System.Collections.Immutable;
using GridServer.Abstractions.Cases;

namespace GridServer.Grains.Cases;

/// <summary>Persisted queue of cases waiting for manual dispatch, oldest first.</summary>
[GenerateSerializer, Alias("case.command-center-state")]
public sealed class CommandCenterState
{
    [Id(0)] public List<string> Queue { get; set; } = [];
    [Id(1)] public Dictionary<string, string> Reasons { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, string> Escalated { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The command center's queue. A singleton: key <see cref="ICommandCenterGrain.Key"/>.</summary>
public sealed class CommandCenterGrain([PersistentState("command-center", GrainStorage.Cases)] IPersistentState<CommandCenterState> state) : Grain, ICommandCenterGrain
{
    public async ValueTask EnqueueAsync(string caseId, string reason)
    {
        if (!state.State.Reasons.ContainsKey(caseId)) state.State.Queue.Add(caseId);
        state.State.Reasons[caseId] = reason;
        await state.WriteStateAsync();
    }

    public async ValueTask RemoveAsync(string caseId)
    {
        if (!state.State.Reasons.Remove(caseId)) return;
        state.State.Queue.Remove(caseId);
        await state.WriteStateAsync();
    }

    public ValueTask<ImmutableArray<string>> GetQueueAsync() => ValueTask.FromResult(state.State.Queue.ToImmutableArray());

    public async ValueTask EscalateAsync(string caseId, string reason)
    {
        state.State.Escalated[caseId] = reason;
        await state.WriteStateAsync();
    }

    public ValueTask<ImmutableArray<string>> GetEscalatedAsync() =>
        ValueTask.FromResult(state.State.Escalated.Keys.Order(StringComparer.Ordinal).ToImmutableArray());
}
