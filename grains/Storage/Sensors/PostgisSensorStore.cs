using System.Collections.Immutable;
using System.Text.Json;
using GridServer.Domain.Sensors;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Sensors;

/// <summary>
/// Sensor subjects in PostgreSQL (migration V020): <c>gridserver.sensor_subjects</c> a row per subject, rewritten per step;
/// <c>gridserver.sensor_readings</c> a row per reading, appended. Steps of many subjects go in one statement and one
/// transaction (<see cref="GroupCommit{T}"/>); a step's readings are written only with its subject row, and that only when
/// the stored version is the one before it.
/// </summary>
public sealed class PostgisSensorStore : ISensorStore, IAsyncDisposable
{
    /// <summary>The migration that creates what this code writes.</summary>
    public static readonly string[] RequiredMigrations = ["V020__sensor_store"];

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommit<SensorWrite> _writes;

    public PostgisSensorStore(NpgsqlDataSource dataSource, int writers = 2, int maxBatch = 512)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _writes = new GroupCommit<SensorWrite>(CommitAsync, w => w.Subject.Key, maxBatch, writers);
    }

    /// <summary>Batches committed and steps written since the start (benchmarks).</summary>
    public (long Batches, long Writes) Committed => _writes.Committed;

    /// <summary>Fails with an instruction naming the first migration the database lacks.</summary>
    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in RequiredMigrations) await PostgisSchema.RequireAsync(_dataSource, migration, cancellationToken);
    }

    private const string LoadSubjectSql = """
        SELECT version, memo, episode_case_id, episode_opened_at, recheck_at, episodes, last_error
        FROM gridserver.sensor_subjects WHERE module = $1 AND subject = $2
        """;

    private const string LoadReadingsSql = """
        SELECT sensor_id, kind, lon, lat, at, vals::text FROM gridserver.sensor_readings
        WHERE module = $1 AND subject = $2 AND ($3::timestamptz IS NULL OR at >= $3)
        ORDER BY at DESC, sensor_id DESC LIMIT $4
        """;

    public async Task<SensorSubjectLoad> LoadAsync(string folder, string subject, DateTimeOffset? since, int max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(subject);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LoadSubjectSql) { Parameters = { Text(folder), Text(subject) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LoadReadingsSql)
        {
            Parameters = { Text(folder), Text(subject), new() { Value = (object?)since?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz }, new() { Value = max, NpgsqlDbType = NpgsqlDbType.Integer } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        SensorSubjectRecord? record = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Str(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? When(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            record = new SensorSubjectRecord(folder, subject, reader.GetInt64(0), Str(1), Str(2), When(3), When(4), reader.GetInt32(5), Str(6));
        }
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var readings = new List<SensorReadingRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(5))!.ToImmutableSortedDictionary(StringComparer.Ordinal);
            readings.Add(new SensorReadingRow(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetFieldValue<DateTimeOffset>(4), values));
        }
        readings.Reverse();
        return new SensorSubjectLoad(record, readings);
    }

    public Task<bool> WriteAsync(SensorWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return _writes.WriteAsync(write).WaitAsync(cancellationToken);
    }

    private const string WriteSql = """
        WITH written AS (
            INSERT INTO gridserver.sensor_subjects AS s (module, subject, version, memo, episode_case_id, episode_opened_at, recheck_at, episodes, last_error, updated_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::integer[], $9::text[], $10::timestamptz[])
              AS i(module, subject, version, memo, episode_case_id, episode_opened_at, recheck_at, episodes, last_error, updated_at)
            -- A subject not yet stored is written only as its first version.
            WHERE i.version = 1 OR EXISTS (SELECT 1 FROM gridserver.sensor_subjects e WHERE e.module = i.module AND e.subject = i.subject)
            ON CONFLICT (module, subject) DO UPDATE SET
                version = EXCLUDED.version, memo = EXCLUDED.memo, episode_case_id = EXCLUDED.episode_case_id,
                episode_opened_at = EXCLUDED.episode_opened_at, recheck_at = EXCLUDED.recheck_at, episodes = EXCLUDED.episodes,
                last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at
            WHERE s.version = EXCLUDED.version - 1
            RETURNING s.module, s.subject
        ), readings AS (
            INSERT INTO gridserver.sensor_readings (module, subject, at, sensor_id, kind, lon, lat, vals)
            SELECT r.module, r.subject, r.at, r.sensor_id, r.kind, r.lon, r.lat, r.vals::jsonb
            FROM unnest($11::text[], $12::text[], $13::timestamptz[], $14::text[], $15::text[], $16::float8[], $17::float8[], $18::text[])
              AS r(module, subject, at, sensor_id, kind, lon, lat, vals)
            WHERE (r.module, r.subject) IN (SELECT module, subject FROM written)
            ON CONFLICT DO NOTHING
        )
        SELECT module || '|' || subject FROM written
        """;

    private async Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<SensorWrite> batch, CancellationToken cancellationToken)
    {
        var n = batch.Count;
        var (modules, subjects, versions, memos, episodeCases) = (new string[n], new string[n], new long[n], new string?[n], new string?[n]);
        var (openedAt, recheckAt, episodes, errors, updatedAt) = (new DateTimeOffset?[n], new DateTimeOffset?[n], new int[n], new string?[n], new DateTimeOffset[n]);
        var now = DateTimeOffset.UtcNow;
        var readings = batch.Sum(w => w.Readings.Count);
        var (rModules, rSubjects, rAt, rSensors, rKinds) = (new string[readings], new string[readings], new DateTimeOffset[readings], new string[readings], new string[readings]);
        var (rLon, rLat, rValues) = (new double[readings], new double[readings], new string[readings]);
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            var s = batch[i].Subject;
            (modules[i], subjects[i], versions[i], memos[i], episodeCases[i]) = (s.Module, s.Subject, s.Version, s.Memo, s.EpisodeCaseId);
            // Npgsql writes timestamptz from UTC values only; readings come with their gateway's offset.
            (openedAt[i], recheckAt[i], episodes[i], errors[i], updatedAt[i]) = (s.EpisodeOpenedAt?.ToUniversalTime(), s.RecheckAt?.ToUniversalTime(), s.Episodes, s.LastError, now);
            foreach (var r in batch[i].Readings)
            {
                (rModules[k], rSubjects[k], rAt[k], rSensors[k], rKinds[k]) = (s.Module, s.Subject, r.At.ToUniversalTime(), r.SensorId, r.Kind);
                (rLon[k], rLat[k], rValues[k]) = (r.Lon, r.Lat, JsonSerializer.Serialize(r.Values));
                k++;
            }
        }
        await using var command = _dataSource.CreateCommand(WriteSql);
        command.Parameters.Add(Array(modules, NpgsqlDbType.Text));
        command.Parameters.Add(Array(subjects, NpgsqlDbType.Text));
        command.Parameters.Add(Array(versions, NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(memos, NpgsqlDbType.Text));
        command.Parameters.Add(Array(episodeCases, NpgsqlDbType.Text));
        command.Parameters.Add(Array(openedAt, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(recheckAt, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(episodes, NpgsqlDbType.Integer));
        command.Parameters.Add(Array(errors, NpgsqlDbType.Text));
        command.Parameters.Add(Array(updatedAt, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(rModules, NpgsqlDbType.Text));
        command.Parameters.Add(Array(rSubjects, NpgsqlDbType.Text));
        command.Parameters.Add(Array(rAt, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(rSensors, NpgsqlDbType.Text));
        command.Parameters.Add(Array(rKinds, NpgsqlDbType.Text));
        command.Parameters.Add(Array(rLon, NpgsqlDbType.Double));
        command.Parameters.Add(Array(rLat, NpgsqlDbType.Double));
        command.Parameters.Add(Array(rValues, NpgsqlDbType.Text));
        var written = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) written.Add(reader.GetString(0));
        }
        return [.. batch.Select(w => written.Contains(w.Subject.Key))];
    }

    private const string PruneSql = """
        DELETE FROM gridserver.sensor_readings WHERE ctid = ANY (ARRAY(
            SELECT ctid FROM gridserver.sensor_readings WHERE at < $1 LIMIT $2))
        """;

    public async Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(PruneSql);
        command.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType type) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };

    public ValueTask DisposeAsync() => _writes.DisposeAsync();
}
