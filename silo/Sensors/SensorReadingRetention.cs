using System.ComponentModel.DataAnnotations;
using GridServer.Domain.Sensors;
using GridServer.Grains;
using GridServer.Silo.Plugins;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Sensors;

/// <summary>How long sensor readings are kept. Section <c>GridServer:Sensors</c>.</summary>
public sealed class SensorOptions
{
    public const string Section = "GridServer:Sensors";

    /// <summary>
    /// Readings older than this are deleted (never before the longest window of a loaded sensor module: a subject always
    /// finds the readings its module looks at).
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "GridServer:Sensors:ReadingRetention must lie between 01:00:00 and 3650.00:00:00")]
    public TimeSpan ReadingRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the silo looks for readings to delete.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "GridServer:Sensors:PruneEvery must lie between 00:01:00 and 1.00:00:00")]
    public TimeSpan PruneEvery { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Deletes sensor readings past their retention, a bounded bite at a time so that no transaction holds the table long.
/// Every silo runs it; two deleting at once only share the work.
/// </summary>
public sealed partial class SensorReadingRetention(
    ISensorStore store, ModuleRegistry modules, IOptions<SensorOptions> options, [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    ILogger<SensorReadingRetention> logger) : BackgroundService
{
    /// <summary>Readings deleted by one statement.</summary>
    public const int Bite = 10_000;

    /// <summary>The time (domain time, as readings are judged) before which readings go: the retention, stretched to the longest window of a loaded sensor module.</summary>
    public DateTimeOffset Cutoff(DateTimeOffset now)
    {
        var longest = modules.Current.Modules.Select(m => m.Abilities.SensorWindow ?? TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Max();
        return now - (longest > options.Value.ReadingRetention ? longest : options.Value.ReadingRetention);
    }

    /// <summary>Deletes everything before the cutoff, bite by bite; answers how many readings went.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = Cutoff(time.GetUtcNow());
        long removed = 0;
        for (int bite; (bite = await store.PruneAsync(cutoff, Bite, cancellationToken)) > 0;) removed += bite;
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await PruneAsync(stoppingToken) is > 0 and var removed) LogPruned(logger, removed);
            }
            catch (Exception e) when (e is not OperationCanceledException)   // the database out of reach: the next round deletes what this one did not
            {
                LogFailed(logger, e);
            }
            await Task.Delay(options.Value.PruneEvery, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} sensor readings past their retention")]
    private static partial void LogPruned(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old sensor readings failed; trying again at the next round")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
