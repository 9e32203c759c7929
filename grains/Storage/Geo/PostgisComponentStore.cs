using System.Collections.Immutable;
using GridServer.Domain.Catalog;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Geo;

/// <summary>The component census in PostgreSQL (V031), replaced whole by each import in one transaction (binary COPY).</summary>
public sealed class PostgisComponentStore(NpgsqlDataSource dataSource) : IComponentStore
{
    public static readonly string[] RequiredMigrations = ["V031__component_census"];

    private const string StateTable = "gridserver.component_census_state";

    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in RequiredMigrations) await PostgisSchema.RequireAsync(dataSource, migration, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> VersionAsync(CancellationToken cancellationToken = default) => SnapshotTables.VersionAsync(dataSource, StateTable, cancellationToken);

    public async Task<StoredCensus> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for both tables: an import committing meanwhile is seen whole or not at all.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        long version = 0;
        DateTimeOffset? at = null;
        string? by = null;
        await using (var command = new NpgsqlCommand($"SELECT version, imported_at, imported_by FROM {StateTable}", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                (version, at, by) = (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
        }
        var components = ImmutableArray.CreateBuilder<CensusComponent>();
        await using (var command = new NpgsqlCommand(
            "SELECT component_id, class_code, owner, name, contact, lon, lat FROM gridserver.component_census ORDER BY component_id", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                components.Add(new CensusComponent(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetDouble(5), reader.GetDouble(6)));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredCensus(version, components.ToImmutable(), at, by);
    }

    public Task<long> ReplaceAsync(IReadOnlyList<CensusComponent> components, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(components);
        return SnapshotTables.ReplaceAsync(dataSource, "gridserver.component_census", "component_id, class_code, owner, name, contact, lon, lat", StateTable,
            async importer =>
            {
                foreach (var c in components)
                {
                    await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(c.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(c.ClassCode, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(c.Owner, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync((object?)c.Name ?? DBNull.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync((object?)c.Contact ?? DBNull.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(c.Lon, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(c.Lat, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                }
            }, importedBy, at, cancellationToken);
    }
}
