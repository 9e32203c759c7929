using System.Globalization;
using GridServer.Domain.Grids;
using GridServer.Storage;
using GridServer.Storage.Cases;
using GridServer.Storage.Grids;
using Npgsql;

namespace GridServer.Bench.Cases;

/// <summary>
/// Row counts that show whether every opened case is durable: the case rows the case store wrote, those Dispatched to an
/// officer with their deadline clock's wake time, the timeline events, and the officers' dispatch notices.
/// </summary>
internal sealed record DurableCounts(long Cases, long Dispatched, long CaseEvents, long DispatchNotices)
{
    /// <summary>Every one of <paramref name="expected"/> cases stored, dispatched with a wake time, and noticed.</summary>
    public bool Complete(long expected) => Cases == expected && Dispatched == expected && DispatchNotices == expected;
}

/// <summary>
/// The benchmark's side of the PostgreSQL database the server runs on: refuses one that is not fresh, loads the
/// sample grids the way the server's own import does, reads PostgreSQL's write counters, and counts durable cases.
/// </summary>
internal sealed class CaseDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public CaseDatabase(string connectionString) => _dataSource = PostgisGridStore.CreateDataSource(connectionString);

    public async Task<string> VersionAsync()
    {
        await using var command = _dataSource.CreateCommand("SELECT version()");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Refuses a database without the migrations, or with anything the benchmark would count or overwrite in it:
    /// grids, grain state, reminders, cluster members or cases.
    /// </summary>
    public async Task CheckFreshAsync()
    {
        try
        {
            await PostgisSchema.RequireAsync(_dataSource, PostgisGridStore.RequiredMigration);
            foreach (var migration in PostgisCaseStore.RequiredMigrations) await PostgisSchema.RequireAsync(_dataSource, migration);
        }
        catch (InvalidOperationException e)
        {
            throw new DatabaseRefusedException(e.Message);
        }
        foreach (var table in new[] { "gridserver.grids", "gridserver.cases", "gridserver.case_events", "gridserver.notices", "orleans.grain_state", "orleans.reminders", "orleans.membership" })
        {
            await using var command = _dataSource.CreateCommand($"SELECT count(*) FROM {table}");
            var rows = (long)(await command.ExecuteScalarAsync())!;
            if (rows > 0)
            {
                throw new DatabaseRefusedException(
                    $"{table} already holds {rows:N0} row(s). The benchmark counts every case it finds, loads its own grids and " +
                    "leaves its data behind, so it runs only on a fresh database: start a throw-away one with " +
                    "`scripts/postgis.sh start --fast --dir DIR` and pass its connection string");
            }
        }
    }

    /// <summary>Stores the grids as <c>grids import</c> does (a whole set, replacing); the server serves what is stored.</summary>
    public async Task LoadGridsAsync(IReadOnlyList<Grid> grids) =>
        await new PostgisGridStore(_dataSource, TimeProvider.System).SaveAsync(grids, GridSaveMode.Replace);

    /// <summary>
    /// PostgreSQL's cumulative counters: committed transactions of this database, and rows inserted, updated and
    /// deleted per table of the orleans and gridserver schemas. Backends report them after a delay (up to about
    /// 10 s when idle), so a reading is taken after a pause that long.
    /// </summary>
    public async Task<WriteCounters> CountersAsync()
    {
        var tables = new Dictionary<string, (long Inserted, long Updated, long Deleted)>(StringComparer.Ordinal);
        await using (var command = _dataSource.CreateCommand(
            "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname IN ('orleans', 'gridserver')"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        await using var commits = _dataSource.CreateCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        return new WriteCounters((long)(await commits.ExecuteScalarAsync())!, tables);
    }

    /// <summary>Counts the cases' durable rows (every case in the database is the benchmark's: it refuses one that is not fresh).</summary>
    public async Task<DurableCounts> CountAsync()
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM gridserver.cases WHERE version >= 1),
                   (SELECT count(*) FROM gridserver.cases WHERE state = 'Dispatched' AND officer_id IS NOT NULL AND wake_at IS NOT NULL),
                   (SELECT count(*) FROM gridserver.case_events),
                   (SELECT count(*) FROM gridserver.notices WHERE kind = 'dispatch')
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DurableCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>
    /// Of the given cases: how many the case store holds, how many of those are Dispatched to an officer with a wake time
    /// for their deadline, and how many have their dispatch notice in an officer's inbox.
    /// </summary>
    public async Task<(int Stored, int Dispatched, int Noticed)> CountCasesAsync(IReadOnlyList<string> caseIds)
    {
        if (caseIds.Count == 0) return (0, 0, 0);
        await using var command = _dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($1) AND version >= 1),
                   (SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($1) AND state = 'Dispatched' AND officer_id IS NOT NULL AND wake_at IS NOT NULL),
                   (SELECT count(DISTINCT case_ids[1]) FROM gridserver.notices WHERE kind = 'dispatch' AND case_ids[1] = ANY($1) AND recipient LIKE 'officer:%')
            """);
        command.Parameters.AddWithValue(caseIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2));
    }

    /// <summary>The process id of the PostgreSQL server (the postmaster), to read its CPU time from /proc; null off Linux.</summary>
    public async Task<int?> ServerProcessIdAsync()
    {
        await using var command = _dataSource.CreateCommand("SELECT pg_backend_pid()");
        var backend = (int)(await command.ExecuteScalarAsync())!;
        return PostgresCpu.ParentOf(backend);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>A reading of PostgreSQL's counters (see <see cref="CaseDatabase.CountersAsync"/>).</summary>
internal sealed record WriteCounters(long Commits, IReadOnlyDictionary<string, (long Inserted, long Updated, long Deleted)> Tables)
{
    /// <summary>"orleans.grain_state 1.00 ins + 2.00 upd; ..." per case, for the tables that changed between the readings.</summary>
    public static string PerCase(WriteCounters before, WriteCounters after, int cases)
    {
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"{(after.Commits - before.Commits) / (double)cases:0.00} committed transactions") };
        foreach (var (table, a) in after.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var b = before.Tables.GetValueOrDefault(table);
            var (ins, upd, del) = (a.Inserted - b.Inserted, a.Updated - b.Updated, a.Deleted - b.Deleted);
            if (ins == 0 && upd == 0 && del == 0) continue;
            var counts = new List<string>();
            if (ins != 0) counts.Add(string.Create(CultureInfo.InvariantCulture, $"{ins / (double)cases:0.00} inserted"));
            if (upd != 0) counts.Add(string.Create(CultureInfo.InvariantCulture, $"{upd / (double)cases:0.00} updated"));
            if (del != 0) counts.Add(string.Create(CultureInfo.InvariantCulture, $"{del / (double)cases:0.00} deleted"));
            parts.Add($"{table}: {string.Join(", ", counts)}");
        }
        return string.Join("; ", parts);
    }
}
