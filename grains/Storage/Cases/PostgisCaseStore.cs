using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using GridServer.Domain.Cases;
using GridServer.Domain.Geocoding;
using GridServer.Domain.Evaluation;
using GridServer.Domain.Notices;
using GridServer.Domain.Personnel;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Cases;

/// <summary>
/// Cases in PostgreSQL (migrations V003 and V010): <c>gridserver.cases</c> holds each case as it stands, with its reported
/// location as a point (EPSG:4326), and is the case's truth; <c>gridserver.case_events</c> its timeline, appended; the
/// step's notices go to <c>gridserver.notices</c> and <c>gridserver.notice_outbox</c> in the same statement.
/// </summary>
/// <remarks>
/// Steps of many cases are written together (<see cref="GroupCommit{T}"/>): one statement of arrays per batch, one
/// transaction, one WAL flush. A step is written only when the stored version is the one before it, so an activation
/// that lost the case to another never overwrites it; its events, notices and outbox rows go with it or not at all.
/// </remarks>
public sealed partial class PostgisCaseStore : ICaseStore, ICaseSearch, ICaseFactsSource, IAsyncDisposable
{
    /// <summary>The migrations that create what this code writes: the case tables, who may see a case publicly, the case store's columns and the notice tables.</summary>
    public static readonly string[] RequiredMigrations = ["V003__cases", "V008__case_public", "V010__case_store", "V021__case_evaluation", "V022__case_follow_up", "V023__case_accuracy", "V024__case_duplicates", "V027__case_event_request_key", "V028__archive", "V030__gazetteer"];

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommit<CaseWrite> _writes;

