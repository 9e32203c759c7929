using System.Globalization;
using GridServer.Bench.Cases;

namespace GridServer.Bench.Sensors;

/// <summary>Settings of the <c>sensors</c> benchmark, from the command line (and the GRIDSERVER_BENCH_POSTGRES variables).</summary>
internal sealed record SensorBenchOptions
{
    /// <summary>Parking bays with an occupancy sensor (地磁), each a record of the parking module's <c>bays</c> set.</summary>
    public int Bays { get; init; } = 50_000;

    /// <summary>The share of the bays that are no-parking bays (禁停泊位), whose sensors the parking module watches.</summary>
    public double NoParkingShare { get; init; } = 0.10;

    /// <summary>Dust monitors (PM10 and PM2.5).</summary>
    public int Monitors { get; init; } = 200;

    /// <summary>Monitors per construction site; the sites are the dust module's <c>sites</c> set.</summary>
    public int MonitorsPerSite { get; init; } = 2;

    /// <summary>The share of sites dusty from the start (half of them cleaned up a third into the timed rounds); half as many again turn dusty half-way through them.</summary>
    public double DustyShare { get; init; } = 0.10;

    /// <summary>Readings per batch (the server takes at most 5,000).</summary>
    public int BatchSize { get; init; } = 1_000;

    /// <summary>Sensor gateways, each with one batch in flight, each sending its own sensors' readings in order.</summary>
    public int Gateways { get; init; } = 8;

    /// <summary>Timed rounds: in a round every sensor sends one reading.</summary>
    public int Rounds { get; init; } = 20;

    /// <summary>Rounds sent before the timed ones on each server.</summary>
    public int WarmupRounds { get; init; } = 3;

