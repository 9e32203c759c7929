using GridServer.Domain.Cases;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Cases;

/// <summary>
/// The case projection in PostGIS: <c>gridserver.cases</c> holds each case as it stands, with its reported
/// location as a point (EPSG:4326); <c>gridserver.case_events</c> every timeline event. Schema: migration
/// gis-data/migrations/V003__cases.sql.
/// </summary>
/// <remarks>
/// One write is one transaction: the row is upserted and the events inserted together, so a query never
/// sees events of a step whose row it cannot see. Both statements tolerate repetition (see
/// <see cref="ICaseProjection.WriteAsync"/>), which lets a grain resend a tail that may partly be stored.
/// </remarks>
public sealed class PostgisCaseProjection(NpgsqlDataSource dataSource) : ICaseProjection, ICaseSearch
{
    /// <summary>The migrations that make the tables and columns this code writes: the tables, then who may see a case publicly.</summary>
    public static readonly IReadOnlyList<string> RequiredMigrations = ["V003__cases", "V008__case_public"];

    // The WHERE keeps the newer row when an older write arrives late (a write from an activation that
    // was already replaced); an equal sequence still updates, for changes that add no event (a grid set
    // while the case waits in the command-center queue).
    private const string UpsertCase = """
        INSERT INTO gridserver.cases (case_id, matter, state, grid_code, squad_id, officer_id, post, reporter_id, description,
            geom, accept_by, handle_by, verify_by, supervised, rework_count, reported_at, updated_at, closed_at, last_sequence,
            channel, public)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
            ST_SetSRID(CASE WHEN $10 = 'NaN'::float8 OR $11 = 'NaN'::float8 THEN 'POINT EMPTY'::geometry ELSE ST_MakePoint($10, $11) END, 4326),
            $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
        ON CONFLICT (case_id) DO UPDATE SET
            matter = EXCLUDED.matter, state = EXCLUDED.state, grid_code = EXCLUDED.grid_code, squad_id = EXCLUDED.squad_id,
            officer_id = EXCLUDED.officer_id, post = EXCLUDED.post, reporter_id = EXCLUDED.reporter_id,
            description = EXCLUDED.description, geom = EXCLUDED.geom, accept_by = EXCLUDED.accept_by,
            handle_by = EXCLUDED.handle_by, verify_by = EXCLUDED.verify_by, supervised = EXCLUDED.supervised,
            rework_count = EXCLUDED.rework_count, reported_at = EXCLUDED.reported_at, updated_at = EXCLUDED.updated_at,
            closed_at = EXCLUDED.closed_at, last_sequence = EXCLUDED.last_sequence, channel = EXCLUDED.channel, public = EXCLUDED.public
        WHERE gridserver.cases.last_sequence <= EXCLUDED.last_sequence
        """;

    private const string InsertEvent = """
        INSERT INTO gridserver.case_events (case_id, sequence, at, actor_id, action, from_state, to_state, note, evidence)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (case_id, sequence) DO NOTHING
        """;

    // Each criterion is a parameter that is either NULL (any) or must hold; the indexes of V003 serve them (V008's the
    // public search).
    private const string Search = """
        SELECT case_id, matter, state, grid_code, squad_id, officer_id, post, reporter_id, description,
            coalesce(ST_X(geom), 'NaN'::float8), coalesce(ST_Y(geom), 'NaN'::float8), accept_by, handle_by, verify_by,
            supervised, rework_count, reported_at, updated_at, closed_at, last_sequence, channel, public
        FROM gridserver.cases
        WHERE (NOT $13::boolean OR (public AND channel IS NOT NULL))
          AND ($1::text IS NULL OR grid_code = $1) AND ($2::text IS NULL OR squad_id = $2)
          AND ($3::text IS NULL OR officer_id = $3) AND ($4::text IS NULL OR matter = $4)
          AND ($5::text IS NULL OR state = $5) AND ($6::boolean IS NULL OR (closed_at IS NULL) = $6)
          AND ($7::timestamptz IS NULL OR reported_at >= $7) AND ($8::timestamptz IS NULL OR reported_at < $8)
          AND ($9::geometry IS NULL OR ST_Covers($9, geom)) AND ($12::text[] IS NULL OR grid_code = ANY($12))
        ORDER BY reported_at DESC, case_id
        LIMIT $10 OFFSET $11
        """;

