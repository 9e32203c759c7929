using System.Diagnostics.Metrics;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;

namespace GridServer.Grains;

/// <summary>
/// The server's own measurements (meter <see cref="MeterName"/>), exported by the silo (GET /metrics, operators only;
/// docs/deployment.md#metrics). Instruments are process-wide: every silo counts what it did, Prometheus sums them.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "GridServer";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Cases opened, tagged <c>matter</c> and <c>outcome</c> (dispatched or queued).</summary>
    public static readonly Counter<long> CasesOpened =
        Meter.CreateCounter<long>("gridserver.cases.opened", "{case}", "Cases opened, by matter and whether they were dispatched or queued");

    /// <summary>From a case grain taking a report to the case written and dispatched (or queued).</summary>
    public static readonly Histogram<double> DispatchDuration =
        Meter.CreateHistogram("gridserver.cases.dispatch.duration", "s", "From a report reaching its case to the case written, dispatched or queued",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Steps written to cases, tagged <c>action</c>.</summary>
    public static readonly Counter<long> CaseSteps =
        Meter.CreateCounter<long>("gridserver.cases.steps", "{step}", "Steps written to cases, by action");

    /// <summary>Notices recorded with case steps, tagged <c>kind</c> and <c>channel</c>.</summary>
    public static readonly Counter<long> Notices =
        Meter.CreateCounter<long>("gridserver.notices.recorded", "{notice}", "Notices recorded, by kind and channel");

    /// <summary>Webhook attempts, tagged <c>outcome</c> (delivered or failed).</summary>
    public static readonly Counter<long> WebhookAttempts =
        Meter.CreateCounter<long>("gridserver.webhooks.attempts", "{attempt}", "Webhook delivery attempts, by outcome");

    /// <summary>Calls to a duty module that failed (threw, timed out, answered nonsense), tagged <c>module</c>.</summary>
    public static readonly Counter<long> ModuleFailures =
        Meter.CreateCounter<long>("gridserver.modules.failures", "{call}", "Failed calls to duty modules, by module folder");

    /// <summary>Counts a written case step: its new timeline events by action, and the notices it recorded.</summary>
    public static void StepWritten(CaseRecord record, int newEventsFrom, IEnumerable<NoticeEntry> notices)
    {
        for (var i = newEventsFrom; i < record.File.Timeline.Count; i++) CaseSteps.Add(1, new KeyValuePair<string, object?>("action", record.File.Timeline[i].Action.ToString()));
        foreach (var notice in notices) Notices.Add(1, new("kind", notice.Kind), new("channel", notice.Channel.ToString()));
    }

    /// <summary>Counts an opened case by matter and outcome (a duplicate, dispatched, or queued), and how long a dispatch took since <paramref name="started"/>.</summary>
    public static void Opened(CaseRecord record, long started)
    {
        if (record.DuplicateOf is null) DispatchDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        CasesOpened.Add(1, new("matter", record.File.Matter), new("outcome", record.DuplicateOf is not null ? "duplicate" : record.QueueReason is null ? "dispatched" : "queued"));
    }
}