    /// <param name="writers">How many batches may commit at once.</param>
    /// <param name="maxBatch">The most steps one batch holds.</param>
    public PostgisCaseStore(NpgsqlDataSource dataSource, int writers = 2, int maxBatch = 256)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _writes = new GroupCommit<CaseWrite>(CommitAsync, w => w.Record.Id, maxBatch, writers);
    }

    /// <summary>Batches committed and steps written since the start (benchmarks).</summary>
    public (long Batches, long Writes) Committed => _writes.Committed;

    public string Description => PostgisSchema.Describe(_dataSource);

    /// <summary>Fails with an instruction naming the first migration the database lacks.</summary>
    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in RequiredMigrations) await PostgisSchema.RequireAsync(_dataSource, migration, cancellationToken);
    }

    public Task<bool> WriteAsync(CaseWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        CheckNotices(write.Notices);
        CheckNotices(write.Outbox);
        return _writes.WriteAsync(write).WaitAsync(cancellationToken);
    }

    /// <summary>A step's notice is about its one case, in at most one grid and community (combined messages are not recorded with a step).</summary>
    private static void CheckNotices(ImmutableArray<NoticeEntry> notices)
    {
        foreach (var n in notices.IsDefault ? [] : notices)
        {
            if (n.CaseIds.Length != 1 || n.GridCodes.Length > 1 || n.CommunityCodes.Length > 1)
                throw new ArgumentException($"notice {n.NoticeId}: a step's notice names its one case and at most one grid and community");
        }
    }

    private const string WriteSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                $10::float8[], $11::float8[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::boolean[], $16::integer[],
                $17::timestamptz[], $18::timestamptz[], $19::timestamptz[], $20::integer[], $21::integer[], $22::integer[], $23::interval[],
                $24::timestamptz[], $25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[], $31::text[],
                $32::timestamptz[], $33::timestamptz[], $34::text[], $35::timestamptz[], $36::smallint[], $58::boolean[],
                $59::text[], $60::text[], $61::text[], $62::boolean[], $63::timestamptz[], $64::timestamptz[], $65::timestamptz[], $66::timestamptz[],
                $67::integer[], $68::boolean[], $69::smallint[], $70::text[], $71::text[], $72::float8[], $73::text[], $74::text[], $75::text[], $77::text[])
              AS t(case_id, matter, state, grid_code, squad_id, officer_id, post, reporter_id, description, lon, lat,
                   accept_by, handle_by, verify_by, supervised, rework_count, reported_at, updated_at, closed_at, last_sequence, version,
                   extension_count, parked_remaining, requested_deadline, address, media_url, attributes, matter_name, channel,
                   party, queue_reason, warned_for, escalated_at, escalation_reason, wake_at, shard, public, past_deadlines,
                   entered_by, dispatcher, registered, dispatched_at, accepted_at, feedback_at, verified_at, return_count,
                   evaluation_supervised, late_kinds, follow_up, verdict, accuracy_m, candidate_grids, duplicate_of, duplicates, geocode)
        ), written AS (
            INSERT INTO gridserver.cases AS c (case_id, matter, state, grid_code, squad_id, officer_id, post, reporter_id, description, geom,
                accept_by, handle_by, verify_by, supervised, rework_count, reported_at, updated_at, closed_at, last_sequence, version,
                extension_count, parked_remaining, requested_deadline, address, media_url, attributes, matter_name, channel,
                party, queue_reason, warned_for, escalated_at, escalation_reason, wake_at, shard, public, past_deadlines,
                entered_by, dispatcher, registered, dispatched_at, accepted_at, feedback_at, verified_at, return_count,
                evaluation_supervised, late_kinds, follow_up, verdict, accuracy_m, candidate_grids, duplicate_of, duplicates, geocode)
            SELECT case_id, matter, state, grid_code, squad_id, officer_id, post, reporter_id, description,
                ST_SetSRID(CASE WHEN lon = 'NaN'::float8 OR lat = 'NaN'::float8 THEN 'POINT EMPTY'::geometry ELSE ST_MakePoint(lon, lat) END, 4326),
                accept_by, handle_by, verify_by, supervised, rework_count, reported_at, updated_at, closed_at, last_sequence, version,
                extension_count, parked_remaining, requested_deadline, address, media_url, attributes::jsonb, matter_name, channel,
                party::jsonb, queue_reason, warned_for, escalated_at, escalation_reason, wake_at, shard, public,
                past_deadlines::jsonb, entered_by, dispatcher, registered, dispatched_at, accepted_at, feedback_at, verified_at,
                return_count, evaluation_supervised, late_kinds, follow_up::jsonb, verdict, accuracy_m,
                CASE WHEN candidate_grids IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(candidate_grids::jsonb)) END,
                duplicate_of, duplicates::jsonb, geocode::jsonb
            FROM input i
            -- A case is new at its first version only: a later one whose row is gone (moved to the archive) is not written.
            WHERE i.version = 1 OR EXISTS (SELECT 1 FROM gridserver.cases x WHERE x.case_id = i.case_id)
            ON CONFLICT (case_id) DO UPDATE SET
                matter = EXCLUDED.matter, state = EXCLUDED.state, grid_code = EXCLUDED.grid_code, squad_id = EXCLUDED.squad_id,
                officer_id = EXCLUDED.officer_id, post = EXCLUDED.post, reporter_id = EXCLUDED.reporter_id, description = EXCLUDED.description,
                geom = EXCLUDED.geom, accept_by = EXCLUDED.accept_by, handle_by = EXCLUDED.handle_by, verify_by = EXCLUDED.verify_by,
                supervised = EXCLUDED.supervised, rework_count = EXCLUDED.rework_count, reported_at = EXCLUDED.reported_at,
                updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at, last_sequence = EXCLUDED.last_sequence,
                version = EXCLUDED.version, extension_count = EXCLUDED.extension_count, parked_remaining = EXCLUDED.parked_remaining,
                requested_deadline = EXCLUDED.requested_deadline, address = EXCLUDED.address, media_url = EXCLUDED.media_url,
                attributes = EXCLUDED.attributes, matter_name = EXCLUDED.matter_name, channel = EXCLUDED.channel, public = EXCLUDED.public,
                party = EXCLUDED.party, queue_reason = EXCLUDED.queue_reason, warned_for = EXCLUDED.warned_for,
                escalated_at = EXCLUDED.escalated_at, escalation_reason = EXCLUDED.escalation_reason, wake_at = EXCLUDED.wake_at,
                shard = EXCLUDED.shard, past_deadlines = EXCLUDED.past_deadlines, entered_by = EXCLUDED.entered_by,
                dispatcher = EXCLUDED.dispatcher, registered = EXCLUDED.registered, dispatched_at = EXCLUDED.dispatched_at,
                accepted_at = EXCLUDED.accepted_at, feedback_at = EXCLUDED.feedback_at, verified_at = EXCLUDED.verified_at,
                return_count = EXCLUDED.return_count, evaluation_supervised = EXCLUDED.evaluation_supervised, late_kinds = EXCLUDED.late_kinds,
                follow_up = EXCLUDED.follow_up, verdict = EXCLUDED.verdict, accuracy_m = EXCLUDED.accuracy_m,
                candidate_grids = EXCLUDED.candidate_grids, duplicate_of = EXCLUDED.duplicate_of, duplicates = EXCLUDED.duplicates,
                geocode = EXCLUDED.geocode
            WHERE coalesce(c.version, 0) = EXCLUDED.version - 1
            RETURNING c.case_id
        ), events AS (
            INSERT INTO gridserver.case_events (case_id, sequence, at, actor_id, action, from_state, to_state, note, evidence, request_key)
            SELECT e.case_id, e.sequence, e.at, e.actor_id, e.action, e.from_state, e.to_state, e.note,
                CASE WHEN e.evidence IS NULL THEN '{}'::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(e.evidence::jsonb)) END, e.request_key
            FROM unnest($37::text[], $38::integer[], $39::timestamptz[], $40::text[], $41::text[], $42::text[], $43::text[], $44::text[], $45::text[], $76::text[])
              AS e(case_id, sequence, at, actor_id, action, from_state, to_state, note, evidence, request_key)
            WHERE e.case_id IN (SELECT case_id FROM written)
            ON CONFLICT (case_id, sequence) DO NOTHING
        ), notes AS (
            SELECT * FROM unnest($46::text[], $47::text[], $48::text[], $49::text[], $50::text[], $51::text[], $52::text[], $53::text[],
                $54::text[], $55::timestamptz[], $56::text[], $57::boolean[])
              AS n(case_id, notice_id, recipient, channel, kind, grid_code, community_code, body, template, at, delivery, outbox)
            WHERE n.case_id IN (SELECT case_id FROM written)
        ), inboxes AS (
            INSERT INTO gridserver.notices (notice_id, recipient, channel, kind, case_ids, grid_codes, community_codes, body, template, at, delivery)
            SELECT notice_id, recipient, channel, kind, ARRAY[case_id],
                CASE WHEN grid_code IS NULL THEN '{}'::text[] ELSE ARRAY[grid_code] END,
                CASE WHEN community_code IS NULL THEN '{}'::text[] ELSE ARRAY[community_code] END,
                body, template, at, delivery
            FROM notes WHERE NOT outbox
            ON CONFLICT (notice_id) DO NOTHING
        ), outbox AS (
            INSERT INTO gridserver.notice_outbox (notice_id, recipient, channel, kind, case_ids, grid_codes, community_codes, body, template, at)
            SELECT notice_id, recipient, channel, kind, ARRAY[case_id],
                CASE WHEN grid_code IS NULL THEN '{}'::text[] ELSE ARRAY[grid_code] END,
                CASE WHEN community_code IS NULL THEN '{}'::text[] ELSE ARRAY[community_code] END,
                body, template, at
            FROM notes WHERE outbox
            ON CONFLICT (notice_id) DO NOTHING
        )
        SELECT case_id FROM written
        """;

    private async Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<CaseWrite> batch, CancellationToken cancellationToken)
    {
        var n = batch.Count;
        var c = new CaseColumns(n);
        var events = new EventColumns();
        var notices = new NoticeColumns();
        for (var i = 0; i < n; i++)
        {
            var write = batch[i];
            c.Add(i, write);
            var timeline = write.Record.File.Timeline;
            for (var j = Math.Max(0, write.NewEventsFrom); j < timeline.Count; j++) events.Add(write.Record.Id, timeline[j]);
            foreach (var notice in write.Notices.IsDefault ? [] : write.Notices) notices.Add(write.Record.Id, notice, outbox: false);
            foreach (var notice in write.Outbox.IsDefault ? [] : write.Outbox) notices.Add(write.Record.Id, notice, outbox: true);
        }
        await using var command = _dataSource.CreateCommand(WriteSql);
        c.AddTo(command.Parameters);
        events.AddTo(command.Parameters);
        notices.AddTo(command.Parameters);
        c.AddLateTo(command.Parameters);
        events.AddKeysTo(command.Parameters);   // $76: added last, after the columns added later still
        c.AddLatestTo(command.Parameters);      // $77
        var written = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) written.Add(reader.GetString(0));
        }
        return [.. batch.Select(w => written.Contains(w.Record.Id))];
    }

    private const string LoadColumns = """
        matter, state, grid_code, squad_id, officer_id, post, reporter_id, description,
            coalesce(ST_X(geom), 'NaN'::float8), coalesce(ST_Y(geom), 'NaN'::float8), accept_by, handle_by, verify_by, supervised,
            rework_count, version, extension_count, parked_remaining, requested_deadline, address, media_url, attributes::text,
            matter_name, channel, party::text, queue_reason, warned_for, escalated_at, escalation_reason, public, past_deadlines::text,
            follow_up::text, accuracy_m, candidate_grids, duplicate_of, duplicates::text, geocode::text
        """;

    // A case is in the live tables or, moved whole by the retention (V028), in the archive's: never in both.
    private const string LoadSql = $"""
        SELECT {LoadColumns}, false FROM gridserver.cases WHERE case_id = $1
        UNION ALL
        SELECT {LoadColumns}, true FROM gridserver_archive.cases WHERE case_id = $1
        LIMIT 1
        """;

    private const string LoadEventColumns = "sequence, at, actor_id, action, from_state, to_state, note, evidence, request_key";

    private const string LoadEventsSql = $"""
        SELECT {LoadEventColumns} FROM gridserver.case_events WHERE case_id = $1
        UNION ALL
        SELECT {LoadEventColumns} FROM gridserver_archive.case_events WHERE case_id = $1
        ORDER BY sequence
        """;

    public async Task<CaseLoad> LoadAsync(string caseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LoadSql) { Parameters = { new() { Value = caseId, NpgsqlDbType = NpgsqlDbType.Text } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LoadEventsSql) { Parameters = { new() { Value = caseId, NpgsqlDbType = NpgsqlDbType.Text } } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return CaseLoad.Missing;
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        DateTimeOffset? When(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
        if (reader.IsDBNull(15)) return new CaseLoad(null, Legacy: true);
        var matter = reader.GetString(0);
        var state = Enum.Parse<CaseState>(reader.GetString(1));
        var gridCode = Text(2);
        var holder = new CaseHolder(Text(3), Text(4), Text(5) is { } post ? Enum.Parse<DispatchPost>(post) : null);
        var deadlines = new CaseDeadlines(When(10), When(11), When(12));
        var supervised = reader.GetBoolean(13);
        var reworks = reader.GetInt32(14);
        var version = reader.GetInt32(15);
        var extensions = reader.GetInt32(16);
        TimeSpan? parked = reader.IsDBNull(17) ? null : reader.GetFieldValue<TimeSpan>(17);
        var requested = When(18);
        var attributes = Text(21) is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json)!.ToImmutableSortedDictionary(StringComparer.Ordinal) : null;
        var party = Text(24) is { } partyJson ? JsonSerializer.Deserialize<CasePartyFacts>(partyJson) : null;
        var report = new CaseReportFacts(reader.GetDouble(8), reader.GetDouble(9), reader.GetString(6), Text(7), Text(19), Text(20), attributes,
            Text(22), Text(23), party, reader.GetBoolean(29), reader.IsDBNull(32) ? null : reader.GetDouble(32),
            reader.IsDBNull(33) ? null : [.. reader.GetFieldValue<string[]>(33)],
            Text(36) is { } geocodeJson ? JsonSerializer.Deserialize<AddressLocating>(geocodeJson, CaseJson.Options) : null);
        var queueReason = Text(25);
        var warnedFor = When(26);
        var escalation = When(27) is { } escalatedAt ? new CaseEscalation(escalatedAt, Text(28) ?? "") : null;
        var history = Text(30) is { } historyJson ? JsonSerializer.Deserialize<ImmutableList<PastDeadline>>(historyJson, CaseJson.Options) : null;
        var followUp = Text(31) is { } followUpJson ? JsonSerializer.Deserialize<CaseFollowUp>(followUpJson, CaseJson.Options) : null;
        var duplicateOf = Text(34);
        var duplicates = Text(35) is { } duplicatesJson ? JsonSerializer.Deserialize<ImmutableList<CaseLink>>(duplicatesJson, CaseJson.Options) : null;
        var archived = reader.GetBoolean(37);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var timeline = ImmutableList.CreateBuilder<CaseEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            timeline.Add(new CaseEvent(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), Enum.Parse<CaseAction>(reader.GetString(3)),
                Enum.Parse<CaseState>(reader.GetString(4)), Enum.Parse<CaseState>(reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetString(6),
                [.. reader.GetFieldValue<string[]>(7)], reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        var file = new CaseFile(caseId, matter, state, deadlines, supervised, reworks, extensions, parked, requested, timeline.ToImmutable(), history);
        return new CaseLoad(new CaseRecord(file, report, gridCode, holder, queueReason, warnedFor, escalation, version, followUp, duplicateOf, duplicates), Legacy: false, archived);
    }

    public async Task<IReadOnlyList<string>> DueAsync(int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT case_id FROM gridserver.cases WHERE shard = $1 AND wake_at <= $2 ORDER BY wake_at LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = (short)shard, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var due = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) due.Add(reader.GetString(0));
        return due;
    }

    // Only the criteria given are in the statement (see SqlCriteria); the indexes of V003 and V010 serve them.
    private const string SearchSql = """
        SELECT case_id, matter, state, grid_code, squad_id, officer_id, post, reporter_id, description,
            coalesce(ST_X(geom), 'NaN'::float8), coalesce(ST_Y(geom), 'NaN'::float8), accept_by, handle_by, verify_by,
            supervised, rework_count, reported_at, updated_at, closed_at, last_sequence, channel, public, warned_for
        FROM gridserver.cases
        """;

    // The running deadline, as CaseDeadlines.Next says it (LEAST passes over NULLs).
    private const string NextDeadlineSql = "LEAST(accept_by, handle_by, verify_by)";

    public async Task<IReadOnlyList<CaseProjectionRow>> SearchAsync(CaseQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var criteria = new SqlCriteria(firstParameter: 3);
        if (query.PublicOnly) criteria.Add("public AND channel IS NOT NULL");
        if (query.GridCode is { } grid) criteria.Add("grid_code = @", Text(grid));
        if (query.SquadId is { } squad) criteria.Add("squad_id = @", Text(squad));
        if (query.OfficerId is { } officer) criteria.Add("officer_id = @", Text(officer));
        if (query.Matter is { } matter) criteria.Add("matter = @", Text(matter));
        if (query.State is { } state) criteria.Add("state = @", Text(state.ToString()));
        if (query.Open is { } open) criteria.Add(open ? "closed_at IS NULL" : "closed_at IS NOT NULL");
        if (query.ReportedFrom is { } from) criteria.Add("reported_at >= @", Time(from));
        if (query.ReportedTo is { } to) criteria.Add("reported_at < @", Time(to));
        if (query.Within is { } within) criteria.Add("ST_Covers(@, geom)", new NpgsqlParameter { Value = within, NpgsqlDbType = NpgsqlDbType.Geometry });
        if (query.GridCodes is { } grids) criteria.Add("grid_code = ANY(@)", Array(grids.ToArray(), NpgsqlDbType.Text));
        if (query.CaseIds is { } ids) criteria.Add("case_id = ANY(@)", Array(ids.ToArray(), NpgsqlDbType.Text));
        if (query.Channel is { } channel) criteria.Add("channel = @", Text(channel));
        if (query.Supervised is { } supervised) criteria.Add(supervised ? "supervised" : "NOT supervised");
        if (query.Overdue is { } overdue)
            criteria.Add($"{(overdue ? "" : "NOT ")}coalesce(closed_at IS NULL AND {NextDeadlineSql} < @, false)", Time(query.JudgedAt()));
        if (query.Warned is { } warned)
            criteria.Add($"{(warned ? "" : "NOT ")}coalesce(closed_at IS NULL AND warned_for = {NextDeadlineSql} AND warned_for >= @, false)", Time(query.JudgedAt()));
        await using var command = _dataSource.CreateCommand(SearchSql + "\nWHERE true" + criteria.Sql + "\nORDER BY reported_at DESC, case_id LIMIT $1 OFFSET $2");
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(query.Limit, 0, CaseQuery.MaxLimit), NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, query.Offset), NpgsqlDbType = NpgsqlDbType.Integer });
        foreach (var parameter in criteria.Parameters) command.Parameters.Add(parameter);
        return await RowsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    // A case's last step is a row of case_events, written in the transaction that wrote the case: the index on its time
    // finds what changed, and writing a case needs no index more.
    public async Task<IReadOnlyList<CaseProjectionRow>> ChangedSinceAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(SearchSql + "\n" + """
            WHERE case_id IN (SELECT case_id FROM gridserver.case_events WHERE at >= $1) AND updated_at >= $1
            ORDER BY updated_at, case_id LIMIT $2
            """);
        command.Parameters.Add(Time(since));
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(limit, 0, CaseQuery.MaxLimit), NpgsqlDbType = NpgsqlDbType.Integer });
        return await RowsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<CaseProjectionRow>> RowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<CaseProjectionRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Optional(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? When(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            rows.Add(new CaseProjectionRow(reader.GetString(0), reader.GetString(1), Enum.Parse<CaseState>(reader.GetString(2)),
                Optional(3), Optional(4), Optional(5), Optional(6), reader.GetString(7), Optional(8), reader.GetDouble(9), reader.GetDouble(10),
                When(11), When(12), When(13), reader.GetBoolean(14), reader.GetInt32(15), reader.GetFieldValue<DateTimeOffset>(16),
                reader.GetFieldValue<DateTimeOffset>(17), When(18), reader.GetInt32(19), Optional(20), reader.GetBoolean(21), When(22)));
        }
        return rows;
    }


    public Task<IReadOnlyList<CaseMark>> QueueAsync(int limit, CancellationToken cancellationToken = default) => MarksAsync(
        "SELECT case_id, reported_at, queue_reason FROM gridserver.cases WHERE queue_reason IS NOT NULL AND closed_at IS NULL ORDER BY reported_at, case_id LIMIT $1",
        limit, cancellationToken);

    public Task<IReadOnlyList<CaseMark>> EscalatedAsync(int limit, CancellationToken cancellationToken = default) => MarksAsync(
        "SELECT case_id, escalated_at, escalation_reason FROM gridserver.cases WHERE escalated_at IS NOT NULL AND closed_at IS NULL ORDER BY escalated_at, case_id LIMIT $1",
        limit, cancellationToken);

    public async Task<IReadOnlyDictionary<CaseState, long>> CountOpenByStateAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT state, count(*) FROM gridserver.cases WHERE closed_at IS NULL GROUP BY state");
        var counts = new Dictionary<CaseState, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A legacy row (kept by an older server) may carry no state the domain knows: left out of the count.
            if (Enum.TryParse<CaseState>(reader.GetString(0), out var state)) counts[state] = reader.GetInt64(1);
        }
        return counts;
    }

    private async Task<IReadOnlyList<CaseMark>> MarksAsync(string sql, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(limit, 0, CaseQuery.MaxLimit), NpgsqlDbType = NpgsqlDbType.Integer });
        var marks = new List<CaseMark>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            marks.Add(new CaseMark(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? "" : reader.GetString(2)));
        return marks;
    }

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    internal static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    // Npgsql writes only UTC DateTimeOffsets to timestamptz; a deadline a client gave with its own offset is the same instant in UTC.
    internal static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = (object?)value?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static NpgsqlParameter Array<TValue>(TValue[] values, NpgsqlDbType type) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };

    private static DateTimeOffset? Utc(DateTimeOffset? value) => value?.ToUniversalTime();

    /// <summary>The case rows of a batch, one array per column.</summary>
    private sealed class CaseColumns(int n)
    {
        private readonly string[] _id = new string[n], _matter = new string[n], _state = new string[n], _reporter = new string[n];
        private readonly string?[] _history = new string?[n], _enteredBy = new string?[n], _dispatcher = new string?[n];
        private readonly bool?[] _registered = new bool?[n], _evaluationSupervised = new bool?[n];
        private readonly DateTimeOffset?[] _dispatchedAt = new DateTimeOffset?[n], _acceptedAt = new DateTimeOffset?[n], _feedbackAt = new DateTimeOffset?[n],
            _verifiedAt = new DateTimeOffset?[n];
        private readonly int?[] _returns = new int?[n];
        private readonly short?[] _late = new short?[n];
        private readonly string?[] _followUp = new string?[n], _verdict = new string?[n], _candidates = new string?[n], _duplicateOf = new string?[n],
            _duplicates = new string?[n], _geocode = new string?[n];
        private readonly double?[] _accuracy = new double?[n];
        private readonly string?[] _grid = new string?[n], _squad = new string?[n], _officer = new string?[n], _post = new string?[n],
            _description = new string?[n], _address = new string?[n], _media = new string?[n], _attributes = new string?[n],
            _matterName = new string?[n], _channel = new string?[n], _party = new string?[n], _queue = new string?[n], _escalationReason = new string?[n];
        private readonly double[] _lon = new double[n], _lat = new double[n];
        private readonly DateTimeOffset?[] _acceptBy = new DateTimeOffset?[n], _handleBy = new DateTimeOffset?[n], _verifyBy = new DateTimeOffset?[n],
            _closedAt = new DateTimeOffset?[n], _requested = new DateTimeOffset?[n], _warned = new DateTimeOffset?[n], _escalatedAt = new DateTimeOffset?[n],
            _wake = new DateTimeOffset?[n];
        private readonly DateTimeOffset[] _reportedAt = new DateTimeOffset[n], _updatedAt = new DateTimeOffset[n];
        private readonly bool[] _supervised = new bool[n], _public = new bool[n];
        private readonly int[] _reworks = new int[n], _lastSequence = new int[n], _version = new int[n], _extensions = new int[n];
        private readonly TimeSpan?[] _parked = new TimeSpan?[n];
        private readonly short[] _shard = new short[n];

        public void Add(int i, CaseWrite write)
        {
            var r = write.Record;
            var f = r.File;
            var report = r.Report;
            (_id[i], _matter[i], _state[i], _grid[i]) = (f.Id, f.Matter, f.State.ToString(), r.GridCode);
            (_squad[i], _officer[i], _post[i]) = (r.Holder.SquadId, r.Holder.OfficerId, r.Holder.Post?.ToString());
            (_reporter[i], _description[i], _lon[i], _lat[i]) = (report.ReporterId, report.Description, report.Lon, report.Lat);
            (_acceptBy[i], _handleBy[i], _verifyBy[i]) = (Utc(f.Deadlines.AcceptBy), Utc(f.Deadlines.HandleBy), Utc(f.Deadlines.VerifyBy));
            (_supervised[i], _reworks[i], _reportedAt[i], _updatedAt[i]) = (f.Supervised, f.ReworkCount, f.ReportedAt.ToUniversalTime(), f.UpdatedAt.ToUniversalTime());
            (_closedAt[i], _lastSequence[i], _version[i], _extensions[i]) = (Utc(f.ClosedAt), f.Timeline[^1].Sequence, r.Version, f.ExtensionCount);
            (_parked[i], _requested[i], _address[i], _media[i]) = (f.ParkedRemaining, Utc(f.RequestedDeadline), report.Address, report.MediaUrl);
            _attributes[i] = report.Attributes is { Count: > 0 } attributes ? JsonSerializer.Serialize(attributes) : null;
            (_matterName[i], _channel[i]) = (report.MatterName, report.ReportingChannel);
            _party[i] = report.Party is { } party ? JsonSerializer.Serialize(party) : null;
            (_queue[i], _warned[i], _escalatedAt[i], _escalationReason[i]) = (r.QueueReason, Utc(r.WarnedFor), Utc(r.Escalation?.At), r.Escalation?.Reason);
            (_wake[i], _shard[i], _public[i]) = (Utc(write.WakeAt), (short)CaseShards.Of(f.Id), r.Public);
            _followUp[i] = r.FollowUp is { } followUp ? JsonSerializer.Serialize(followUp, CaseJson.Options) : null;
            _verdict[i] = r.FollowUp?.Verdict.ToString();
            (_accuracy[i], _candidates[i]) = (report.AccuracyMetres, report.CandidateGrids is { } candidates ? JsonSerializer.Serialize(candidates) : null);
            _geocode[i] = report.Geocode is { } geocode ? JsonSerializer.Serialize(geocode, CaseJson.Options) : null;
            (_duplicateOf[i], _duplicates[i]) = (r.DuplicateOf, r.LinkedDuplicates.IsEmpty ? null : JsonSerializer.Serialize(r.LinkedDuplicates, CaseJson.Options));
            // A case whose history was not kept (stored before V021, not yet filled) keeps NULL, for the background fill.
            if (f.History is not { } history) return;
            var facts = CaseFacts.Of(r);
            _history[i] = JsonSerializer.Serialize(history, CaseJson.Options);
            (_enteredBy[i], _dispatcher[i], _registered[i], _dispatchedAt[i]) = (facts.EnteredBy, facts.Dispatcher, facts.Registered, Utc(facts.DispatchedAt));
            (_acceptedAt[i], _feedbackAt[i], _verifiedAt[i]) = (Utc(facts.AcceptedAt), Utc(facts.FeedbackAt), Utc(facts.VerifiedAt));
            (_returns[i], _evaluationSupervised[i], _late[i]) = (facts.Returns, facts.Supervised, LateKinds(facts));
        }

        public void AddTo(NpgsqlParameterCollection p)
        {
            foreach (var column in new[] { _id, _matter, _state }) p.Add(Array(column, NpgsqlDbType.Text));
            foreach (var column in new[] { _grid, _squad, _officer, _post }) p.Add(Array(column, NpgsqlDbType.Text));
            p.Add(Array(_reporter, NpgsqlDbType.Text));
            p.Add(Array(_description, NpgsqlDbType.Text));
            p.Add(Array(_lon, NpgsqlDbType.Double));
            p.Add(Array(_lat, NpgsqlDbType.Double));
            foreach (var column in new[] { _acceptBy, _handleBy, _verifyBy }) p.Add(Array(column, NpgsqlDbType.TimestampTz));
            p.Add(Array(_supervised, NpgsqlDbType.Boolean));
            p.Add(Array(_reworks, NpgsqlDbType.Integer));
            p.Add(Array(_reportedAt, NpgsqlDbType.TimestampTz));
            p.Add(Array(_updatedAt, NpgsqlDbType.TimestampTz));
            p.Add(Array(_closedAt, NpgsqlDbType.TimestampTz));
            foreach (var column in new[] { _lastSequence, _version, _extensions }) p.Add(Array(column, NpgsqlDbType.Integer));
            p.Add(Array(_parked, NpgsqlDbType.Interval));
            p.Add(Array(_requested, NpgsqlDbType.TimestampTz));
            foreach (var column in new[] { _address, _media, _attributes, _matterName, _channel, _party, _queue }) p.Add(Array(column, NpgsqlDbType.Text));
            p.Add(Array(_warned, NpgsqlDbType.TimestampTz));
            p.Add(Array(_escalatedAt, NpgsqlDbType.TimestampTz));
            p.Add(Array(_escalationReason, NpgsqlDbType.Text));
            p.Add(Array(_wake, NpgsqlDbType.TimestampTz));
            p.Add(Array(_shard, NpgsqlDbType.Smallint));
        }

        /// <summary>Columns added after the batch's first parameters (numbered after the events' and notices').</summary>
        public void AddLateTo(NpgsqlParameterCollection p)
        {
            p.Add(Array(_public, NpgsqlDbType.Boolean));
            p.Add(Array(_history, NpgsqlDbType.Text));
            p.Add(Array(_enteredBy, NpgsqlDbType.Text));
            p.Add(Array(_dispatcher, NpgsqlDbType.Text));
            p.Add(Array(_registered, NpgsqlDbType.Boolean));
            foreach (var column in new[] { _dispatchedAt, _acceptedAt, _feedbackAt, _verifiedAt }) p.Add(Array(column, NpgsqlDbType.TimestampTz));
            p.Add(Array(_returns, NpgsqlDbType.Integer));
            p.Add(Array(_evaluationSupervised, NpgsqlDbType.Boolean));
            p.Add(Array(_late, NpgsqlDbType.Smallint));
            p.Add(Array(_followUp, NpgsqlDbType.Text));
            p.Add(Array(_verdict, NpgsqlDbType.Text));
            p.Add(Array(_accuracy, NpgsqlDbType.Double));
            p.Add(Array(_candidates, NpgsqlDbType.Text));
            p.Add(Array(_duplicateOf, NpgsqlDbType.Text));
            p.Add(Array(_duplicates, NpgsqlDbType.Text));
        }

        /// <summary>Columns added after the events' request keys ($76).</summary>
        public void AddLatestTo(NpgsqlParameterCollection p) => p.Add(Array(_geocode, NpgsqlDbType.Text));
    }

    /// <summary>The new timeline events of a batch.</summary>
    private sealed class EventColumns
    {
        private readonly List<string> _case = [], _actor = [], _action = [], _from = [], _to = [];
        private readonly List<string?> _note = [], _evidence = [], _key = [];
        private readonly List<int> _sequence = [];
        private readonly List<DateTimeOffset> _at = [];

        public void Add(string caseId, CaseEvent e)
        {
            _case.Add(caseId);
            _sequence.Add(e.Sequence);
            _at.Add(e.At.ToUniversalTime());
            _actor.Add(e.ActorId);
            _action.Add(e.Action.ToString());
            _from.Add(e.From.ToString());
            _to.Add(e.To.ToString());
            _note.Add(e.Note);
            _evidence.Add(e.Evidence.IsDefaultOrEmpty ? null : JsonSerializer.Serialize(e.Evidence));
            _key.Add(e.RequestKey);
        }

        public void AddKeysTo(NpgsqlParameterCollection p) => p.Add(Array(_key.ToArray(), NpgsqlDbType.Text));

        public void AddTo(NpgsqlParameterCollection p)
        {
            p.Add(Array(_case.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_sequence.ToArray(), NpgsqlDbType.Integer));
            p.Add(Array(_at.ToArray(), NpgsqlDbType.TimestampTz));
            foreach (var column in new[] { _actor, _action, _from, _to }) p.Add(Array(column.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_note.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_evidence.ToArray(), NpgsqlDbType.Text));
        }
    }

    /// <summary>The notices of a batch: to inboxes, or to the outbox.</summary>
    private sealed class NoticeColumns
    {
        private readonly List<string> _case = [], _id = [], _recipient = [], _channel = [], _kind = [], _body = [], _template = [], _delivery = [];
        private readonly List<string?> _grid = [], _community = [];
        private readonly List<DateTimeOffset> _at = [];
        private readonly List<bool> _outbox = [];

        public void Add(string caseId, NoticeEntry n, bool outbox)
        {
            _case.Add(caseId);
            _id.Add(n.NoticeId);
            _recipient.Add(n.Recipient);
            _channel.Add(n.Channel.ToString());
            _kind.Add(n.Kind);
            _grid.Add(n.GridCodes.IsDefaultOrEmpty ? null : n.GridCodes[0]);
            _community.Add(n.CommunityCodes.IsDefaultOrEmpty ? null : n.CommunityCodes[0]);
            _body.Add(n.Text);
            _template.Add(n.TemplateSource);
            _at.Add(n.At.ToUniversalTime());
            _delivery.Add(n.Delivery);
            _outbox.Add(outbox);
        }

        public void AddTo(NpgsqlParameterCollection p)
        {
            foreach (var column in new[] { _case, _id, _recipient, _channel, _kind }) p.Add(Array(column.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_grid.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_community.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_body.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_template.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_at.ToArray(), NpgsqlDbType.TimestampTz));
            p.Add(Array(_delivery.ToArray(), NpgsqlDbType.Text));
            p.Add(Array(_outbox.ToArray(), NpgsqlDbType.Boolean));
        }
    }
}
