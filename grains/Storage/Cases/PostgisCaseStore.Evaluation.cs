using System.Globalization;
using System.Text.Json;
using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Cases;

/// <summary>
/// The case store's side of evaluation (V021-V023): the facts of the cases reported in a period, read as columns, and the
/// filling of cases stored before the facts were kept.
/// </summary>
public sealed partial class PostgisCaseStore
{
    // The facts are columns of the case row (V021 and those before it): a month of a city is read without parsing anything.
    private const string FactsColumns = """
        case_id, matter, state, grid_code, squad_id, officer_id, channel, entered_by, dispatcher, reported_at, registered,
            dispatched_at, accepted_at, feedback_at, verified_at, CASE WHEN state = 'Closed' THEN closed_at END, return_count,
            extension_count, rework_count, evaluation_supervised, late_kinds, accept_by, handle_by, verify_by, verdict,
            coalesce(cardinality(candidate_grids), 0) > 1
        """;

    /// <summary>
    /// The live cases and the archived ones (V028) of a period, narrowed by <paramref name="criteria"/> in both: a period's
    /// evaluation does not change when its cases move to the archive.
    /// </summary>
    private static string LiveAndArchived(string columns, string where, string criteria) =>
        $"SELECT {columns} FROM gridserver.cases WHERE {where}{criteria} UNION ALL SELECT {columns} FROM gridserver_archive.cases WHERE {where}{criteria}";

    /// <summary>The late kinds of a case as stored: 1 acceptance, 2 handling, 4 verification.</summary>
    private static short LateKinds(CaseFacts facts) => (short)((facts.AcceptLate ? 1 : 0) | (facts.HandlingLate ? 2 : 0) | (facts.VerificationLate ? 4 : 0));

    public async Task<IReadOnlyList<CaseFacts>> FactsAsync(CaseFactsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var criteria = UnitCriteria(query);
        await using var command = _dataSource.CreateCommand(LiveAndArchived(FactsColumns, "reported_at >= $1 AND reported_at < $2 AND past_deadlines IS NOT NULL", criteria.Sql));
        command.Parameters.Add(Time(query.From));
        command.Parameters.Add(Time(query.To));
        foreach (var parameter in criteria.Parameters) command.Parameters.Add(parameter);
        var facts = new List<CaseFacts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? When(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            var late = reader.GetInt16(20);
            facts.Add(new CaseFacts(reader.GetString(0), reader.GetString(1), Enum.Parse<CaseState>(reader.GetString(2)), Text(3), Text(4), Text(5),
                Text(6), reader.GetString(7), Text(8), reader.GetFieldValue<DateTimeOffset>(9), reader.GetBoolean(10), When(11), When(12), When(13),
                When(14), When(15), reader.GetInt32(16), reader.GetInt32(17), reader.GetInt32(18), reader.GetBoolean(19),
                (late & 1) != 0, (late & 2) != 0, (late & 4) != 0, new CaseDeadlines(When(21), When(22), When(23)),
                Text(24) is { } verdict ? Enum.Parse<CaseVerdict>(verdict) : null, reader.GetBoolean(25)));
        }
        return facts;
    }

    /// <summary>The units a facts query narrows to, as criteria after its period ($1, $2).</summary>
    private static SqlCriteria UnitCriteria(CaseFactsQuery query)
    {
        var criteria = new SqlCriteria(firstParameter: 3);
        foreach (var (column, value) in new[] { ("grid_code", query.GridCode), ("squad_id", query.SquadId), ("officer_id", query.OfficerId), ("matter", query.Matter) })
        {
            if (value is not null) criteria.Add($"{column} = @", Text(value));
        }
        return criteria;
    }

    public async Task<IReadOnlyList<(double Lon, double Lat)>> PointsAsync(CaseFactsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var criteria = UnitCriteria(query);
        await using var command = _dataSource.CreateCommand(
            LiveAndArchived("ST_X(geom), ST_Y(geom)", "reported_at >= $1 AND reported_at < $2 AND NOT ST_IsEmpty(geom)", criteria.Sql));
        command.Parameters.Add(Time(query.From));
        command.Parameters.Add(Time(query.To));
        foreach (var parameter in criteria.Parameters) command.Parameters.Add(parameter);
        var points = new List<(double, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) points.Add((reader.GetDouble(0), reader.GetDouble(1)));
        return points;
    }

    /// <summary>Up to <paramref name="limit"/> cases of the case store whose deadline history and facts are still to be filled (stored before V021).</summary>
    public async Task<IReadOnlyList<string>> UnfilledAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT case_id FROM gridserver.cases WHERE past_deadlines IS NULL AND version IS NOT NULL ORDER BY case_id LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>
    /// Fills a case's deadline history and facts (rebuilt by the caller) unless a step was written meanwhile (its version
    /// moved on) or they were filled already. Nothing else of the row changes. True when written.
    /// </summary>
    public async Task<bool> FillAsync(CaseRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.File.History is not { } history) throw new ArgumentException($"case {record.Id} has no deadline history to fill in", nameof(record));
        var facts = CaseFacts.Of(record);
        await using var command = _dataSource.CreateCommand("""
            UPDATE gridserver.cases SET past_deadlines = $2::jsonb, entered_by = $3, dispatcher = $4, registered = $5, dispatched_at = $6,
                accepted_at = $7, feedback_at = $8, verified_at = $9, return_count = $10, evaluation_supervised = $11, late_kinds = $12
            WHERE case_id = $1 AND version = $13 AND past_deadlines IS NULL
            """);
        command.Parameters.Add(Text(record.Id));
        command.Parameters.Add(Text(JsonSerializer.Serialize(history, CaseJson.Options)));
        command.Parameters.Add(Text(facts.EnteredBy));
        command.Parameters.Add(Text(facts.Dispatcher));
        command.Parameters.Add(new NpgsqlParameter { Value = facts.Registered, NpgsqlDbType = NpgsqlDbType.Boolean });
        foreach (var at in new[] { facts.DispatchedAt, facts.AcceptedAt, facts.FeedbackAt, facts.VerifiedAt }) command.Parameters.Add(Time(at));
        command.Parameters.Add(new NpgsqlParameter { Value = facts.Returns, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = facts.Supervised, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = LateKinds(facts), NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = record.Version, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
