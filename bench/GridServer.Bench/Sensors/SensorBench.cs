using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using GridServer.Bench.Cases;
using GridServer.Domain.Cases;
using GridServer.Silo.Hosting;
using GridServer.Silo.Open311;
using GridServer.Silo.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GridServer.Bench.Sensors;

/// <summary>
/// Sensor readings per second: the real server hosted in this process with the parking and dust duty modules loaded,
/// the city's bays and sites imported as reference data over HTTP, and gateways posting batches of readings to
/// <c>POST /api/sensors/readings</c> with a Sensor credential; in one run in memory, durable in PostgreSQL and in a
/// PostgreSQL with fsync off. What the answers say (taken, unwatched, cases opened, notes) is summed, every case a
/// batch opened is checked afterwards, and where the time goes is measured per 1,000 readings.
/// </summary>
internal static class SensorBench
{
    /// <summary>The duty modules' folders in the server's plugins directory: a subject's key starts with its folder.</summary>
    private static readonly (string Project, string Folder)[] Modules =
        [("GridServer.Plugins.Parking", "parking"), ("GridServer.Plugins.Dust", "dust")];

    private const int PerThousand = 1_000;

    public static int Run(IReadOnlyList<string> args)
    {
        if (!SensorBenchOptions.TryParse(args, out var options, out var error, out var help))
        {
            Console.Error.WriteLine($"GridServer.Bench sensors: {error}");
            return 2;
        }
        if (help)
        {
            Console.WriteLine(SensorBenchOptions.Usage);
            return 0;
        }
        try
        {
            return RunAsync(options).GetAwaiter().GetResult();
        }
        catch (DatabaseRefusedException e)
        {
            Console.Error.WriteLine($"GridServer.Bench sensors: refusing the database: {e.Message}");
            return 3;
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"GridServer.Bench sensors: the database failed: {e.Message}");
            return 3;
        }
    }

    /// <summary>What the answers of a run's batches said, summed.</summary>
    private sealed class Tally
    {
        public long Readings, Taken, Duplicates, Stale, Unwatched, Subjects, Notes, NotEvaluated;
        public readonly ConcurrentBag<string> CasesOpened = [];

        public void Add(JsonElement answer)
        {
            Interlocked.Add(ref Readings, answer.GetProperty("readings").GetInt64());
            Interlocked.Add(ref Taken, answer.GetProperty("taken").GetInt64());
            Interlocked.Add(ref Duplicates, answer.GetProperty("duplicates").GetInt64());
            Interlocked.Add(ref Stale, answer.GetProperty("stale").GetInt64());
            Interlocked.Add(ref Unwatched, answer.GetProperty("unwatched").GetInt64());
            Interlocked.Add(ref Subjects, answer.GetProperty("subjects").GetInt64());
            Interlocked.Add(ref Notes, answer.GetProperty("notesAdded").GetInt64());
            Interlocked.Add(ref NotEvaluated, answer.GetProperty("notEvaluated").GetArrayLength());
            foreach (var id in answer.GetProperty("casesOpened").EnumerateArray()) CasesOpened.Add(id.GetString()!);
        }
    }

    private sealed record Measured(BenchStorage Storage, LoadRun Batches, Tally Tally, RunCost Cost, double? PostgresCores, string? StateSizes);

    private static async Task<int> RunAsync(SensorBenchOptions o)
    {
        Program.PrintMachine("GridServer.Bench sensors: sensor readings taken per second, in memory, PostgreSQL durable and PostgreSQL fast");
        if (!System.Runtime.GCSettings.IsServerGC)
            Console.WriteLine("note:     workstation GC; the server executable runs with server GC (DOTNET_gcServer=1 measures it so)");
        var storages = await BenchStorage.OpenAsync(o.Postgres, o.PostgresFast);
        var plugins = Directory.CreateTempSubdirectory("gridserver-bench-plugins-").FullName;
        try
        {
            foreach (var (project, folder) in Modules) CopyModule(project, Path.Combine(plugins, folder));
            return await RunAsync(o, storages, plugins);
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
            Directory.Delete(plugins, recursive: true);
        }
    }

    private static async Task<int> RunAsync(SensorBenchOptions o, IReadOnlyList<BenchStorage> storages, string plugins)
    {
        var (file, grids, codes) = CaseBench.SampleGrids();
        var started = Stopwatch.GetTimestamp();
        var city = SensorCity.Create(grids, o);
        var perGateway = city.BatchesPerGateway(o);
        var readingsPerRound = city.SensorCount;
        Console.WriteLine($"city:     {o.Bays:N0} parking bays ({city.NoParkingBays:N0} no-parking bays, limit {o.NoParkingMinutes} min; the others' readings concern no module), "
            + $"{o.Monitors:N0} dust monitors at {city.Sites:N0} construction sites ({city.DustyAtStart} dusty from the start, {city.Cleaned} of them cleaned up "
            + $"a third into the timed rounds, {city.DustyLater} more dusty from half-way through them); at random points in the {grids.Count:N0} grids of {Path.GetFileName(file)} "
            + $"(seed {o.Seed}); made in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        Console.WriteLine($"readings: per round one from every sensor ({readingsPerRound:N0}), {o.RoundStep.TotalSeconds:0} s apart on the sensors' clocks; "
            + $"{o.Gateways} gateways each sending {perGateway} batches a round (about {readingsPerRound / (o.Gateways * perGateway):N0} readings each), one in flight per gateway");
        Console.WriteLine($"runs:     per server: warm-up {o.WarmupRounds} rounds ({o.WarmupRounds * readingsPerRound:N0} readings), then {o.Rounds} timed rounds "
            + $"({o.Rounds * readingsPerRound:N0} readings); storages: {string.Join(", ", storages.Select(s => s.Label))}");

        var measured = new List<Measured>();
        var failures = 0;
        foreach (var storage in storages)
        {
            if (storage.Database is { } db) await db.LoadGridsAsync(grids);
            failures += await MeasureAsync(storage);
        }

        Print(o, measured, readingsPerRound);
        Console.WriteLine($"load average at the end: {Program.LoadAverage()}");
        if (failures > 0)
        {
            Console.WriteLine($"FAILED: {failures:N0} batch(es) refused or case(s) not durable or not dispatched (see above).");
            return 1;
        }
        return 0;

        async Task<int> MeasureAsync(BenchStorage storage)
        {
            var label = storage.Label;
            var db = storage.Database;
            var phase = Stopwatch.GetTimestamp();
            await using var server = await BenchServer.StartAsync(storage.ConnectionString,
            [
                $"GridServer:Plugins:Directory={plugins}",
                // The gateway's key has the channels' per-key budget (120 batches a minute): it must not throttle the benchmark.
                $"{Open311Options.Section}:RateLimit:PermitsPerMinute=10000000",
                $"{Open311Options.Section}:RateLimit:Burst=100000",
                // As for every case of the benchmarks: an hour to accept, so no deadline warning falls due during a run
                // (the modules' own limits are 10 minutes; a matter configured in the server keeps the configured one).
                $"{CaseOptions.Section}:Matters:parking:AcceptWithin=01:00:00",
                $"{CaseOptions.Section}:Matters:dust:AcceptWithin=01:00:00",
            ]);
            var registry = server.Services.GetRequiredService<ModuleRegistry>();
            foreach (var (_, folder) in Modules)
            {
                if (!registry.Current.Modules.Any(m => m.Folder == folder && m.State == ModuleState.Loaded))
                {
                    throw new InvalidOperationException($"the {label} server did not load module '{folder}': "
                        + string.Join("; ", registry.Current.Modules.Select(m => $"{m.Folder} {m.State} {m.LastError}")));
                }
            }
            Console.WriteLine($"[{label}] server started in {Stopwatch.GetElapsedTime(phase).TotalSeconds:0.0} s with modules "
                + $"{string.Join(", ", registry.Current.Modules.Select(m => $"{m.Folder} {m.Version}"))}; load average {Program.LoadAverage()}");
            var staffed = Stopwatch.GetTimestamp();
            await server.StaffAsync(codes, o.Squads, o.Officers, 32);
            Console.WriteLine($"[{label}] staffed {codes.Length:N0} grids in {Stopwatch.GetElapsedTime(staffed).TotalSeconds:0.0} s");
            await ImportAsync(server, label, "bays", city.BaysCsv, "text/csv");
            await ImportAsync(server, label, "sites", city.SitesGeoJson, "application/geo+json");
            var postgresCpu = db is not null && await db.ServerProcessIdAsync() is { } pid ? new PostgresCpu(pid) : null;

            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = server.PublicHttp.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchServer.SensorKey);
            // The sensors' clocks start a minute before now and run ahead of it by a round step a round.
            var start = DateTimeOffset.UtcNow.AddMinutes(-1);
            var failed = 0;
            var opened = new List<string>();
            if (o.WarmupRounds > 0)
            {
                var (warmBodies, warmReadings) = city.Batches(o, 0, o.WarmupRounds, start);
                var warm = new Tally();
                var run = await LoadRun.RunLanesAsync(label, "warm-up batches", o.Gateways, o.WarmupRounds * perGateway,
                    (g, k) => PostAsync(http, warmBodies[g][k], warmReadings[g][k], warm));
                failed += Report(run, warm, null);
                opened.AddRange(warm.CasesOpened);
            }
            var (bodies, readings) = city.Batches(o, o.WarmupRounds, o.Rounds, start);
            var tally = new Tally();
            var probe = await CostProbe.BeforeAsync(server, storage, postgresCpu);
            var before = postgresCpu?.Seconds();
            var timed = await LoadRun.RunLanesAsync(label, "batches", o.Gateways, o.Rounds * perGateway,
                (g, k) => PostAsync(http, bodies[g][k], readings[g][k], tally));
            var cores = postgresCpu is null ? (double?)null : (postgresCpu.Seconds() - before!.Value) / timed.Elapsed.TotalSeconds;
            failed += Report(timed, tally, cores);
            var cost = await probe.AfterAsync(timed, (int)tally.Readings, PerThousand);
            foreach (var line in cost.Describe("per 1,000 readings")) Console.WriteLine(line);
            opened.AddRange(tally.CasesOpened);

            failed += await VerifyAsync(label, server, db, opened);
            var sizes = db is null ? null : await StateSizesAsync(db);
            if (sizes is not null) Console.WriteLine($"[{label}] sensor subjects' grain state: {sizes}");
            measured.Add(new Measured(storage, timed, tally, cost, cores, sizes));
            Console.WriteLine($"[{label}] stopping the server");
            return failed;
        }
    }

    /// <summary>Posts one batch; null when it was taken whole (200, every subject evaluated), else what was wrong.</summary>
    private static async Task<string?> PostAsync(HttpClient http, byte[] body, int count, Tally tally)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("/api/sensors/readings", content);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) return $"HTTP {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}";
        using var json = JsonDocument.Parse(text);
        tally.Add(json.RootElement);
        var read = json.RootElement.GetProperty("readings").GetInt32();
        if (read != count) return $"the answer counts {read} readings of {count}";
        var notEvaluated = json.RootElement.GetProperty("notEvaluated");
        return notEvaluated.GetArrayLength() > 0 ? $"not evaluated: {notEvaluated[0].GetString()}" : null;
    }

    private static async Task ImportAsync(BenchServer server, string label, string set, string body, string mediaType)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new StringContent(body, Encoding.UTF8, mediaType);
        using var response = await server.OperatorHttp.PutAsync($"/api/reference/{set}", content);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"the {label} server refused the import of '{set}': HTTP {(int)response.StatusCode} {(text.Length > 600 ? text[..600] : text)}");
        Console.WriteLine($"[{label}] imported reference set '{set}' ({body.Length / 1e6:0.0} MB) through PUT /api/reference/{set} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Every case a batch opened: with PostgreSQL stored in gridserver.cases, Dispatched with its wake time and its notice
    /// in an officer's inbox; in memory, Dispatched as its grain says. Also how many parking and dust cases the store
    /// holds in all (a re-check reminder may open one too, outside any batch).
    /// </summary>
    private static async Task<int> VerifyAsync(string label, BenchServer server, CaseDatabase? db, List<string> ids)
    {
        var search = server.Services.GetRequiredService<ICaseSearch>();
        var counts = new List<string>();
        foreach (var matter in new[] { "parking", "dust" })
        {
            var n = 0;
            for (var page = 0; ; page++)
            {
                var rows = await search.SearchAsync(new CaseQuery(Matter: matter, Limit: CaseQuery.MaxLimit, Offset: page * CaseQuery.MaxLimit));
                n += rows.Count;
                if (rows.Count < CaseQuery.MaxLimit) break;
            }
            counts.Add($"{n:N0} {matter}");
        }
        Console.WriteLine($"[{label}] cases in the store: {string.Join(", ", counts)} ({ids.Count:N0} opened by batches; the rest by re-check reminders)");
        if (db is null)
        {
            var check = await LoadRun.RunAsync(label, "check", ids.Count, 32, i => server.CheckDispatchedAsync(ids[i]));
            Console.WriteLine($"[{label}] check: {ids.Count - check.Failures:N0} of {ids.Count:N0} cases opened by batches are Dispatched to an officer");
            foreach (var failure in check.FirstFailures) Console.WriteLine($"  FAILED {failure}");
            return check.Failures;
        }
        var (stored, dispatched, noticed) = await db.CountCasesAsync(ids);
        var ok = stored == ids.Count && dispatched == ids.Count && noticed == ids.Count;
        Console.WriteLine($"[{label}] durability: of {ids.Count:N0} cases opened by batches, {stored:N0} are in gridserver.cases, {dispatched:N0} Dispatched to an officer "
            + $"with a deadline wake time, {noticed:N0} with their dispatch notice in the officer's inbox: {(ok ? "every one durable, dispatched and noticed" : "MISSING ROWS")}");
        return ok ? 0 : ids.Count - Math.Min(stored, Math.Min(dispatched, noticed));
    }

    /// <summary>How many sensor subjects have grain state, and how large it is (each batch a subject takes rewrites all of it).</summary>
    private static async Task<string> StateSizesAsync(CaseDatabase db)
    {
        var (count, average, largest) = await db.GrainStateSizesAsync("sensor");
        return string.Create(CultureInfo.InvariantCulture, $"{count:N0} rows, {average / 1000:0.0} kB on average, the largest {largest / 1000.0:0.0} kB");
    }

    private static int Report(LoadRun run, Tally tally, double? postgresCores)
    {
        var (p50, p99, max) = run.LatencyMs();
        var seconds = run.Elapsed.TotalSeconds;
        var postgres = postgresCores is { } cores ? string.Create(CultureInfo.InvariantCulture, $"; of which PostgreSQL {cores:0.00} cores") : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{run.Storage}] {run.Interface}: {run.Count:N0} batches, {tally.Readings:N0} readings in {seconds:0.0} s: {tally.Readings / seconds:N0} readings/s "
            + $"({tally.Taken / seconds:N0} taken/s), {run.PerSecond:N1} batches/s; per batch p50 {p50:0.0} ms, p99 {p99:0.0} ms, max {max:0.0} ms; {run.Failures:N0} failed; "
            + $"CPU: {run.Cpu}{postgres}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{run.Storage}]   answers: taken {tally.Taken:N0}, unwatched {tally.Unwatched:N0}, duplicates {tally.Duplicates:N0}, stale {tally.Stale:N0}; "
            + $"subjects {tally.Subjects:N0}; cases opened {tally.CasesOpened.Count:N0}, notes added {tally.Notes:N0}, not evaluated {tally.NotEvaluated:N0}"));
        foreach (var failure in run.FirstFailures) Console.WriteLine($"  FAILED {failure}");
        return run.Failures;
    }

    private static void Print(SensorBenchOptions o, List<Measured> measured, int readingsPerRound)
    {
        Console.WriteLine();
        Console.WriteLine($"RESULTS ({o.Gateways} gateways on loopback, each with one batch of about {o.BatchSize:N0} readings in flight; {o.Rounds} rounds of {readingsPerRound:N0} readings; latency per batch, ms)");
        Console.WriteLine($"{"storage",-11} {"readings",10} {"readings/s",11} {"taken/s",9} {"batches/s",9} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"failed",6} {"taken %",8} {"cases",6} {"per M read",10} {"notes",6} {"pg cores",8}");
        foreach (var m in measured)
        {
            var (run, t) = (m.Batches, m.Tally);
            var (p50, p99, max) = run.LatencyMs();
            var seconds = run.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Storage.Label,-11} {t.Readings,10:N0} {t.Readings / seconds,11:N0} {t.Taken / seconds,9:N0} {run.PerSecond,9:N1} {p50,8:0.0} {p99,8:0.0} {max,8:0.0} {run.Failures,6:N0} "
                + $"{100.0 * t.Taken / t.Readings,8:0.0} {t.CasesOpened.Count,6:N0} {1e6 * t.CasesOpened.Count / t.Readings,10:0.0} {t.Notes,6:N0} "
                + $"{(m.PostgresCores is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "-"),8}"));
        }
        Console.WriteLine();
        Measured? Of(string label) => measured.FirstOrDefault(m => m.Storage.Label == label);
        double Rate(Measured m) => m.Tally.Readings / m.Batches.Elapsed.TotalSeconds;
        foreach (var (a, b) in new[] { (BenchStorage.DurableLabel, BenchStorage.InMemoryLabel), (BenchStorage.FastLabel, BenchStorage.InMemoryLabel), (BenchStorage.DurableLabel, BenchStorage.FastLabel) })
        {
            if (Of(a) is not { } x || Of(b) is not { } y) continue;
            Console.WriteLine($"ratio {a} / {b}, readings per second {Rate(x) / Rate(y):0.000}; p99 latency per batch {x.Batches.LatencyMs().P99 / y.Batches.LatencyMs().P99:0.0}x");
        }
        if (Of(BenchStorage.DurableLabel) is { } durable)
        {
            Console.WriteLine($"aim of the issue, 50,000 readings/s durable: {Rate(durable):N0}/s measured, {Rate(durable) / 50_000:0.00} of it: "
                + (Rate(durable) >= 50_000 ? "MET" : "NOT MET"));
        }
        Console.WriteLine();
        Console.WriteLine("WHERE THE TIME GOES, per 1,000 readings of the timed rounds (bench CPU: this process, the server and its gateways' HTTP clients)");
        Console.WriteLine($"{"storage",-11} {"bench CPU ms",12} {"pg CPU ms",9} {"commits",8} {"statements",10} {"stmt ms",8} {"WAL kB",8} {"WAL fsyncs",10} {"steps/batch",11}");
        foreach (var m in measured)
        {
            var c = m.Cost;
            Console.WriteLine($"{m.Storage.Label,-11} {c.ProcessCpuMs,12:0.0} {N(c.PostgresCpuMs, "0.0"),9} {N(c.Commits, "0.0"),8} {N(c.StatementsPer, "0.0"),10} "
                + $"{N(c.StatementMs, "0.0"),8} {N(c.WalKilobytes, "0.0"),8} {N(c.WalSyncs, "0.00"),10} {N(c.CaseWrites?.PerBatch, "0.0"),11}");
        }
        foreach (var m in measured.Where(m => m.StateSizes is not null)) Console.WriteLine($"{m.Storage.Label}: sensor subjects' grain state: {m.StateSizes}");
        foreach (var m in measured.Where(m => m.Storage.Settings is not null)) Console.WriteLine($"{m.Storage.Label}: {m.Storage.Settings}");
    }

    private static string N(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    /// <summary>Copies a built duty module (plugins/DutyModule.targets puts each into a folder of its own) into the server's plugins directory.</summary>
    private static void CopyModule(string project, string to)
    {
        var root = typeof(SensorBench).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DutyModules").Value!;
        var from = Path.GetFullPath(Path.Combine(root, project));
        if (!File.Exists(Path.Combine(from, project + ".dll")))
            throw new InvalidOperationException($"module {project} is not built into {from}: build the benchmark (it builds the modules first)");
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
