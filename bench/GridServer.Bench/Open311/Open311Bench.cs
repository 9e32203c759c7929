using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GridServer.Bench.Cases;
using GridServer.Silo.Open311;

namespace GridServer.Bench.Open311;

/// <summary>
/// Open311 reports per second: the real server hosted in this process (as the <c>cases</c> mode hosts it), with an
/// api key, taking <c>POST /open311/v2/requests.json</c> form posts from concurrent clients on loopback; first with
/// the embedded in-memory storage, then durable in PostgreSQL, in one run. Beside each, <c>GET /health</c> at the same
/// concurrency: what the HTTP stack alone answers, the ceiling of any endpoint. Every acknowledged report is then
/// checked: its case exists and is Dispatched (in PostgreSQL: grain state and projection row).
/// </summary>
internal static class Open311Bench
{
    /// <summary>The channel's key (the server wants at least 16 characters).</summary>
    private const string ApiKey = "bench-open311-channel-key-0001";

    /// <summary>How long the projection may lag the answers before the durability check gives up.</summary>
    private static readonly TimeSpan ProjectionGrace = TimeSpan.FromSeconds(10);

    private const string Usage = $$"""
        GridServer.Bench open311: Open311 GeoReport v2 reports accepted per second by the real server (SiloHost.Build,
        hosted in this process on free loopback ports) from concurrent HTTP clients, with the latency from the post
        to the answer; durable in PostgreSQL, and with the embedded in-memory storage in the same run, as a ratio.
        GET /health at the same concurrency is measured beside it as the HTTP stack's ceiling. Every answer must be
        201 with a service_request_id; afterwards every acknowledged report's case must be Dispatched to an officer
        (with PostgreSQL: its grain state and its gridserver.cases row, counted in the database).

        Usage: dotnet run -c Release --project bench/GridServer.Bench -- open311 [options]

          --reports N        reports per timed run (default 20000); as many GET /health in the ceiling run
          --concurrency N    HTTP clients, each with one request in flight (default 32)
          --warmup N         reports (and as many /health) before timing on each server (default 2000)
        {{CaseBenchOptions.SharedUsage}}

        The server gets an Open311 api key and GridServer:Open311:RateLimit:PermitsPerMinute=10000000 (the per-key
        limit must not throttle the benchmark), and, as in the cases mode, an hour to accept a case. Run with
        DOTNET_gcServer=1 to measure the server as deployed. The database is left with the benchmark's data in it.

        Exit code: 0 every report acknowledged, dispatched and (with PostgreSQL) durable; 1 some were not;
        2 bad arguments; 3 the database is not usable.
        """;

    public static int Run(IReadOnlyList<string> args) => CaseBench.Run("open311", args, Usage, RunAsync);

    /// <summary>A timed run and, with PostgreSQL, the cores its server process used over it.</summary>
    private sealed record Row(LoadRun Run, double? PostgresCores);

