using GridServer.Domain.Cases;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Cases;

/// <summary>
/// Retention in PostgreSQL (V028): closed cases with their timelines, and old inbox notices, move from the live tables to
/// <c>gridserver_archive</c>. Each bite is one statement: the rows are deleted and inserted together or not at all. Rows
/// another transaction holds (a case being written this moment) are skipped and taken by a later bite, so every silo may
/// run the archiver at once and they only share the work.
/// </summary>
public sealed class PostgisArchive(NpgsqlDataSource dataSource) : ICaseArchive
{
    // Deleting a case would delete its events (ON DELETE CASCADE): they are moved first, in the same statement.
    private const string CasesSql = """
        WITH picked AS (
            SELECT case_id FROM gridserver.cases WHERE closed_at < $1 ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED
        ), events AS (
            DELETE FROM gridserver.case_events e USING picked p WHERE e.case_id = p.case_id RETURNING e.*
        ), archived_events AS (
            INSERT INTO gridserver_archive.case_events SELECT * FROM events
        ), moved AS (
            DELETE FROM gridserver.cases c USING picked p WHERE c.case_id = p.case_id RETURNING c.*
        )
        INSERT INTO gridserver_archive.cases SELECT * FROM moved
        """;

    private const string NoticesSql = """
        WITH moved AS (
            DELETE FROM gridserver.notices
            WHERE seq IN (SELECT seq FROM gridserver.notices WHERE at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING *
        )
        INSERT INTO gridserver_archive.notices SELECT * FROM moved
        """;

    public Task<int> ArchiveClosedCasesAsync(DateTimeOffset closedBefore, int limit, CancellationToken cancellationToken = default) =>
        MoveAsync(CasesSql, closedBefore, limit, cancellationToken);

    public Task<int> ArchiveNoticesAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default) =>
        MoveAsync(NoticesSql, before, limit, cancellationToken);

    private async Task<int> MoveAsync(string sql, DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
