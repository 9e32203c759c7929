using System.Collections.Immutable;

namespace GridServer.Abstractions.Reference;

/// <summary>
/// One stored reference record of a duty module's set (a shop and its frontage zone, a site, a permit, a bay).
/// <see cref="Wkt"/>: its shape as WKT in WGS84 lon/lat (null for a set without shapes); <see cref="Lon"/>/<see cref="Lat"/>:
/// its position, or a point inside its area.
/// </summary>
[GenerateSerializer, Immutable, Alias("reference.record")]
public sealed record ReferenceRecordData(
    [property: Id(0)] string Key,
    [property: Id(1)] ImmutableSortedDictionary<string, string> Fields,
    [property: Id(2)] string? Wkt,
    [property: Id(3)] double? Lon,
    [property: Id(4)] double? Lat);

/// <summary>A set's records at one version, in key order, with when and by whom it last changed.</summary>
[GenerateSerializer, Immutable, Alias("reference.set")]
public sealed record ReferenceSetData(
    [property: Id(0)] string Name,
    [property: Id(1)] long Version,
    [property: Id(2)] ImmutableArray<ReferenceRecordData> Records,
    [property: Id(3)] DateTimeOffset? UpdatedAt,
    [property: Id(4)] string? UpdatedBy);

/// <summary>What a change did: the version it made, how many records were added, replaced and removed, and how many the set holds now.</summary>
[GenerateSerializer, Immutable, Alias("reference.change")]
public sealed record ReferenceChangeResult(
    [property: Id(0)] long Version, [property: Id(1)] int Added, [property: Id(2)] int Replaced, [property: Id(3)] int Removed, [property: Id(4)] int Count);

/// <summary>
/// The stored records of one reference data set, the source of truth (grain storage: PostgreSQL in a durable
/// cluster). Key: the set's name ("shops"). Records are checked before they come here; the grain only keeps them.
/// Every change raises <see cref="ReferenceSetData.Version"/>, which silos compare to know when to reload.
/// </summary>
[Alias("reference.set-grain")]
public interface IReferenceSetGrain : IGrainWithStringKey
{
    /// <summary>The most records a set keeps.</summary>
    public const int MaxRecords = 50_000;

    /// <summary>The most text a set holds (keys, fields and shapes, in characters): a set travels whole to every silo.</summary>
    public const long MaxCharacters = 32_000_000;

    /// <summary>Replaces the whole set with <paramref name="records"/> (an empty list empties it).</summary>
    [Alias("replace")] ValueTask<ReferenceChangeResult> ReplaceAsync(ImmutableArray<ReferenceRecordData> records, string actorId);

    /// <summary>Adds the records, replacing those with the same keys; the others stay.</summary>
    [Alias("upsert")] ValueTask<ReferenceChangeResult> UpsertAsync(ImmutableArray<ReferenceRecordData> records, string actorId);

    /// <summary>Removes one record; the answer's <see cref="ReferenceChangeResult.Removed"/> is 0 when there was none.</summary>
    [Alias("delete")] ValueTask<ReferenceChangeResult> DeleteAsync(string key, string actorId);

    [Alias("version")] ValueTask<long> GetVersionAsync();

    [Alias("get")] ValueTask<ReferenceSetData> GetAsync();
}
