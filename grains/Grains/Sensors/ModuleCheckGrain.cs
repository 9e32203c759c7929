using GridServer.Abstractions.Sensors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Sensors;

/// <summary>Persisted state of a module's scheduled check.</summary>
[GenerateSerializer, Alias("check.module-state")]
public sealed class ModuleCheckState
{
    /// <summary>The period the reminder was registered with (null: none registered).</summary>
    [Id(0)] public TimeSpan? Every { get; set; }
    [Id(1)] public CheckRunView? LastRun { get; set; }
}

/// <summary>
/// A module's scheduled check: one durable reminder with the module's period, so the check runs once per period in
/// the whole cluster, on the silo this grain lives on, and survives restarts. A tick that finds the module gone from
/// that silo unregisters the reminder; the next silo that loads the module registers it again.
/// </summary>
/// <remarks>
/// Each finding opens its case through <see cref="ICheckRunner"/> with an id derived from the module and the finding's
/// key, so a finding found again (the next day, after a restart, by a run retried) never opens a second case.
/// </remarks>
public sealed partial class ModuleCheckGrain(
    [PersistentState("module-check", GrainStorage.Cases)] IPersistentState<ModuleCheckState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    ICheckRunner runner,
    ILogger<ModuleCheckGrain> logger) : Grain, IModuleCheckGrain, IRemindable
{
    private const string CheckReminder = "check";

    private string Module => this.GetPrimaryKeyString();

    public async ValueTask EnsureAsync(TimeSpan every)
    {
        // Every silo calls this whenever its modules change: an unchanged period costs no reminder write.
        if (state.State.Every == every && await this.GetReminder(CheckReminder) is not null) return;
        await this.RegisterOrUpdateReminder(CheckReminder, every, every);
        state.State.Every = every;
        await state.WriteOrReloadAsync(this);
        LogScheduled(logger, Module, every);
    }

    public async ValueTask<CheckRunView> RunAsync()
    {
        var now = time.GetUtcNow();
        var outcome = await runner.RunAsync(Module, now);
        var run = new CheckRunView(now, outcome.Findings, outcome.Opened, outcome.Error);
        state.State.LastRun = run;
        await state.WriteOrReloadAsync(this);
        if (outcome.Error is { } error) LogRunFailed(logger, Module, error);
        return run;
    }

    public ValueTask<ModuleCheckView> GetAsync() => ValueTask.FromResult(new ModuleCheckView(Module, state.State.Every, state.State.LastRun));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != CheckReminder) return;
        var now = time.GetUtcNow();
        var outcome = await runner.RunAsync(Module, now);
        if (!outcome.ModuleFound)
        {
            // The module was removed (or stopped checking): no more ticks until a silo loads it again.
            if (await this.GetReminder(CheckReminder) is { } reminder) await this.UnregisterReminder(reminder);
            state.State.Every = null;
            await state.WriteOrReloadAsync(this);
            LogUnscheduled(logger, Module);
            return;
        }
        state.State.LastRun = new CheckRunView(now, outcome.Findings, outcome.Opened, outcome.Error);
        await state.WriteOrReloadAsync(this);
        if (outcome.Error is { } error) LogRunFailed(logger, Module, error);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduled check of module {Module} runs every {Every}")]
    private static partial void LogScheduled(ILogger logger, string module, TimeSpan every);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled check of module {Module} stopped: the module is gone")]
    private static partial void LogUnscheduled(ILogger logger, string module);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled check of module {Module} failed: {Error}")]
    private static partial void LogRunFailed(ILogger logger, string module, string error);
}
