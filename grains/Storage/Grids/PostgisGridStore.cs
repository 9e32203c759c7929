using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Grids;

/// <summary>
/// Grids in PostGIS: <c>gridserver.grids</c> holds the current version of each grid,
/// <c>gridserver.grid_history</c> every version with its validity period. The schema is the project's
/// migrations under gis-data/migrations, applied by scripts/postgis.sh.
/// </summary>
public sealed class PostgisGridStore(NpgsqlDataSource dataSource, TimeProvider time) : IGridStore
{
    /// <summary>The newest migration the server needs; checked at start, with the grids, so an old schema is named before anything runs.</summary>
    public const string RequiredMigration = "V009__grid_history_actor";

    private const string Columns = "code, name, street_code, street_name, community_code, community_name, geom, area_m2, version, valid_from";

    /// <summary>The most connections each of a silo's pools holds, unless the connection string sets it.</summary>
    public const int MaxPoolSize = 40;

    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var settings = AutoPrepared(new NpgsqlConnectionStringBuilder(connectionString));
        // The stores keep no session state (a temporary table lives for its transaction only), so a pooled connection
        // needs no reset before reuse: measured, the reset was a statement in every five of the case store's.
        if (!Sets(settings, "No Reset On Close")) settings.NoResetOnClose = true;
        // Two pools per silo (this one and Orleans'): each at most 40 connections unless the string says otherwise, so
        // that a silo stays well inside a server's max_connections even when thousands of grains activate at once.
        if (!Sets(settings, "Maximum Pool Size")) settings.MaxPoolSize = MaxPoolSize;
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        builder.UseNetTopologySuite();
        return builder.Build();
    }

    /// <summary>
    /// A statement run a few times on a connection is prepared there (parsed and planned once): the server's
    /// statements repeat for every case and every lookup. A connection string that sets these itself keeps its own.
    /// </summary>
    public static NpgsqlConnectionStringBuilder AutoPrepared(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!Sets(builder, "Max Auto Prepare")) builder.MaxAutoPrepare = 64;
        if (!Sets(builder, "Auto Prepare Min Usages")) builder.AutoPrepareMinUsages = 3;
        return builder;
    }

    /// <summary>
    /// Whether the connection string itself sets <paramref name="keyword"/>. Npgsql's builder answers <c>ContainsKey</c>
    /// true for every keyword it knows, set or not; its connection string names only those set, by their full names.
    /// </summary>
    public static bool Sets(NpgsqlConnectionStringBuilder builder, string keyword)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString }.ContainsKey(keyword);
    }

    public string Description => PostgisSchema.Describe(dataSource);

    /// <summary>Fails with an instruction when the database lacks the project's schema.</summary>
    public Task CheckSchemaAsync(CancellationToken cancellationToken = default) =>
        PostgisSchema.RequireAsync(dataSource, RequiredMigration, cancellationToken);

    public async Task<IReadOnlyList<Grid>> LoadCurrentAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns}, NULL::timestamptz FROM gridserver.grids ORDER BY code");
        return await ReadGridsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Grid>> HistoryAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns}, valid_to, changed_by, ended_by FROM gridserver.grid_history WHERE code = $1 ORDER BY version");
        command.Parameters.AddWithValue(code);
        return await ReadGridsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Grid>> LoadAsOfAsync(DateTimeOffset at, Envelope envelope, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, valid_to, changed_by, ended_by FROM gridserver.grid_history " +
            "WHERE valid_from <= $1 AND (valid_to IS NULL OR $1 < valid_to) AND geom && ST_MakeEnvelope($2, $3, $4, $5, 4326) ORDER BY code");
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(envelope.MinX);
        command.Parameters.AddWithValue(envelope.MinY);
        command.Parameters.AddWithValue(envelope.MaxX);
        command.Parameters.AddWithValue(envelope.MaxY);
        return await ReadGridsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Grid>> LoadNearAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, NULL::timestamptz FROM gridserver.grids WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY code");
        command.Parameters.AddWithValue(envelope.MinX);
        command.Parameters.AddWithValue(envelope.MinY);
        command.Parameters.AddWithValue(envelope.MaxX);
        command.Parameters.AddWithValue(envelope.MaxY);
        return await ReadGridsAsync(command, cancellationToken);
    }

    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT revision FROM gridserver.grid_revision");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<GridChanges?> LoadChangesSinceAsync(long revision, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the revision, its log and the grids, so they agree with each other.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long now;
        await using (var read = new NpgsqlCommand("SELECT revision FROM gridserver.grid_revision", connection, transaction))
            now = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
        if (now < revision) return null;
        var codes = new List<string>();
        long logged;
        await using (var read = new NpgsqlCommand(
            "SELECT coalesce(array_agg(DISTINCT code), '{}'), count(DISTINCT revision) FROM gridserver.grid_changes WHERE revision > $1 AND revision <= $2",
            connection, transaction))
        {
            read.Parameters.AddWithValue(revision);
            read.Parameters.AddWithValue(now);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            codes.AddRange(reader.GetFieldValue<string[]>(0));
            logged = reader.GetInt64(1);
        }
        // Every revision since must have its rows; one without (TRUNCATE) changed what nobody wrote down.
        if (logged != now - revision) return null;
        IReadOnlyList<Grid> current;
        await using (var read = new NpgsqlCommand($"SELECT {Columns}, NULL::timestamptz FROM gridserver.grids WHERE code = ANY($1) ORDER BY code", connection, transaction))
        {
            read.Parameters.AddWithValue(codes.ToArray());
            current = await ReadGridsAsync(read, cancellationToken);
        }
        var present = current.Select(g => g.Code).ToHashSet(StringComparer.Ordinal);
        return new GridChanges(now, current, [.. codes.Where(c => !present.Contains(c)).Order(StringComparer.Ordinal)]);
    }

    /// <summary>The SQL form of the tie-break rule (gridserver.locate), for cross-checks.</summary>
    public async Task<string?> LocateAsync(double lon, double lat, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT gridserver.locate($1, $2)");
        command.Parameters.AddWithValue(lon);
        command.Parameters.AddWithValue(lat);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<GridSavePlan> SaveAsync(IReadOnlyList<Grid> grids, GridSaveMode mode, IReadOnlyCollection<string>? retire = null, string? actor = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One writer at a time: versions are computed from what is current.
        await Execute(connection, "LOCK TABLE gridserver.grids IN SHARE ROW EXCLUSIVE MODE", cancellationToken);

        // A merge plans with the incoming codes only (a redraw of one grid reads one row, not the district);
        // a replace needs every current grid, to retire those it lacks.
        var only = mode == GridSaveMode.Merge ? grids.Select(g => g.Code).Concat(retire ?? []).Distinct(StringComparer.Ordinal).ToArray() : null;
        var filter = only is null ? "" : " WHERE code = ANY($1)";
        var current = new Dictionary<string, Grid>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand($"SELECT {Columns}, NULL::timestamptz FROM gridserver.grids{filter}", connection))
        {
            if (only is not null) read.Parameters.AddWithValue(only);
            foreach (var g in await ReadGridsAsync(read, cancellationToken)) current[g.Code] = g;
        }
        var lastVersions = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand($"SELECT code, max(version) FROM gridserver.grid_history{filter} GROUP BY code", connection))
        {
            if (only is not null) read.Parameters.AddWithValue(only);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) lastVersions[reader.GetString(0)] = reader.GetInt32(1);
        }
        var now = time.GetUtcNow();
        var plan = GridVersioning.Plan(current, lastVersions, grids, mode, now, retire, actor);

        await Execute(connection, "CREATE TEMP TABLE incoming (LIKE gridserver.grids) ON COMMIT DROP", cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY incoming ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var g in plan.Written)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(g.Code, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(g.Name, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, g.StreetCode, cancellationToken);
                await WriteNullable(copy, g.StreetName, cancellationToken);
                await WriteNullable(copy, g.CommunityCode, cancellationToken);
                await WriteNullable(copy, g.CommunityName, cancellationToken);
                await copy.WriteAsync(g.Boundary, NpgsqlDbType.Geometry, cancellationToken);
                await copy.WriteAsync(g.AreaSquareMetres, NpgsqlDbType.Double, cancellationToken);
                await copy.WriteAsync(g.Version, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(g.ValidFrom, NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var retired = plan.Retired.ToArray();
                        // A version ends when its successor begins; a retired one now, but never before it began.
            var who = (object?)actor ?? DBNull.Value;
            batch.BatchCommands.Add(Command("UPDATE gridserver.grid_history h SET valid_to = i.valid_from, ended_by = $1::text FROM incoming i WHERE h.code = i.code AND h.valid_to IS NULL", who));
            batch.BatchCommands.Add(Command("UPDATE gridserver.grid_history SET valid_to = greatest($1, valid_from), ended_by = $3::text WHERE code = ANY($2) AND valid_to IS NULL", now, retired, who));
            batch.BatchCommands.Add(Command($"INSERT INTO gridserver.grid_history ({Columns}, valid_to, changed_by) SELECT {Columns}, NULL, $1::text FROM incoming", who));
            batch.BatchCommands.Add(Command("DELETE FROM gridserver.grids WHERE code = ANY($1)", (object)retired));
            batch.BatchCommands.Add(Command(
                $"INSERT INTO gridserver.grids ({Columns}) SELECT {Columns} FROM incoming ON CONFLICT (code) DO UPDATE SET " +
                "name = EXCLUDED.name, street_code = EXCLUDED.street_code, street_name = EXCLUDED.street_name, " +
                "community_code = EXCLUDED.community_code, community_name = EXCLUDED.community_name, geom = EXCLUDED.geom, " +
                "area_m2 = EXCLUDED.area_m2, version = EXCLUDED.version, valid_from = EXCLUDED.valid_from"));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return plan;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return command;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task WriteNullable(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken)
    {
        if (value is null) await copy.WriteNullAsync(cancellationToken);
        else await copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
    }

    private static async Task<IReadOnlyList<Grid>> ReadGridsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var grids = new List<Grid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            grids.Add(new Grid(
                reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<Geometry>(6), reader.GetDouble(7), reader.GetInt32(8),
                reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.FieldCount > 11 && !reader.IsDBNull(11) ? reader.GetString(11) : null,
                reader.FieldCount > 12 && !reader.IsDBNull(12) ? reader.GetString(12) : null));
        }
        return grids;
    }
}
