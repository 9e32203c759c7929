using System.Collections.Immutable;
using GridServer.Domain.Geocoding;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Geo;

/// <summary>
/// The gazetteer in PostgreSQL (V030). An import replaces the entries in one transaction (binary COPY), so a reader sees
/// the old gazetteer or the new one, never half; the version row is bumped in the same transaction.
/// </summary>
public sealed class PostgisGazetteerStore(NpgsqlDataSource dataSource) : IGazetteerStore
{
    public static readonly string[] RequiredMigrations = ["V030__gazetteer"];

    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in RequiredMigrations) await PostgisSchema.RequireAsync(dataSource, migration, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> VersionAsync(CancellationToken cancellationToken = default) => SnapshotTables.VersionAsync(dataSource, "gridserver.gazetteer_state", cancellationToken);

    public async Task<StoredGazetteer> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the three tables: an import committing meanwhile is seen whole or not at all.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        long version = 0;
        DateTimeOffset? at = null;
        string? by = null;
        await using (var command = new NpgsqlCommand("SELECT version, imported_at, imported_by FROM gridserver.gazetteer_state", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                (version, at, by) = (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
        }
        var entries = ImmutableArray.CreateBuilder<GazetteerEntry>();
        await using (var command = new NpgsqlCommand("SELECT entry_id, address, lon, lat FROM gridserver.gazetteer ORDER BY entry_id", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                entries.Add(new GazetteerEntry(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3)));
        }
        var aliases = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT alias, name FROM gridserver.gazetteer_aliases", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) aliases[reader.GetString(0)] = reader.GetString(1);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredGazetteer(version, entries.ToImmutable(), aliases.ToImmutable(), at, by);
    }

    public async Task<long> ReplaceEntriesAsync(IReadOnlyList<GazetteerEntry> entries, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return await ReplaceAsync("gridserver.gazetteer", "entry_id, address, lon, lat", async importer =>
        {
            foreach (var e in entries)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Address, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Lon, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Lat, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
            }
        }, importedBy, at, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> ReplaceAliasesAsync(IReadOnlyDictionary<string, string> aliases, string importedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(aliases);
        return await ReplaceAsync("gridserver.gazetteer_aliases", "alias, name", async importer =>
        {
            foreach (var (alias, name) in aliases)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(alias, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(name, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }
        }, importedBy, at, cancellationToken).ConfigureAwait(false);
    }

    private Task<long> ReplaceAsync(string table, string columns, Func<NpgsqlBinaryImporter, Task> write, string importedBy, DateTimeOffset at, CancellationToken cancellationToken) =>
        SnapshotTables.ReplaceAsync(dataSource, table, columns, "gridserver.gazetteer_state", write, importedBy, at, cancellationToken);
}
