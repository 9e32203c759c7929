using System.Globalization;
using System.Text.RegularExpressions;

namespace GridServer.Bench.Cases;

/// <summary>
/// Where one timed run's time went: CPU of this process (the hosted server and its HTTP clients), CPU of PostgreSQL,
/// committed transactions, statements (pg_stat_statements), WAL, rows written per table, and the case store's group
/// commit (steps written, batches committed). Figures are per operation of the run, or per <see cref="Scale"/> of them.
/// </summary>
internal sealed partial record RunCost(
    string Storage, int Operations, double ProcessCpuSeconds, double? PostgresCpuSeconds, WriteCounters? Before, WriteCounters? After,
    StatementCounters? Statements, string? StatementsNote, (long Batches, long Writes)? GroupCommit)
{
    /// <summary>Figures are per this many operations (1: per report; 1,000: per thousand readings).</summary>
    public int Scale { get; init; } = 1;

    private double Per(double total) => total * Scale / Operations;

    /// <summary>CPU milliseconds of this process per operation.</summary>
    public double ProcessCpuMs => Per(ProcessCpuSeconds * 1000);

    /// <summary>CPU milliseconds of PostgreSQL per operation; null in memory.</summary>
    public double? PostgresCpuMs => PostgresCpuSeconds is { } s ? Per(s * 1000) : null;

    public double? Commits => Before is not null && After is not null ? Per(After.Commits - Before.Commits) : null;

    public double? StatementsPer => Statements is { } s ? Per(s.Calls) : null;

    /// <summary>Execution time inside PostgreSQL per operation, ms (pg_stat_statements' total_exec_time).</summary>
    public double? StatementMs => Statements is { } s ? Per(s.TotalMilliseconds) : null;

    public double? WalKilobytes => Before?.Wal is { } b && After?.Wal is { } a ? Per((a.Bytes - b.Bytes) / 1000.0) : null;

    /// <summary>WAL flushes to disk (fsync) per operation: zero with fsync off.</summary>
    public double? WalSyncs => Before?.Wal is { } b && After?.Wal is { } a ? Per(a.Syncs - b.Syncs) : null;

    /// <summary>Case steps written per operation, and how many a committed batch held on average.</summary>
    public (double Writes, double PerBatch)? CaseWrites => GroupCommit is { } g
        ? (Per(g.Writes), g.Batches == 0 ? 0 : g.Writes / (double)g.Batches) : null;

    /// <summary>The run's figures as lines of text, each starting with the storage's label.</summary>
    public IEnumerable<string> Describe(string unit)
    {
        var prefix = $"[{Storage}]";
        var parts = new List<string> { F($"bench process CPU {ProcessCpuMs:0.000} ms") };
        if (PostgresCpuMs is { } pg) parts.Add(F($"PostgreSQL CPU {pg:0.000} ms"));
        if (Commits is { } c) parts.Add(F($"{c:0.00} committed transactions"));
        if (StatementsPer is { } st) parts.Add(F($"{st:0.00} statements ({StatementMs:0.000} ms executing)"));
        if (Before is not null && After is not null && WriteCounters.WalPer(Before, After, Operations / Scale) is { } wal) parts.Add(wal);
        if (CaseWrites is { } w) parts.Add(F($"case store {w.Writes:0.00} step writes, {w.PerBatch:0.0} steps per committed batch ({GroupCommit!.Value.Batches:N0} batches)"));
        yield return $"{prefix} {unit}: {string.Join("; ", parts)}";
        if (Before is not null && After is not null)
        {
            var rows = WriteCounters.RowsPer(Before, After, Operations / Scale).Select(r =>
                $"{r.Table} {string.Join(" + ", new[] { (r.Inserted, "ins"), (r.Updated, "upd"), (r.Deleted, "del") }.Where(x => x.Item1 != 0).Select(x => $"{Figure(x.Item1)} {x.Item2}"))}");
            yield return $"{prefix} rows written {unit}: {string.Join("; ", rows.DefaultIfEmpty("none"))}";
        }
        if (StatementsNote is not null) yield return $"{prefix} statements: not measured: {StatementsNote}";
        else if (Statements is { } s)
        {
            foreach (var top in s.Top)
            {
                yield return $"{prefix}   {Per(top.Calls),8:0.00} calls {Per(top.TotalMilliseconds),8:0.000} ms {Per(top.Rows),7:0.00} rows "
                    + $"{Per(top.WalBytes) / 1000,6:0.0} kB WAL  {Shorten(top.Query)}";
            }
        }
    }

    /// <summary>Two decimals, three below 0.1 (a table written once in ten operations is not "0.00").</summary>
    private static string Figure(double x) => x.ToString(Math.Abs(x) < 0.1 ? "0.000" : "0.00", CultureInfo.InvariantCulture);

    /// <summary>A statement's text on one line, at most 110 characters.</summary>
    private static string Shorten(string query)
    {
        var line = Spaces().Replace(query, " ").Trim();
        return line.Length <= 110 ? line : line[..107] + "...";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Takes the readings of a <see cref="RunCost"/> around one timed run: PostgreSQL's counters (after the pause its
/// backends need to report them), pg_stat_statements reset before and read after, PostgreSQL's CPU and the case store's
/// group-commit counts right around the run.
/// </summary>
internal sealed class CostProbe
{
    /// <summary>How long PostgreSQL's backends may hold their counters before reporting them (idle: about 10 s).</summary>
    public static readonly TimeSpan CounterDelay = TimeSpan.FromSeconds(11);

    /// <summary>How many of the costliest statements a run lists.</summary>
    private const int TopStatements = 6;

    private readonly BenchServer _server;
    private readonly BenchStorage _storage;
    private readonly PostgresCpu? _postgresCpu;
    private WriteCounters? _before;
    private double? _postgresBefore;
    private (long Batches, long Writes)? _committedBefore;

    private CostProbe(BenchServer server, BenchStorage storage, PostgresCpu? postgresCpu) =>
        (_server, _storage, _postgresCpu) = (server, storage, postgresCpu);

    /// <summary>Takes the readings before a run; with PostgreSQL this waits <see cref="CounterDelay"/> first.</summary>
    public static async Task<CostProbe> BeforeAsync(BenchServer server, BenchStorage storage, PostgresCpu? postgresCpu)
    {
        var probe = new CostProbe(server, storage, postgresCpu);
        if (storage.Database is { } db)
        {
            await Task.Delay(CounterDelay);
            probe._before = await db.CountersAsync();
            if (storage.StatementsNote is null) await db.ResetStatementsAsync();
        }
        probe._postgresBefore = postgresCpu?.Seconds();
        probe._committedBefore = server.CaseStoreCommitted;
        return probe;
    }

    /// <summary>Takes the readings after <paramref name="run"/>; with PostgreSQL this waits <see cref="CounterDelay"/> for the counters.</summary>
    public async Task<RunCost> AfterAsync(LoadRun run, int operations, int scale = 1)
    {
        var postgres = _postgresCpu?.Seconds() - _postgresBefore;
        (long, long)? committed = _server.CaseStoreCommitted is { } c && _committedBefore is { } b ? (c.Batches - b.Batches, c.Writes - b.Writes) : null;
        StatementCounters? statements = null;
        WriteCounters? after = null;
        if (_storage.Database is { } db)
        {
            if (_storage.StatementsNote is null) statements = await db.StatementsAsync(TopStatements);
            await Task.Delay(CounterDelay);
            after = await db.CountersAsync();
        }
        return new RunCost(_storage.Label, operations, run.OwnCpuSeconds, postgres, _before, after, statements, _storage.StatementsNote, committed) { Scale = scale };
    }
}
