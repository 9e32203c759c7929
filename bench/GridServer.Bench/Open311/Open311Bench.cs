using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GridServer.Bench.Cases;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;
using GridServer.Silo.Open311;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Bench.Open311;

/// <summary>
/// Open311 reports per second: the real server hosted in this process (as the <c>cases</c> mode hosts it), with an
/// api key, taking <c>POST /open311/v2/requests.json</c> form posts from concurrent clients on loopback; in one run with
/// the embedded in-memory storage, durable in PostgreSQL at its durable defaults, and in a PostgreSQL with fsync off.
/// Beside each, <c>GET /health</c> at the same concurrency: what the HTTP stack alone answers, the ceiling of any
/// endpoint, and its CPU per request. Every acknowledged report is then checked: its case exists, Dispatched with its
/// deadline wake time and its notice in the officer's inbox.
/// </summary>
internal static class Open311Bench
{
    /// <summary>The channel's key (the server wants at least 16 characters).</summary>
    private const string ApiKey = "bench-open311-channel-key-0001";

    /// <summary>How long the durable rows may lag the answers before the check gives up (they never should: a step is durable before its answer).</summary>
    private static readonly TimeSpan ProjectionGrace = TimeSpan.FromSeconds(10);

    /// <summary>Cases of the warm-up taken through the closed loop before the timed cases.</summary>
    private const int ClosedLoopWarmup = 2_000;

    /// <summary>Reports per block of the process warm-up; the JIT's rate is judged after each.</summary>
    private const int WarmupBlock = 5_000;

    /// <summary>Methods compiled a second below which the process warm-up calls the JIT settled.</summary>
    private const double SettledJitRate = 50;

    private const string Usage = $$"""
        GridServer.Bench open311: Open311 GeoReport v2 reports accepted per second by the real server (SiloHost.Build,
        hosted in this process on free loopback ports) from concurrent HTTP clients, with the latency from the post
        to the answer; in one run: in memory, PostgreSQL at its durable defaults (--postgres) and PostgreSQL with fsync
        off (--postgres-fast), with the ratios between them. GET /health at the same concurrency is measured beside each
        as the HTTP stack's ceiling. Every answer must be 201 with a service_request_id; afterwards every acknowledged
        report's case must be Dispatched to an officer with its deadline wake time and its notice in the officer's inbox
        (with PostgreSQL: counted in gridserver.cases and gridserver.notices). Per report, for each storage: CPU of this
        process (server and clients), CPU of PostgreSQL, committed transactions, statements (pg_stat_statements), WAL,
        rows written per table, and the case store's group commit.

        Usage: dotnet run -c Release --project bench/GridServer.Bench -- open311 [options]

          --reports N        reports per timed run (default 20000); as many GET /health in the ceiling run
          --concurrency N    HTTP clients, each with one request in flight (default 32)
          --warmup N         reports (and as many /health) before timing on each server (default 10000: nearly
                             every grid has had its first dispatch, which costs more, as in a silo that has been
                             serving; measured in memory: 3,227 reports/s after 2,000, 4,507/s after 10,000)
        {{CaseBenchOptions.SharedUsage}}
          --postgres-fast CONNSTR
                             a second FRESH database on a server with fsync off (scripts/postgis.sh start --fast),
                             measured beside the durable one (default: ${{CaseBenchOptions.PostgresFastVariable}})
          --process-warmup N at most this many reports to a throw-away in-memory server before any storage is
                             measured, in blocks of 5,000 until the JIT compiles fewer than 50 methods a second
                             (default 200000; 0: none). A fresh process JITs for about a minute under load (tiering
                             and PGO: 400 methods a second, most of a core on 2 cores): measured on a quiet machine,
                             in memory cost 1.7 ms of CPU per report after 2,000 reports and 0.43 ms after 50,000.
          --memory-last      measure in memory after the databases, not first (with --process-warmup 0 this shows
                             what the order costs)
          --closed-loop N    then take N of the timed run's cases (default 10000; 0: none) through the rest of the
                             closed loop: accept, start handling, final feedback, start verification, pass, close;
                             each step as POST /api/cases/{id}/actions makes it (the case read for the caller's scope,
                             then the action), timed per step, with its cost; every case must end Closed.
                             Before them, up to 2,000 of the warm-up's cases go through the loop untimed

        The --postgres database must run at PostgreSQL's durable defaults (SHOW fsync, synchronous_commit and
        full_page_writes all 'on'); the benchmark refuses to call another durable (exit code 3). Both databases are
        read and printed before anything is measured. pg_stat_statements is used when the server loads it
        (scripts/postgis.sh does); without it statements per report are left out, with a note.

        The server gets an Open311 api key and GridServer:Open311:RateLimit:PermitsPerMinute=10000000 and Burst=100000
        (the per-key limit must not throttle the benchmark), and, as in the cases mode, an hour to accept a case. Run with
        DOTNET_gcServer=1 to measure the server as deployed. The databases are left with the benchmark's data in them.

        Exit code: 0 every report acknowledged, dispatched and (with PostgreSQL) durable; 1 some were not;
        2 bad arguments; 3 a database is not usable (or not durable where it must be).
        """;

