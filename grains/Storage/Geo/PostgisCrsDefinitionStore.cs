using GridServer.Domain.Geo;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Geo;

/// <summary>The bureau's named coordinate systems in PostgreSQL (V029): a handful of rows, read whole for each import.</summary>
public sealed class PostgisCrsDefinitionStore(NpgsqlDataSource dataSource) : ICrsDefinitionStore
{
    public static readonly string[] RequiredMigrations = ["V029__crs_definitions"];

    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in RequiredMigrations) await PostgisSchema.RequireAsync(dataSource, migration, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredCrsDefinition>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT name, base, to_wgs84, plane, description, changed_by, changed_at FROM gridserver.crs_definitions ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var all = new List<StoredCrsDefinition>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var plane = reader.IsDBNull(3) ? null : reader.GetFieldValue<double[]>(3);
            all.Add(new StoredCrsDefinition(
                new CrsDefinition(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<double[]>(2),
                    plane is null ? null : new PlaneSimilarity(plane[0], plane[1], plane[2], plane[3]), reader.IsDBNull(4) ? null : reader.GetString(4)),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return all;
    }

    public async Task SaveAsync(StoredCrsDefinition stored, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var d = stored.Definition;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gridserver.crs_definitions (name, base, to_wgs84, plane, description, changed_by, changed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (name) DO UPDATE SET base = excluded.base, to_wgs84 = excluded.to_wgs84, plane = excluded.plane,
                description = excluded.description, changed_by = excluded.changed_by, changed_at = excluded.changed_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = d.Name, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = d.Base, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)d.ToWgs84 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = d.Plane is { } p ? new[] { p.East, p.North, p.RotationSeconds, p.ScalePpm } : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)d.Description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stored.ChangedBy, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stored.ChangedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM gridserver.crs_definitions WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
