namespace GridServer.Bench.Cases;

/// <summary>Settings of the <c>cases</c> benchmark, from the command line (and GRIDSERVER_BENCH_POSTGRES).</summary>
internal sealed record CaseBenchOptions
{
    /// <summary>Cases opened per timed run (one run per storage and interface).</summary>
    public int Cases { get; init; } = 20_000;

    /// <summary>Cases opened through HTTP per timed run; 0 skips the HTTP rows. Fewer than by grain calls: it is the second figure.</summary>
    public int HttpCases { get; init; } = 10_000;

    /// <summary>Callers with one case in flight each.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Cases opened before the timed runs on each server (grain calls; a quarter as many again over HTTP).</summary>
    public int Warmup { get; init; } = 2_000;

    /// <summary>Squads the grids are shared among, in blocks of consecutive grid codes.</summary>
    public int Squads { get; init; } = 6;

    /// <summary>Officers (an even number): pairs of them hold the A and B posts of about grids/(officers/2) grids each.</summary>
    public int Officers { get; init; } = 600;

    /// <summary>Seed of the report locations: same seed, same points, on both servers and every machine.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Npgsql connection string of a fresh migrated database; null runs in memory only.</summary>
    public string? Postgres { get; init; }

    /// <summary>
    /// <c>open311</c> only: a second fresh database on a server with fsync off (<c>scripts/postgis.sh start --fast</c>),
    /// measured beside the durable one; null leaves it out.
    /// </summary>
    public string? PostgresFast { get; init; }

    /// <summary><c>open311</c> only: measure in memory after the databases, not first.</summary>
    public bool MemoryLast { get; init; }

    /// <summary>
    /// <c>open311</c> only: at most this many reports taken by a throw-away in-memory server before any storage is
    /// measured, until the JIT has settled, so that every storage is measured on a runtime as a running silo's is.
    /// </summary>
    public int ProcessWarmup { get; init; } = 200_000;

    /// <summary>
    /// <c>open311</c> only: this many of the timed run's cases are then taken through the rest of the closed loop (accept,
    /// handle, feed back, verify, close), each step a call as the HTTP handler makes it; 0: none.
    /// </summary>
    public int ClosedLoop { get; init; } = 10_000;

    /// <summary>The variable that gives <see cref="PostgresFast"/> when the option is not on the command line.</summary>
    public const string PostgresFastVariable = "GRIDSERVER_BENCH_POSTGRES_FAST";

    /// <summary>The options the <c>cases</c> and <c>open311</c> modes share, as their usage texts list them.</summary>
    public const string SharedUsage = """
          --squads N         squads sharing the grids (default 6)
          --officers N       officers holding the A/B posts, an even number (default 600)
          --seed N           seed of the report locations (default 1)
          --postgres CONNSTR Npgsql connection string of a FRESH migrated database (no grids, no grain state, no cases)
                             (default: $GRIDSERVER_BENCH_POSTGRES; without either, only in memory is measured)
          --help             this text
        """;

    public const string Usage = $$"""
        GridServer.Bench cases: cases opened and dispatched per second by the real server (SiloHost.Build,
        hosted in this process on free loopback ports), with the latency from the report to the dispatched
        answer; durable in PostgreSQL, and with the embedded in-memory storage in the same run, as a ratio.
        Every answer must be Dispatched to an officer; PostgreSQL's rows are counted afterwards.

        Usage: dotnet run -c Release --project bench/GridServer.Bench -- cases [options]

          --cases N          cases per timed run through grain calls (default 20000)
          --http-cases N     cases per timed run through POST /api/cases (default 10000; 0: no HTTP rows)
          --concurrency N    callers, each with one case in flight (default 32)
          --warmup N         cases opened before timing on each server (default 2000, and a quarter as many over HTTP)
        {{SharedUsage}}

        The server runs with its production settings but one: cases are to be accepted within an hour instead of
        10 minutes, so that no deadline warning falls due during a run. The server runs with the bench process's GC; the server executable uses server GC, so run with
        DOTNET_gcServer=1 to measure it as deployed. The database is left with the benchmark's data in it.

        Exit code: 0 every case dispatched (and, with PostgreSQL, every case durable); 1 some case failed;
        2 bad arguments; 3 the database is not usable.
        """;