    private static async Task<int> RunAsync(CaseBenchOptions o)
    {
        await using var database = await CaseBench.StartAsync("GridServer.Bench open311: Open311 reports accepted per second, PostgreSQL vs in memory", o.Postgres);
        var (file, grids, codes) = CaseBench.SampleGrids();
        var (xs, ys, extent) = CaseBench.ReportPoints(grids, o.Warmup + o.Cases, o.Seed);
        Console.WriteLine($"grids:    {grids.Count:N0} from {Path.GetFileName(file)}; staffed with {o.Squads} squads and {o.Officers} officers on all-week rosters");
        Console.WriteLine($"reports:  form posts (api_key, service_code, lat, long, description) at random points in the grids (lon {extent.MinX:0.####}..{extent.MaxX:0.####}, "
            + $"lat {extent.MinY:0.####}..{extent.MaxY:0.####}; seed {o.Seed}), the same points on both servers");
        Console.WriteLine($"runs:     per server: warm-up {o.Warmup:N0} reports and {o.Warmup:N0} GET /health, then {o.Cases:N0} of each timed, {o.Concurrency} clients");

        var rows = new List<Row>();
        var failures = await MeasureAsync("in-memory", null);
        if (database is null)
        {
            Console.WriteLine($"PostgreSQL: SKIPPED: no --postgres and no {BenchOptions.PostgresVariable}; only in memory was measured.");
        }
        else
        {
            await database.LoadGridsAsync(grids);
            failures += await MeasureAsync("PostgreSQL", database);
        }

        Print(o, rows);
        Console.WriteLine($"load average at the end: {Program.LoadAverage()}");
        if (failures > 0)
        {
            Console.WriteLine($"FAILED: {failures:N0} report(s) not acknowledged, not dispatched or not durable (see above).");
            return 1;
        }
        return 0;

        async Task<int> MeasureAsync(string storage, CaseDatabase? db)
        {
            var started = Stopwatch.GetTimestamp();
            await using var server = await BenchServer.StartAsync(db is null ? null : o.Postgres,
            [
                $"{Open311Options.Section}:ApiKeys:0={ApiKey}",
                // Per-key rate limiting (this setting's name) must not throttle the benchmark's one key.
                $"{Open311Options.Section}:RateLimit:PermitsPerMinute=10000000",
            ]);
            Console.WriteLine($"[{storage}] server started in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s, serving {server.Catalog.Count:N0} grids");
            if (server.Catalog.Count != grids.Count)
                throw new InvalidOperationException($"the {storage} server serves {server.Catalog.Count} grids, not the sample's {grids.Count}");
            await server.StaffAsync(codes, o.Squads, o.Officers, o.Concurrency);
            var service = await ServiceCodeAsync(server.PublicHttp);
            Console.WriteLine($"[{storage}] staffed; reporting service_code '{service}' (the first in services.json that asks no attributes)");
            var postgresCpu = db is not null && await db.ServerProcessIdAsync() is { } pid ? new PostgresCpu(pid) : null;

            var acknowledged = new string?[o.Warmup + o.Cases];
            var failed = 0;
            if (o.Warmup > 0)
            {
                failed += Report(await LoadRun.RunAsync(storage, "warm-up, Open311 POST", o.Warmup, o.Concurrency, i => PostAsync(server.PublicHttp, service, i)), null, timed: false);
                failed += Report(await LoadRun.RunAsync(storage, "warm-up, GET /health", o.Warmup, o.Concurrency, _ => HealthAsync(server.PublicHttp)), null, timed: false);
            }
            var before = postgresCpu?.Seconds();
            var reports = await LoadRun.RunAsync(storage, "Open311 POST requests", o.Cases, o.Concurrency, i => PostAsync(server.PublicHttp, service, o.Warmup + i));
            failed += Report(reports, postgresCpu is null ? null : (postgresCpu.Seconds() - before!.Value) / reports.Elapsed.TotalSeconds, timed: true);
            before = postgresCpu?.Seconds();
            var health = await LoadRun.RunAsync(storage, "GET /health (ceiling)", o.Cases, o.Concurrency, _ => HealthAsync(server.PublicHttp));
            failed += Report(health, postgresCpu is null ? null : (postgresCpu.Seconds() - before!.Value) / health.Elapsed.TotalSeconds, timed: true);

            failed += await VerifyAsync(storage, server, db, [.. acknowledged.OfType<string>()]);
            Console.WriteLine($"[{storage}] stopping the server");
            return failed;

            async Task<string?> PostAsync(HttpClient http, string code, int i)
            {
                using var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["api_key"] = ApiKey,
                    ["service_code"] = code,
                    ["lat"] = ys[i].ToString("R", CultureInfo.InvariantCulture),
                    ["long"] = xs[i].ToString("R", CultureInfo.InvariantCulture),
                    ["description"] = "benchmark report",
                });
                using var response = await http.PostAsync("/open311/v2/requests.json", form);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                    return $"HTTP {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] : body)}";
                using var json = JsonDocument.Parse(body);
                var request = json.RootElement.ValueKind == JsonValueKind.Array && json.RootElement.GetArrayLength() > 0 ? json.RootElement[0] : json.RootElement;
                if (!request.TryGetProperty("service_request_id", out var id) || id.ValueKind != JsonValueKind.String)
                    return $"HTTP {(int)response.StatusCode} without a service_request_id: {(body.Length > 200 ? body[..200] : body)}";
                acknowledged[i] = id.GetString();
                return null;
            }
        }

        int Report(LoadRun run, double? postgresCores, bool timed)
        {
            if (timed) rows.Add(new Row(run, postgresCores));
            var (p50, p99, max) = run.LatencyMs();
            Console.WriteLine($"[{run.Storage}] {run.Interface}: {run.Count:N0} in {run.Elapsed.TotalSeconds:0.0} s, {run.PerSecond:N0}/s, "
                + $"p50 {p50:0.00} ms, p99 {p99:0.00} ms, max {max:0.0} ms, {run.Failures:N0} failed; CPU: {run.Cpu}"
                + (postgresCores is { } cores ? string.Create(CultureInfo.InvariantCulture, $"; of which PostgreSQL {cores:0.00} cores") : ""));
            foreach (var failure in run.FirstFailures) Console.WriteLine($"  FAILED {failure}");
            return run.Failures;
        }
    }

    /// <summary>The first service that asks no attributes: a report of it needs nothing beyond the standard fields.</summary>
    private static async Task<string> ServiceCodeAsync(HttpClient http)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync("/open311/v2/services.json"));
        foreach (var service in json.RootElement.EnumerateArray())
        {
            if (service.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.False)
                return service.GetProperty("service_code").GetString()!;
        }
        throw new InvalidOperationException("services.json lists no service without attributes");
    }

    private static async Task<string?> HealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health");
        return response.StatusCode == HttpStatusCode.OK ? null : $"HTTP {(int)response.StatusCode}";
    }

    /// <summary>
    /// Every acknowledged report's case: Dispatched to an officer, asked of its grain; with PostgreSQL, also its grain
    /// state and its projection row in the database (the projection may lag the answers a little).
    /// </summary>
    private static async Task<int> VerifyAsync(string storage, BenchServer server, CaseDatabase? db, IReadOnlyList<string> ids)
    {
        var failures = 0;
        if (db is null)
        {
            var check = await LoadRun.RunAsync(storage, "check", ids.Count, 32, i => server.CheckDispatchedAsync(ids[i]));
            failures = check.Failures;
            Console.WriteLine($"[{storage}] check: {ids.Count - failures:N0} of {ids.Count:N0} acknowledged reports' cases are Dispatched to an officer");
            foreach (var failure in check.FirstFailures) Console.WriteLine($"  FAILED {failure}");
            return failures;
        }
        var waited = Stopwatch.GetTimestamp();
        (int Stored, int Dispatched, int Noticed) counts;
        do
        {
            counts = await db.CountCasesAsync(ids);
            if (counts.Stored == ids.Count && counts.Dispatched == ids.Count && counts.Noticed == ids.Count) break;
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        while (Stopwatch.GetElapsedTime(waited) < ProjectionGrace);
        var ok = counts.Stored == ids.Count && counts.Dispatched == ids.Count && counts.Noticed == ids.Count;
        Console.WriteLine($"[{storage}] durability ({Stopwatch.GetElapsedTime(waited).TotalSeconds:0.0} s after the last answer): of {ids.Count:N0} acknowledged reports, "
            + $"{counts.Stored:N0} have their case in gridserver.cases, {counts.Dispatched:N0} Dispatched to an officer with a deadline wake time, "
            + $"{counts.Noticed:N0} their dispatch notice in the officer's inbox (gridserver.notices): "
            + (ok ? "every report durable, dispatched and noticed" : "MISSING ROWS"));
        return ok ? 0 : ids.Count - Math.Min(counts.Stored, Math.Min(counts.Dispatched, counts.Noticed));
    }

    private static void Print(CaseBenchOptions o, List<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"RESULTS ({o.Concurrency} HTTP clients on loopback, each with one request in flight; latency from the request to the answer, ms)");
        Console.WriteLine($"{"storage",-11} {"run",-22} {"requests",9} {"per s",9} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"failed",7} {"pg cores",9}");
        foreach (var (run, cores) in rows)
        {
            var (p50, p99, max) = run.LatencyMs();
            var pg = cores is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine($"{run.Storage,-11} {run.Interface,-22} {run.Count,9:N0} {run.PerSecond,9:N0} {p50,8:0.00} {p99,8:0.00} {max,8:0.0} {run.Failures,7:N0} {pg,9}");
        }
        Console.WriteLine();
        LoadRun? Find(string storage, string prefix) => rows.Select(r => r.Run).FirstOrDefault(r => r.Storage == storage && r.Interface.StartsWith(prefix, StringComparison.Ordinal));
        var (memory, postgres) = (Find("in-memory", "Open311"), Find("PostgreSQL", "Open311"));
        if (memory is not null && postgres is not null)
        {
            Console.WriteLine($"ratio PostgreSQL / in-memory, Open311 reports: per second {postgres.PerSecond / memory.PerSecond:0.000} "
                + $"(in memory takes {memory.PerSecond / postgres.PerSecond:0.0}x as many); p99 latency {postgres.LatencyMs().P99 / memory.LatencyMs().P99:0.0}x");
        }
        foreach (var storage in new[] { "in-memory", "PostgreSQL" })
        {
            if (Find(storage, "Open311") is { } reports && Find(storage, "GET /health") is { } health)
                Console.WriteLine($"ratio Open311 / GET /health, {storage}: per second {reports.PerSecond / health.PerSecond:0.000} (the HTTP stack alone answers {health.PerSecond / reports.PerSecond:0.0}x as many)");
        }
    }
}
