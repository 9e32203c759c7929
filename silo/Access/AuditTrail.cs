using GridServer.Domain.Audit;
using Microsoft.AspNetCore.Routing;

namespace GridServer.Silo.Access;

/// <summary>
/// 操作审计: every change asked for through the API by someone holding a credential — a PUT, POST, PATCH or DELETE of
/// grids, squads and members, rosters and absences, responsibilities, liaisons, webhooks, credentials, reference data,
/// modules, templates — appended to the audit log (<see cref="IAuditLog"/>) with who, from where, when, the route, the
/// path, what was sent and what was answered (secrets masked), refusals (403) included. Not audited: a case's own steps
/// (its timeline records them), reports and readings coming in, inbox reads, searches, previews, checks and webhook tests
/// (they change nothing). A change whose entry cannot be written is not undone; the failure is logged as an error.
/// </summary>
public static partial class AuditTrail
{
    /// <summary>The most bytes of a request or an answer read for the log; the rest is marked as cut.</summary>
    private const int Capture = AuditRecords.MaxText * 4;

    public static IApplicationBuilder UseAuditTrail(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!Audited(context, out var action) || context.User.Caller() is not { } caller)
        {
            await next(context);
            return;
        }
        var request = context.Request;
        request.EnableBuffering();
        var sent = await ReadAsync(request.Body, context.RequestAborted);
        request.Body.Position = 0;
        var original = context.Response.Body;
        await using var tee = new TeeStream(original, Capture);
        context.Response.Body = tee;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
            var log = context.RequestServices.GetRequiredService<IAuditLog>();
            var entry = new AuditEntry(0, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), caller.Subject, caller.Role.ToString(), action,
                request.Path.Value ?? "", context.Response.StatusCode,
                AuditRecords.Of(request.ContentType, sent.Bytes, sent.Length),
                AuditRecords.Of(context.Response.ContentType, tee.Captured, tee.Length),
                context.Connection.RemoteIpAddress?.ToString());
            try
            {
                await log.AppendAsync(entry, CancellationToken.None);
            }
            catch (Exception e)
            {
                LogAppendFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditTrail)), e, entry.Action, entry.Target, entry.Actor);
            }
        }
    });

    /// <summary>Whether the request is a change the log keeps, and its route ("PUT /api/squads/{id}/leader").</summary>
    internal static bool Audited(HttpContext context, out string action)
    {
        action = "";
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) return false;
        var path = context.Request.Path.Value ?? "";
        if (!path.StartsWith("/api/", StringComparison.Ordinal)) return false;
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? path;
        if (!route.StartsWith('/')) route = "/" + route;
        if (route.StartsWith("/api/cases", StringComparison.Ordinal) || route.StartsWith("/api/inbox", StringComparison.Ordinal)
            || route.StartsWith("/api/sensors", StringComparison.Ordinal) || route.StartsWith("/api/media", StringComparison.Ordinal)
            || route.EndsWith("/preview", StringComparison.Ordinal) || route.EndsWith("/search", StringComparison.Ordinal)
            || route.EndsWith("/check", StringComparison.Ordinal) || route.EndsWith("/webhook/test", StringComparison.Ordinal))
            return false;
        action = $"{method} {route}";
        return true;
    }

    private static async Task<(byte[] Bytes, long Length)> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[Capture];
        byte[]? rest = null;   // past the kept bytes, the body is only counted
        var read = 0;
        long length = 0;
        while (true)
        {
            var n = read < buffer.Length ? await body.ReadAsync(buffer.AsMemory(read), cancellationToken) : await body.ReadAsync(rest ??= new byte[81920], cancellationToken);
            if (n == 0) break;
            if (read < buffer.Length) read += n;
            length += n;
        }
        return (buffer[..read], length);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit log could not record {Action} {Target} by {Actor}; the change itself stands")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string action, string target, string actor);

    /// <summary>Writes through to the response and keeps the first bytes for the log.</summary>
    private sealed class TeeStream(Stream inner, int capture) : Stream
    {
        private readonly MemoryStream _kept = new();

        public byte[] Captured => _kept.ToArray();

        public override long Length => _length;

        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        private void Keep(ReadOnlySpan<byte> data)
        {
            _length += data.Length;
            var room = capture - (int)_kept.Length;
            if (room > 0) _kept.Write(data[..Math.Min(room, data.Length)]);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _kept.Dispose();
            base.Dispose(disposing);
        }
    }
}