    public async Task<IReadOnlyList<CaseProjectionRow>> SearchAsync(CaseQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand(Search);
        command.Parameters.Add(Text(query.GridCode));
        command.Parameters.Add(Text(query.SquadId));
        command.Parameters.Add(Text(query.OfficerId));
        command.Parameters.Add(Text(query.Matter));
        command.Parameters.Add(Text(query.State?.ToString()));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Open ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.ReportedFrom?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.ReportedTo?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Within ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Geometry });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(query.Limit, 0, CaseQuery.MaxLimit), NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, query.Offset), NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.GridCodes?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = query.PublicOnly, NpgsqlDbType = NpgsqlDbType.Boolean });
        var rows = new List<CaseProjectionRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Optional(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? When(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            rows.Add(new CaseProjectionRow(reader.GetString(0), reader.GetString(1), Enum.Parse<CaseState>(reader.GetString(2)),
                Optional(3), Optional(4), Optional(5), Optional(6), reader.GetString(7), Optional(8), reader.GetDouble(9), reader.GetDouble(10),
                When(11), When(12), When(13), reader.GetBoolean(14), reader.GetInt32(15), reader.GetFieldValue<DateTimeOffset>(16),
                reader.GetFieldValue<DateTimeOffset>(17), When(18), reader.GetInt32(19), Optional(20), reader.GetBoolean(21)));
        }
        return rows;
    }

    public string Description => PostgisSchema.Describe(dataSource);

    /// <summary>Fails with an instruction when the database lacks the projection's tables or columns.</summary>
    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in RequiredMigrations) await PostgisSchema.RequireAsync(dataSource, migration, cancellationToken);
    }

    public async Task WriteAsync(CaseProjectionRow row, IReadOnlyList<CaseEvent> newEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(newEvents);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Command(UpsertCase,
                Text(row.CaseId), Text(row.Matter), Text(row.State.ToString()), Text(row.GridCode), Text(row.SquadId),
                Text(row.OfficerId), Text(row.Post), Text(row.ReporterId), Text(row.Description),
                Value(row.Lon, NpgsqlDbType.Double), Value(row.Lat, NpgsqlDbType.Double),
                Time(row.AcceptBy), Time(row.HandleBy), Time(row.VerifyBy),
                Value(row.Supervised, NpgsqlDbType.Boolean), Value(row.ReworkCount, NpgsqlDbType.Integer),
                Time(row.ReportedAt), Time(row.UpdatedAt), Time(row.ClosedAt), Value(row.LastSequence, NpgsqlDbType.Integer),
                Text(row.Channel), Value(row.Public && row.Channel is not null, NpgsqlDbType.Boolean)));
            foreach (var e in newEvents)
            {
                batch.BatchCommands.Add(Command(InsertEvent,
                    Text(row.CaseId), Value(e.Sequence, NpgsqlDbType.Integer), Time(e.At), Text(e.ActorId), Text(e.Action.ToString()),
                    Text(e.From.ToString()), Text(e.To.ToString()), Text(e.Note),
                    Value(e.Evidence.IsDefault ? [] : e.Evidence.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)));
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Value(object value, NpgsqlDbType type) => new() { Value = value, NpgsqlDbType = type };

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    // Npgsql writes only UTC DateTimeOffsets to timestamptz; a deadline a client gave with its own offset
    // (an extension's new deadline) is the same instant in UTC.
    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = (object?)value?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
