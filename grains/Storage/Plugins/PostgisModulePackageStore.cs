using System.Collections.Immutable;
using GridServer.Domain;
using GridServer.Domain.Plugins;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Plugins;

/// <summary>
/// Module packages in PostgreSQL (migration V011): <c>gridserver.module_packages</c> one row per version with its bytes,
/// <c>gridserver.module_rollouts</c> what runs, <c>gridserver.catalog_changes</c> the history. Each change is one
/// transaction that first raises the catalog's revision row, which also makes concurrent changes take turns.
/// </summary>
public sealed class PostgisModulePackageStore(NpgsqlDataSource dataSource) : IModulePackageStore
{
    public const string RequiredMigration = "V011__module_packages_and_templates";

    internal const string Catalog = "modules";

    public Task CheckSchemaAsync(CancellationToken cancellationToken = default) => PostgisSchema.RequireAsync(dataSource, RequiredMigration, cancellationToken);

    public async Task<ModuleCatalogData> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the three reads: the revision matches what is read with it.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var revision = await CatalogRows.RevisionAsync(connection, Catalog, cancellationToken).ConfigureAwait(false);
        var packages = ImmutableArray.CreateBuilder<StoredPackage>();
        await using (var command = new NpgsqlCommand(
            "SELECT module, version, sha256, size_bytes, format, contract, signed_by, uploaded_by, uploaded_at FROM gridserver.module_packages ORDER BY module, uploaded_at", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                packages.Add(new StoredPackage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3),
                    Enum.Parse<ModulePackageFormat>(reader.GetString(4)), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        var rollouts = ImmutableArray.CreateBuilder<ModuleRollout>();
        await using (var command = new NpgsqlCommand(
            "SELECT module, active_version, canary_silo, canary_version, changed_by, changed_at FROM gridserver.module_rollouts ORDER BY module", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rollouts.Add(new ModuleRollout(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }
        var history = await CatalogRows.HistoryAsync(connection, Catalog, IModulePackageStore.HistoryKept, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ModuleCatalogData(revision, packages.ToImmutable(), rollouts.ToImmutable(), history);
    }

    public async Task<long> AddAsync(StoredPackage package, PackageBytes bytes, ModuleRollout? rollout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(bytes);
        return await CatalogRows.ChangeAsync(dataSource, Catalog, async (connection, cancel) =>
        {
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO gridserver.module_packages (module, version, sha256, size_bytes, format, contract, signed_by, signature, content, uploaded_by, uploaded_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """, connection))
            {
                insert.Parameters.Add(CatalogRows.Text(package.Module));
                insert.Parameters.Add(CatalogRows.Text(package.Version));
                insert.Parameters.Add(CatalogRows.Text(package.Sha256));
                insert.Parameters.Add(new NpgsqlParameter { Value = package.SizeBytes, NpgsqlDbType = NpgsqlDbType.Bigint });
                insert.Parameters.Add(CatalogRows.Text(package.Format.ToString()));
                insert.Parameters.Add(CatalogRows.Text(package.Contract));
                insert.Parameters.Add(CatalogRows.Text(package.SignedBy));
                insert.Parameters.Add(new NpgsqlParameter { Value = (object?)bytes.Signature ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
                insert.Parameters.Add(new NpgsqlParameter { Value = bytes.Content, NpgsqlDbType = NpgsqlDbType.Bytea });
                insert.Parameters.Add(CatalogRows.Text(package.UploadedBy));
                insert.Parameters.Add(CatalogRows.Time(package.UploadedAt));
                await insert.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            }
            await CatalogRows.RecordAsync(connection, Catalog, package.Module, "upload", package.Version, package.UploadedBy, package.UploadedAt, null, cancel).ConfigureAwait(false);
            if (rollout is not null) await SetAsync(connection, rollout, "activate", rollout.ActiveVersion ?? rollout.CanaryVersion, cancel).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> SetRolloutAsync(ModuleRollout rollout, string action, string? version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        return CatalogRows.ChangeAsync(dataSource, Catalog, (connection, cancel) => SetAsync(connection, rollout, action, version, cancel), cancellationToken);
    }

    public Task<long> RemoveVersionAsync(string moduleName, string version, string actor, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        CatalogRows.ChangeAsync(dataSource, Catalog, async (connection, cancel) =>
        {
            await using (var delete = new NpgsqlCommand("DELETE FROM gridserver.module_packages WHERE module = $1 AND version = $2", connection))
            {
                delete.Parameters.Add(CatalogRows.Text(moduleName));
                delete.Parameters.Add(CatalogRows.Text(version));
                await delete.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            }
            await CatalogRows.RecordAsync(connection, Catalog, moduleName, "remove-version", version, actor, at, null, cancel).ConfigureAwait(false);
        }, cancellationToken);

    public Task<long> RemoveModuleAsync(string moduleName, string actor, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        CatalogRows.ChangeAsync(dataSource, Catalog, async (connection, cancel) =>
        {
            await using (var delete = new NpgsqlCommand(
                "DELETE FROM gridserver.module_rollouts WHERE module = $1", connection))
            {
                delete.Parameters.Add(CatalogRows.Text(moduleName));
                await delete.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            }
            await using (var delete = new NpgsqlCommand("DELETE FROM gridserver.module_packages WHERE module = $1", connection))
            {
                delete.Parameters.Add(CatalogRows.Text(moduleName));
                await delete.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            }
            await CatalogRows.RecordAsync(connection, Catalog, moduleName, "remove", null, actor, at, null, cancel).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<PackageBytes?> ReadAsync(string moduleName, string version, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT content, signature FROM gridserver.module_packages WHERE module = $1 AND version = $2");
        command.Parameters.Add(CatalogRows.Text(moduleName));
        command.Parameters.Add(CatalogRows.Text(version));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new PackageBytes(reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1));
    }

    private static async Task SetAsync(NpgsqlConnection connection, ModuleRollout rollout, string action, string? version, CancellationToken cancellationToken)
    {
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO gridserver.module_rollouts (module, active_version, canary_silo, canary_version, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (module) DO UPDATE SET active_version = EXCLUDED.active_version, canary_silo = EXCLUDED.canary_silo,
                canary_version = EXCLUDED.canary_version, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
            """, connection))
        {
            upsert.Parameters.Add(CatalogRows.Text(rollout.Module));
            upsert.Parameters.Add(CatalogRows.Text(rollout.ActiveVersion));
            upsert.Parameters.Add(CatalogRows.Text(rollout.CanarySilo));
            upsert.Parameters.Add(CatalogRows.Text(rollout.CanaryVersion));
            upsert.Parameters.Add(CatalogRows.Text(rollout.ChangedBy));
            upsert.Parameters.Add(CatalogRows.Time(rollout.ChangedAt));
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await CatalogRows.RecordAsync(connection, Catalog, rollout.Module, action, version, rollout.ChangedBy, rollout.ChangedAt,
            action == "canary" ? rollout.CanarySilo : null, cancellationToken).ConfigureAwait(false);
    }
}
