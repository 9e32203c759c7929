using System.ComponentModel.DataAnnotations;
using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GridServer.Grains.Cases;

/// <summary>How the deadline clock runs. Section <c>GridServer:Cases:DeadlineClock</c>.</summary>
public sealed class DeadlineClockOptions
{
    public const string Section = "GridServer:Cases:DeadlineClock";

    /// <summary>How often each shard looks for cases whose wake time has come (silo time). Zero: only when asked (tests).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "GridServer:Cases:DeadlineClock:SweepEvery must lie between 00:00:00 and 01:00:00")]
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// One shard of the deadline clock (see <see cref="IDeadlineShardGrain"/>). Every few seconds it asks the store which of
/// its cases are due by now (domain time) and wakes them; each case acts on its deadlines and writes its next wake time
/// with that step. A durable reminder keeps the shard alive: after a crash it comes back on some silo within minutes,
/// and what came due meanwhile is found by the first sweep.
/// </summary>
public sealed partial class DeadlineShardGrain(
    ICaseStore store,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    IOptions<DeadlineClockOptions> options,
    ILogger<DeadlineShardGrain> logger) : Grain, IDeadlineShardGrain, IRemindable
{
    private const string KeepAlive = "deadline-shard";

    /// <summary>Cases asked for at once; a sweep asks again while a whole page comes back, up to <see cref="MaxPages"/> pages.</summary>
    private const int Page = 256;

    private const int MaxPages = 16;

    private IGrainTimer? _timer;

    /// <summary>Whether this activation made sure of the reminder already (asking costs a read of the reminder table).</summary>
    private bool _reminded;

    private int Shard => (int)this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Shard is < 0 or >= CaseShards.Count) throw new InvalidOperationException($"deadline shard {Shard}: the deadline clock has shards 0 to {CaseShards.Count - 1}");
        StartSweeping();
        return Task.CompletedTask;
    }

    public async ValueTask EnsureAsync()
    {
        if (!_reminded && await this.GetReminder(KeepAlive) is null) await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        _reminded = true;
        StartSweeping();
    }

    /// <summary>The reminder's only duty is to have the shard active: activating starts its sweeps.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private void StartSweeping()
    {
        var every = options.Value.SweepEvery;
        if (_timer is not null || every <= TimeSpan.Zero) return;
        // The first sweep at once: a shard that comes back after its silo died has cases due already.
        _timer = this.RegisterGrainTimer(async _ => await SweepAsync(), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), every) { KeepAlive = true });
    }

    public async ValueTask<int> SweepAsync()
    {
        // Cases due before the next sweep are woken now: each times the rest itself, so a warning a few seconds before
        // its deadline is not missed between two sweeps.
        var ahead = options.Value.SweepEvery < CaseWake.OwnTimerWithin ? options.Value.SweepEvery : CaseWake.OwnTimerWithin;
        var now = time.GetUtcNow() + ahead;
        var woken = 0;
        var failed = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; page < MaxPages; page++)
        {
            var due = (await store.DueAsync(Shard, now, Page)).Where(id => !failed.Contains(id)).ToList();
            if (due.Count == 0) break;
            var results = await Task.WhenAll(due.Select(WakeAsync));
            for (var i = 0; i < due.Count; i++)
            {
                if (results[i]) woken++;
                else failed.Add(due[i]);
            }
            if (due.Count < Page) break;
        }
        return woken;
    }

    /// <summary>Wakes one case; a case that fails is logged and found again by the next sweep.</summary>
    private async Task<bool> WakeAsync(string caseId)
    {
        try
        {
            await GrainFactory.GetGrain<ICaseGrain>(caseId).WakeAsync();
            return true;
        }
        catch (Exception e)   // fanning out over many cases: one that fails never stops the others
        {
            LogWakeFailed(logger, e, caseId, Shard);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline clock shard {Shard}: waking case {CaseId} failed; the next sweep tries again")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string caseId, int shard);
}
