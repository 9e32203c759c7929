using System.Collections.Immutable;

namespace GridServer.Domain.Sensors;

/// <summary>A reading as kept: which sensor, its kind, where, when, and its named values.</summary>
public sealed record SensorReadingRow(string SensorId, string Kind, double Lon, double Lat, DateTimeOffset At, ImmutableSortedDictionary<string, double> Values);

/// <summary>
/// A sensor subject as it stands, without its readings: the module's memo, the open episode and the case it opened, the
/// re-check the module asked for, how many episodes opened a case, and why the last evaluation did not happen.
/// <see cref="Version"/> counts the writes (0: never written).
/// </summary>
public sealed record SensorSubjectRecord(
    string Module,
    string Subject,
    long Version,
    string? Memo,
    string? EpisodeCaseId,
    DateTimeOffset? EpisodeOpenedAt,
    DateTimeOffset? RecheckAt,
    int Episodes,
    string? LastError)
{
    public static SensorSubjectRecord New(string module, string subject) => new(module, subject, 0, null, null, null, null, 0, null);

    /// <summary>The store's key of the subject.</summary>
    public string Key => Module + "|" + Subject;
}

/// <summary>A subject as loaded: its record (null: never written) and its newest readings, oldest first.</summary>
public sealed record SensorSubjectLoad(SensorSubjectRecord? Subject, IReadOnlyList<SensorReadingRow> Readings);

/// <summary>One step of a subject: its record as it now stands (version one more than stored) and the readings that arrived.</summary>
public sealed record SensorWrite(SensorSubjectRecord Subject, IReadOnlyList<SensorReadingRow> Readings);

/// <summary>
/// Where sensor subjects keep what they are told: the subject as a row, rewritten per step (small), and each reading as a
/// row of its own, appended once and never rewritten. Old readings go by age (<see cref="PruneAsync"/>), not per step.
/// </summary>
public interface ISensorStore
{
    /// <summary>The subject of module <paramref name="folder"/> and its newest <paramref name="max"/> readings taken at or after <paramref name="since"/> (null: any age).</summary>
    Task<SensorSubjectLoad> LoadAsync(string folder, string subject, DateTimeOffset? since, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes one step; completes once it is durable. False, and nothing written, when the stored version is not the one
    /// before <c>write.Subject.Version</c>. A reading already stored (same sensor and time) is not stored twice.
    /// </summary>
    Task<bool> WriteAsync(SensorWrite write, CancellationToken cancellationToken = default);

    /// <summary>Removes up to <paramref name="limit"/> readings taken before <paramref name="before"/>; answers how many went.</summary>
    Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Sensor subjects in memory: the embedded default and tests. Keeps at most <see cref="MaxReadingsPerSubject"/> readings a subject.</summary>
public sealed class InMemorySensorStore : ISensorStore
{
    /// <summary>The most readings kept for one subject (the newest): what a subject may ask for at most.</summary>
    public const int MaxReadingsPerSubject = 5_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (SensorSubjectRecord Subject, SortedDictionary<(DateTimeOffset At, string SensorId), SensorReadingRow> Readings)> _subjects =
        new(StringComparer.Ordinal);

    public Task<SensorSubjectLoad> LoadAsync(string folder, string subject, DateTimeOffset? since, int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_subjects.TryGetValue(SensorSubjectRecord.New(folder, subject).Key, out var kept)) return Task.FromResult(new SensorSubjectLoad(null, []));
            var readings = kept.Readings.Values.Where(r => since is null || r.At >= since).ToList();
            return Task.FromResult(new SensorSubjectLoad(kept.Subject, readings.Count > max ? readings[^max..] : readings));
        }
    }

    public Task<bool> WriteAsync(SensorWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var key = write.Subject.Key;
        lock (_gate)
        {
            var exists = _subjects.TryGetValue(key, out var kept);
            if ((exists ? kept.Subject.Version : 0) != write.Subject.Version - 1) return Task.FromResult(false);
            var readings = exists ? kept.Readings : new SortedDictionary<(DateTimeOffset, string), SensorReadingRow>();
            foreach (var r in write.Readings) readings.TryAdd((r.At, r.SensorId), r);
            while (readings.Count > MaxReadingsPerSubject) readings.Remove(readings.Keys.First());
            _subjects[key] = (write.Subject, readings);
        }
        return Task.FromResult(true);
    }

    public Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        lock (_gate)
        {
            foreach (var (_, readings) in _subjects.Values)
            {
                foreach (var old in readings.Keys.TakeWhile(k => k.At < before).ToList())
                {
                    if (removed == limit) return Task.FromResult(removed);
                    readings.Remove(old);
                    removed++;
                }
            }
        }
        return Task.FromResult(removed);
    }
}
