using System.Collections.Immutable;
using GridServer.Domain.Notices;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Notices;

/// <summary>
/// Edited notice templates in PostgreSQL (migration V011): <c>gridserver.notice_template_versions</c> every saved version,
/// <c>gridserver.notice_template_active</c> which serves, <c>gridserver.catalog_changes</c> the history.
/// </summary>
public sealed class PostgisTemplateVersionStore(NpgsqlDataSource dataSource) : ITemplateVersionStore
{
    private const string Catalog = "templates";

    public async Task<TemplateCatalogData> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var revision = await CatalogRows.RevisionAsync(connection, Catalog, cancellationToken).ConfigureAwait(false);
        var versions = ImmutableArray.CreateBuilder<TemplateVersion>();
        await using (var command = new NpgsqlCommand("SELECT name, version, body, author, saved_at, note FROM gridserver.notice_template_versions ORDER BY name, version", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                versions.Add(new TemplateVersion(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }
        var active = ImmutableArray.CreateBuilder<TemplateActivation>();
        await using (var command = new NpgsqlCommand("SELECT name, version, changed_by, changed_at FROM gridserver.notice_template_active ORDER BY name", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                active.Add(new TemplateActivation(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }
        var history = await CatalogRows.HistoryAsync(connection, Catalog, 200, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TemplateCatalogData(revision, versions.ToImmutable(), active.ToImmutable(), history);
    }

    public async Task<(int Version, long Revision)> SaveAsync(string name, string text, string author, string? note, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var version = 0;
        var revision = await CatalogRows.ChangeAsync(dataSource, Catalog, async (connection, cancel) =>
        {
            // Under the revision row's lock: no other save of this catalog runs between reading the number and using it.
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO gridserver.notice_template_versions (name, version, body, author, saved_at, note)
                SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5 FROM gridserver.notice_template_versions WHERE name = $1
                RETURNING version
                """, connection))
            {
                insert.Parameters.Add(CatalogRows.Text(name));
                insert.Parameters.Add(CatalogRows.Text(text));
                insert.Parameters.Add(CatalogRows.Text(author));
                insert.Parameters.Add(CatalogRows.Time(at));
                insert.Parameters.Add(CatalogRows.Text(note));
                version = (int)(await insert.ExecuteScalarAsync(cancel).ConfigureAwait(false))!;
            }
            await ActivateAsync(connection, name, version, author, at, cancel).ConfigureAwait(false);
            await CatalogRows.RecordAsync(connection, Catalog, name, "save", Number(version), author, at, null, cancel).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (version, revision);
    }

    public Task<long> ActivateAsync(string name, int? version, string actor, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        CatalogRows.ChangeAsync(dataSource, Catalog, async (connection, cancel) =>
        {
            await ActivateAsync(connection, name, version, actor, at, cancel).ConfigureAwait(false);
            await CatalogRows.RecordAsync(connection, Catalog, name, version is null ? "revert" : "activate", version is { } v ? Number(v) : null, actor, at, null, cancel).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task ActivateAsync(NpgsqlConnection connection, string name, int? version, string actor, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var upsert = new NpgsqlCommand("""
            INSERT INTO gridserver.notice_template_active (name, version, changed_by, changed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
            """, connection);
        upsert.Parameters.Add(CatalogRows.Text(name));
        upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        upsert.Parameters.Add(CatalogRows.Text(actor));
        upsert.Parameters.Add(CatalogRows.Time(at));
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Number(int version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);

}
