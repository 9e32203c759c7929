using System.Collections.Immutable;
using GridServer.Domain;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage;

/// <summary>The revision and history rows both catalogs share (migration V011).</summary>
internal static class CatalogRows
{
    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Time(DateTimeOffset value) => new() { Value = value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz };

    public static async Task<long> RevisionAsync(NpgsqlConnection connection, string catalog, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT revision FROM gridserver.catalog_revisions WHERE catalog = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = catalog, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task<ImmutableArray<ChangeRecord>> HistoryAsync(NpgsqlConnection connection, string catalog, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT seq, name, action, version, actor, at, detail FROM gridserver.catalog_changes WHERE catalog = $1 ORDER BY seq DESC LIMIT $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = catalog, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var history = ImmutableArray.CreateBuilder<ChangeRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            history.Add(new ChangeRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return history.ToImmutable();
    }

    /// <summary>
    /// Runs one change in a transaction that first raises the catalog's revision (taking its row's lock, so changes
    /// take turns); answers the new revision.
    /// </summary>
    public static async Task<long> ChangeAsync(NpgsqlDataSource dataSource, string catalog, Func<NpgsqlConnection, CancellationToken, Task> change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long revision;
        await using (var bump = new NpgsqlCommand("UPDATE gridserver.catalog_revisions SET revision = revision + 1 WHERE catalog = $1 RETURNING revision", connection))
        {
            bump.Parameters.Add(new NpgsqlParameter { Value = catalog, NpgsqlDbType = NpgsqlDbType.Text });
            revision = (long)(await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await change(connection, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return revision;
    }

    public static async Task RecordAsync(NpgsqlConnection connection, string catalog, string name, string action, string? version, string actor, DateTimeOffset at, string? detail, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO gridserver.catalog_changes (catalog, name, action, version, actor, at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)", connection);
        foreach (var value in new[] { catalog, name, action, version, actor })
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)detail ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
