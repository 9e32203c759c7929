using GridServer.Domain.Cases;
using GridServer.Storage.Cases;

namespace GridServer.Silo.Evaluation;

/// <summary>
/// Fills in the deadline history and evaluation facts of cases stored before the server kept them (V021), rebuilt from
/// their timelines (<see cref="CaseHistory"/>), a batch at a time until none is left; then looks again now and then (a
/// case written by an older silo during a rolling upgrade). Every silo may run it: a fill never overwrites a newer step.
/// </summary>
public sealed partial class EvaluationFill(PostgisCaseStore store, MatterPolicies policies, IHostApplicationLifetime lifetime, ILogger<EvaluationFill> logger)
    : Hosting.PollingService(lifetime)
{
    private const int Batch = 500;

    protected override TimeSpan Period => TimeSpan.FromMinutes(10);

    protected override async Task PollAsync(CancellationToken cancellationToken)
    {
        long filled = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var ids = await store.UnfilledAsync(Batch, cancellationToken);
            var progressed = false;
            foreach (var id in ids)
            {
                if ((await store.LoadAsync(id, cancellationToken)).Record is not { } record) continue;
                var rebuilt = record with { File = CaseHistory.WithHistory(record.File, policies.For(record.File.Matter)) };
                if (await store.FillAsync(rebuilt, cancellationToken)) (filled, progressed) = (filled + 1, true);
            }
            // A batch in which every case moved on meanwhile is written by those steps; stop rather than spin on it.
            if (ids.Count < Batch || !progressed) break;
        }
        if (filled > 0) Filled(logger, filled);
    }

    protected override void OnFailure(Exception exception) => FillFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation facts filled in for {Count} cases stored before they were kept")]
    private static partial void Filled(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Filling in the evaluation facts of older cases failed; trying again in ten minutes")]
    private static partial void FillFailed(ILogger logger, Exception exception);
}
