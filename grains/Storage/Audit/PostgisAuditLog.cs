using GridServer.Domain.Audit;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Storage.Audit;

/// <summary>The audit log in PostgreSQL (V025): appended with one INSERT per change, read newest first with what stood before each.</summary>
public sealed class PostgisAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    public static readonly string[] RequiredMigrations = ["V025__audit"];

    public async Task<long> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gridserver.audit_log (at, actor, role, action, target, status, request, result, client)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = entry.At.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        foreach (var text in new[] { entry.Actor, entry.Role, entry.Action, entry.Target }) command.Parameters.Add(new NpgsqlParameter { Value = text, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (short)entry.Status, NpgsqlDbType = NpgsqlDbType.Smallint });
        foreach (var text in new[] { entry.Request, entry.Result, entry.Client })
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var criteria = new SqlCriteria(firstParameter: 2);
        if (query.Actor is { } actor) criteria.Add("a.actor = @", Text(actor));
        // A prefix of the path: LIKE with its wildcards escaped (text_pattern_ops serves it).
        if (query.Target is { } target) criteria.Add(@"a.target LIKE @ ESCAPE '\'", Text(target.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%"));
        if (query.From is { } from) criteria.Add("a.at >= @", Time(from));
        if (query.To is { } to) criteria.Add("a.at < @", Time(to));
        if (query.BeforeSeq is { } before) criteria.Add("a.seq < @", new NpgsqlParameter { Value = before, NpgsqlDbType = NpgsqlDbType.Bigint });
        await using var command = dataSource.CreateCommand($"""
            SELECT a.seq, a.at, a.actor, a.role, a.action, a.target, a.status, a.request, a.result, a.client,
                   b.seq, b.at, b.actor, b.role, b.action, b.target, b.status, b.request, b.result, b.client
            FROM gridserver.audit_log a
            LEFT JOIN LATERAL (SELECT * FROM gridserver.audit_log p
                               WHERE a.action ~ '^(PUT|PATCH|DELETE) ' AND p.target = a.target AND p.seq < a.seq
                                 AND p.status BETWEEN 200 AND 299 AND p.action ~ '^(PUT|PATCH|DELETE) '
                               ORDER BY p.seq DESC LIMIT 1) b ON true
            WHERE true{criteria.Sql}
            ORDER BY a.seq DESC LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(query.Limit, 0, AuditQuery.MaxLimit), NpgsqlDbType = NpgsqlDbType.Integer });
        foreach (var parameter in criteria.Parameters) command.Parameters.Add(parameter);
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            AuditEntry Read(int o) => new(reader.GetInt64(o), reader.GetFieldValue<DateTimeOffset>(o + 1), reader.GetString(o + 2), reader.GetString(o + 3),
                reader.GetString(o + 4), reader.GetString(o + 5), reader.GetInt16(o + 6), reader.IsDBNull(o + 7) ? null : reader.GetString(o + 7),
                reader.IsDBNull(o + 8) ? null : reader.GetString(o + 8), reader.IsDBNull(o + 9) ? null : reader.GetString(o + 9));
            entries.Add(Read(0) with { Before = reader.IsDBNull(10) ? null : Read(10) });
        }
        return entries;
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTimeOffset value) => new() { Value = value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
