using System.Collections.Immutable;

namespace GridServer.Abstractions.Sensors;

/// <summary>
/// One sensor reading as the server keeps it: the sensor, its kind, where (lon/lat WGS84, degrees), when it was taken,
/// and its values by name with the unit in the name (<c>pm10_ugm3</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("sensor.reading")]
public sealed record SensorReadingData(
    [property: Id(0)] string SensorId,
    [property: Id(1)] string Kind,
    [property: Id(2)] double Lon,
    [property: Id(3)] double Lat,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] ImmutableSortedDictionary<string, double> Values);

/// <summary>
/// What a subject made of readings handed to it. <see cref="Taken"/>: readings new to it and inside the module's
/// window; <see cref="Duplicates"/>: readings it already had (same sensor and time), ignored; <see cref="Stale"/>:
/// readings older than the window, dropped. <see cref="OpenedCaseId"/>: the case its verdict opened, if any;
/// <see cref="Error"/>: why nothing was evaluated (the module is gone, faulted or failed), null when it was or
/// when nothing new came.
/// </summary>
[GenerateSerializer, Immutable, Alias("sensor.outcome")]
public sealed record SensorOutcome(
    [property: Id(0)] int Taken,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int Stale,
    [property: Id(3)] string? OpenedCaseId,
    [property: Id(4)] int NotesAdded,
    [property: Id(5)] bool Evaluated,
    [property: Id(6)] string? Error);

/// <summary>A subject as it stands: how many readings it keeps, its memo, its open episode, and its next re-check.</summary>
[GenerateSerializer, Immutable, Alias("sensor.subject-view")]
public sealed record SensorSubjectView(
    [property: Id(0)] string Module,
    [property: Id(1)] string Subject,
    [property: Id(2)] int Readings,
    [property: Id(3)] string? Memo,
    [property: Id(4)] string? EpisodeCaseId,
    [property: Id(5)] DateTimeOffset? EpisodeOpenedAt,
    [property: Id(6)] DateTimeOffset? RecheckAt,
    [property: Id(7)] int Episodes,
    [property: Id(8)] string? LastError);

/// <summary>
/// One subject of a sensor-reading duty module (a site, a bay): its recent readings, the module's memo and its
/// current episode, evaluated by the module one batch at a time. Key: <c>"{module folder}|{subject}"</c>, e.g.
/// <c>"dust|site:S-0001"</c> (see <see cref="Key"/>).
/// </summary>
[Alias("sensor.subject")]
public interface ISensorSubjectGrain : IGrainWithStringKey
{
    public static string Key(string module, string subject) => $"{module}|{subject}";

    /// <summary>Keeps the readings (all of the subject, of the key's module) and has the module evaluate the new ones.</summary>
    [Alias("take")] ValueTask<SensorOutcome> TakeAsync(ImmutableArray<SensorReadingData> readings);

    /// <summary>Has the module evaluate the subject with no new readings (its re-check reminder calls this).</summary>
    [Alias("recheck")] ValueTask<SensorOutcome> RecheckAsync();

    [Alias("get")] ValueTask<SensorSubjectView> GetAsync();
}
