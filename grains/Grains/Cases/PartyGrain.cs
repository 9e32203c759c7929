using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Grains.Cases;

/// <summary>Persisted state of a party: its recent cases, oldest first.</summary>
[GenerateSerializer, Alias("party.state")]
public sealed class PartyState
{
    [Id(0)] public List<PartyCase> Cases { get; set; } = [];
}

/// <summary>Counts a party's cases for the repeat-offence rule of the module that names it.</summary>
public sealed class PartyGrain(
    [PersistentState("party", GrainStorage.Cases)] IPersistentState<PartyState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time) : Grain, IPartyGrain
{
    public async ValueTask<int> RecordCaseAsync(string caseId, TimeSpan window)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caseId);
        var now = time.GetUtcNow();
        var cases = state.State.Cases;
        var known = cases.FindIndex(c => c.CaseId == caseId);
        // A retried open counts as of its first time, and records nothing new.
        var at = known >= 0 ? cases[known].At : now;
        if (known < 0)
        {
            var before = state.State.Cases;
            cases = [.. cases.Where(c => c.At >= now - IPartyGrain.Memory), new PartyCase(caseId, now)];
            if (cases.Count > IPartyGrain.MaxCases) cases.RemoveRange(0, cases.Count - IPartyGrain.MaxCases);
            state.State.Cases = cases;
            try
            {
                await state.WriteOrReloadAsync(this);
            }
            catch
            {
                state.State.Cases = before;   // not recorded: memory stays as the store has it, and the caller's retry records it
                throw;
            }
        }
        return cases.Count(c => c.At > at - window && c.At <= at);
    }

    public ValueTask<ImmutableArray<PartyCase>> GetCasesAsync() => ValueTask.FromResult<ImmutableArray<PartyCase>>([.. state.State.Cases]);
}
