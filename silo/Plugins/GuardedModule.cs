using GridServer.Plugins.Contracts;

namespace GridServer.Silo.Plugins;

/// <summary>The answer of a guarded call: the value when the module answered sensibly in time, else why not.</summary>
public readonly record struct ModuleAnswer<T>(bool Answered, T? Value, string? Error);

/// <summary>
/// One loaded module instance behind a guard: every call runs on the thread pool with a time limit, exceptions are
/// caught, answers are checked for sense; <see cref="PluginOptions.FaultAfter"/> failures in a row fault the module,
/// after which it is not called again (its reload makes a new, healthy instance). The caller always gets an answer
/// and carries on without the module when it failed.
/// </summary>
/// <remarks>
/// A call that hangs cannot be stopped (.NET has no thread abort): its thread stays blocked, and the module's load
/// context stays in memory until it returns. The time limit protects the report; faulting protects the silo from
/// a module that would pile up blocked threads.
/// </remarks>
public sealed class GuardedModule
{
    private readonly IDutyModule _module;
    private readonly TimeSpan _timeout;
    private readonly int _faultAfter;
    private readonly Action<GuardedModule, string?> _outcome;
    private int _consecutiveFailures;

    /// <param name="outcome">Told of each failure (with its error) and of the first success after failures (null).</param>
    internal GuardedModule(string folder, IDutyModule module, ModuleAbilities abilities, IReadOnlyCollection<string> matters,
        TimeSpan timeout, int faultAfter, Action<GuardedModule, string?> outcome)
    {
        Folder = folder;
        Abilities = abilities;
        MatterCodes = matters;
        _module = module;
        _timeout = timeout;
        _faultAfter = faultAfter;
        _outcome = outcome;
    }

    /// <summary>The load context the module's assembly was loaded into (tests check that it is collected after unload).</summary>
    internal System.Runtime.Loader.AssemblyLoadContext? LoadContext => System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(_module.GetType().Assembly);

    /// <summary>The module's folder in the plugins directory.</summary>
    public string Folder { get; }

    /// <summary>What the module declared beyond its matters.</summary>
    public ModuleAbilities Abilities { get; }

    /// <summary>The codes of the module's matters.</summary>
    public IReadOnlyCollection<string> MatterCodes { get; }

    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    public bool Faulted => ConsecutiveFailures >= _faultAfter;

    /// <summary>Asks the module to check a report: its problems (empty: accepted), or no answer when it failed or is faulted.</summary>
    public Task<ModuleAnswer<IReadOnlyList<ReportProblem>>> ValidateReportAsync(MatterReport report) =>
        CallAsync("ValidateReport", m => m.ValidateReport(report), ModuleChecks.ProblemsNonsense);

    /// <summary>The party the module names for a report (null: none, or the module does not route), or no answer.</summary>
    public Task<ModuleAnswer<RoutingHint?>> RouteAsync(MatterReport report, IReferenceLookup reference) =>
        _module is IRoutesReports
            ? CallAsync("Route", m => ((IRoutesReports)m).Route(report, reference), HintNonsense)
            : Task.FromResult(new ModuleAnswer<RoutingHint?>(true, null, null));

    /// <summary>Why a party the module names makes no sense, or null: it must come from one of the module's own sets.</summary>
    private string? HintNonsense(RoutingHint? hint) =>
        AbilityChecks.HintNonsense(hint) ?? (hint is not null && !Abilities.DataSets.Any(d => d.Name == hint.PartyKind)
            ? $"PartyKind '{ModuleChecks.Shorten(hint.PartyKind)}' is not one of the module's reference data sets" : null);

    /// <summary>The module's check of each record of an import (empty: accepted), in one call for the batch, or no answer.</summary>
    public Task<ModuleAnswer<IReadOnlyList<IReadOnlyList<ReportProblem>>>> ValidateRecordsAsync(string dataSet, IReadOnlyList<ReferenceRecord> records) =>
        CallAsync("ValidateRecord", m =>
        {
            var keeps = (IKeepsReferenceData)m;
            var found = new IReadOnlyList<ReportProblem>[records.Count];
            for (var i = 0; i < found.Length; i++) found[i] = keeps.ValidateRecord(dataSet, records[i]);
            return (IReadOnlyList<IReadOnlyList<ReportProblem>>)found;
        }, found => found.Select(ModuleChecks.ProblemsNonsense).FirstOrDefault(p => p is not null));

    /// <summary>The subject of each reading (null: none the module watches), in one call for the whole batch, or no answer.</summary>
    public Task<ModuleAnswer<IReadOnlyList<string?>>> SubjectsOfAsync(IReadOnlyList<SensorReading> readings, IReferenceLookup reference) =>
        CallAsync("SubjectOf", m =>
        {
            var sensors = (IHandlesSensorReadings)m;
            var subjects = new string?[readings.Count];
            for (var i = 0; i < subjects.Length; i++) subjects[i] = sensors.SubjectOf(readings[i], reference);
            return (IReadOnlyList<string?>)subjects;
        }, subjects => subjects.FirstOrDefault(s => s is { Length: 0 or > ModuleChecks.MaxName }) is { } bad
            ? $"a subject must be null or 1 to {ModuleChecks.MaxName} characters, got {bad.Length}" : null);

    /// <summary>What the module makes of a subject's readings now, or no answer.</summary>
    public Task<ModuleAnswer<SensorVerdict>> EvaluateAsync(SensorSituation situation, IReferenceLookup reference) =>
        CallAsync("Evaluate", m => ((IHandlesSensorReadings)m).Evaluate(situation, reference),
            v => AbilityChecks.VerdictNonsense(v, MatterCodes) ?? (v.Open?.Party is { } party ? HintNonsense(party) : null));

    /// <summary>The findings of the module's scheduled check now, or no answer.</summary>
    public Task<ModuleAnswer<IReadOnlyList<CheckFinding>>> CheckAsync(DateTimeOffset now, IReferenceLookup reference) =>
        CallAsync("Check", m => ((IRunsScheduledChecks)m).Check(now, reference),
            f => AbilityChecks.FindingsNonsense(f, MatterCodes) ?? f.Select(x => x.Party is { } party ? HintNonsense(party) : null).FirstOrDefault(p => p is not null));

    private async Task<ModuleAnswer<T>> CallAsync<T>(string what, Func<IDutyModule, T> call, Func<T, string?> nonsense)
    {
        if (Faulted) return new(false, default, "the module is faulted");
        var running = Task.Run(() => call(_module));
        string error;
        try
        {
            var value = await running.WaitAsync(_timeout).ConfigureAwait(false);
            if (nonsense(value) is not { } why)
            {
                if (Interlocked.Exchange(ref _consecutiveFailures, 0) != 0) _outcome(this, null);
                return new(true, value, null);
            }
            error = $"{what} answered nonsense: {why}";
        }
        catch (TimeoutException)
        {
            // Whatever the hung call ends with later is observed here, never left unobserved.
            _ = running.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            error = $"{what} did not answer within {_timeout.TotalMilliseconds:F0} ms";
        }
        catch (Exception e)
        {
            // A module's exception is its fault, never the report's: recorded, counted, and the report goes on.
            error = $"{what} threw {e.GetType().FullName}: {e.Message}";
        }
        Interlocked.Increment(ref _consecutiveFailures);
        GridServer.Grains.Telemetry.ModuleFailures.Add(1, new KeyValuePair<string, object?>("module", Folder));
        _outcome(this, error);
        return new(false, default, error);
    }
}
