using System.Collections.Immutable;
using GridServer.Grains.Cases;
using GridServer.Abstractions.Sensors;

namespace GridServer.Grains.Sensors;

// What the sensor and check grains need of the silo's duty modules. The grains cannot see the modules' contract (the silo
// loads modules; grains know no plugin types), so these interfaces speak in the grains' own plain records, and the silo
// implements them over its module registry and reference data. Cases are opened by the grains' own intake
// (Cases/CaseIntake.cs). In-process services, never sent between silos: nothing here is serialized.

/// <summary>A subject's situation as the grain hands it to its module (see the contract's <c>SensorSituation</c>).</summary>
public sealed record SensorSituationData(
    string Subject, DateTimeOffset Now, IReadOnlyList<SensorReadingData> Arrived, IReadOnlyList<SensorReadingData> Recent,
    string? EpisodeCaseId, DateTimeOffset? EpisodeOpenedAt, string? Memo);

/// <summary>A case a module asks for: its matter, where (lon/lat WGS84, degrees), the report's text, and the party, if any.</summary>
public sealed record ModuleCaseRequest(string Matter, double Lon, double Lat, string Description, ModuleParty? Party);

/// <summary>
/// The module's verdict on a subject (the contract's <c>SensorVerdict</c>), or, when <see cref="Answered"/> is false,
/// why there is none (the module is gone, faulted, or failed the call).
/// </summary>
public sealed record SensorRuling(
    bool Answered, string? Error, ModuleCaseRequest? Open = null, string? Note = null, bool EndEpisode = false,
    string? Memo = null, DateTimeOffset? RecheckAt = null)
{
    public static SensorRuling Unanswered(string error) => new(false, error);
}

/// <summary>The sensor-reading modules of the silo the grain runs on.</summary>
public interface ISensorRules
{
    /// <summary>How long the module of folder <paramref name="folder"/> keeps a subject's readings, or null when it is not loaded (or faulted) here.</summary>
    TimeSpan? WindowOf(string folder);

    /// <summary>The module's verdict on the situation, or why there is none. Never throws for the module's faults.</summary>
    Task<SensorRuling> EvaluateAsync(string folder, SensorSituationData situation);
}

/// <summary>What one run of a module's scheduled check did. <see cref="ModuleFound"/> is false when the module is not loaded here (or no longer checks).</summary>
public sealed record CheckOutcome(bool ModuleFound, int Findings, ImmutableArray<string> Opened, string? Error);

/// <summary>Runs the scheduled checks of the silo's modules.</summary>
public interface ICheckRunner
{
    /// <summary>Runs the check of the module of folder <paramref name="folder"/> at <paramref name="now"/> and opens a case per new finding.</summary>
    Task<CheckOutcome> RunAsync(string folder, DateTimeOffset now);
}
