using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage;

/// <summary>Tables an import replaces whole (the gazetteer, the component census), each with a one-row version table every silo polls.</summary>
internal static class SnapshotTables
{
    /// <summary>
    /// Replaces <paramref name="table"/>'s rows with those <paramref name="write"/> copies in, and bumps the one-row version
    /// table <paramref name="stateTable"/>, in one transaction; answers the new version. Two replacements at once: the
    /// second waits for the first's commit and then replaces it whole.
    /// </summary>
    public static async Task<long> ReplaceAsync(NpgsqlDataSource dataSource, string table, string columns, string stateTable,
        Func<NpgsqlBinaryImporter, Task> write, string importedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Two imports at once: the second waits for the first's commit and then replaces it whole.
        await using (var lockState = new NpgsqlCommand($"LOCK TABLE {stateTable} IN EXCLUSIVE MODE", connection, transaction))
            await lockState.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using (var clear = new NpgsqlCommand($"DELETE FROM {table}", connection, transaction))
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            await write(importer).ConfigureAwait(false);
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        long version;
        await using (var bump = new NpgsqlCommand($"""
            INSERT INTO {stateTable} AS s (one, version, imported_at, imported_by) VALUES (true, 1, $1, $2)
            ON CONFLICT (one) DO UPDATE SET version = s.version + 1, imported_at = excluded.imported_at, imported_by = excluded.imported_by
            RETURNING version
            """, connection, transaction))
        {
            bump.Parameters.Add(new NpgsqlParameter { Value = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            bump.Parameters.Add(new NpgsqlParameter { Value = importedBy, NpgsqlDbType = NpgsqlDbType.Text });
            version = (long)(await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    /// <summary>The version in a one-row version table; 0 before the first import.</summary>
    public static async Task<long> VersionAsync(NpgsqlDataSource dataSource, string stateTable, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce((SELECT version FROM {stateTable}), 0)");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
