using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Bench.Cases;
using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;
using GridServer.Storage.Grids;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using Npgsql;

namespace GridServer.Bench.Redraw;

/// <summary>
/// How long a grid redraw takes to be served by every silo: two silos of one cluster on PostgreSQL (the real server,
/// <see cref="BenchServer"/>), a redraw through the first over HTTP; measured are its answer (the first silo serves
/// the change by then) and the moment the second silo's index serves it, for districts of several sizes. The parts
/// of a silo's rebuild (loading the grids from PostGIS, building the index) are timed on their own as well.
/// </summary>
internal static class RedrawBench
{
    public const string Usage = """
        GridServer.Bench redraw: a grid redraw served by every silo (two silos on one PostgreSQL)

          redraw --postgres CONNSTR [--grids 3000,50000] [--redraws 10] [--vertices 75]

          --postgres CONNSTR   a fresh database with the migrations (scripts/postgis.sh start --fast --dir DIR);
                               its grids are replaced by each size's generated tiling (default: $GRIDSERVER_BENCH_POSTGRES)
          --grids LIST         district sizes, comma-separated (default 3000,50000)
          --redraws N          redraws per size (default 10)
          --vertices N         about N vertices per grid (default 75)
        """;

    public static int Run(IReadOnlyList<string> args)
    {
        string? postgres = Environment.GetEnvironmentVariable(BenchOptions.PostgresVariable);
        int[] sizes = [3_000, 50_000];
        int redraws = 10, vertices = 75;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--help" or "-h": Console.WriteLine(Usage); return 0;
                    case "--postgres": postgres = Next(); break;
                    case "--grids": sizes = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                    case "--redraws": redraws = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--vertices": vertices = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                Console.Error.WriteLine($"GridServer.Bench redraw: {e.Message}{Environment.NewLine}{Usage}");
                return 2;
            }
        }
        if (postgres is null || sizes.Any(s => s < 10) || redraws < 1 || vertices < 4)
        {
            Console.Error.WriteLine($"GridServer.Bench redraw: needs --postgres, sizes of at least 10 grids, at least one redraw{Environment.NewLine}{Usage}");
            return 2;
        }
        try
        {
            return RunAsync(postgres, sizes, redraws, vertices).GetAwaiter().GetResult();
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"GridServer.Bench redraw: the database failed: {e.Message}");
            return 3;
        }
    }

    private static async Task<int> RunAsync(string postgres, int[] sizes, int redraws, int vertices)
    {
        Console.WriteLine($"machine:  {Environment.ProcessorCount} cores; .NET {Environment.Version}; server GC {System.Runtime.GCSettings.IsServerGC}");
        var rows = new List<string>();
        foreach (var size in sizes)
        {
            var workload = Workload.Create(new BenchOptions { Grids = size, Vertices = vertices, Seed = 1 });
            var now = DateTimeOffset.UtcNow;
            var grids = workload.Grids.Select(g => new Grid(g.Code, $"网格{g.Code[^4..]}", null, null, null, null, g.Boundary,
                Workload.AreaSquareMetres(g.Boundary), 1, now)).ToList();
            await using var database = new CaseDatabase(postgres);
            await database.LoadGridsAsync(grids);

            // A silo's rebuild, part by part: what each silo does when the revision moves.
            var dataSource = PostgisGridStore.CreateDataSource(postgres);
            await using (dataSource)
            {
                var store = new PostgisGridStore(dataSource, TimeProvider.System);
                var load = Stopwatch.StartNew();
                var loaded = await store.LoadCurrentAsync();
                var loadMs = load.Elapsed.TotalMilliseconds;
                var build = Stopwatch.StartNew();
                GridIndex.Build(loaded.Select(g => (g.Code, g.Boundary)));
                var buildMs = build.Elapsed.TotalMilliseconds;
                Console.WriteLine($"[{size:N0} grids] a silo's rebuild by parts: load from PostGIS {loadMs:F0} ms, build the index {buildMs:F0} ms");
            }

            await using var first = await BenchServer.StartAsync(postgres);
            await using var second = await BenchServer.StartAsync(postgres);
            await WaitAsync(() => first.Catalog.Count == grids.Count && second.Catalog.Count == grids.Count, TimeSpan.FromMinutes(5));
            var answered = new List<double>();
            var servedByAll = new List<double>();
            for (var r = 0; r < redraws; r++)
            {
                var grid = grids[(int)((r * 7919L + 13) % grids.Count)];
                var body = Shrunk(grid.Boundary);
                var clock = Stopwatch.StartNew();
                using var response = await first.OperatorHttp.PutAsync($"/api/grids/{grid.Code}", new StringContent(body, Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"redraw of {grid.Code} refused: {(int)response.StatusCode} {text}");
                    return 1;
                }
                answered.Add(clock.Elapsed.TotalMilliseconds);
                using var json = JsonDocument.Parse(text);
                var revision = json.RootElement.GetProperty("revision").GetInt64();
                await WaitAsync(() => second.Catalog.Revision >= revision, TimeSpan.FromMinutes(2), spin: true);
                servedByAll.Add(clock.Elapsed.TotalMilliseconds);
                if (first.Catalog.Revision < revision) Console.Error.WriteLine("the first silo answered before serving the change");
            }
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{size,10:N0} {redraws,8} {Percentile(answered, 0.5),10:F0} {answered.Max(),8:F0} {Percentile(servedByAll, 0.5),12:F0} {servedByAll.Max(),8:F0}");
            Console.WriteLine($"[{size:N0} grids] answered (first silo serves): {string.Join(" ", answered.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))} ms");
            Console.WriteLine($"[{size:N0} grids] served by both silos:        {string.Join(" ", servedByAll.Select(ms => ms.ToString("F0", CultureInfo.InvariantCulture)))} ms");
            rows.Add(line);
        }
        Console.WriteLine();
        Console.WriteLine("RESULTS (ms from the redraw request through silo 1; two silos on one PostgreSQL)");
        Console.WriteLine("     grids  redraws  answer p50  ans max  both-serve p50 both max");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    /// <summary>The grid shrunk to 90 % around its interior point: inside the old boundary, so it never overlaps a neighbour.</summary>
    private static string Shrunk(Geometry boundary)
    {
        var centre = boundary.InteriorPoint.Coordinate;
        var polygon = (Polygon)AffineTransformation.ScaleInstance(0.9, 0.9, centre.X, centre.Y).Transform(boundary);
        var ring = string.Join(",", polygon.ExteriorRing.Coordinates.Select(c => string.Create(CultureInfo.InvariantCulture, $"[{c.X:R},{c.Y:R}]")));
        return $"{{\"type\":\"Polygon\",\"coordinates\":[[{ring}]]}}";
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan limit, bool spin = false)
    {
        var until = Stopwatch.StartNew();
        while (!condition())
        {
            if (until.Elapsed > limit) throw new TimeoutException($"not within {limit}");
            await Task.Delay(spin ? 1 : 100);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];
    }
}
