using GridServer.Abstractions.Plugins;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Plugins;

/// <summary>
/// Reports this silo's modules to the cluster's board (<see cref="IModuleBoardGrain"/>): at once on every new module
/// snapshot, and every <see cref="PluginOptions.StatusHeartbeat"/> besides, so a board that lost its memory (its silo
/// left) is whole again within one heartbeat.
/// </summary>
public sealed partial class ModuleStatusPublisher(
    ModuleRegistry registry, IGrainFactory grains, ILocalSiloDetails silo, IOptions<PluginOptions> options,
    TimeProvider time, IHostApplicationLifetime lifetime, ILogger<ModuleStatusPublisher> logger) : BackgroundService
{
    /// <summary>How soon a report that failed is tried again (the silo still joining, the board's silo just gone).</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>This silo's report of a snapshot, as the board keeps it.</summary>
    public static SiloModules ToReport(string siloAddress, ModuleSnapshot snapshot, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new SiloModules(siloAddress, at, snapshot.Revision, snapshot.Directory,
        [
            .. snapshot.Modules.Select(m => new ModuleReport(m.Folder, m.Name, m.Version, m.ContractVersion, m.State.ToString().ToLowerInvariant(),
                m.Since, m.LastError, m.ConsecutiveFailures, [.. m.Matters.Select(x => x.Code)])
            {
                Source = m.Source.ToString().ToLowerInvariant(),
                PackageVersion = m.Package?.Version,
                PackageSha256 = m.Package?.Sha256,
                FailedVersion = m.Failure?.Version,
                FailedError = m.Failure?.Error,
            }),
        ]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need the silo up: it starts with the host, after this service.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;   // stopped before it started
            }
        }
        var board = grains.GetGrain<IModuleBoardGrain>(IModuleBoardGrain.Key);
        var address = silo.SiloAddress.ToString();
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var snapshot = registry.Current;
            var wait = options.Value.StatusHeartbeat;
            try
            {
                await board.ReportAsync(ToReport(address, snapshot, time.GetUtcNow()));
                failing = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Logged once per run of failures: the next heartbeat, sooner here, tries again.
                if (!failing) LogReportFailed(logger, e, address);
                failing = true;
                if (RetryDelay < wait) wait = RetryDelay;
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;   // the host is stopping and the silo went first: nothing to report to, and nothing wrong
            }
            using var next = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(registry.WhenChangedAsync(snapshot.Revision, next.Token), Task.Delay(wait, time, next.Token));
            await next.CancelAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo}: reporting its duty modules to the cluster failed; trying again")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string silo);
}
