using GridServer.Domain.Audit;
using GridServer.Storage.Audit;
using GridServer.Tests.Support;
using Npgsql;

namespace GridServer.Tests.Postgres;

/// <summary>The audit log (V025) in PostGIS and in memory: the same answers; in PostgreSQL nobody can change or remove an entry.</summary>
public class AuditLogTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8));

    public static TheoryData<string> Logs => new() { "memory", "postgis" };

    private IAuditLog Log(string kind) => kind == "memory" ? new InMemoryAuditLog() : new PostgisAuditLog(database.DataSource);

    private static AuditEntry Entry(string target, int status = 200, string actor = "operator", string? request = null, int minutes = 0) =>
        new(0, T0.AddMinutes(minutes), actor, "Operator", "PUT /api/squads/{id}/leader", target, status, request, "{\"ok\":true}", "127.0.0.1");

    [PostgisTheory, MemberData(nameof(Logs))]
    public async Task Query_NewestFirst_WithWhatStoodBefore_ByTargetPrefixActorTimeAndPage(string kind)
    {
        var log = Log(kind);
        var squad = $"/api/squads/SQ_{Guid.NewGuid():N}%";   // LIKE's wildcards in a path are matched as themselves
        await log.AppendAsync(Entry(squad + "/leader", request: "{\"officerId\":\"O-1\"}"));
        await log.AppendAsync(Entry(squad + "/leader", status: 403, actor: "dispatcher", request: "{\"officerId\":\"O-X\"}", minutes: 1));
        var last = await log.AppendAsync(Entry(squad + "/leader", request: "{\"officerId\":\"O-2\"}", minutes: 2));
        await log.AppendAsync(Entry(squad + "/officers/O-3", minutes: 3));
        await log.AppendAsync(Entry(squad.Replace("%", "x", StringComparison.Ordinal) + "/leader", minutes: 4));

        var all = await log.QueryAsync(new AuditQuery(Target: squad));
        Assert.Equal(4, all.Count);
        Assert.Equal(all.OrderByDescending(e => e.Seq).Select(e => e.Seq), all.Select(e => e.Seq));
        var second = all.Single(e => e.Seq == last);
        // Before the second change: the first one that succeeded, not the refused one between them.
        Assert.Equal("{\"officerId\":\"O-1\"}", second.Before?.Request);
        Assert.Null(all[^1].Before);
        Assert.Equal(["dispatcher"], (await log.QueryAsync(new AuditQuery(Actor: "dispatcher", Target: squad))).Select(e => e.Actor));
        Assert.Equal(2, (await log.QueryAsync(new AuditQuery(Target: squad, From: T0.AddMinutes(2)))).Count);
        Assert.Equal(2, (await log.QueryAsync(new AuditQuery(Target: squad, BeforeSeq: last))).Count);
        Assert.Single(await log.QueryAsync(new AuditQuery(Target: squad, Limit: 1)));

        // A POST (a creation, an action) names nothing that stood before it.
        var posted = await log.AppendAsync(Entry(squad + "/leader", minutes: 5) with { Action = "POST /api/squads/{id}/leader" });
        Assert.Null(Assert.Single(await log.QueryAsync(new AuditQuery(Target: squad, BeforeSeq: posted + 1, Limit: 1))).Before);
    }

    [PostgisFact]
    public async Task Postgres_AnEntryCannotBeChangedRemovedOrTruncated()
    {
        var seq = await new PostgisAuditLog(database.DataSource).AppendAsync(Entry("/api/grids/33030200100101"));
        foreach (var sql in new[] { $"UPDATE gridserver.audit_log SET actor = 'nobody' WHERE seq = {seq}", $"DELETE FROM gridserver.audit_log WHERE seq = {seq}", "TRUNCATE gridserver.audit_log" })
        {
            await using var command = database.DataSource.CreateCommand(sql);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }
        var kept = Assert.Single(await new PostgisAuditLog(database.DataSource).QueryAsync(new AuditQuery(Target: "/api/grids/33030200100101", BeforeSeq: seq + 1, Limit: 1)));
        Assert.Equal(("operator", seq), (kept.Actor, kept.Seq));
    }
}
