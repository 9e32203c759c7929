using System.Collections.Immutable;
using System.Globalization;
using GridServer.Plugins.Contracts;

namespace GridServer.TestModules;

/// <summary>
/// Noise sensors (kind "noise", value <c>level_db</c>), one subject per sensor. A reading over 70 dB opens a case (one
/// per episode); later loud readings are noted on it, and a quiet one notes the end and ends the episode. While an
/// episode is open the module asks for a re-check in ten minutes, which notes that it looked. A sensor whose id starts
/// with "unwatched" concerns nothing; one named "explode" makes SubjectOf throw. The scheduled check finds the two
/// constant findings of <see cref="Findings"/>.
/// </summary>
public sealed class NoiseModule : IDutyModule, IHandlesSensorReadings, IRunsScheduledChecks
{
    public const string Matter = "noise-test";

    public const double LimitDb = 70;

    public string ContractVersion => DutyContract.Version;

    public string Name => "noise test module";

    public string Version => "1.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
        [new(Matter, "test noise", "tests", "Noise over the limit, from a test module's sensors.", ImmutableArray<MatterQuestion>.Empty)];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report) => [];

    public IReadOnlyList<string> ReadingKinds { get; } = ["noise"];

    public TimeSpan Window => TimeSpan.FromHours(1);

    public string? SubjectOf(SensorReading reading, IReferenceLookup reference)
    {
        if (reading.SensorId == "explode") throw new InvalidOperationException("the noise test module cannot name this sensor");
        return reading.SensorId.StartsWith("unwatched", StringComparison.Ordinal) ? null : "sensor:" + reading.SensorId;
    }

    public SensorVerdict Evaluate(SensorSituation situation, IReferenceLookup reference)
    {
        var evaluations = (situation.Memo is { } memo && int.TryParse(memo, CultureInfo.InvariantCulture, out var n) ? n : 0) + 1;
        var count = evaluations.ToString(CultureInfo.InvariantCulture);
        if (situation.Arrived.Count == 0)
            return situation.Episode is null ? new SensorVerdict(Memo: count) : new SensorVerdict(Note: "re-checked: no new reading", Memo: count);
        var last = situation.Arrived[^1];
        var level = last.Values.TryGetValue("level_db", out var db) ? db : 0;
        var text = level.ToString("0.#", CultureInfo.InvariantCulture);
        if (level > LimitDb)
        {
            var recheck = situation.Now.AddMinutes(10);
            return situation.Episode is null
                ? new SensorVerdict(Open: new SensorCase(Matter, last.Longitude, last.Latitude, $"noise {text} dB at sensor {last.SensorId}"), Memo: count, RecheckAt: recheck)
                : new SensorVerdict(Note: $"still {text} dB", Memo: count, RecheckAt: recheck);
        }
        return situation.Episode is null ? new SensorVerdict(Memo: count) : new SensorVerdict(Note: $"back to {text} dB", EndEpisode: true, Memo: count);
    }

    public TimeSpan CheckEvery => TimeSpan.FromHours(1);

    /// <summary>What every run of the check finds: the same keys each time.</summary>
    public static readonly ImmutableArray<(string Key, string Description)> Findings =
        [("loudspeaker:L-1", "a loudspeaker shop plays music on the street"), ("loudspeaker:L-2", "a loudspeaker van circles the square")];

    public IReadOnlyList<CheckFinding> Check(DateTimeOffset now, IReferenceLookup reference) =>
        [.. Findings.Select(f => new CheckFinding(f.Key, Matter, 120.65, 28.0, f.Description))];
}
