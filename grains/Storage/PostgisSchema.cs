using Npgsql;

namespace GridServer.Storage;

/// <summary>
/// Checks that a database has the project's schema: the migrations under gis-data/migrations, applied and
/// recorded in <c>gridserver.schema_migrations</c> by scripts/postgis.sh.
/// </summary>
public static class PostgisSchema
{
    /// <summary>"PostGIS at host:port/database", for messages.</summary>
    public static string Describe(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var b = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"PostGIS at {b.Host}:{b.Port}/{b.Database}";
    }

    /// <summary>Fails with an instruction when the database lacks <paramref name="migration"/> (e.g. "V001__grids").</summary>
    public static async Task RequireAsync(NpgsqlDataSource dataSource, string migration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT to_regclass('gridserver.schema_migrations') IS NOT NULL AND EXISTS (SELECT 1 FROM gridserver.schema_migrations WHERE version = $1)");
        command.Parameters.AddWithValue(migration);
        bool ready;
        try
        {
            ready = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidSchemaName || e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            ready = false;
        }
        if (!ready)
            throw new InvalidOperationException(
                $"{Describe(dataSource)} lacks the GridServer schema (migration {migration}); apply it with: scripts/postgis.sh migrate '<connection string>'");
    }
}
