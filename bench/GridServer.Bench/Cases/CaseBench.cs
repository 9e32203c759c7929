using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.Domain.Spatial;
using GridServer.Silo.Grids;
using NetTopologySuite.Geometries;
using Npgsql;

namespace GridServer.Bench.Cases;

/// <summary>
/// Cases opened and dispatched per second: the real server in this process, staffed, opening cases at random
/// points of the sample district through grain calls and through HTTP; first with the embedded in-memory storage,
/// then durable in PostgreSQL, in one run. PostgreSQL is quoted as a ratio of in memory.
/// </summary>
internal static class CaseBench
{
    /// <summary>
    /// A case's first deadline warning is due this long after it opens (accept within an hour as the benchmark sets
    /// it, warned 12 minutes before): a server's part of the run that takes longer measures reminder work as well.
    /// </summary>
    private static readonly TimeSpan FirstReminderDue = TimeSpan.FromMinutes(48);

    /// <summary>How long PostgreSQL's backends may hold their counters before reporting them (idle: about 10 s).</summary>
    private static readonly TimeSpan CounterDelay = TimeSpan.FromSeconds(11);

    /// <summary>How long the projection may lag the answers before the durability check gives up.</summary>
    private static readonly TimeSpan ProjectionGrace = TimeSpan.FromSeconds(10);

    public static int Run(IReadOnlyList<string> args) => Run("cases", args, CaseBenchOptions.Usage, RunAsync);

