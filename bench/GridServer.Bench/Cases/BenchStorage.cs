using Npgsql;

namespace GridServer.Bench.Cases;

/// <summary>
/// One storage a run measures the server on: the embedded in-memory server, PostgreSQL at its durable defaults, or a
/// PostgreSQL that runs with fsync off (<c>scripts/postgis.sh start --fast</c>). A PostgreSQL one carries the
/// benchmark's side of its database and the settings read from it.
/// </summary>
internal sealed class BenchStorage : IAsyncDisposable
{
    public const string InMemoryLabel = "in-memory";
    public const string DurableLabel = "pg-durable";
    public const string FastLabel = "pg-fast";

    private BenchStorage(string label, string? connectionString, CaseDatabase? database, DurabilitySettings? settings, string? statementsNote)
    {
        (Label, ConnectionString, Database, Settings, StatementsNote) = (label, connectionString, database, settings, statementsNote);
    }

    /// <summary><see cref="InMemoryLabel"/>, <see cref="DurableLabel"/> or <see cref="FastLabel"/>: the name in every line of output.</summary>
    public string Label { get; }

    /// <summary>The server's connection string; null in memory.</summary>
    public string? ConnectionString { get; }

    public CaseDatabase? Database { get; }

    /// <summary>fsync, synchronous_commit and full_page_writes as the database's server runs; null in memory.</summary>
    public DurabilitySettings? Settings { get; }

    /// <summary>Why statements per operation are not measured (pg_stat_statements unavailable); null when they are.</summary>
    public string? StatementsNote { get; }

    public static BenchStorage InMemory { get; } = new(InMemoryLabel, null, null, null, null);

    /// <summary>
    /// The storages of a run, in the order they are measured: in memory, then each database given. Every database is
    /// checked before anything is measured: fresh, migrated, not the same as the other, and its durability settings read
    /// and printed; a database given as durable whose server does not run at PostgreSQL's durable defaults is refused.
    /// </summary>
    /// <param name="durableVariable">The option (or variable) that named the durable database, for the messages.</param>
    /// <param name="memoryLast">Measure in memory after the databases instead of first: the first server a process hosts
    /// runs on code the JIT has not yet optimised, so swapping the order shows what the order costs.</param>
    public static async Task<IReadOnlyList<BenchStorage>> OpenAsync(string? durable, string? fast, string durableVariable = "--postgres", bool memoryLast = false)
    {
        if (durable is not null && fast is not null && SameDatabase(durable, fast))
            throw new DatabaseRefusedException("--postgres and --postgres-fast name the same database; give two servers, one started without --fast and one with it");
        var storages = new List<BenchStorage> { InMemory };
        try
        {
            if (durable is not null) storages.Add(await OpenOneAsync(DurableLabel, durable, durableVariable));
            if (fast is not null) storages.Add(await OpenOneAsync(FastLabel, fast, "--postgres-fast"));
            if (memoryLast)
            {
                storages.Remove(InMemory);
                storages.Add(InMemory);
            }
            return storages;
        }
        catch
        {
            foreach (var storage in storages) await storage.DisposeAsync();
            throw;
        }
    }

    private static async Task<BenchStorage> OpenOneAsync(string label, string connectionString, string option)
    {
        var database = new CaseDatabase(connectionString);
        try
        {
            Console.WriteLine($"{label}: {await database.VersionAsync()}");
            var settings = await database.DurabilityAsync();
            Console.WriteLine($"{label}: {settings} ({(settings.Durable ? "PostgreSQL's durable defaults: a committed write survives a power cut" : "NOT durable: a crash may lose acknowledged writes")})");
            if (label == DurableLabel && !settings.Durable)
            {
                throw new DatabaseRefusedException(
                    $"the database of {option} is to be measured as durable, but its server runs with {settings}; PostgreSQL's durable "
                    + "defaults are fsync=on, synchronous_commit=on, full_page_writes=on. Start one without --fast "
                    + "(`scripts/postgis.sh start --dir DIR`), or pass this one as --postgres-fast");
            }
            if (label == FastLabel && settings.Durable)
                Console.WriteLine($"{label}: note: this database runs at the durable defaults too: its row is not the fast setting (scripts/postgis.sh start --fast)");
            await database.CheckFreshAsync();
            var note = await database.EnableStatementsAsync();
            if (note is not null) Console.WriteLine($"{label}: note: {note}");
            return new BenchStorage(label, connectionString, database, settings, note);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    private static bool SameDatabase(string a, string b)
    {
        var (x, y) = (new NpgsqlConnectionStringBuilder(a), new NpgsqlConnectionStringBuilder(b));
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port
            && string.Equals(x.Database ?? x.Username, y.Database ?? y.Username, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (Database is not null) await Database.DisposeAsync();
    }
}
