using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using GridServer.Domain.Spatial;
using Npgsql;

namespace GridServer.Bench;

/// <summary>
/// Point-to-grid lookups per second and memory: (a) GridIndex, (b) NTS STRtree + PreparedGeometry,
/// (c) PostGIS one query per point, (d) PostGIS batched; all on one tiling, in one run, with every
/// answer checked against the others. Speed is reported as ratios against (b) measured in the same run.
/// </summary>
internal static class Program
{
    private const int ShownMismatches = 10;

    private static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        // The servers a run hosts take SIGTERM and SIGINT as "stop the server" and leave the run going; a benchmark
        // asked to stop ends, with the shell's exit code for the signal. (Nothing it wrote needs tidying.)
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Environment.Exit(143));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Environment.Exit(130));
        // One program, one way of running benchmarks: `cases` is the case throughput benchmark, anything else the lookups'.
        if (args.Length > 0 && args[0] == "cases") return Cases.CaseBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "redraw") return Redraw.RedrawBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "open311") return Open311.Open311Bench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "sensors") return Sensors.SensorBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "console") return WebConsole.ConsoleBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "evaluation") return Evaluation.EvaluationBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "geocode") return Geocoding.GeocodeBench.Run(args[1..]);
        if (!BenchOptions.TryParse(args, out var options, out var error, out var help))
        {
            Console.Error.WriteLine($"GridServer.Bench: {error}");
            return 2;
        }
        if (help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        try
        {
            return Run(options);
        }
        catch (DatabaseRefusedException e)
        {
            Console.Error.WriteLine($"GridServer.Bench: refusing the database: {e.Message}");
            return 3;
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"GridServer.Bench: the database failed: {e.Message} (connection string from --postgres or {BenchOptions.PostgresVariable})");
            return 3;
        }
    }

    private static int Run(BenchOptions o)
    {
        PrintMachine("GridServer.Bench: point-to-grid lookups");
        // The database is checked before anything else, so a refusal costs no waiting.
        using var postgres = o.Postgres is null ? null : new PostgisBench(o.Postgres);
        if (postgres is not null)
        {
            var (server, postgis) = postgres.Versions();
            Console.WriteLine($"PostGIS:  {server}");
            Console.WriteLine($"          {postgis}");
            postgres.CheckEmptyAndMigrated();
        }
        var n = o.Points;
        var xs = new double[n];
        var ys = new double[n];
        // Answer arrays exist before the first memory reading, so they are in no method's figure.
        var answersA = new string?[n];
        var answersB = new string?[n];
        var answersB2 = o.SkipLocatorBaseline ? [] : new string?[n];

        // --- The tiling, (b) and (b′), with their retained memory ---------------------------------
        var m0 = Memory.Retained();
        var started = Stopwatch.GetTimestamp();
        var workload = Workload.Create(o);
        var generated = Stopwatch.GetElapsedTime(started);
        var m1 = Memory.Retained();
        workload.FillPoints(xs, ys, o.Seed);
        var spec = workload.Spec;
        Console.WriteLine($"workload: {workload.Grids.Count:N0} grids ({spec.Columns} x {spec.Rows}, about {spec.CellMetres} m, "
            + $"{workload.VerticesPerGrid} vertices each, coordinates rounded to 1e-{spec.Decimals} deg, seed {o.Seed}), "
            + $"generated in {generated.TotalSeconds:0.0} s");
        Console.WriteLine($"points:   {n:N0} uniform random over lon {workload.Extent.MinX:0.#####}..{workload.Extent.MaxX:0.#####}, "
            + $"lat {workload.Extent.MinY:0.#####}..{workload.Extent.MaxY:0.#####} (seed {o.Seed})");
        Console.WriteLine($"memory:   NTS polygons + codes of the tiling: {Memory.Mb(m1 - m0)} MB retained ({Memory.Context()})");

        started = Stopwatch.GetTimestamp();
        var baseline = new PreparedGeometryBaseline(workload.Grids);
        var builtB = Stopwatch.GetElapsedTime(started);
        var m2 = Memory.Retained();
        Console.WriteLine($"(b)  built STRtree + {workload.Grids.Count:N0} prepared geometries in {builtB.TotalSeconds:0.00} s: "
            + $"+{Memory.Mb(m2 - m1)} MB");
        var warmB = Stopwatch.GetTimestamp();
        PassB(baseline, xs, ys);   // warm-up over every point; builds each grid's locator lazily
        Console.WriteLine($"(b)  warm-up pass over all points: {Stopwatch.GetElapsedTime(warmB).TotalSeconds:0.00} s "
            + "(includes building the prepared geometries' locators)");
        var m3 = Memory.Retained();
        var memoryB = m3 - m0;
        Console.WriteLine($"(b)  + locators built by the lookups: +{Memory.Mb(m3 - m2)} MB; (b) total after all its lookups: "
            + $"{Memory.Mb(memoryB)} MB ({Memory.Context()})");

        LocatorBaseline? locators = null;
        long memoryB2 = 0, m5 = m3;
        if (!o.SkipLocatorBaseline)
        {
            locators = new LocatorBaseline(workload.Grids);
            PassB2(locators, xs, ys);   // warm-up; builds the locators
            m5 = Memory.Retained();
            memoryB2 = (m1 - m0) + (m5 - m3);
            Console.WriteLine($"(b') STRtree + IndexedPointInAreaLocators after warm-up: +{Memory.Mb(m5 - m3)} MB; "
                + $"with the polygons it needs: {Memory.Mb(memoryB2)} MB");
        }

        // --- (a) GridIndex: built from the polygons, keeps its own copy of the codes -----------------
        var indexOptions = o.CellsPerGrid is { } cpg ? new GridIndexOptions { CellsPerGrid = cpg } : new GridIndexOptions();
        started = Stopwatch.GetTimestamp();
        var index = GridIndex.Build(
            workload.Grids.Select(g => (new string(g.Code.AsSpan()), (NetTopologySuite.Geometries.Geometry)g.Boundary)),
            indexOptions);
        var builtA = Stopwatch.GetElapsedTime(started);
        var m6 = Memory.Retained();
        var memoryA = m6 - m5;
        var (cells, listed) = index.RasterStats;
        Console.WriteLine($"(a)  built GridIndex (CellsPerGrid {indexOptions.CellsPerGrid}) in {builtA.TotalSeconds:0.00} s: "
            + $"{Memory.Mb(memoryA)} MB retained (its ApproximateBytes: {Memory.Mb(index.ApproximateBytes)} MB); "
            + $"raster {cells:N0} cells, {listed:N0} ({100.0 * listed / cells:0.0}%) list candidate grids");
        PassA(index, xs, ys);   // warm-up: the JIT reaches its optimised tier

        // --- Timed passes, interleaved so that a burst of load elsewhere hits every method alike -----
        var timingA = new Timings("(a) GridIndex", n);
        var timingB = new Timings("(b) NTS STRtree + PreparedGeometry.Covers", n);
        var timingB2 = new Timings("(b') NTS STRtree + IndexedPointInAreaLocator", n);
        Console.WriteLine($"timing {o.Runs} passes of {n:N0} lookups each, single-threaded, interleaved (a), (b)"
            + (locators is null ? "" : ", (b')") + $"; load average now {LoadAverage()}");
        var cpu = new CpuMeter();
        for (var run = 0; run < o.Runs; run++)
        {
            Time(timingA, () => PassA(index, xs, ys));
            Time(timingB, () => PassB(baseline, xs, ys));
            if (locators is not null) Time(timingB2, () => PassB2(locators, xs, ys));
            Console.WriteLine($"  pass {run + 1}: (a) {timingA.RunsText.Split(" / ")[^1]} us, (b) {timingB.RunsText.Split(" / ")[^1]} us"
                + (locators is null ? "" : $", (b') {timingB2.RunsText.Split(" / ")[^1]} us") + " per lookup");
        }
        Console.WriteLine($"  CPU during these passes: {cpu.Summary()}");
        var mEnd = Memory.Retained();
        Console.WriteLine($"memory:   heap change during the timed passes: {Memory.Mb(mEnd - m6)} MB (nothing more built lazily); "
            + Memory.Context());

        // --- Answers, untimed, and agreement of the in-memory methods --------------------------------
        for (var i = 0; i < n; i++)
        {
            answersA[i] = index.Locate(xs[i], ys[i]);
            answersB[i] = baseline.Locate(xs[i], ys[i]);
            if (locators is not null) answersB2[i] = locators.Locate(xs[i], ys[i]);
        }
        var covered = answersA.Count(a => a is not null);
        Console.WriteLine($"answers:  (a) finds a grid for {covered:N0} points, no grid for {n - covered:N0} (outside the ragged outline)");
        var agreeAB = Compare("(a) vs (b)", xs, ys, answersA, answersB, n, answersB);
        var agreeAB2 = locators is null ? n : Compare("(a) vs (b')", xs, ys, answersA, answersB2, n, answersB);
        var disagreements = (n - agreeAB) + (n - agreeAB2);

        // --- PostGIS -----------------------------------------------------------------------------
        PostgisResults? pg = null;
        if (postgres is null)
        {
            Console.WriteLine($"PostGIS: SKIPPED: no --postgres and no {BenchOptions.PostgresVariable}; (c) and (d) were not measured "
                + "and agreement with PostGIS was NOT checked.");
        }
        else
        {
            pg = RunPostgis(postgres, o, workload, xs, ys, answersA, answersB);
            disagreements += pg.Disagreements;
        }

        PrintResults(o, timingA, timingB, locators is null ? null : timingB2, memoryA, memoryB, memoryB2, pg, agreeAB, agreeAB2, n);
        Console.WriteLine($"load average at the end: {LoadAverage()}");
        if (disagreements > 0)
        {
            Console.WriteLine($"FAILED: {disagreements:N0} disagreeing answers (see above).");
            return 1;
        }
        return 0;
    }

    private sealed record PostgisResults(
        string PostGisVersion, long RelationBytes, TimeSpan Load, Timings? Single, double MedianLatencyMicros, double P99LatencyMicros,
        Timings Batched1, Timings Batched2, int SingleAgree, int SingleCount, int BatchedAgree1, int BatchedAgree2, int Disagreements);

    private static PostgisResults RunPostgis(PostgisBench pg, BenchOptions o, Workload workload, double[] xs, double[] ys,
        string?[] answersA, string?[] answersB)
    {
        var n = xs.Length;
        var postgis = pg.Versions().PostGis;
        pg.CheckEmptyAndMigrated();   // again: someone may have loaded grids while the in-memory part ran
        var load = pg.Load(workload.Grids);
        var relationBytes = pg.RelationBytes();
        Console.WriteLine($"PostGIS: loaded {workload.Grids.Count:N0} grids with binary COPY + ANALYZE in {load.TotalSeconds:0.0} s; "
            + $"gridserver.grids with its indexes: {Memory.Mb(relationBytes)} MB on disk");

        var single = Math.Min(o.SingleQueryPoints, n);
        var answersC = new string?[single];
        var latencies = new long[single];
        var answersD1 = new string?[n];
        var answersD2 = new string?[n];

        // Warm-up: plans, caches and connections, on points that are timed later as well.
        var warm = Math.Min(n, 2 * o.BatchSize);
        pg.LocateBatched(xs[..warm], ys[..warm], o.BatchSize, 1, new string?[warm]);
        if (single > 0) pg.LocateOneByOne(xs, ys, Math.Min(single, 2_000), new string?[single], new long[single]);

        var timingC = single > 0 ? new Timings($"(c) PostGIS, 1 query per point, 1 connection ({single:N0} points)", single) : null;
        var timingD1 = new Timings($"(d) PostGIS, unnest batches of {o.BatchSize:N0}, 1 connection", n);
        var timingD2 = new Timings($"(d) PostGIS, unnest batches of {o.BatchSize:N0}, 2 connections", n);
        int agreeC = single, agreeD1 = n, agreeD2 = n;
        Console.WriteLine($"PostGIS: timing {o.PostgresRuns} passes each: (d) all {n:N0} points on 1 and on 2 connections, "
            + (single > 0 ? $"(c) the first {single:N0} points, one query each" : "(c) skipped (--single-query-points 0)")
            + $"; load average now {LoadAverage()}");
        var cpu = new CpuMeter();
        for (var run = 0; run < o.PostgresRuns; run++)
        {
            timingD1.Add(pg.LocateBatched(xs, ys, o.BatchSize, 1, answersD1));
            agreeD1 = Math.Min(agreeD1, Compare("(a) vs (d) 1 connection", xs, ys, answersA, answersD1, n, answersB));
            timingD2.Add(pg.LocateBatched(xs, ys, o.BatchSize, 2, answersD2));
            agreeD2 = Math.Min(agreeD2, Compare("(a) vs (d) 2 connections", xs, ys, answersA, answersD2, n, answersB));
            if (timingC is not null)
            {
                timingC.Add(pg.LocateOneByOne(xs, ys, single, answersC, latencies));
                agreeC = Math.Min(agreeC, Compare("(a) vs (c)", xs, ys, answersA, answersC, single, answersB));
            }
            Console.WriteLine($"  pass {run + 1}: (d) 1 conn {timingD1.RunsText.Split(" / ")[^1]} us, 2 conns {timingD2.RunsText.Split(" / ")[^1]} us"
                + (timingC is null ? "" : $", (c) {timingC.RunsText.Split(" / ")[^1]} us") + " per lookup");
        }
        Console.WriteLine($"  CPU during these passes: {cpu.Summary()} (PostgreSQL's own work is in 'everything else')");
        double median = double.NaN, p99 = double.NaN;
        if (single > 0)
        {
            var sorted = latencies.Order().ToArray();
            median = sorted[sorted.Length / 2] * 1e6 / Stopwatch.Frequency;
            p99 = sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))] * 1e6 / Stopwatch.Frequency;
        }
        var disagreements = (single - agreeC) + (n - agreeD1) + (n - agreeD2);
        return new PostgisResults(postgis, relationBytes, load, timingC, median, p99, timingD1, timingD2,
            agreeC, single, agreeD1, agreeD2, disagreements);
    }

    // The passes return a checksum of the answers so that no lookup can be optimised away.
    private static long PassA(GridIndex index, double[] xs, double[] ys)
    {
        long sum = 0;
        for (var i = 0; i < xs.Length; i++) sum += Checksum(index.Locate(xs[i], ys[i]));
        return sum;
    }

    private static long PassB(PreparedGeometryBaseline baseline, double[] xs, double[] ys)
    {
        long sum = 0;
        for (var i = 0; i < xs.Length; i++) sum += Checksum(baseline.Locate(xs[i], ys[i]));
        return sum;
    }

    private static long PassB2(LocatorBaseline baseline, double[] xs, double[] ys)
    {
        long sum = 0;
        for (var i = 0; i < xs.Length; i++) sum += Checksum(baseline.Locate(xs[i], ys[i]));
        return sum;
    }

    private static long Checksum(string? code) => code is null ? -1 : code[^1] + 31L * code[^3];

    private static void Time(Timings timings, Func<long> pass)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        var checksum = pass();
        timings.Add(Stopwatch.GetElapsedTime(started));
        timings.AllocatedBytesPerLookup = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)timings.LookupsPerRun;
        GC.KeepAlive(checksum);
    }

    /// <summary>Counts equal answers over [0, count); prints the first mismatches with the NTS answer as referee.</summary>
    private static int Compare(string what, double[] xs, double[] ys, string?[] expected, string?[] actual, int count, string?[] referee)
    {
        var agree = 0;
        var shown = 0;
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(expected[i], actual[i], StringComparison.Ordinal))
            {
                agree++;
                continue;
            }
            if (shown++ < ShownMismatches)
            {
                Console.WriteLine($"  MISMATCH {what}: point #{i} ({xs[i]:R}, {ys[i]:R}): (a) {expected[i] ?? "no grid"}, "
                    + $"other {actual[i] ?? "no grid"}, NTS (b) {referee[i] ?? "no grid"}");
            }
        }
        if (agree != count) Console.WriteLine($"  {what}: {count - agree:N0} of {count:N0} points disagree");
        return agree;
    }

    private static void PrintResults(BenchOptions o, Timings a, Timings b, Timings? b2, long memoryA, long memoryB, long memoryB2,
        PostgisResults? pg, int agreeAB, int agreeAB2, int n)
    {
        Console.WriteLine();
        Console.WriteLine($"RESULTS ({o.Points:N0} points; us per lookup = median of the timed passes, best also shown; "
            + "memory = retained managed heap, MB = 10^6 bytes)");
        Console.WriteLine($"{"method",-62} {"lookups/s",13} {"us/lookup",10} {"best us",9} {"alloc B/lookup",15} {"memory MB",10}");
        Row(a, Memory.Mb(memoryA));
        Row(b, Memory.Mb(memoryB));
        if (b2 is not null) Row(b2, Memory.Mb(memoryB2));
        if (pg is not null)
        {
            if (pg.Single is not null) Row(pg.Single, "server");
            Row(pg.Batched1, "server");
            Row(pg.Batched2, "server");
        }
        Console.WriteLine();

        var speed = b.MedianMicrosPerLookup / a.MedianMicrosPerLookup;
        var memoryRatio = memoryA / (double)memoryB;
        Console.WriteLine($"speed  (a) vs (b): {speed:0.0}x the lookups per second ({a.MedianMicrosPerLookup:0.000} us vs "
            + $"{b.MedianMicrosPerLookup:0.000} us per lookup; best passes: {b.BestMicrosPerLookup / a.BestMicrosPerLookup:0.0}x); "
            + $"target >= 5x: {(speed >= 5 ? "MET" : "NOT MET")}");
        Console.WriteLine($"memory (a) / (b): {memoryRatio:0.000} ({Memory.Mb(memoryA)} MB vs {Memory.Mb(memoryB)} MB, "
            + $"(b) is {1 / memoryRatio:0.0}x larger); target <= 0.25: {(memoryRatio <= 0.25 ? "MET" : "NOT MET")}");
        if (b2 is not null)
        {
            Console.WriteLine($"for context, (a) vs (b'): {b2.MedianMicrosPerLookup / a.MedianMicrosPerLookup:0.0}x the lookups per second, "
                + $"memory {memoryA / (double)memoryB2:0.000} of (b')");
        }
        if (pg is not null)
        {
            if (pg.Single is not null)
            {
                Console.WriteLine($"speed  (a) vs (c): {pg.Single.MedianMicrosPerLookup / a.MedianMicrosPerLookup:N0}x "
                    + $"((c) round trip: median {pg.MedianLatencyMicros:0} us, 99th percentile {pg.P99LatencyMicros:0} us, last pass)");
            }
            Console.WriteLine($"speed  (a) vs (d): {pg.Batched1.MedianMicrosPerLookup / a.MedianMicrosPerLookup:N0}x on 1 connection, "
                + $"{pg.Batched2.MedianMicrosPerLookup / a.MedianMicrosPerLookup:N0}x against 2 connections in parallel");
            Console.WriteLine($"PostGIS server side: gridserver.grids + indexes {Memory.Mb(pg.RelationBytes)} MB on disk; "
                + $"load (binary COPY + ANALYZE) {pg.Load.TotalSeconds:0.0} s");
        }
        Console.WriteLine($"agreement (a) vs (b): {agreeAB:N0} of {n:N0} points");
        if (b2 is not null) Console.WriteLine($"agreement (a) vs (b'): {agreeAB2:N0} of {n:N0} points");
        if (pg is null)
        {
            Console.WriteLine("agreement with PostGIS: NOT CHECKED (no database given)");
        }
        else
        {
            Console.WriteLine($"agreement with PostGIS: {pg.BatchedAgree1:N0} of {n:N0} points ((d), every point, 1 connection; "
                + $"2 connections: {pg.BatchedAgree2:N0} of {n:N0})");
            Console.WriteLine($"agreement with PostGIS: {pg.SingleAgree:N0} of {pg.SingleCount:N0} points ((c), one query per point, "
                + "its subset: the first points of the same list)");
        }

        static void Row(Timings t, string memory)
        {
            var alloc = double.IsNaN(t.AllocatedBytesPerLookup) ? "-" : t.AllocatedBytesPerLookup.ToString("0", CultureInfo.InvariantCulture);
            Console.WriteLine($"{t.Name,-62} {t.MedianLookupsPerSecond,13:N0} {t.MedianMicrosPerLookup,10:0.000} "
                + $"{t.BestMicrosPerLookup,9:0.000} {alloc,15} {memory,10}");
        }
    }

    /// <summary>The heading: machine, runtime, build and load, so a figure is never quoted without them.</summary>
    internal static void PrintMachine(string title)
    {
        var optimised = typeof(GridIndex).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true
            && typeof(Program).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        Console.WriteLine(title);
        Console.WriteLine($"machine:  {Environment.ProcessorCount} cores ({CpuModel()}), "
            + $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB available, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"runtime:  {RuntimeInformation.FrameworkDescription}, {(optimised ? "optimised (Release) build" : "DEBUG BUILD: figures are meaningless, use -c Release")}, "
            + $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC ({GcSetting("HeapCount")} heaps, DATAS {GcSetting("GCDynamicAdaptationMode")}), latency mode {GCSettings.LatencyMode}; "
            + $"Npgsql {PackageVersion(typeof(NpgsqlConnection))}, NetTopologySuite {PackageVersion(typeof(NetTopologySuite.Geometries.Geometry))}");
        Console.WriteLine($"load average at the start: {LoadAverage()}");
    }

    /// <summary>One of the garbage collector's settings as the runtime took it (heap count, DATAS), or "?".</summary>
    private static string GcSetting(string name) => GC.GetConfigurationVariables().TryGetValue(name, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?" : "?";

    /// <summary>The package version (informational version without a source-link hash).</summary>
    private static string PackageVersion(Type type)
    {
        var version = type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? type.Assembly.GetName().Version?.ToString() ?? "?";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    internal static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            return line is null ? "cpu model unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "cpu model unknown";
        }
    }
}
