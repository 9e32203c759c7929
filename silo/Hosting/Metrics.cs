using GridServer.Domain.Access;
using GridServer.Domain.Cases;
using GridServer.Grains;
using GridServer.Silo.Access;
using OpenTelemetry.Metrics;

namespace GridServer.Silo.Hosting;

/// <summary>
/// Metrics through OpenTelemetry, scraped by Prometheus at <c>GET /metrics</c> with an operator's credential: the
/// server's own (<see cref="Telemetry"/>: reports, dispatch latency, case steps, notices, webhook attempts, module
/// failures, open cases by state), Orleans' (grain calls, activations, messaging), Npgsql's (the connection pool),
/// ASP.NET Core's (requests and their durations) and the runtime's (GC, thread pool).
/// </summary>
public static class Metrics
{
    /// <summary>How often the open cases are counted (one query; every silo counts the same cases).</summary>
    public static readonly TimeSpan OpenCasesEvery = TimeSpan.FromSeconds(30);

    public static void AddGridServerMetrics(this IServiceCollection services)
    {
        services.AddSingleton<OpenCasesGauge>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenCasesGauge>());
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Telemetry.MeterName, OpenCasesGauge.MeterName, "Microsoft.Orleans", "Npgsql", "Microsoft.AspNetCore.Hosting",
                "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime")
            .AddPrometheusExporter());
    }

    public static void MapGridServerMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new Microsoft.AspNetCore.Routing.HttpMethodMetadata([HttpMethods.Get])).RequireRoles(Role.Operator);
}

/// <summary>
/// Open cases by state, as the case store counts them, at most every <see cref="Metrics.OpenCasesEvery"/>: a scrape
/// reads the last count and never waits on the database. Gauge <c>gridserver.cases.open</c>, tagged <c>state</c>;
/// every silo reports the cluster's count (take the max, not the sum, across silos).
/// </summary>
public sealed partial class OpenCasesGauge : BackgroundService
{
    public const string MeterName = "GridServer.Cases";

    private readonly ICaseSearch _cases;
    private readonly ILogger<OpenCasesGauge> _logger;
    private volatile IReadOnlyDictionary<CaseState, long> _counts = new Dictionary<CaseState, long>();

    public OpenCasesGauge(ICaseSearch cases, System.Diagnostics.Metrics.IMeterFactory meters, ILogger<OpenCasesGauge> logger)
    {
        _cases = cases;
        _logger = logger;
        var meter = meters.Create(new System.Diagnostics.Metrics.MeterOptions(MeterName));
        meter.CreateObservableGauge("gridserver.cases.open", () => _counts.Select(c =>
            new System.Diagnostics.Metrics.Measurement<long>(c.Value, new KeyValuePair<string, object?>("state", c.Key.ToString()))),
            "{case}", "Open cases by state, as the case store counts them");
    }

    /// <summary>Counts now (also the test's way to have a fresh count).</summary>
    public async Task CountAsync(CancellationToken cancellationToken)
    {
        try
        {
            _counts = await _cases.CountOpenByStateAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotCounted(_logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Metrics.OpenCasesEvery);
        do
        {
            await CountAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Open cases could not be counted for the metrics; the last count stands")]
    private static partial void LogNotCounted(ILogger logger, Exception exception);
}
