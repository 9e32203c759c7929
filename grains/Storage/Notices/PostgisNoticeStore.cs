using System.Collections.Immutable;
using GridServer.Domain.Notices;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Notices;

/// <summary>
/// Inboxes and the notice outbox in PostgreSQL (migration V010): <c>gridserver.notices</c> one row per notice,
/// <c>gridserver.inbox_reads</c> the read-up-to marks, <c>gridserver.notice_outbox</c> what waits to be carried out.
/// Case notices are written by the case store with their step; this records the rest and reads them.
/// </summary>
public sealed class PostgisNoticeStore(NpgsqlDataSource dataSource) : INoticeStore, INoticeOutbox
{
    private const string Columns = "notice_id, recipient, channel, kind, case_ids, grid_codes, community_codes, body, template, at";

    private const string InsertSql = $"""
        INSERT INTO gridserver.notices ({Columns}, delivery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (notice_id) DO NOTHING
        """;

    public async Task RecordAsync(IReadOnlyList<NoticeEntry> notices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notices);
        if (notices.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var n in notices)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertSql)
            {
                Parameters =
                {
                    Text(n.NoticeId), Text(n.Recipient), Text(n.Channel.ToString()), Text(n.Kind), Texts(n.CaseIds), Texts(n.GridCodes),
                    Texts(n.CommunityCodes), Text(n.Text), Text(n.TemplateSource),
                    new() { Value = n.At.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz }, Text(n.Delivery),
                },
            });
        }
        // One implicit transaction for the batch: all of the notices or none.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // What an inbox shows is its newest MaxKept notices; counts and the unread figure are of those.
    private static readonly string PageSql = $"""
        WITH kept AS (
            SELECT seq, {Columns}, delivery FROM gridserver.notices WHERE recipient = $1 ORDER BY seq DESC LIMIT {INoticeStore.MaxKept}
        ), mark AS (
            SELECT coalesce((SELECT read_seq FROM gridserver.inbox_reads WHERE recipient = $1), 0) AS read_seq
        )
        SELECT (SELECT count(*) FROM kept)::int, (SELECT count(*) FROM kept, mark WHERE kept.seq > mark.read_seq)::int,
            k.notice_id, k.recipient, k.channel, k.kind, k.case_ids, k.grid_codes, k.community_codes, k.body, k.template, k.at, k.delivery
        FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT * FROM kept ORDER BY seq DESC OFFSET $2 LIMIT $3) AS k ON true
        """;

    public async Task<NoticeSlice> PageAsync(string recipient, int offset, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(PageSql);
        command.Parameters.Add(Text(recipient));
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, offset), NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(limit, 0, INoticeStore.MaxKept), NpgsqlDbType = NpgsqlDbType.Integer });
        var (total, unread) = (0, 0);
        var page = ImmutableArray.CreateBuilder<NoticeEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            (total, unread) = (reader.GetInt32(0), reader.GetInt32(1));
            if (!reader.IsDBNull(2)) page.Add(Read(reader, 2, reader.GetString(12)));
        }
        return new NoticeSlice(total, page.ToImmutable(), unread);
    }

    private static readonly string MarkSql = $"""
        WITH kept AS (
            SELECT seq, notice_id FROM gridserver.notices WHERE recipient = $1 ORDER BY seq DESC LIMIT {INoticeStore.MaxKept}
        ), marked AS (
            INSERT INTO gridserver.inbox_reads (recipient, read_seq) SELECT $1, seq FROM kept WHERE notice_id = $2
            ON CONFLICT (recipient) DO UPDATE SET read_seq = greatest(gridserver.inbox_reads.read_seq, EXCLUDED.read_seq)
            RETURNING read_seq
        )
        SELECT (SELECT count(*) FROM kept, marked WHERE kept.seq > marked.read_seq)::int FROM marked
        """;

    public async Task<int?> MarkReadAsync(string recipient, string noticeId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(MarkSql);
        command.Parameters.Add(Text(recipient));
        command.Parameters.Add(Text(noticeId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int unread ? unread : null;
    }

    private const string ClaimSql = $"""
        UPDATE gridserver.notice_outbox SET leased_until = now() + $2
        WHERE notice_id IN (
            SELECT notice_id FROM gridserver.notice_outbox
            WHERE written_at <= now() - $1 AND leased_until <= now()
            ORDER BY written_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING {Columns}
        """;

    public async Task<IReadOnlyList<NoticeEntry>> ClaimAsync(TimeSpan minAge, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.Add(new NpgsqlParameter { Value = minAge, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var claimed = new List<NoticeEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) claimed.Add(Read(reader, 0, "recorded"));
        return claimed;
    }

    public async Task DoneAsync(IReadOnlyCollection<string> noticeIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noticeIds);
        if (noticeIds.Count == 0) return;
        await using var command = dataSource.CreateCommand("DELETE FROM gridserver.notice_outbox WHERE notice_id = ANY($1)");
        command.Parameters.Add(Texts([.. noticeIds]));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NoticeEntry Read(NpgsqlDataReader reader, int at, string delivery) => new(
        reader.GetString(at), reader.GetString(at + 1), Enum.Parse<NoticeChannel>(reader.GetString(at + 2)), reader.GetString(at + 3),
        [.. reader.GetFieldValue<string[]>(at + 4)], [.. reader.GetFieldValue<string[]>(at + 5)], reader.GetString(at + 7),
        reader.GetString(at + 8), reader.GetFieldValue<DateTimeOffset>(at + 9), delivery, [.. reader.GetFieldValue<string[]>(at + 6)]);

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Texts(ImmutableArray<string> values) =>
        new() { Value = values.IsDefault ? System.Array.Empty<string>() : values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
