using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;

namespace GridServer.Silo.Cases;

/// <summary>
/// Keeps the deadline clock running: once the silo runs, and then every few seconds, every shard is asked to keep itself
/// alive (a durable reminder, registered once for the cluster whichever silo asks first, and its sweeps). Every silo asks,
/// so a shard whose silo died is active again on a survivor as soon as the cluster knows the silo is dead, well before
/// its reminder would bring it back. Asking an active shard costs one local call.
/// </summary>
public sealed partial class DeadlineClockStarter(IGrainFactory grains, ILogger<DeadlineClockStarter> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var failures = 0; !stoppingToken.IsCancellationRequested;)
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, CaseShards.Count).Select(shard => grains.GetGrain<IDeadlineShardGrain>(shard).EnsureAsync().AsTask()));
                failures = 0;
                await Task.Delay(Every, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)   // the cluster is still forming (or the store is out of reach): try again soon
            {
                LogRetrying(logger, e, ++failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * failures)), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keeping the deadline clock running failed ({Failures} in a row); trying again")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int failures);
}
