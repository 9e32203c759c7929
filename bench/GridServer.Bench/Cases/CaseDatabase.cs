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
    /// PostgreSQL's cumulative counters: committed transactions of this database, rows inserted, updated and deleted
    /// per table of the orleans and gridserver schemas, and the server's WAL (pg_stat_wal, PostgreSQL 14 and later).
    /// Backends report them after a delay (up to about 10 s when idle), so a reading is taken after a pause that long.
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
        var committed = (long)(await commits.ExecuteScalarAsync())!;
        WalCounters? wal = null;
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT wal_records, wal_fpi, wal_bytes::bigint, wal_write, wal_sync FROM pg_stat_wal");
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync()) wal = new WalCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // PostgreSQL before 14 has no pg_stat_wal: the WAL figures are left out.
        }
        return new WriteCounters(committed, tables, wal);
    }

    /// <summary>The settings that decide whether a committed transaction survives a power cut.</summary>
    public async Task<DurabilitySettings> DurabilityAsync()
    {
        async Task<string> Show(string name)
        {
            await using var command = _dataSource.CreateCommand($"SHOW {name}");
            return (string)(await command.ExecuteScalarAsync())!;
        }
        return new DurabilitySettings(await Show("fsync"), await Show("synchronous_commit"), await Show("full_page_writes"));
    }

    /// <summary>
    /// Makes pg_stat_statements usable in this database (CREATE EXTENSION IF NOT EXISTS); null when it is, else why not.
    /// It needs the server started with <c>shared_preload_libraries = 'pg_stat_statements'</c>, as scripts/postgis.sh does.
    /// </summary>
    public async Task<string?> EnableStatementsAsync()
    {
        try
        {
            await using (var create = _dataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
                await create.ExecuteNonQueryAsync();
            await using var probe = _dataSource.CreateCommand("SELECT count(*) FROM pg_stat_statements");
            await probe.ExecuteScalarAsync();
            return null;
        }
        catch (PostgresException e)
        {
            return $"pg_stat_statements is not available ({e.MessageText}); statements per operation are not measured. "
                + "Start PostgreSQL with shared_preload_libraries = 'pg_stat_statements' (scripts/postgis.sh start does)";
        }
    }

    /// <summary>Forgets what pg_stat_statements counted so far (all databases of the server).</summary>
    public async Task ResetStatementsAsync()
    {
        await using var command = _dataSource.CreateCommand("SELECT pg_stat_statements_reset()");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// What pg_stat_statements counted in this database since its reset, without the benchmark's own readings of it:
    /// statements executed, their execution time, and the statements that took the most time.
    /// </summary>
    public async Task<StatementCounters> StatementsAsync(int top)
    {
        const string Mine = "query NOT ILIKE '%pg_stat_statements%'";
        await using var totals = _dataSource.CreateCommand($"""
            SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(total_exec_time), 0)::float8, coalesce(sum(rows), 0)::bigint
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND {Mine}
            """);
        long calls, rows;
        double milliseconds;
        await using (var reader = await totals.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (calls, milliseconds, rows) = (reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2));
        }
        var statements = new List<StatementFigure>();
        await using (var command = _dataSource.CreateCommand($"""
            SELECT query, calls, total_exec_time, rows, wal_bytes::bigint FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND {Mine}
            ORDER BY total_exec_time DESC LIMIT $1
            """))
        {
            command.Parameters.AddWithValue(top);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                statements.Add(new StatementFigure(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4)));
        }
        return new StatementCounters(calls, milliseconds, rows, statements);
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

    /// <summary>
    /// Of the given cases, what the store holds of each: its row, Dispatched to an officer with a deadline wake time or
    /// waiting in the command-center queue, its timeline events, and its dispatch notice in the officer's inbox.
    /// </summary>
    public async Task<CaseOutcomes> OutcomesAsync(IReadOnlyList<string> caseIds)
    {
        if (caseIds.Count == 0) return new CaseOutcomes(0, 0, 0, 0, 0, 0);
        await using var command = _dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($1) AND version >= 1),
                   (SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($1) AND state = 'Dispatched' AND officer_id IS NOT NULL AND wake_at IS NOT NULL),
                   (SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($1) AND queue_reason IS NOT NULL),
                   (SELECT count(DISTINCT case_ids[1]) FROM gridserver.notices WHERE kind = 'dispatch' AND case_ids[1] = ANY($1) AND recipient LIKE 'officer:%'),
                   (SELECT count(DISTINCT case_id) FROM gridserver.case_events WHERE case_id = ANY($1)),
                   (SELECT count(*) FROM gridserver.case_events WHERE case_id = ANY($1))
            """);
        command.Parameters.AddWithValue(caseIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new CaseOutcomes(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    /// <summary>Grain states whose type names <paramref name="typeLike"/>: how many rows, their average and largest payload in bytes.</summary>
    public async Task<(long Count, double AverageBytes, long LargestBytes)> GrainStateSizesAsync(string typeLike)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT count(*), coalesce(avg(octet_length(payload)), 0)::float8, coalesce(max(octet_length(payload)), 0)::bigint
            FROM orleans.grain_state WHERE grain_type LIKE '%' || $1 || '%'
            """);
        command.Parameters.AddWithValue(typeLike);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2));
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

