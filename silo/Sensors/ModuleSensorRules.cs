using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Sensors;
using GridServer.Grains.Sensors;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Plugins;
using GridServer.Silo.Reference;

namespace GridServer.Silo.Sensors;

/// <summary>
/// The grains' view of this silo's sensor modules (<see cref="ISensorRules"/>): the module of a folder as the registry
/// holds it now, called through its guard with its own reference data, and the grains' plain records turned into the
/// contract's and back.
/// </summary>
public sealed class ModuleSensorRules(ModuleRegistry modules, ReferenceCatalog reference) : ISensorRules
{
    public TimeSpan? WindowOf(string folder) =>
        modules.Current.ModuleIn(folder) is { Faulted: false, Abilities.SensorWindow: { } window } ? window : null;

    public async Task<SensorRuling> EvaluateAsync(string folder, SensorSituationData situation)
    {
        ArgumentNullException.ThrowIfNull(situation);
        if (modules.Current.ModuleIn(folder) is not { Abilities.SensorWindow: not null } guarded)
            return SensorRuling.Unanswered($"module '{folder}' is not loaded on this silo");
        GridServer.Plugins.Contracts.IReferenceLookup lookup;
        try
        {
            lookup = await reference.LookupForAsync(guarded);
        }
        catch (Exception e)   // reference data out of reach: not evaluated now; the readings are kept and the next batch or re-check asks again
        {
            return SensorRuling.Unanswered($"module '{folder}': its reference data could not be read: {e.Message}");
        }
        var episode = situation.EpisodeCaseId is { } id ? new SensorEpisode(id, situation.EpisodeOpenedAt ?? situation.Now) : null;
        var answer = await guarded.EvaluateAsync(new SensorSituation(
            situation.Subject, situation.Now, [.. situation.Arrived.Select(Reading)], [.. situation.Recent.Select(Reading)], episode, situation.Memo), lookup);
        if (!answer.Answered) return SensorRuling.Unanswered($"module '{folder}': {answer.Error}");
        var verdict = answer.Value!;
        return new SensorRuling(true, null,
            verdict.Open is { } open ? new ModuleCaseRequest(open.Matter, open.Longitude, open.Latitude, open.Description, ModuleRouting.Party(open.Party)) : null,
            verdict.Note, verdict.EndEpisode, verdict.Memo, verdict.RecheckAt);
    }

    /// <summary>A kept reading as the contract's.</summary>
    public static SensorReading Reading(SensorReadingData r) => new(r.SensorId, r.Kind, r.Lon, r.Lat, r.At, r.Values);

    /// <summary>A reading of the API as the grains keep it.</summary>
    public static SensorReadingData Data(SensorReading r) =>
        new(r.SensorId, r.Kind, r.Longitude, r.Latitude, r.At, r.Values.ToImmutableSortedDictionary(StringComparer.Ordinal));
}
