using System.Globalization;

namespace GridServer.Bench;

/// <summary>The benchmark's settings, from the command line (and GRIDSERVER_BENCH_POSTGRES).</summary>
internal sealed record BenchOptions
{
    public const string PostgresVariable = "GRIDSERVER_BENCH_POSTGRES";

    /// <summary>About how many grids to generate (columns × rows are chosen near it, about 5:4).</summary>
    public int Grids { get; init; } = 50_000;

    /// <summary>Random lookup points, uniform over the tiling's envelope.</summary>
    public int Points { get; init; } = 1_000_000;

    /// <summary>About how many vertices per grid: 4 × (PointsPerSide + 1), so 75 gives 76.</summary>
    public int Vertices { get; init; } = 75;

    /// <summary>Seed of the tiling and of the points: same seed, same workload, on every machine.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Npgsql connection string of an empty migrated database; null skips (c) and (d).</summary>
    public string? Postgres { get; init; }

    /// <summary>How many of the points (c), one query per point, times: 1M at a few thousand a second takes minutes.</summary>
    public int SingleQueryPoints { get; init; } = 100_000;

    /// <summary>Points per batched query in (d).</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>Timed passes of each in-memory method; the median is reported.</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Timed passes of each PostGIS method; the median (of two: their mean) is reported.</summary>
    public int PostgresRuns { get; init; } = 2;

    /// <summary>GridIndexOptions.CellsPerGrid to build the index with; null: the library default.</summary>
    public double? CellsPerGrid { get; init; }

    /// <summary>Skip the (b′) row (NTS STRtree + IndexedPointInAreaLocator, given for context).</summary>
    public bool SkipLocatorBaseline { get; init; }

    /// <summary>PointsPerSide of the TilingSpec that gives about <see cref="Vertices"/> vertices.</summary>
    public int PointsPerSide => Math.Max(0, (int)Math.Round(Vertices / 4.0, MidpointRounding.AwayFromZero) - 1);

    public const string Usage = """
        GridServer.Bench: point-to-grid lookups per second and memory, all on one generated tiling, in one run:
          (a) GridServer's GridIndex
          (b) NetTopologySuite STRtree + PreparedGeometry.Covers (the issue's baseline)
          (b') NetTopologySuite STRtree + IndexedPointInAreaLocator (for context; --skip-locator-baseline)
          (c) PostGIS gridserver.locate, one prepared query per point, one connection
          (d) PostGIS gridserver.locate batched with unnest, on 1 and on 2 connections

        Usage: dotnet run -c Release --project bench/GridServer.Bench -- [options]
               dotnet run -c Release --project bench/GridServer.Bench -- cases [options]   (see cases --help)

          --grids N                  about N grids (default 50000; 250 x 200)
          --points N                 random lookup points (default 1000000)
          --vertices N               about N vertices per grid (default 75: PointsPerSide 18, 76 vertices)
          --seed N                   seed of tiling and points (default 1)
          --postgres CONNSTR         Npgsql connection string of an EMPTY migrated database
                                     (default: $GRIDSERVER_BENCH_POSTGRES; without either, (c) and (d) are skipped)
          --single-query-points N    how many points (c) times, one query each (default 100000); (d) checks all
          --batch-size N             points per batched query in (d) (default 10000)
          --runs N                   timed passes per in-memory method, median reported (default 3, at least 2)
          --postgres-runs N          timed passes per PostGIS method, median reported (default 2, at least 1)
          --cells-per-grid X         GridIndexOptions.CellsPerGrid for (a) (default: the library's)
          --skip-locator-baseline    do not run (b')
          --help                     this text

        Exit code: 0 all methods agree on every point; 1 some disagreement; 2 bad arguments;
        3 the database is not usable (not migrated, or gridserver.grids not empty).
        """;

    /// <summary>Parses the arguments; a wrong one gives an error that names it and says what is expected.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out BenchOptions options, out string? error, out bool help)
    {
        options = new BenchOptions { Postgres = NullIfBlank(Environment.GetEnvironmentVariable(PostgresVariable)) };
        error = null;
        help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var (arg, inlineValue) = SplitInline(args[i]);

            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    help = true;
                    return true;
                case "--skip-locator-baseline":
                    options = options with { SkipLocatorBaseline = true };
                    continue;
            }

            string value;
            if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                error = $"{arg} needs a value (see --help)";
                return false;
            }

            switch (arg)
            {
                case "--grids" when Int(value, 1, 4_000_000, out var n): options = options with { Grids = n }; break;
                case "--points" when Int(value, 1, 200_000_000, out var n): options = options with { Points = n }; break;
                case "--vertices" when Int(value, 4, 100_000, out var n): options = options with { Vertices = n }; break;
                case "--seed" when Int(value, int.MinValue, int.MaxValue, out var n): options = options with { Seed = n }; break;
                case "--single-query-points" when Int(value, 0, int.MaxValue, out var n): options = options with { SingleQueryPoints = n }; break;
                case "--batch-size" when Int(value, 1, 10_000_000, out var n): options = options with { BatchSize = n }; break;
                case "--runs" when Int(value, 2, 100, out var n): options = options with { Runs = n }; break;
                case "--postgres-runs" when Int(value, 1, 100, out var n): options = options with { PostgresRuns = n }; break;
                case "--postgres": options = options with { Postgres = NullIfBlank(value) }; break;
                case "--cells-per-grid" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x > 0 && double.IsFinite(x):
                    options = options with { CellsPerGrid = x };
                    break;
                case "--grids" or "--points" or "--vertices" or "--seed" or "--single-query-points" or "--batch-size"
                    or "--runs" or "--postgres-runs":
                    error = $"{arg} '{value}' is not a whole number in its range (see --help)";
                    return false;
                case "--cells-per-grid":
                    error = $"--cells-per-grid '{value}' is not a positive number, e.g. 24";
                    return false;
                default:
                    error = $"unknown option '{arg}' (see --help)";
                    return false;
            }
        }
        return true;
    }

    /// <summary>A whole number within [min, max]; "20_000" and "20,000" are read as 20000.</summary>
    internal static bool Int(string text, int min, int max, out int value) =>
        int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowThousands | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && value >= min && value <= max;

    /// <summary>"--name=value" as ("--name", "value"); any other argument as (argument, null).</summary>
    internal static (string Name, string? InlineValue) SplitInline(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    internal static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
