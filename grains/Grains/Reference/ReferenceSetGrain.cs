using System.Collections.Immutable;
using GridServer.Abstractions.Reference;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Grains.Reference;

/// <summary>Persisted state of a reference data set: its records by key and its version.</summary>
[GenerateSerializer, Alias("reference.set-state")]
public sealed class ReferenceSetState
{
    [Id(0)] public long Version { get; set; }
    [Id(1)] public Dictionary<string, ReferenceRecordData> Records { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(3)] public string? UpdatedBy { get; set; }
}

/// <summary>Keeps one set's records; every change is written before it is answered, and raises the version.</summary>
public sealed class ReferenceSetGrain(
    [PersistentState("reference", GrainStorage.Personnel)] IPersistentState<ReferenceSetState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time) : Grain, IReferenceSetGrain
{
    public async ValueTask<ReferenceChangeResult> ReplaceAsync(ImmutableArray<ReferenceRecordData> records, string actorId)
    {
        var incoming = Distinct(records);
        var before = state.State.Records;
        CheckSize(incoming.Values);
        var replaced = incoming.Keys.Count(before.ContainsKey);
        var removed = before.Keys.Count(k => !incoming.ContainsKey(k));
        state.State.Records = incoming;
        return await CommitAsync(actorId, incoming.Count - replaced, replaced, removed, before);
    }

    public async ValueTask<ReferenceChangeResult> UpsertAsync(ImmutableArray<ReferenceRecordData> records, string actorId)
    {
        var incoming = Distinct(records);
        var before = state.State.Records;
        var merged = new Dictionary<string, ReferenceRecordData>(before, StringComparer.Ordinal);
        var replaced = 0;
        foreach (var (key, record) in incoming)
        {
            if (merged.ContainsKey(key)) replaced++;
            merged[key] = record;
        }
        if (merged.Count > IReferenceSetGrain.MaxRecords)
            throw new ArgumentException($"the set would hold {merged.Count} records; at most {IReferenceSetGrain.MaxRecords}", nameof(records));
        CheckSize(merged.Values);
        state.State.Records = merged;
        return await CommitAsync(actorId, incoming.Count - replaced, replaced, 0, before);
    }

    public async ValueTask<ReferenceChangeResult> DeleteAsync(string key, string actorId)
    {
        if (!state.State.Records.ContainsKey(key)) return Result(0, 0, 0);
        var before = state.State.Records;
        state.State.Records = new Dictionary<string, ReferenceRecordData>(before, StringComparer.Ordinal);
        state.State.Records.Remove(key);
        return await CommitAsync(actorId, 0, 0, 1, before);
    }

    public ValueTask<long> GetVersionAsync() => ValueTask.FromResult(state.State.Version);

    public ValueTask<ReferenceSetData> GetAsync() => ValueTask.FromResult(new ReferenceSetData(this.GetPrimaryKeyString(), state.State.Version,
        [.. state.State.Records.Values.OrderBy(r => r.Key, StringComparer.Ordinal)], state.State.UpdatedAt, state.State.UpdatedBy));

    private static void CheckSize(IEnumerable<ReferenceRecordData> records)
    {
        var characters = records.Sum(r => (long)r.Key.Length + (r.Wkt?.Length ?? 0) + r.Fields.Sum(f => (long)f.Key.Length + f.Value.Length));
        if (characters > IReferenceSetGrain.MaxCharacters)
            throw new ArgumentException($"the set would hold {characters:N0} characters of keys, fields and shapes; at most {IReferenceSetGrain.MaxCharacters:N0} (simplify the shapes, or split the set)", nameof(records));
    }

    private static Dictionary<string, ReferenceRecordData> Distinct(ImmutableArray<ReferenceRecordData> records)
    {
        if (records.IsDefault) throw new ArgumentException("no records given", nameof(records));
        if (records.Length > IReferenceSetGrain.MaxRecords)
            throw new ArgumentException($"{records.Length} records; a set holds at most {IReferenceSetGrain.MaxRecords}", nameof(records));
        var byKey = new Dictionary<string, ReferenceRecordData>(records.Length, StringComparer.Ordinal);
        foreach (var record in records)
        {
            ArgumentNullException.ThrowIfNull(record);
            ArgumentException.ThrowIfNullOrWhiteSpace(record.Key);
            if (!byKey.TryAdd(record.Key, record)) throw new ArgumentException($"key '{record.Key}' is given twice", nameof(records));
        }
        return byKey;
    }

    /// <summary>Writes the changed records under a new version; a failed write leaves memory as it was, and throws.</summary>
    private async Task<ReferenceChangeResult> CommitAsync(string actorId, int added, int replaced, int removed, Dictionary<string, ReferenceRecordData> before)
    {
        var (version, at, by) = (state.State.Version, state.State.UpdatedAt, state.State.UpdatedBy);
        state.State.Version++;
        state.State.UpdatedAt = time.GetUtcNow();
        state.State.UpdatedBy = actorId;
        try
        {
            await state.WriteOrReloadAsync(this);
        }
        catch
        {
            (state.State.Records, state.State.Version, state.State.UpdatedAt, state.State.UpdatedBy) = (before, version, at, by);
            throw;
        }
        return Result(added, replaced, removed);
    }

    private ReferenceChangeResult Result(int added, int replaced, int removed) =>
        new(state.State.Version, added, replaced, removed, state.State.Records.Count);
}
