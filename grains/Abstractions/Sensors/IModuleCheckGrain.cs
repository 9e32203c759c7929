using System.Collections.Immutable;

namespace GridServer.Abstractions.Sensors;

/// <summary>
/// One run of a module's scheduled check: when, how many findings, the cases it opened (findings whose case was
/// opened by an earlier run are not opened again), and why it failed, if it did.
/// </summary>
[GenerateSerializer, Immutable, Alias("check.run")]
public sealed record CheckRunView(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int Findings,
    [property: Id(2)] ImmutableArray<string> Opened,
    [property: Id(3)] string? Error);

/// <summary>A module's scheduled check as the cluster holds it: its period (null: no reminder) and its last run.</summary>
[GenerateSerializer, Immutable, Alias("check.view")]
public sealed record ModuleCheckView(
    [property: Id(0)] string Module,
    [property: Id(1)] TimeSpan? Every,
    [property: Id(2)] CheckRunView? LastRun);

/// <summary>
/// The schedule of one module's check (<c>IRunsScheduledChecks</c>): a durable reminder with the module's period,
/// whose every tick runs the check on the silo the grain lives on. Key: the module's folder, e.g. <c>"billboards"</c>.
/// </summary>
[Alias("check.module")]
public interface IModuleCheckGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the reminder ticks every <paramref name="every"/>; idempotent (every silo calls it when its modules change).</summary>
    [Alias("ensure")] ValueTask EnsureAsync(TimeSpan every);

    /// <summary>Runs the check now, as a tick does, and records the run.</summary>
    [Alias("run")] ValueTask<CheckRunView> RunAsync();

    [Alias("get")] ValueTask<ModuleCheckView> GetAsync();
}
