using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using GridServer.Abstractions.Cases;
using GridServer.Grains.Cases;
using GridServer.Abstractions.Sensors;
using GridServer.Domain.Access;
using GridServer.Grains.Sensors;
using GridServer.Silo.Access;
using GridServer.Silo.Cases;
using GridServer.Silo.Hosting;
using GridServer.Silo.Reference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Plugins;

/// <summary>
/// Runs a module's scheduled check on this silo (for its <see cref="IModuleCheckGrain"/>): the module's
/// <c>Check</c> through its guard with its reference data, then one case per finding through <see cref="CaseIntake"/>,
/// its id derived from the module and the finding's key, so a finding opens its case once, ever.
/// </summary>
public sealed class CheckRunner(ModuleRegistry modules, ReferenceCatalog reference, ICaseIntake intake, IGrainFactory grains) : ICheckRunner
{
    /// <summary>How many cases a run opens at once.</summary>
    private const int OpenAtOnce = 16;

    public async Task<CheckOutcome> RunAsync(string folder, DateTimeOffset now)
    {
        var module = folder;
        if (modules.Current.ModuleIn(module) is not { Abilities.CheckEvery: not null } guarded)
            return new CheckOutcome(false, 0, [], $"module '{module}' is not loaded on this silo, or runs no scheduled check");
        GridServer.Plugins.Contracts.IReferenceLookup lookup;
        try
        {
            lookup = await reference.LookupForAsync(guarded);
        }
        catch (Exception e)   // reference data out of reach: this run finds nothing, and says why; the next one tries again
        {
            return new CheckOutcome(true, 0, [], $"its reference data could not be read: {e.Message}");
        }
        var answer = await guarded.CheckAsync(now, lookup);
        if (!answer.Answered) return new CheckOutcome(true, 0, [], answer.Error);
        var findings = answer.Value!;
        var actor = "check:" + module;
        var opened = new List<string>();
        string? error = null;
        // Findings with the same key in one answer are one finding.
        foreach (var chunk in findings.DistinctBy(f => f.Key, StringComparer.Ordinal).Chunk(OpenAtOnce))
        {
            var results = await Task.WhenAll(chunk.Select(async finding =>
            {
                var id = CaseId(module, finding.Key);
                try
                {
                    if (await grains.GetGrain<ICaseGrain>(id).GetAsync() is not null) return (Opened: (string?)null, Error: (string?)null);
                    await intake.OpenAsync(id, new CaseReport(finding.Matter, finding.Longitude, finding.Latitude, null, actor, finding.Description, SubmittedBy: actor),
                        ModuleRouting.Party(finding.Party), knownNew: true);   // looked up just above
                    return (id, null);
                }
                catch (Exception e)   // one finding that cannot open its case does not stop the others; the run records it
                {
                    return (null, $"finding '{ModuleChecks.Shorten(finding.Key)}': opening case {id} failed: {e.Message}");
                }
            }));
            opened.AddRange(results.Select(r => r.Opened).OfType<string>());
            error ??= results.Select(r => r.Error).FirstOrDefault(e => e is not null);
        }
        return new CheckOutcome(true, findings.Count, [.. opened], error);
    }

    /// <summary>The id of the case a finding opens: the same module and key, the same case, across runs, days and restarts.</summary>
    public static string CaseId(string module, string key) =>
        $"C-F-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{module}\n{key}")).AsSpan(0, 12))}";
}

/// <summary>
/// Keeps every loaded module's scheduled check registered: whenever this silo's modules change, and every
/// <see cref="EnsurePeriod"/>, each loaded module that declares <c>CheckEvery</c> has its <see cref="IModuleCheckGrain"/>
/// ensure its reminder (idempotent, so every silo may do it). A module removed is unscheduled by its own next tick.
/// </summary>
public sealed partial class ScheduledCheckFollower(
    ModuleRegistry modules, IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<ScheduledCheckFollower> logger) : BackgroundService
{
    /// <summary>How long to wait before trying again when ensuring failed (the silo starting, a store away).</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the checks are ensured even when nothing changed here: a tick on another silo that did not have the
    /// module (a rolling deployment) drops the reminder, and this silo, which has it, puts it back.
    /// </summary>
    public static readonly TimeSpan EnsurePeriod = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grains answer only once the silo has started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try { await started.Task; }
            catch (OperationCanceledException) { return; }
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var snapshot = modules.Current;
            var failed = false;
            foreach (var module in snapshot.Modules.Where(m => m.State == ModuleState.Loaded && m.Abilities.CheckEvery is not null))
            {
                try
                {
                    await grains.GetGrain<IModuleCheckGrain>(module.Folder).EnsureAsync(module.Abilities.CheckEvery!.Value);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogEnsureFailed(logger, e, module.Folder);
                    failed = true;
                }
            }
            try
            {
                if (failed) await Task.Delay(RetryDelay, stoppingToken);
                else await modules.WhenChangedAsync(snapshot.Revision, stoppingToken).WaitAsync(EnsurePeriod, stoppingToken);
            }
            catch (TimeoutException)
            {
                // Nothing changed for a while: ensure again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduling the check of module {Module} failed; trying again")]
    private static partial void LogEnsureFailed(ILogger logger, Exception exception, string module);
}

/// <summary>
/// <c>GET /api/plugins/checks</c>: the scheduled checks of this silo's modules and their last runs;
/// <c>POST /api/plugins/{folder}/check</c>: an operator runs a module's check now.
/// </summary>
public static class ScheduledCheckEndpoints
{
    public static IEndpointRouteBuilder MapScheduledCheckEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plugins/checks", List).WithTags("Plugins").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The scheduled checks of the loaded duty modules: period, and the last run (time, findings, cases opened, error).");
        app.MapPost("/api/plugins/{folder}/check", Run).WithTags("Plugins").RequireRoles(Role.Operator)
            .WithSummary("Runs a module's scheduled check now; each finding opens its case once, ever.");
        return app;
    }

    internal static async Task<IResult> List(ModuleRegistry modules, IGrainFactory grains)
    {
        var checks = modules.Current.Modules.Where(m => m.State == ModuleState.Loaded && m.Abilities.CheckEvery is not null).OrderBy(m => m.Folder, StringComparer.Ordinal).ToList();
        var views = await Task.WhenAll(checks.Select(m => grains.GetGrain<IModuleCheckGrain>(m.Folder).GetAsync().AsTask()));
        return TypedResults.Ok(checks.Zip(views, (m, v) => new
        {
            folder = m.Folder,
            checkEvery = m.Abilities.CheckEvery,
            scheduled = v.Every is not null,
            lastRun = v.LastRun is { } run ? Shape(run) : null,
        }));
    }

    internal static async Task<Results<Ok<object>, ProblemHttpResult>> Run(string folder, ModuleRegistry modules, IGrainFactory grains)
    {
        if (modules.Current.ModuleIn(folder) is not { Abilities.CheckEvery: not null })
            return Problems.Of(404, "No such check", $"no loaded module in folder '{Problems.Shorten(folder)}' runs a scheduled check");
        var run = await grains.GetGrain<IModuleCheckGrain>(folder).RunAsync();
        return TypedResults.Ok(Shape(run));
    }

    private static object Shape(CheckRunView run) => new { at = run.At, findings = run.Findings, opened = run.Opened, error = run.Error };
}
