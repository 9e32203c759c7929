using System.Collections.Immutable;
using GridServer.Abstractions.Sensors;

namespace GridServer.Grains.Sensors;

/// <summary>
/// How a subject takes a batch of readings, as plain functions: a reading it holds already (same sensor, same time) is a
/// duplicate, one older than the module's window is stale, and of the rest those that stay within the kept readings arrive.
/// </summary>
public static class SubjectReadings
{
    /// <summary>The sorted batch: what the subject keeps after it, and what of it arrived (null when nothing did: nothing to write or evaluate).</summary>
    /// <param name="held">The readings the subject holds, oldest first.</param>
    /// <param name="batch">The readings sent (default: none).</param>
    /// <param name="window">The module's window; null while the module is not here (nothing is stale, nothing pruned by age).</param>
    /// <param name="max">The most readings a subject keeps (the newest).</param>
    public static (List<SensorReadingData> Kept, List<SensorReadingData>? Arrived, int Duplicates, int Stale) Take(
        IReadOnlyList<SensorReadingData> held, ImmutableArray<SensorReadingData> batch, DateTimeOffset now, TimeSpan? window, int max)
    {
        ArgumentNullException.ThrowIfNull(held);
        var known = held.Select(r => (r.SensorId, r.At)).ToHashSet();
        var arrived = new List<SensorReadingData>();
        int duplicates = 0, stale = 0;
        foreach (var reading in batch.IsDefault ? [] : batch)
        {
            if (!known.Add((reading.SensorId, reading.At))) duplicates++;
            else if (window is { } w && reading.At < now - w) stale++;
            else arrived.Add(reading);
        }
        if (arrived.Count == 0) return ([.. held], null, duplicates, stale);
        var kept = Pruned([.. held, .. arrived], now, window, max);
        var stillKept = kept.Select(r => (r.SensorId, r.At)).ToHashSet();
        return (kept, arrived.Where(a => stillKept.Contains((a.SensorId, a.At))).OrderBy(a => a.At).ToList(), duplicates, stale);
    }

    /// <summary>The readings without those older than the window (none while the window is unknown), the newest <paramref name="max"/>, oldest first.</summary>
    public static List<SensorReadingData> Pruned(IEnumerable<SensorReadingData> readings, DateTimeOffset now, TimeSpan? window, int max)
    {
        var kept = (window is { } w ? readings.Where(r => r.At >= now - w) : readings).OrderBy(r => r.At).ToList();
        if (kept.Count > max) kept.RemoveRange(0, kept.Count - max);
        return kept;
    }
}
