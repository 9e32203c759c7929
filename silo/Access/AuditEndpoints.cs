using System.Globalization;
using GridServer.Domain.Access;
using GridServer.Domain.Audit;
using GridServer.Silo.Hosting;

namespace GridServer.Silo.Access;

/// <summary><c>GET /api/audit</c>: the audit log of changes (<see cref="AuditTrail"/>), for operators.</summary>
public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", Query).RequireRoles(Role.Operator).WithTags("Access")
            .WithSummary("操作审计: the changes asked for through the API, newest first — who, from where, when, the route and path, what was sent and answered, and what stood before (the latest earlier change of the same path). Filter by actor, target (a path or its beginning), from, to; page with before (a seq).");
        return app;
    }

    internal static async Task<IResult> Query(HttpRequest request, IAuditLog log, CancellationToken cancellationToken)
    {
        var q = request.Query;
        if (q.Keys.FirstOrDefault(k => q[k].Count > 1) is { } repeated) return Problems.Of(400, "Repeated parameter", $"'{repeated}' is given more than once");
        DateTimeOffset? When(string name, out string? error)
        {
            error = null;
            if (q[name] is not [{ } text]) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
            error = $"'{name}' must be a time like 2026-12-01T08:00:00+08:00, got '{Problems.Shorten(text)}'";
            return null;
        }
        var from = When("from", out var fromError);
        var to = When("to", out var toError);
        if ((fromError ?? toError) is { } timeError) return Problems.Of(400, "Unreadable time", timeError);
        var limit = 100;
        if (q["limit"] is [{ } limitText] && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit > AuditQuery.MaxLimit))
            return Problems.Of(400, "Unreadable limit", $"limit is a whole number from 0 to {AuditQuery.MaxLimit}");
        long? before = null;
        if (q["before"] is [{ } beforeText])
        {
            if (!long.TryParse(beforeText, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return Problems.Of(400, "Unreadable before", "before is an entry's seq");
            before = seq;
        }
        var entries = await log.QueryAsync(new AuditQuery((string?)q["actor"], (string?)q["target"], from, to, before, limit), cancellationToken);
        return TypedResults.Ok(new { entries, next = entries.Count == limit && entries.Count > 0 ? entries[^1].Seq : (long?)null });
    }
}
