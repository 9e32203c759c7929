using System.ComponentModel.DataAnnotations;
using GridServer.Domain.Cases;
using GridServer.Grains;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Cases;

/// <summary>
/// How long closed cases and inbox notices stay in the live tables before they move to the archive (PostgreSQL storage;
/// nothing is deleted). Section <c>GridServer:Retention</c>; unset keeps everything live.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "GridServer:Retention";

    /// <summary>
    /// Cases that ended (closed, void, linked as a duplicate) longer ago than this move, with their timelines, to the
    /// archive: read by their id, read only, counted by the evaluation of their period, no longer in lists and searches.
    /// At least 30 days, so that follow-ups (回访) and reopening happen first.
    /// </summary>
    [Range(typeof(TimeSpan), "30.00:00:00", "36500.00:00:00", ErrorMessage = "GridServer:Retention:ClosedCasesAfter must lie between 30.00:00:00 and 36500.00:00:00, or be left out")]
    public TimeSpan? ClosedCasesAfter { get; set; }

    /// <summary>Inbox notices older than this move to the archive (an inbox shows its newest 500 anyway).</summary>
    [Range(typeof(TimeSpan), "7.00:00:00", "36500.00:00:00", ErrorMessage = "GridServer:Retention:NoticesAfter must lie between 7.00:00:00 and 36500.00:00:00, or be left out")]
    public TimeSpan? NoticesAfter { get; set; }

    /// <summary>How often each silo looks for what to move.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "GridServer:Retention:Every must lie between 00:01:00 and 1.00:00:00")]
    public TimeSpan Every { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Moves what is past its retention to the archive (<see cref="ICaseArchive"/>), a bite at a time, by the domain's clock
/// (cases close by it). Every silo runs it; two at once share the work, since a bite skips rows another one holds.
/// </summary>
public sealed partial class CaseRetention(
    ICaseArchive archive, IOptions<RetentionOptions> options, [FromKeyedServices(GrainClock.Key)] TimeProvider time, ILogger<CaseRetention> logger) : BackgroundService
{
    /// <summary>Cases or notices moved by one statement.</summary>
    public const int Bite = 1_000;

    /// <summary>Moves everything past its retention at <paramref name="now"/>; answers how many cases and notices moved.</summary>
    public async Task<(long Cases, long Notices)> ArchiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        long cases = 0, notices = 0;
        if (settings.ClosedCasesAfter is { } closed)
        {
            for (int bite; (bite = await archive.ArchiveClosedCasesAsync(now - closed, Bite, cancellationToken)) > 0;) cases += bite;
        }
        if (settings.NoticesAfter is { } given)
        {
            for (int bite; (bite = await archive.ArchiveNoticesAsync(now - given, Bite, cancellationToken)) > 0;) notices += bite;
        }
        return (cases, notices);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value is { ClosedCasesAfter: null, NoticesAfter: null }) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (cases, notices) = await ArchiveAsync(time.GetUtcNow(), stoppingToken);
                if (cases + notices > 0) LogArchived(logger, cases, notices);
            }
            catch (Exception e) when (e is not OperationCanceledException)   // the database out of reach: the next round moves what this one did not
            {
                LogFailed(logger, e);
            }
            await Task.Delay(options.Value.Every, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "GridServer:Retention is set, but the embedded default keeps cases and notices in memory only: nothing is archived (retention applies to PostgreSQL storage)")]
    public static partial void LogNoArchive(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archived {Cases} closed cases and {Notices} notices past their retention")]
    private static partial void LogArchived(ILogger logger, long cases, long notices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archiving closed cases and old notices failed; trying again at the next round")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
