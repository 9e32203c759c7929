using GridServer.Domain.Media;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Media;

/// <summary>Photos in PostgreSQL (migration V026): one row per photo, its image and thumbnail beside what it said about itself.</summary>
public sealed class PostgisMediaStore(NpgsqlDataSource dataSource) : IMediaStore
{
    public const string RequiredMigration = "V026__media";

    public Task CheckSchemaAsync(CancellationToken cancellationToken = default) => PostgisSchema.RequireAsync(dataSource, RequiredMigration, cancellationToken);

    public async Task<bool> PutAsync(StoredPhoto photo, PhotoImages images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(images);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gridserver.media (id, width, height, size_bytes, taken_at, lon, lat, original_format, original_bytes, uploaded_by, uploaded_at, image, thumbnail)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (id) DO NOTHING
            """);
        var meta = photo.Metadata;
        command.Parameters.Add(CatalogRows.Text(photo.Id));
        command.Parameters.Add(new NpgsqlParameter { Value = photo.Width, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = photo.Height, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = photo.Bytes, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = meta.TakenAt is { } taken ? taken.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)meta.Lon ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)meta.Lat ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(CatalogRows.Text(meta.OriginalFormat));
        command.Parameters.Add(new NpgsqlParameter { Value = meta.OriginalBytes, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(CatalogRows.Text(photo.UploadedBy));
        command.Parameters.Add(CatalogRows.Time(photo.UploadedAt));
        command.Parameters.Add(new NpgsqlParameter { Value = images.Image, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = images.Thumbnail, NpgsqlDbType = NpgsqlDbType.Bytea });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<StoredPhoto?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT width, height, size_bytes, taken_at, lon, lat, original_format, original_bytes, uploaded_by, uploaded_at
            FROM gridserver.media WHERE id = $1
            """);
        command.Parameters.Add(CatalogRows.Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        var metadata = new PhotoMetadata(
            reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetDouble(5),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(6), reader.GetInt64(7));
        return new StoredPhoto(id, reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2), metadata, reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9));
    }

    public async Task<byte[]?> ReadAsync(string id, bool thumbnail, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(thumbnail
            ? "SELECT thumbnail FROM gridserver.media WHERE id = $1"
            : "SELECT image FROM gridserver.media WHERE id = $1");
        command.Parameters.Add(CatalogRows.Text(id));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }
}