/// <summary>
/// What the store holds of a set of acknowledged cases: rows, Dispatched with a wake time, queued, with their officer's
/// dispatch notice, with timeline events (and how many events in all).
/// </summary>
internal sealed record CaseOutcomes(long Stored, long Dispatched, long Queued, long Noticed, long WithEvents, long Events)
{
    /// <summary>Every one of <paramref name="expected"/> stored with its timeline, dispatched (and noticed) or queued.</summary>
    public bool Complete(long expected) =>
        Stored == expected && Dispatched + Queued == expected && Noticed == Dispatched && WithEvents == expected;

    public string Describe(long expected) => string.Create(CultureInfo.InvariantCulture,
        $"of {expected:N0} acknowledged, {Stored:N0} stored, {Dispatched:N0} Dispatched to an officer with a deadline wake time, {Queued:N0} queued, "
        + $"{Noticed:N0} with the dispatch notice in the officer's inbox, {WithEvents:N0} with a timeline ({(WithEvents == 0 ? 0 : Events / (double)WithEvents):0.00} events each)");
}

/// <summary>The server's WAL so far (pg_stat_wal): records, full-page images, bytes, writes and flushes to disk (fsyncs).</summary>
internal sealed record WalCounters(long Records, long FullPageImages, long Bytes, long Writes, long Syncs);

/// <summary><c>SHOW fsync</c>, <c>SHOW synchronous_commit</c>, <c>SHOW full_page_writes</c> of a database's server.</summary>
internal sealed record DurabilitySettings(string Fsync, string SynchronousCommit, string FullPageWrites)
{
    /// <summary>PostgreSQL's durable defaults: a committed transaction survives a power cut (and a torn page is repaired).</summary>
    public bool Durable => Fsync == "on" && SynchronousCommit == "on" && FullPageWrites == "on";

    public override string ToString() => $"fsync={Fsync}, synchronous_commit={SynchronousCommit}, full_page_writes={FullPageWrites}";
}

/// <summary>One statement of pg_stat_statements: its normalised text, executions, total execution time (ms), rows and WAL bytes.</summary>
internal sealed record StatementFigure(string Query, long Calls, double TotalMilliseconds, long Rows, long WalBytes);

/// <summary>What pg_stat_statements counted since its reset: statements executed, their execution time (ms) and rows; the costliest.</summary>
internal sealed record StatementCounters(long Calls, double TotalMilliseconds, long Rows, IReadOnlyList<StatementFigure> Top);

/// <summary>A reading of PostgreSQL's counters (see <see cref="CaseDatabase.CountersAsync"/>).</summary>
internal sealed record WriteCounters(long Commits, IReadOnlyDictionary<string, (long Inserted, long Updated, long Deleted)> Tables, WalCounters? Wal = null)
{
    /// <summary>Rows written per operation and table between two readings, for the tables that changed.</summary>
    public static IReadOnlyList<(string Table, double Inserted, double Updated, double Deleted)> RowsPer(WriteCounters before, WriteCounters after, int operations)
    {
        var rows = new List<(string, double, double, double)>();
        foreach (var (table, a) in after.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var b = before.Tables.GetValueOrDefault(table);
            var (ins, upd, del) = (a.Inserted - b.Inserted, a.Updated - b.Updated, a.Deleted - b.Deleted);
            if (ins != 0 || upd != 0 || del != 0) rows.Add((table, ins / (double)operations, upd / (double)operations, del / (double)operations));
        }
        return rows;
    }

    /// <summary>"orleans.grain_state 1.00 ins + 2.00 upd; ..." per case, for the tables that changed between the readings.</summary>
    public static string PerCase(WriteCounters before, WriteCounters after, int cases)
    {
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"{(after.Commits - before.Commits) / (double)cases:0.00} committed transactions") };
        if (WalPer(before, after, cases) is { } wal) parts.Add(wal);
        foreach (var (table, ins, upd, del) in RowsPer(before, after, cases))
        {
            var counts = new List<string>();
            if (ins != 0) counts.Add(string.Create(CultureInfo.InvariantCulture, $"{ins:0.00} inserted"));
            if (upd != 0) counts.Add(string.Create(CultureInfo.InvariantCulture, $"{upd:0.00} updated"));
            if (del != 0) counts.Add(string.Create(CultureInfo.InvariantCulture, $"{del:0.00} deleted"));
            parts.Add($"{table}: {string.Join(", ", counts)}");
        }
        return string.Join("; ", parts);
    }

    /// <summary>"WAL 2.1 kB, 14.0 records, 0.02 flushes to disk" per operation, or null without pg_stat_wal.</summary>
    public static string? WalPer(WriteCounters before, WriteCounters after, int operations) =>
        before.Wal is { } b && after.Wal is { } a
            ? string.Create(CultureInfo.InvariantCulture,
                $"WAL {(a.Bytes - b.Bytes) / 1000.0 / operations:0.0} kB, {(a.Records - b.Records) / (double)operations:0.0} records, "
                + $"{(a.FullPageImages - b.FullPageImages) / (double)operations:0.00} full-page images, {(a.Syncs - b.Syncs) / (double)operations:0.000} flushes to disk")
            : null;
}