    /// <summary>
    /// Runs a mode that takes the <see cref="CaseBenchOptions"/> (<c>cases</c>, <c>open311</c>): parses them, prints the
    /// usage on --help, and turns a refused or failing database into exit code 3.
    /// </summary>
    internal static int Run(string mode, IReadOnlyList<string> args, string usage, Func<CaseBenchOptions, Task<int>> run)
    {
        if (!CaseBenchOptions.TryParse(args, out var options, out var error, out var help, mode))
        {
            Console.Error.WriteLine($"GridServer.Bench {mode}: {error}");
            return 2;
        }
        if (help)
        {
            Console.WriteLine(usage);
            return 0;
        }
        try
        {
            return run(options).GetAwaiter().GetResult();
        }
        catch (DatabaseRefusedException e)
        {
            Console.Error.WriteLine($"GridServer.Bench {mode}: refusing the database: {e.Message}");
            return 3;
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"GridServer.Bench {mode}: the database failed: {e.Message} (connection string from --postgres or {BenchOptions.PostgresVariable})");
            return 3;
        }
    }

    private static async Task<int> RunAsync(CaseBenchOptions o)
    {
        await using var database = await StartAsync("GridServer.Bench cases: cases opened and dispatched per second, PostgreSQL vs in memory", o.Postgres);
        var (file, grids, codes) = SampleGrids();

        var warmHttp = o.HttpCases > 0 ? o.Warmup / 4 : 0;
        var (xs, ys, extent) = ReportPoints(grids, o.Warmup + warmHttp + o.Cases + o.HttpCases, o.Seed);
        Console.WriteLine($"grids:    {grids.Count:N0} from {Path.GetFileName(file)}; staffed with {o.Squads} squads (a leader each) and "
            + $"{o.Officers} officers, A/B pairs of about {grids.Count / (o.Officers / 2.0):0.#} grids each, all on all-week rosters");
        Console.WriteLine($"reports:  matter '{BenchServer.Matter}' at random points uniform over the district's grids (lon {extent.MinX:0.####}..{extent.MaxX:0.####}, "
            + $"lat {extent.MinY:0.####}..{extent.MaxY:0.####}, points outside every grid drawn again; seed {o.Seed}), the same points on both servers");
        Console.WriteLine($"runs:     per server: warm-up {o.Warmup:N0} cases by grain calls" + (warmHttp > 0 ? $" + {warmHttp:N0} over HTTP" : "")
            + $", then {o.Cases:N0} cases by grain calls" + (o.HttpCases > 0 ? $" and {o.HttpCases:N0} over HTTP" : "") + $", {o.Concurrency} callers");

        var runs = new List<LoadRun>();
        var failures = 0;
        string? writesPerCase = null;
        DurableCounts? durable = null;
        long expectedDurable = 0;

        failures += await MeasureAsync("in-memory", null);
        if (database is null)
        {
            Console.WriteLine($"PostgreSQL: SKIPPED: no --postgres and no {BenchOptions.PostgresVariable}; only in memory was measured.");
        }
        else
        {
            var loadStarted = Stopwatch.GetTimestamp();
            await database.LoadGridsAsync(grids);
            Console.WriteLine($"PostgreSQL: stored the {grids.Count:N0} sample grids in gridserver.grids in {Stopwatch.GetElapsedTime(loadStarted).TotalSeconds:0.0} s");
            failures += await MeasureAsync("PostgreSQL", database);
        }

        Print(o, runs, writesPerCase, durable, expectedDurable);
        Console.WriteLine($"load average at the end: {Program.LoadAverage()}");
        var durableOk = durable is null || durable.Complete(expectedDurable);
        if (failures > 0 || !durableOk)
        {
            Console.WriteLine($"FAILED: {failures:N0} case(s) not dispatched to an officer" + (durableOk ? "" : "; not every opened case is durable (see above)") + ".");
            return 1;
        }
        return 0;

        // One server: start, staff, warm up, the timed runs; with PostgreSQL, the write counters and the durable rows.
        async Task<int> MeasureAsync(string storage, CaseDatabase? db)
        {
            var failed = 0;
            var phase = Stopwatch.GetTimestamp();
            var started = Stopwatch.GetTimestamp();
            await using var server = await BenchServer.StartAsync(db is null ? null : o.Postgres);
            Console.WriteLine($"[{storage}] server started in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s, serving {server.Catalog.Count:N0} grids");
            if (server.Catalog.Count != grids.Count)
                throw new InvalidOperationException($"the {storage} server serves {server.Catalog.Count} grids, not the sample's {grids.Count}");

            started = Stopwatch.GetTimestamp();
            await server.StaffAsync(codes, o.Squads, o.Officers, o.Concurrency);
            Console.WriteLine($"[{storage}] staffed {codes.Length:N0} grids in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");

            var next = 0;
            if (o.Warmup > 0)
                failed += Report(await LoadRun.RunAsync(storage, "warm-up, grain calls", o.Warmup, o.Concurrency, ByGrain("W", Take(o.Warmup))), timed: false);
            if (warmHttp > 0)
                failed += Report(await LoadRun.RunAsync(storage, "warm-up, HTTP", warmHttp, o.Concurrency, ByHttp(Take(warmHttp))), timed: false);

            WriteCounters? before = null;
            if (db is not null)
            {
                await Task.Delay(CounterDelay);
                before = await db.CountersAsync();
            }
            failed += Report(await LoadRun.RunAsync(storage, "grain calls", o.Cases, o.Concurrency, ByGrain("G", Take(o.Cases))), timed: true);
            if (db is not null && before is not null)
            {
                await Task.Delay(CounterDelay);
                writesPerCase = WriteCounters.PerCase(before, await db.CountersAsync(), o.Cases);
                Console.WriteLine($"[{storage}] PostgreSQL's counters over the timed grain-call run, per case: {writesPerCase}");
            }
            if (o.HttpCases > 0)
                failed += Report(await LoadRun.RunAsync(storage, "HTTP POST /api/cases", o.HttpCases, o.Concurrency, ByHttp(Take(o.HttpCases))), timed: true);

            var took = Stopwatch.GetElapsedTime(phase);
            if (took > FirstReminderDue)
            {
                Console.WriteLine($"[{storage}] NOTE: this server's part took {took.TotalMinutes:0.0} min, longer than the {FirstReminderDue.TotalMinutes:0} min "
                    + "after which the first cases' deadline warnings fire: the last runs also carried reminder work");
            }
            if (db is not null)
            {
                expectedDurable = next;
                var waited = Stopwatch.GetTimestamp();
                do
                {
                    durable = await db.CountAsync();
                    if (durable.Complete(next)) break;
                    await Task.Delay(TimeSpan.FromMilliseconds(500));
                }
                while (Stopwatch.GetElapsedTime(waited) < ProjectionGrace);
                Console.WriteLine($"[{storage}] durable after the runs ({next:N0} cases opened on this server, counted "
                    + $"{Stopwatch.GetElapsedTime(waited).TotalSeconds:0.0} s after the last answer): gridserver.cases {durable.Cases:N0} rows, "
                    + $"{durable.Dispatched:N0} of them Dispatched to an officer with a deadline wake time; gridserver.case_events {durable.CaseEvents:N0} rows; "
                    + $"gridserver.notices {durable.DispatchNotices:N0} dispatch notices");
            }
            Console.WriteLine($"[{storage}] stopping the server");
            return failed;

            Func<int, Task<string?>> ByGrain(string run, int first) => i => server.OpenByGrainAsync(CaseId(run, i), xs[first + i], ys[first + i]);
            Func<int, Task<string?>> ByHttp(int first) => i => server.OpenByHttpAsync(xs[first + i], ys[first + i]);

            // The next n points of the shared list: each run has its own, and both servers get the same ones.
            int Take(int n)
            {
                var first = next;
                next += n;
                return first;
            }
        }

        int Report(LoadRun run, bool timed)
        {
            if (timed) runs.Add(run);
            var (p50, p99, max) = run.LatencyMs();
            Console.WriteLine($"[{run.Storage}] {run.Interface}: {run.Count:N0} cases in {run.Elapsed.TotalSeconds:0.0} s, {run.PerSecond:N0}/s, "
                + $"p50 {p50:0.00} ms, p99 {p99:0.00} ms, max {max:0.0} ms, {run.Failures:N0} failed; CPU: {run.Cpu}");
            Console.WriteLine($"  cases/s by quarter of the run: {string.Join(" / ", run.QuarterRates().Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}");
            foreach (var failure in run.FirstFailures) Console.WriteLine($"  FAILED {failure}");
            return run.Failures;
        }
    }

    /// <summary>
    /// Prints the machine and the GC mode, and opens the database named (null for none), checked to be fresh before
    /// anything else so that a refusal costs no waiting.
    /// </summary>
    internal static async Task<CaseDatabase?> StartAsync(string title, string? postgres)
    {
        Program.PrintMachine(title);
        if (!GCSettings.IsServerGC)
            Console.WriteLine("note:     workstation GC; the server executable runs with server GC (DOTNET_gcServer=1 measures it so)");
        if (postgres is null) return null;
        var database = new CaseDatabase(postgres);
        try
        {
            Console.WriteLine($"PostgreSQL: {await database.VersionAsync()}");
            await database.CheckFreshAsync();
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>The grids the benchmark servers serve: the shipped sample, read and checked as the embedded server reads it; codes in order.</summary>
    internal static (string File, IReadOnlyList<Grid> Grids, string[] Codes) SampleGrids()
    {
        var file = GridLoader.DefaultGridsFile;
        var (checkedFile, _, _) = GridFiles.Check(file, new GridImportOptions(), null, null, TimeProvider.System);
        if (!checkedFile.Accepted) throw new InvalidOperationException($"the sample grid file {file} was refused: {string.Join("; ", checkedFile.Errors.Take(5))}");
        var grids = checkedFile.Grids;
        return (file, grids, [.. grids.Select(g => g.Code).Order(StringComparer.Ordinal)]);
    }

    private static void Print(CaseBenchOptions o, List<LoadRun> runs, string? writesPerCase, DurableCounts? durable, long expectedDurable)
    {
        Console.WriteLine();
        Console.WriteLine($"RESULTS (cases opened and dispatched; latency from the call to the Dispatched answer, ms; {o.Concurrency} callers each with one case in flight)");
        Console.WriteLine($"{"storage",-11} {"interface",-21} {"cases",8} {"concurrency",11} {"cases/s",9} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"failed",7}");
        foreach (var r in runs)
        {
            var (p50, p99, max) = r.LatencyMs();
            Console.WriteLine($"{r.Storage,-11} {r.Interface,-21} {r.Count,8:N0} {r.Concurrency,11} {r.PerSecond,9:N0} {p50,8:0.00} {p99,8:0.00} {max,8:0.0} {r.Failures,7:N0}");
        }
        Console.WriteLine();
        foreach (var face in runs.Select(r => r.Interface).Distinct())
        {
            var memory = runs.FirstOrDefault(r => r.Interface == face && r.Storage == "in-memory");
            var postgres = runs.FirstOrDefault(r => r.Interface == face && r.Storage == "PostgreSQL");
            if (memory is null || postgres is null) continue;
            var (_, p99m, _) = memory.LatencyMs();
            var (_, p99p, _) = postgres.LatencyMs();
            Console.WriteLine($"ratio PostgreSQL / in-memory, {face}: cases/s {postgres.PerSecond / memory.PerSecond:0.000} "
                + $"(in memory opens {memory.PerSecond / postgres.PerSecond:0.0}x as many per second); p99 latency {p99p / p99m:0.0}x");
        }
        if (writesPerCase is not null) Console.WriteLine($"PostgreSQL work per case (grain-call run, from pg_stat counters): {writesPerCase}");
        if (durable is not null)
        {
            var ok = durable.Complete(expectedDurable);
            Console.WriteLine($"durability: {durable.Cases:N0} cases in gridserver.cases, {durable.Dispatched:N0} dispatched with a wake time, "
                + $"{durable.DispatchNotices:N0} dispatch notices in gridserver.notices for {expectedDurable:N0} cases opened: {(ok ? "every case durable" : "MISSING ROWS")}");
        }
    }

    private static string CaseId(string run, int i) => string.Create(CultureInfo.InvariantCulture, $"C-BENCH-{run}-{i:D7}");

    /// <summary>
    /// Points uniform over the envelope of all grids, each drawn again until it lies in a grid (by the same
    /// <see cref="GridIndex"/> the server matches reports with), so every report has a grid to be dispatched in.
    /// </summary>
    internal static (double[] Xs, double[] Ys, Envelope Extent) ReportPoints(IReadOnlyList<Grid> grids, int count, int seed)
    {
        var index = GridIndex.Build(grids.Select(g => (g.Code, g.Boundary)));
        var extent = new Envelope();
        foreach (var g in grids) extent.ExpandToInclude(g.Boundary.EnvelopeInternal);
        var random = new Random(seed);
        var (xs, ys) = (new double[count], new double[count]);
        for (var i = 0; i < count; i++)
        {
            do
            {
                xs[i] = extent.MinX + random.NextDouble() * extent.Width;
                ys[i] = extent.MinY + random.NextDouble() * extent.Height;
            }
            while (index.Locate(xs[i], ys[i]) is null);
        }
        return (xs, ys, extent);
    }
}
