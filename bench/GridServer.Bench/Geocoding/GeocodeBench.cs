using System.Diagnostics;
using System.Globalization;
using GridServer.Domain.Geocoding;
using GridServer.SampleData;

namespace GridServer.Bench.Geocoding;

/// <summary>
/// 地理编码 quality and speed on a generated city (<see cref="GazetteerSample"/>): precision (of the addresses acted on
/// alone, the share placed on the right entry), recall (of the addresses the gazetteer has, the share placed alone) and
/// the share whose entry was offered, by kind of noise; against a baseline in the same run, the whole address brought
/// to one spelling and looked up exactly. Then matches per second for both, and the index's build time and memory.
/// </summary>
internal static class GeocodeBench
{
    private const string Usage = """
        GridServer.Bench geocode: the gazetteer matcher on a generated city with noisy addresses

          --entries N   gazetteer entries: door plates and buildings (default 300000)
          --queries N   addresses matched, one noise kind in turn (default 30000)
          --seed N      (default 1)
        """;

    public static int Run(IReadOnlyList<string> args)
    {
        int entries = 300_000, queries = 30_000, seed = 1;
        for (var i = 0; i < args.Count; i++)
        {
            int Count() => i + 1 < args.Count && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new ArgumentException($"{args[i]} needs a whole number above zero");
            try
            {
                switch (args[i])
                {
                    case "--entries": entries = Math.Max(100, Count()); break;
                    case "--queries": queries = Count(); break;
                    case "--seed": seed = Count(); break;
                    case "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"GridServer.Bench geocode: {e.Message}\n{Usage}");
                return 2;
            }
        }

        Program.PrintMachine("GridServer.Bench: geocoding");
        var sample = GazetteerSample.Generate(entries, queries, seed);
        Console.WriteLine($"gazetteer: {sample.Entries.Count} entries, {sample.Aliases.Count} aliases; {sample.Queries.Count} queries; seed {seed}");

        var before = Memory();
        var watch = Stopwatch.StartNew();
        var index = Gazetteer.Build(sample.Entries, sample.Aliases.ToDictionary());
        var build = watch.Elapsed;
        var memory = Memory() - before;
        GC.KeepAlive(index);
        var baseline = GeocodeQuality.ExactBaseline(sample.Entries);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"index: built in {build.TotalSeconds:0.00} s, {memory / 1024.0 / 1024:0} MiB; {index.Count} entries readable, {sample.Entries.Count - index.Count} not"));
        Console.WriteLine();

        var matcher = GeocodeQuality.Score(sample.Queries, index.Match);
        var exact = GeocodeQuality.Score(sample.Queries, baseline);
        Console.WriteLine("| noise | queries | precision | recall | offered | exact baseline: precision | recall |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (m, b) in matcher.Zip(exact))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Kind} | {m.Queries} | {m.Precision:P2} | {(m.WithTruth == 0 ? "—" : m.Recall.ToString("P2", CultureInfo.InvariantCulture))} | {(m.WithTruth == 0 ? "—" : m.OfferedShare.ToString("P2", CultureInfo.InvariantCulture))} | {b.Precision:P2} | {(b.WithTruth == 0 ? "—" : b.Recall.ToString("P2", CultureInfo.InvariantCulture))} |"));
        Console.WriteLine();

        // What it acted on wrongly, a few of each kind: where to look first.
        foreach (var group in sample.Queries.GroupBy(q => q.Noise))
        {
            foreach (var query in group.Where(q => index.Match(q.Text) is { Confident: true } m && m.Best!.Entry.Id != q.TruthId).Take(3))
            {
                var best = index.Match(query.Text).Best!;
                var truth = query.TruthId is null ? "none" : sample.Entries.First(e => e.Id == query.TruthId).Address;
                Console.WriteLine($"wrong ({group.Key}): '{query.Text}' -> {best.Entry.Address} ({best.Score}: {best.Why}); right: {truth}");
            }
        }
        Console.WriteLine();

        var texts = sample.Queries.Select(q => q.Text).ToArray();
        var (matchRate, baselineRate) = (Rate(texts, t => index.Match(t)), Rate(texts, t => baseline(t)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speed: matcher {matchRate:N0} addresses/s, exact baseline {baselineRate:N0}/s (matcher {matchRate / baselineRate:0.00}x the baseline); one core"));
        return 0;
    }

    /// <summary>Addresses per second on one thread, best of three passes after a warm-up pass.</summary>
    private static double Rate(string[] texts, Func<string, AddressMatch> match)
    {
        foreach (var t in texts.Take(1000)) match(t);
        var best = 0.0;
        for (var pass = 0; pass < 3; pass++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var t in texts) match(t);
            best = Math.Max(best, texts.Length / watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
