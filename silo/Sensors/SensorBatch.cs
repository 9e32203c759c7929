using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Plugins;

namespace GridServer.Silo.Sensors;

/// <summary>
/// Reads a batch of sensor readings (<c>{"readings":[{"sensorId","kind","lon","lat","at","values":{...}}]}</c>) and
/// checks all of it before anything is taken: the batch is taken whole or refused whole, with its first problems
/// named by index.
/// </summary>
public static partial class SensorBatch
{
    /// <summary>The most readings a batch holds.</summary>
    public const int MaxReadings = 5_000;

    /// <summary>The most values a reading holds.</summary>
    public const int MaxValues = 50;

    public const int MaxSensorId = 128;

    /// <summary>The largest magnitude of a value (a reading is a measurement, not a number's edge case).</summary>
    public const double MaxMagnitude = 1e12;

    /// <summary>The most problems a refusal lists.</summary>
    public const int MaxProblems = 20;

    /// <summary>How far a reading's time may be ahead of the server's clock (the sensors' clocks drift).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(5);

    /// <summary>The earliest time a reading may have: anything before is a sensor's unset clock.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The name of a value: lower-case letters, digits and '_', the unit in the name (<c>pm10_ugm3</c>).</summary>
    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex ValueName();

    /// <summary>The readings of the batch, or the problems that refuse it (never both).</summary>
    public static (ImmutableArray<SensorReading> Readings, ImmutableArray<string> Problems) Read(JsonElement root, ModuleSnapshot modules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(modules);
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("readings", out var list) || list.ValueKind != JsonValueKind.Array)
            return ([], ["the body must be an object with 'readings': an array of readings"]);
        var count = list.GetArrayLength();
        if (count == 0) return ([], ["'readings' is empty"]);
        if (count > MaxReadings) return ([], [$"'readings' holds {count} readings; at most {MaxReadings} a batch"]);
        var readings = ImmutableArray.CreateBuilder<SensorReading>(count);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = $"readings[{index++}]";
            if (Reading(item, at, modules, now, problems) is { } reading) readings.Add(reading);
            if (problems.Count >= MaxProblems) break;
        }
        return problems.Count > 0 ? ([], [.. problems.Take(MaxProblems)]) : (readings.MoveToImmutable(), []);
    }

    private static SensorReading? Reading(JsonElement item, string at, ModuleSnapshot modules, DateTimeOffset now, List<string> problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{at}: must be an object");
            return null;
        }
        var before = problems.Count;
        var sensorId = Text(item, "sensorId", at, MaxSensorId, problems);
        var kind = Text(item, "kind", at, 64, problems);
        if (kind is not null && !modules.ReadingKinds.ContainsKey(kind))
            problems.Add($"{at}.kind: no loaded module takes readings of kind '{Hosting.Problems.Shorten(kind)}'");
        var lon = Number(item, "lon", at, -180, 180, problems);
        var lat = Number(item, "lat", at, -90, 90, problems);
        DateTimeOffset taken = default;
        if (!item.TryGetProperty("at", out var time) || time.ValueKind != JsonValueKind.String)
            problems.Add($"{at}.at: required, a time as ISO 8601 text with its offset (2026-11-28T09:30:00+08:00)");
        else if (time.GetString() is not { Length: <= 64 } text
                 || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out taken))
            problems.Add($"{at}.at: '{Hosting.Problems.Shorten(time.GetString() ?? "")}' is not an ISO 8601 time");
        else if (taken > now + MaxAhead)
            problems.Add($"{at}.at: {text} is in the future (the server's time is {now:O}; at most {MaxAhead.TotalMinutes:F0} minutes ahead)");
        else if (taken < Earliest)
            problems.Add($"{at}.at: {text} is before {Earliest:yyyy}; the sensor's clock is not set");
        var values = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (!item.TryGetProperty("values", out var given) || given.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{at}.values: required, an object of named numbers (\"pm10_ugm3\": 182.0)");
        }
        else
        {
            foreach (var value in given.EnumerateObject())
            {
                if (values.Count >= MaxValues)
                {
                    problems.Add($"{at}.values: more than {MaxValues} values");
                    break;
                }
                if (!ValueName().IsMatch(value.Name))
                    problems.Add($"{at}.values: the name '{Hosting.Problems.Shorten(value.Name)}' must be 1 to 64 lower-case letters, digits or '_', starting with a letter");
                else if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetDouble(out var number) || !double.IsFinite(number) || Math.Abs(number) > MaxMagnitude)
                    problems.Add($"{at}.values.{value.Name}: must be a finite number of magnitude at most {MaxMagnitude:0e0}");
                else if (!values.TryAdd(value.Name, number))
                    problems.Add($"{at}.values.{value.Name}: given twice");
            }
            if (values.Count == 0 && problems.Count == before) problems.Add($"{at}.values: holds no value");
        }
        return problems.Count == before ? new SensorReading(sensorId!, kind!, lon, lat, taken, values.ToImmutableSortedDictionary(StringComparer.Ordinal)) : null;
    }

    private static string? Text(JsonElement item, string name, string at, int max, List<string> problems)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            problems.Add($"{at}.{name}: required, text");
            return null;
        }
        var text = value.GetString()!;
        if (text.Length > max)
        {
            problems.Add($"{at}.{name}: at most {max} characters");
            return null;
        }
        if (text.Any(char.IsControl) || text.Any(char.IsSurrogate) && !IsWellFormed(text))
        {
            problems.Add($"{at}.{name}: holds control characters or broken text");
            return null;
        }
        return text;
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    private static double Number(JsonElement item, string name, string at, double min, double max, List<string> problems)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            problems.Add($"{at}.{name}: required, a finite number (WGS84 degrees)");
            return double.NaN;
        }
        if (number < min || number > max)
        {
            problems.Add($"{at}.{name}: {number.ToString(CultureInfo.InvariantCulture)} is outside {min} to {max} degrees");
            return double.NaN;
        }
        return number;
    }
}