    /// <summary>How far the sensors' clocks move from one round to the next.</summary>
    public TimeSpan RoundStep { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a vehicle may stand in a no-parking bay (the bays' <c>max_minutes</c>).</summary>
    public int NoParkingMinutes { get; init; } = 2;

    public int Squads { get; init; } = 6;

    public int Officers { get; init; } = 600;

    public int Seed { get; init; } = 1;

    /// <summary>A fresh database at PostgreSQL's durable defaults; null: none.</summary>
    public string? Postgres { get; init; }

    /// <summary>A fresh database on a server with fsync off; null: none.</summary>
    public string? PostgresFast { get; init; }

    /// <summary>
    /// The readings' times run from a minute before the start on, <see cref="RoundStep"/> a round, and the server takes
    /// none more than 5 minutes ahead of its clock: all rounds together may span at most 6 minutes.
    /// </summary>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromMinutes(6);

    public const string Usage = $$"""
        GridServer.Bench sensors: sensor readings taken per second by the real server (SiloHost.Build, hosted in this
        process on free loopback ports) with the parking and dust duty modules loaded, through POST /api/sensors/readings
        with a Sensor credential, in batches from concurrent gateways; in one run in memory, in PostgreSQL at its durable
        defaults (--postgres) and in PostgreSQL with fsync off (--postgres-fast). A city of parking bays (a share of them
        no-parking bays, whose sensors the parking module watches) and construction sites with dust monitors, imported
        as reference data through /api/reference. Per storage: readings and batches per second, latency per batch, the
        share of readings taken, unwatched and opening cases, and where the time goes per 1,000 readings.

        Usage: dotnet run -c Release --project bench/GridServer.Bench -- sensors [options]

          --bays N                 parking bays (default 50000; the server keeps at most 50,000 records a set)
          --no-parking-share X     share of them that are no-parking bays, 0..1 (default 0.1)
          --no-parking-minutes N   how long a vehicle may stand in a no-parking bay (default 2)
          --monitors N             dust monitors (default 200)
          --monitors-per-site N    monitors per construction site (default 2)
          --dusty-share X          share of sites over their dust limit from the start, 0..1 (default 0.1); half of
                                   them clean up a third into the timed rounds, half as many more turn dusty half-way
          --batch N                readings per batch, at most 5000 (default 1000)
          --gateways N             gateways, each with one batch in flight (default 8)
          --rounds N               timed rounds, one reading per sensor each (default 20)
          --warmup-rounds N        rounds before timing on each server (default 3)
          --round-seconds N        seconds of the sensors' clocks per round (default 10); all rounds span at most 6 minutes
          --squads N, --officers N staffing, as in the cases mode (default 6, 600)
          --seed N                 seed of the city and its readings (default 1)
          --postgres CONNSTR       a FRESH migrated database on a server at PostgreSQL's durable defaults
                                   (default: ${{BenchOptions.PostgresVariable}})
          --postgres-fast CONNSTR  a FRESH migrated database on a server with fsync off (scripts/postgis.sh start --fast)
                                   (default: ${{CaseBenchOptions.PostgresFastVariable}})
          --help                   this text

        Exit code: 0 every batch taken whole and every case opened durable (PostgreSQL) or dispatched (in memory);
        1 some were not; 2 bad arguments; 3 a database is not usable (or not durable where it must be).
        """;

    public static bool TryParse(IReadOnlyList<string> args, out SensorBenchOptions options, out string? error, out bool help)
    {
        options = new SensorBenchOptions
        {
            Postgres = BenchOptions.NullIfBlank(Environment.GetEnvironmentVariable(BenchOptions.PostgresVariable)),
            PostgresFast = BenchOptions.NullIfBlank(Environment.GetEnvironmentVariable(CaseBenchOptions.PostgresFastVariable)),
        };
        error = null;
        help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var (arg, inline) = BenchOptions.SplitInline(args[i]);
            if (arg is "--help" or "-h" or "-?")
            {
                help = true;
                return true;
            }
            string value;
            if (inline is not null) value = inline;
            else if (i + 1 < args.Count) value = args[++i];
            else
            {
                error = $"{arg} needs a value (see sensors --help)";
                return false;
            }
            switch (arg)
            {
                case "--bays" when BenchOptions.Int(value, 1, 50_000, out var n): options = options with { Bays = n }; break;
                case "--no-parking-share" when Share(value, out var x): options = options with { NoParkingShare = x }; break;
                case "--no-parking-minutes" when BenchOptions.Int(value, 1, 1440, out var n): options = options with { NoParkingMinutes = n }; break;
                case "--monitors" when BenchOptions.Int(value, 0, 100_000, out var n): options = options with { Monitors = n }; break;
                case "--monitors-per-site" when BenchOptions.Int(value, 1, 100, out var n): options = options with { MonitorsPerSite = n }; break;
                case "--dusty-share" when Share(value, out var x): options = options with { DustyShare = x }; break;
                case "--batch" when BenchOptions.Int(value, 1, 5_000, out var n): options = options with { BatchSize = n }; break;
                case "--gateways" when BenchOptions.Int(value, 1, 1_000, out var n): options = options with { Gateways = n }; break;
                case "--rounds" when BenchOptions.Int(value, 1, 1_000, out var n): options = options with { Rounds = n }; break;
                case "--warmup-rounds" when BenchOptions.Int(value, 0, 1_000, out var n): options = options with { WarmupRounds = n }; break;
                case "--round-seconds" when BenchOptions.Int(value, 1, 3_600, out var n): options = options with { RoundStep = TimeSpan.FromSeconds(n) }; break;
                case "--squads" when BenchOptions.Int(value, 1, 100_000, out var n): options = options with { Squads = n }; break;
                case "--officers" when BenchOptions.Int(value, 2, 1_000_000, out var n) && n % 2 == 0: options = options with { Officers = n }; break;
                case "--seed" when BenchOptions.Int(value, int.MinValue, int.MaxValue, out var n): options = options with { Seed = n }; break;
                case "--postgres": options = options with { Postgres = BenchOptions.NullIfBlank(value) }; break;
                case "--postgres-fast": options = options with { PostgresFast = BenchOptions.NullIfBlank(value) }; break;
                case "--no-parking-share" or "--dusty-share":
                    error = $"{arg} '{value}' is not a share between 0 and 1 (e.g. 0.1)";
                    return false;
                case "--bays" or "--no-parking-minutes" or "--monitors" or "--monitors-per-site" or "--batch" or "--gateways" or "--rounds"
                    or "--warmup-rounds" or "--round-seconds" or "--squads" or "--officers" or "--seed":
                    error = $"{arg} '{value}' is not a whole number in its range (see sensors --help)";
                    return false;
                default:
                    error = $"unknown option '{arg}' (see sensors --help)";
                    return false;
            }
        }
        var span = options.RoundStep * (options.Rounds + options.WarmupRounds);
        if (span > MaxSpan)
        {
            error = $"{options.Rounds + options.WarmupRounds} rounds of {options.RoundStep.TotalSeconds:0} s span {span.TotalMinutes:0.#} minutes of the sensors' clocks; "
                + $"at most {MaxSpan.TotalMinutes:0} (the server takes no reading more than 5 minutes ahead of its clock): fewer rounds or --round-seconds";
            return false;
        }
        return true;

        static bool Share(string text, out double x) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out x) && x is >= 0 and <= 1;
    }
}
