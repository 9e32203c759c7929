namespace GridServer.Silo.Hosting;

/// <summary>
/// A loop that starts once the silo has started (grain calls answer only then), runs <see cref="PollAsync"/> every
/// <see cref="Period"/> until the server stops, and reports a failed round once per run of failures, trying again at the
/// next period.
/// </summary>
public abstract class PollingService(IHostApplicationLifetime lifetime) : BackgroundService
{
    protected abstract TimeSpan Period { get; }

    protected abstract Task PollAsync(CancellationToken cancellationToken);

    /// <summary>The first failure of a run of them (the next success ends the run).</summary>
    protected abstract void OnFailure(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try { await started.Task; }
            catch (OperationCanceledException) { return; }
        }
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(stoppingToken);
                failing = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
            {
                if (!failing) OnFailure(e);
                failing = true;
            }
            try
            {
                await Task.Delay(Period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
