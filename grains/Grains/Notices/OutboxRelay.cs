using System.Threading.Channels;
using GridServer.Abstractions.Notices;
using GridServer.Domain.Notices;
using GridServer.Notices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Notices;

/// <summary>
/// Carries out what case steps left in the notice outbox: each liaison's or community's alert goes to its batch
/// (<see cref="IAlertBatchGrain"/>, which takes an alert once however often it is handed over), and once taken it leaves
/// the outbox, many at a time. A step's silo carries out its own alerts at once; a silo that died in between leaves them
/// behind, and every silo's relay looks for such leftovers (older than <see cref="LeftoverAge"/>) and carries them out.
/// </summary>
public sealed partial class OutboxRelay(IGrainFactory grains, INoticeOutbox outbox, ILogger<OutboxRelay> logger) : BackgroundService
{
    /// <summary>An alert this long in the outbox was left by a silo that died (or could not reach the batch): any relay takes it.</summary>
    public static readonly TimeSpan LeftoverAge = TimeSpan.FromSeconds(30);

    /// <summary>How often a relay looks for leftovers, and how long a claim lasts before another relay may take them.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private readonly Channel<string> _done = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Hands the alert to its batch (retried a few times), then removes it from the outbox with others. Not waited for.</summary>
    public void CarryOut(NoticeEntry alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        _ = CarryOutAsync(alert, remove: id => _done.Writer.TryWrite(id));
    }

    /// <summary>True when the alert's batch took it (after up to a few tries); <paramref name="remove"/> then takes its id out of the outbox.</summary>
    private async Task<bool> CarryOutAsync(NoticeEntry alert, Action<string> remove)
    {
        var failure = await NoticeRetry.RunAsync(() => grains.Get<IAlertBatchGrain>(alert.Recipient).AddAsync(NoticeRecord.From(alert)).AsTask(),
            NoticeRetry.Delays, TimeProvider.System, (e, attempt) => LogRetrying(logger, e, alert.NoticeId, alert.Recipient, attempt));
        if (failure is not null)
        {
            LogLeft(logger, failure, alert.NoticeId, alert.Recipient);
            return false;
        }
        remove(alert.NoticeId);
        return true;
    }

    /// <summary>
    /// One look for leftovers: claims what silos left in the outbox, carries each out and removes what was taken. Answers
    /// how many were carried out. The relay runs it every <see cref="SweepEvery"/>.
    /// </summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var claimed = await outbox.ClaimAsync(LeftoverAge, Lease, 500, cancellationToken);
        if (claimed.Count == 0) return 0;
        var taken = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(claimed.Select(alert => CarryOutAsync(alert, taken.Add)));
        await outbox.DoneAsync([.. taken], cancellationToken);
        return taken.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var removing = RemoveDoneAsync(stoppingToken);
        using var timer = new PeriodicTimer(SweepEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)   // the store is out of reach: the next sweep tries again
                {
                    LogSweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        _done.Writer.TryComplete();
        await removing;
    }

    /// <summary>Removes carried-out alerts from the outbox, as many as have gathered at a time.</summary>
    private async Task RemoveDoneAsync(CancellationToken stoppingToken)
    {
        var ids = new List<string>();
        while (await _done.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (ids.Count < 1_000 && _done.Reader.TryRead(out var id)) ids.Add(id);
            try
            {
                await outbox.DoneAsync(ids, CancellationToken.None);
            }
            catch (Exception e)   // left in the outbox: a later sweep carries them out again, and their batches take them once
            {
                LogRemoveFailed(logger, e, ids.Count);
            }
            ids.Clear();
            if (stoppingToken.IsCancellationRequested) continue;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {NoticeId} to {Recipient}: attempt {Attempt} failed; trying again")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string noticeId, string recipient, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {NoticeId} to {Recipient} could not be handed over; it stays in the outbox for the next sweep")]
    private static partial void LogLeft(ILogger logger, Exception exception, string noticeId, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for alerts left in the outbox failed; trying again at the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing {Count} carried-out alerts from the outbox failed; they will be carried out again and taken once")]
    private static partial void LogRemoveFailed(ILogger logger, Exception exception, int count);
}