    public static int Run(IReadOnlyList<string> args) => CaseBench.Run("open311", args, Usage, RunAsync);

    /// <summary>A storage's timed report run, its /health ceiling run, where the reports' time went, and PostgreSQL's cores over each.</summary>
    private sealed record Measured(BenchStorage Storage, LoadRun Reports, LoadRun Health, RunCost Cost, double? PostgresCoresReports, double? PostgresCoresHealth)
    {
        /// <summary>The closed loop after the reports (--closed-loop), or null.</summary>
        public ClosedLoop.Result? Steps { get; set; }
    }

    private static async Task<int> RunAsync(CaseBenchOptions o)
    {
        Program.PrintMachine("GridServer.Bench open311: Open311 reports accepted per second, in memory, PostgreSQL durable and PostgreSQL fast");
        if (!System.Runtime.GCSettings.IsServerGC)
            Console.WriteLine("note:     workstation GC; the server executable runs with server GC (DOTNET_gcServer=1 measures it so)");
        var storages = await BenchStorage.OpenAsync(o.Postgres, o.PostgresFast, memoryLast: o.MemoryLast);
        try
        {
            return await RunAsync(o, storages);
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    private static async Task<int> RunAsync(CaseBenchOptions o, IReadOnlyList<BenchStorage> storages)
    {
        var (file, grids, codes) = CaseBench.SampleGrids();
        var (xs, ys, extent) = CaseBench.ReportPoints(grids, o.Warmup + o.Cases, o.Seed);
        Console.WriteLine($"grids:    {grids.Count:N0} from {Path.GetFileName(file)}; staffed with {o.Squads} squads and {o.Officers} officers on all-week rosters");
        Console.WriteLine($"reports:  form posts (api_key, service_code, lat, long, description) at random points in the grids (lon {extent.MinX:0.####}..{extent.MaxX:0.####}, "
            + $"lat {extent.MinY:0.####}..{extent.MaxY:0.####}; seed {o.Seed}), the same points on every server");
        Console.WriteLine($"runs:     per server: warm-up {o.Warmup:N0} reports and {o.Warmup:N0} GET /health, then {o.Cases:N0} of each timed, {o.Concurrency} clients; "
            + $"storages: {string.Join(", ", storages.Select(s => s.Label))}"
            + (o.ProcessWarmup > 0 ? $"; before them up to {o.ProcessWarmup:N0} reports to a throw-away in-memory server, until the JIT settles" : "; no process warm-up"));
        if (storages.Count == 1)
            Console.WriteLine($"PostgreSQL: SKIPPED: no --postgres (or {BenchOptions.PostgresVariable}) and no --postgres-fast; only in memory is measured.");
        else if (storages.All(s => s.Label != BenchStorage.DurableLabel))
            Console.WriteLine("PostgreSQL durable: SKIPPED: no --postgres; the durable row is missing.");

        // Each point's form, encoded once per service code: the clients share the server's process and garbage collector,
        // so what they allocate per request would be paid in the server's pauses.
        var forms = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]?[]>(StringComparer.Ordinal);
        byte[] FormOf(string code, int i) => forms.GetOrAdd(code, _ => new byte[xs.Length][])[i] ??= Encoding.ASCII.GetBytes(
            $"api_key={Uri.EscapeDataString(ApiKey)}&service_code={Uri.EscapeDataString(code)}"
            + string.Create(CultureInfo.InvariantCulture, $"&lat={ys[i]:R}&long={xs[i]:R}&description=benchmark+report"));
        var formType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");

        var measured = new List<Measured>();
        var failures = 0;
        if (o.ProcessWarmup > 0) failures += await WarmProcessAsync();
        foreach (var storage in storages)
        {
            if (storage.Database is { } db) await db.LoadGridsAsync(grids);
            failures += await MeasureAsync(storage);
        }

        Print(o, measured);
        Console.WriteLine($"load average at the end: {Program.LoadAverage()}");
        if (failures > 0)
        {
            Console.WriteLine($"FAILED: {failures:N0} report(s) not acknowledged, not dispatched or not durable (see above).");
            return 1;
        }
        return 0;

        Task<BenchServer> StartServerAsync(string? connectionString) => BenchServer.StartAsync(connectionString,
        [
            $"{Open311Options.Section}:ApiKeys:0={ApiKey}",
            // Per-key rate limiting (this setting's name) must not throttle the benchmark's one key.
            $"{Open311Options.Section}:RateLimit:PermitsPerMinute=10000000",
            // A burst this large takes the cluster's bucket in blocks of 12,500 reports: one grain call per block.
            $"{Open311Options.Section}:RateLimit:Burst=100000",
        ]);

        async Task<string?> PostAsync(HttpClient http, string code, int i, string?[]? acknowledged)
        {
            using var form = new ByteArrayContent(FormOf(code, i));
            form.Headers.ContentType = formType;
            using var response = await http.PostAsync("/open311/v2/requests.json", form);
            var body = await response.Content.ReadAsByteArrayAsync();
            string Text() => Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                return $"HTTP {(int)response.StatusCode}: {Text()}";
            using var json = JsonDocument.Parse(body);
            var request = json.RootElement.ValueKind == JsonValueKind.Array && json.RootElement.GetArrayLength() > 0 ? json.RootElement[0] : json.RootElement;
            if (!request.TryGetProperty("service_request_id", out var id) || id.ValueKind != JsonValueKind.String)
                return $"HTTP {(int)response.StatusCode} without a service_request_id: {Text()}";
            if (acknowledged is not null) acknowledged[i] = id.GetString();
            return null;
        }

        async Task<int> WarmProcessAsync()
        {
            // Blocks of reports until the JIT has settled: fewer than SettledJitRate methods compiled a second over a
            // block (tiering and PGO compile thousands of methods, and on a busy 2-core machine that takes a minute),
            // or until --process-warmup reports were sent.
            await using var server = await StartServerAsync(null);
            await server.StaffAsync(codes, o.Squads, o.Officers, o.Concurrency);
            var service = await ServiceCodeAsync(server.PublicHttp);
            var failed = 0;
            var sent = 0;
            var started = Stopwatch.GetTimestamp();
            double jitRate;
            do
            {
                var block = Math.Min(WarmupBlock, o.ProcessWarmup - sent);
                var methods = System.Runtime.JitInfo.GetCompiledMethodCount();
                var offset = sent;
                var run = await LoadRun.RunAsync("process warm-up", $"Open311 POST {sent + 1:N0}-{sent + block:N0}, throw-away in-memory server", block, o.Concurrency,
                    i => PostAsync(server.PublicHttp, service, (offset + i) % xs.Length, null));
                sent += block;
                jitRate = (System.Runtime.JitInfo.GetCompiledMethodCount() - methods) / run.Elapsed.TotalSeconds;
                failed += Report(run, null);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[process warm-up]   JIT: {jitRate:N0} methods compiled a second over the block"));
            }
            while (jitRate >= SettledJitRate && sent < o.ProcessWarmup);
            var settled = jitRate < SettledJitRate ? "the JIT has settled" : "the JIT has NOT settled (raise --process-warmup)";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[process warm-up] {sent:N0} reports in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s; {settled}; stopping the throw-away server"));
            return failed;
        }

        async Task<int> MeasureAsync(BenchStorage storage)
        {
            var label = storage.Label;
            var db = storage.Database;
            var started = Stopwatch.GetTimestamp();
            await using var server = await StartServerAsync(storage.ConnectionString);
            Console.WriteLine($"[{label}] server started in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s, serving {server.Catalog.Count:N0} grids; load average {Program.LoadAverage()}");
            if (server.Catalog.Count != grids.Count)
                throw new InvalidOperationException($"the {label} server serves {server.Catalog.Count} grids, not the sample's {grids.Count}");
            await server.StaffAsync(codes, o.Squads, o.Officers, o.Concurrency);
            var service = await ServiceCodeAsync(server.PublicHttp);
            Console.WriteLine($"[{label}] staffed; reporting service_code '{service}' (the first in services.json that asks no attributes)");
            var postgresCpu = db is not null && await db.ServerProcessIdAsync() is { } pid ? new PostgresCpu(pid) : null;

            var heapBefore = BenchServer.HeapKeptMiB();
            var acknowledged = new string?[o.Warmup + o.Cases];
            var failed = 0;
            if (o.Warmup > 0)
            {
                failed += Report(await LoadRun.RunAsync(label, "warm-up, Open311 POST", o.Warmup, o.Concurrency, i => PostAsync(server.PublicHttp, service, i, acknowledged)), null);
                failed += Report(await LoadRun.RunAsync(label, "warm-up, GET /health", o.Warmup, o.Concurrency, _ => HealthAsync(server.PublicHttp)), null);
            }
            var probe = await CostProbe.BeforeAsync(server, storage, postgresCpu);
            var before = postgresCpu?.Seconds();
            var reports = await LoadRun.RunAsync(label, "Open311 POST requests", o.Cases, o.Concurrency, i => PostAsync(server.PublicHttp, service, o.Warmup + i, acknowledged));
            var reportCores = postgresCpu is null ? (double?)null : (postgresCpu.Seconds() - before!.Value) / reports.Elapsed.TotalSeconds;
            failed += Report(reports, reportCores);
            var cost = await probe.AfterAsync(reports, o.Cases);
            foreach (var line in cost.Describe("per report")) Console.WriteLine(line);

            before = postgresCpu?.Seconds();
            var health = await LoadRun.RunAsync(label, "GET /health (ceiling)", o.Cases, o.Concurrency, _ => HealthAsync(server.PublicHttp));
            var healthCores = postgresCpu is null ? (double?)null : (postgresCpu.Seconds() - before!.Value) / health.Elapsed.TotalSeconds;
            failed += Report(health, healthCores);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{label}] per GET /health: bench process CPU {health.OwnCpuSeconds * 1000 / health.Count:0.000} ms (the HTTP client and server's share of any request)"));
            var m = new Measured(storage, reports, health, cost, reportCores, healthCores);
            measured.Add(m);

            failed += await VerifyAsync(label, server, db, [.. acknowledged.OfType<string>()]);
            Console.WriteLine($"[{label}] {await server.MemoryKeptAsync(heapBefore, acknowledged.Count(id => id is not null))}");
            if (o.ClosedLoop > 0)
            {
                // First some of the warm-up's cases (no step but the report has run in this process yet), then the timed
                // run's cases, in the order they were reported, on through the loop.
                var warmIds = acknowledged.Take(o.Warmup).OfType<string>().Take(Math.Min(o.ClosedLoop, ClosedLoopWarmup)).ToList();
                if (warmIds.Count > 0) failed += Report((await ClosedLoop.RunAsync(label, server, storage, postgresCpu, warmIds, o.Concurrency, warmup: true)).Run, null);
                var loopIds = acknowledged.Skip(o.Warmup).OfType<string>().Take(o.ClosedLoop).ToList();
                var loop = m.Steps = await ClosedLoop.RunAsync(label, server, storage, postgresCpu, loopIds, o.Concurrency);
                failed += Report(loop.Run, loop.PostgresCores);
                foreach (var line in loop.Cost!.Describe("per step")) Console.WriteLine(line);
                var ok = loop.Closed == loop.Cases && loop.Cases == loopIds.Count;
                Console.WriteLine($"[{label}] closed-loop check: {loop.Check}: {(ok ? "every case closed" : "MISMATCH")}");
                if (!ok) failed += Math.Max(1, loopIds.Count - loop.Closed);
            }
            Console.WriteLine($"[{label}] stopping the server");
            return failed;
        }

        static int Report(LoadRun run, double? postgresCores)
        {
            var (p50, p99, max) = run.LatencyMs();
            Console.WriteLine($"[{run.Storage}] {run.Interface}: {run.Count:N0} in {run.Elapsed.TotalSeconds:0.0} s, {run.PerSecond:N0}/s, "
                + $"p50 {p50:0.00} ms, p95 {run.PercentileMs(0.95):0.00} ms, p99 {p99:0.00} ms, max {max:0.0} ms, {run.Failures:N0} failed; CPU: {run.Cpu}"
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
    /// Every acknowledged report's case, counted in the store the server wrote: its row (the row search and statistics
    /// read), Dispatched to an officer with its deadline wake time or queued for the command center, its timeline, and the
    /// dispatch notice in the officer's inbox. With PostgreSQL the rows are counted in the database; in memory the
    /// server's own stores are asked (the case store, its deadline clock's wake times, the officers' inboxes).
    /// </summary>
    private static async Task<int> VerifyAsync(string storage, BenchServer server, CaseDatabase? db, IReadOnlyList<string> ids)
    {
        var waited = Stopwatch.GetTimestamp();
        CaseOutcomes outcomes;
        if (db is null) outcomes = await InMemoryOutcomesAsync(server, ids);
        else
        {
            // A step is durable before its answer, so the rows should all be there at once; the grace only makes a lag visible.
            do
            {
                outcomes = await db.OutcomesAsync(ids);
                if (outcomes.Complete(ids.Count)) break;
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
            while (Stopwatch.GetElapsedTime(waited) < ProjectionGrace);
        }
        var ok = outcomes.Complete(ids.Count);
        Console.WriteLine($"[{storage}] check ({Stopwatch.GetElapsedTime(waited).TotalSeconds:0.0} s after the last answer, "
            + $"{(db is null ? "the in-memory stores" : "rows in gridserver.cases, case_events, notices")}): {outcomes.Describe(ids.Count)}: "
            + (ok ? "every report complete" : "MISMATCH"));
        return ok ? 0 : (int)Math.Max(1, ids.Count - Math.Min(outcomes.Stored, outcomes.Noticed + outcomes.Queued));
    }

    /// <summary>The same counts as <see cref="CaseDatabase.OutcomesAsync"/>, from the in-memory server's stores.</summary>
    private static async Task<CaseOutcomes> InMemoryOutcomesAsync(BenchServer server, IReadOnlyList<string> ids)
    {
        var store = (InMemoryCaseStore)server.Services.GetRequiredService<ICaseStore>();
        // Every wake time within a day: an accept deadline is an hour away in the benchmark, its warning before that.
        var horizon = DateTimeOffset.UtcNow.AddDays(1);
        var waking = new HashSet<string>(StringComparer.Ordinal);
        for (var shard = 0; shard < CaseShards.Count; shard++) waking.UnionWith(await store.DueAsync(shard, horizon, int.MaxValue));
        long stored = 0, dispatched = 0, queued = 0, withEvents = 0, events = 0;
        var officers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if ((await store.LoadAsync(id)).Record is not { } record) continue;
            stored++;
            var timeline = record.File.Timeline.Count;
            if (timeline > 0) withEvents++;
            events += timeline;
            if (record.Queued) queued++;
            else if (record.State == CaseState.Dispatched && record.Holder.OfficerId is { } officer && waking.Contains(id))
            {
                dispatched++;
                officers.Add(officer);
            }
        }
        var wanted = new HashSet<string>(ids, StringComparer.Ordinal);
        var noticed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var officer in officers)
        {
            var page = await store.Notices.PageAsync($"officer:{officer}", 0, INoticeStore.MaxKept);
            foreach (var notice in page.Notices.Where(n => n.Kind == "dispatch" && n.CaseIds.Length > 0 && wanted.Contains(n.CaseIds[0])))
                noticed.Add(notice.CaseIds[0]);
        }
        return new CaseOutcomes(stored, dispatched, queued, noticed.Count, withEvents, events);
    }

    private static void Print(CaseBenchOptions o, List<Measured> measured)
    {
        Console.WriteLine();
        Console.WriteLine($"RESULTS ({o.Concurrency} HTTP clients on loopback, each with one request in flight; latency from the request to the answer, ms)");
        Console.WriteLine($"{"storage",-11} {"run",-22} {"requests",9} {"per s",9} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"max ms",8} {"failed",7} {"pg cores",9}");
        foreach (var m in measured)
        {
            foreach (var (run, cores) in new[] { (m.Reports, m.PostgresCoresReports), (m.Health, m.PostgresCoresHealth), (m.Steps?.Run, m.Steps?.PostgresCores) })
            {
                if (run is null) continue;
                var (p50, p99, max) = run.LatencyMs();
                var pg = cores is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "-";
                Console.WriteLine($"{run.Storage,-11} {run.Interface,-22} {run.Count,9:N0} {run.PerSecond,9:N0} {p50,8:0.00} {run.PercentileMs(0.95),8:0.00} {p99,8:0.00} {max,8:0.0} {run.Failures,7:N0} {pg,9}");
            }
        }
        Console.WriteLine();
        Measured? Of(string label) => measured.FirstOrDefault(m => m.Storage.Label == label);
        foreach (var (a, b) in new[] { (BenchStorage.DurableLabel, BenchStorage.InMemoryLabel), (BenchStorage.FastLabel, BenchStorage.InMemoryLabel), (BenchStorage.DurableLabel, BenchStorage.FastLabel) })
        {
            if (Of(a) is not { } x || Of(b) is not { } y) continue;
            Console.WriteLine($"ratio {a} / {b}, Open311 reports: per second {x.Reports.PerSecond / y.Reports.PerSecond:0.000} "
                + $"({b} takes {y.Reports.PerSecond / x.Reports.PerSecond:0.0}x as many); p99 latency {x.Reports.LatencyMs().P99 / y.Reports.LatencyMs().P99:0.0}x");
        }
        foreach (var (a, b) in new[] { (BenchStorage.DurableLabel, BenchStorage.InMemoryLabel), (BenchStorage.FastLabel, BenchStorage.InMemoryLabel), (BenchStorage.DurableLabel, BenchStorage.FastLabel) })
        {
            if (Of(a)?.Steps is not { } x || Of(b)?.Steps is not { } y) continue;
            Console.WriteLine($"ratio {a} / {b}, closed-loop steps: per second {x.Run.PerSecond / y.Run.PerSecond:0.000}; p99 latency {x.Run.LatencyMs().P99 / y.Run.LatencyMs().P99:0.0}x");
        }
        foreach (var m in measured.Where(m => m.Steps is not null))
        {
            Console.WriteLine($"ratio closed-loop step / Open311 report, {m.Storage.Label}: per second {m.Steps!.Run.PerSecond / m.Reports.PerSecond:0.000}; "
                + $"bench CPU {m.Steps.Cost!.ProcessCpuMs / m.Cost.ProcessCpuMs:0.00}x"
                + (m.Steps.Cost.PostgresCpuMs is { } sp && m.Cost.PostgresCpuMs is { } rp ? string.Create(CultureInfo.InvariantCulture, $"; PostgreSQL CPU {sp / rp:0.00}x") : ""));
        }
        foreach (var m in measured)
        {
            Console.WriteLine($"ratio Open311 / GET /health, {m.Storage.Label}: per second {m.Reports.PerSecond / m.Health.PerSecond:0.000} "
                + $"(the HTTP stack alone answers {m.Health.PerSecond / m.Reports.PerSecond:0.0}x as many)");
        }

        Console.WriteLine();
        Console.WriteLine("WHERE THE TIME GOES, per report of the timed run (bench CPU: this process, the server and its HTTP clients; /health CPU: per "
            + "GET /health of the ceiling run, about the clients' and HTTP's share of a request; server = bench - /health)");
        Console.WriteLine($"{"storage",-15} {"bench CPU ms",12} {"/health ms",10} {"server ms",9} {"pg CPU ms",9} {"commits",8} {"statements",10} {"stmt ms",8} {"WAL kB",7} {"WAL fsyncs",10} {"steps/batch",11}");
        foreach (var m in measured)
        {
            var health = m.Health.OwnCpuSeconds * 1000 / m.Health.Count;
            Row(m.Storage.Label, m.Cost, health);
            // A step is a grain call, not an HTTP request: its server share is the whole of the bench process's CPU.
            if (m.Steps?.Cost is { } step) Row(m.Storage.Label + " step", step, 0);
        }

        void Row(string label, RunCost c, double health) =>
            Console.WriteLine($"{label,-15} {c.ProcessCpuMs,12:0.000} {health,10:0.000} {c.ProcessCpuMs - health,9:0.000} {N(c.PostgresCpuMs, "0.000"),9} "
                + $"{N(c.Commits, "0.00"),8} {N(c.StatementsPer, "0.00"),10} {N(c.StatementMs, "0.000"),8} {N(c.WalKilobytes, "0.0"),7} {N(c.WalSyncs, "0.000"),10} "
                + $"{N(c.CaseWrites?.PerBatch, "0.0"),11}");
        foreach (var m in measured.Where(m => m.Storage.Settings is not null))
            Console.WriteLine($"{m.Storage.Label}: {m.Storage.Settings}");
    }

    private static string N(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