    /// <summary>Parses the arguments after <c>cases</c> (or <c>open311</c>); a wrong one gives an error that names it.</summary>
    /// <param name="mode">
    /// <c>cases</c>, or <c>open311</c>: the same settings, where <c>--reports</c> sets <see cref="Cases"/> (the reports
    /// per timed run) and <c>--cases</c>/<c>--http-cases</c> are not options.
    /// </param>
    public static bool TryParse(IReadOnlyList<string> args, out CaseBenchOptions options, out string? error, out bool help, string mode = "cases")
    {
        var open311 = mode == "open311";
        options = new CaseBenchOptions
        {
            Postgres = BenchOptions.NullIfBlank(Environment.GetEnvironmentVariable(BenchOptions.PostgresVariable)),
            PostgresFast = open311 ? BenchOptions.NullIfBlank(Environment.GetEnvironmentVariable(PostgresFastVariable)) : null,
        };
        // Open311: enough reports that nearly every one of the 3,000 sample grids has had its first dispatch (a grid's
        // first costs more: the cell learns its people) before the timed run, as in a silo that has been serving.
        if (open311) options = options with { Warmup = 10_000 };
        error = null;
        help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var (arg, inlineValue) = BenchOptions.SplitInline(args[i]);
            if (arg is "--help" or "-h" or "-?")
            {
                help = true;
                return true;
            }
            if (arg == "--memory-last" && open311 && inlineValue is null)
            {
                options = options with { MemoryLast = true };
                continue;
            }
            string value;
            if (inlineValue is not null) value = inlineValue;
            else if (i + 1 < args.Count) value = args[++i];
            else
            {
                error = $"{arg} needs a value (see {mode} --help)";
                return false;
            }

            switch (arg)
            {
                case "--reports" when open311 && BenchOptions.Int(value, 1, 10_000_000, out var n): options = options with { Cases = n }; break;
                case "--cases" when !open311 && BenchOptions.Int(value, 1, 10_000_000, out var n): options = options with { Cases = n }; break;
                case "--http-cases" when !open311 && BenchOptions.Int(value, 0, 10_000_000, out var n): options = options with { HttpCases = n }; break;
                case "--concurrency" when BenchOptions.Int(value, 1, 10_000, out var n): options = options with { Concurrency = n }; break;
                case "--warmup" when BenchOptions.Int(value, 0, 10_000_000, out var n): options = options with { Warmup = n }; break;
                case "--squads" when BenchOptions.Int(value, 1, 100_000, out var n): options = options with { Squads = n }; break;
                case "--officers" when BenchOptions.Int(value, 2, 1_000_000, out var n) && n % 2 == 0: options = options with { Officers = n }; break;
                case "--seed" when BenchOptions.Int(value, int.MinValue, int.MaxValue, out var n): options = options with { Seed = n }; break;
                case "--postgres": options = options with { Postgres = BenchOptions.NullIfBlank(value) }; break;
                case "--process-warmup" when open311 && BenchOptions.Int(value, 0, 10_000_000, out var n): options = options with { ProcessWarmup = n }; break;
                case "--closed-loop" when open311 && BenchOptions.Int(value, 0, 10_000_000, out var n): options = options with { ClosedLoop = n }; break;
                case "--postgres-fast" when open311: options = options with { PostgresFast = BenchOptions.NullIfBlank(value) }; break;
                case "--officers":
                    error = $"--officers '{value}' is not an even whole number of at least 2 (they come in A/B pairs)";
                    return false;
                case "--reports" or "--process-warmup" or "--closed-loop" when open311:
                case "--cases" or "--http-cases" when !open311:
                case "--concurrency" or "--warmup" or "--squads" or "--seed":
                    error = $"{arg} '{value}' is not a whole number in its range (see {mode} --help)";
                    return false;
                default:
                    error = $"unknown option '{arg}' (see {mode} --help)";
                    return false;
            }
        }
        return true;
    }
}
