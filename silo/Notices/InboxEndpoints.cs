using System.Text.Json;
using System.Threading.Channels;
using GridServer.Abstractions.Notices;
using GridServer.Domain.Access;
using GridServer.Grains.Notices;
using GridServer.Notices;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Notices;

/// <summary>
/// The caller's own notices: <c>GET /api/inbox</c> (newest first) and <c>GET /api/inbox/stream</c> (server-sent events of
/// new notices, live). Whose inbox is fixed by the credential, never by the request: an officer's, a liaison's, or for
/// a dispatcher the command center's, or a reporting channel's (the status of the cases it reported; no live stream).
/// </summary>
public static class InboxEndpoints
{
    /// <summary>A stream renews its subscription this often, well inside <see cref="NoticeInboxGrain.SubscriptionLifetime"/>.</summary>
    public static readonly TimeSpan RenewPeriod = TimeSpan.FromMinutes(1);

    public static IEndpointRouteBuilder MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/inbox").WithTags("Notices");
        api.MapGet("/", GetInbox).RequireRoles(Role.Officer, Role.Liaison, Role.Dispatcher, Role.Reporter)
            .WithSummary("The caller's notices, newest first (a dispatcher: the command center's; a reporting channel: the status of the cases it reported).");
        api.MapPost("/{id}/read", MarkRead).RequireRoles(Role.Officer, Role.Liaison, Role.Dispatcher, Role.Reporter)
            .WithSummary("Marks the notice and every older one of the caller's inbox read; answers how many stay unread.");
        api.MapGet("/stream", StreamAsync).RequireRoles(Role.Officer, Role.Liaison, Role.Dispatcher)
            .WithSummary("Server-sent events: each notice recorded for the caller from now on, as event 'notice' with the notice as JSON.");
        return app;
    }

    /// <summary>The inbox a caller reads, fixed by the credential; only these four roles reach here (a reporter not the stream).</summary>
    internal static string InboxOf(Caller caller) => caller.Role switch
    {
        Role.Officer => NoticeInboxes.Officer(caller.Subject),
        Role.Liaison => NoticeInboxes.Liaison(caller.Subject),
        Role.Dispatcher => NoticeInboxes.CommandCenter,
        Role.Reporter => NoticeInboxes.Reporter(caller.Subject),
        _ => throw new InvalidOperationException($"the role {caller.Role} has no inbox"),
    };

    internal static async Task<Results<Ok<NoticePage>, ProblemHttpResult>> GetInbox(HttpContext context, IGrainFactory grains, int? limit, int? offset)
    {
        var take = limit ?? 50;
        if (take is < 1 or > INoticeInboxGrain.MaxKept) return Problems.Of(400, "Invalid limit", $"'limit' must lie between 1 and {INoticeInboxGrain.MaxKept}");
        if (offset is < 0) return Problems.Of(400, "Invalid offset", "'offset' must not be negative");
        return TypedResults.Ok(await grains.GetGrain<INoticeInboxGrain>(InboxOf(context.RequiredCaller())).GetAsync(offset ?? 0, take));
    }

    /// <summary>The answer to a read mark: how many notices of the inbox stay unread.</summary>
    public sealed record ReadMark(int Unread);

    internal static async Task<Results<Ok<ReadMark>, ProblemHttpResult>> MarkRead(string id, HttpContext context, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || id.Any(char.IsControl)) return Problems.Of(400, "Invalid id", "'id' must be a notice id (N- and 32 hex digits)");
        return await grains.GetGrain<INoticeInboxGrain>(InboxOf(context.RequiredCaller())).MarkReadAsync(id) is { } unread
            ? TypedResults.Ok(new ReadMark(unread))
            : Problems.Of(404, "Notice not found", $"your inbox keeps no notice '{Problems.Shorten(id)}'");
    }

    /// <summary>
    /// Subscribes an observer of this silo to the caller's inbox grain (wherever it lives), writes each notice it is
    /// told of as an SSE event, and renews the subscription until the client goes away.
    /// </summary>
    internal static async Task StreamAsync(HttpContext context, IGrainFactory grains)
    {
        var caller = context.RequiredCaller();
        var inbox = grains.GetGrain<INoticeInboxGrain>(InboxOf(caller));
        var listener = new InboxListener();
        var reference = grains.CreateObjectReference<INoticeInboxObserver>(listener);
        var aborted = context.RequestAborted;
        try
        {
            if (!await inbox.SubscribeAsync(reference, caller.CredentialId))
            {
                await Problems.Of(429, "Too many live streams", $"one credential may hold at most {INoticeInboxGrain.MaxStreamsPerSubscriber} live streams of an inbox " +
                    $"(and an inbox serves at most {INoticeInboxGrain.MaxStreams}); close one first").ExecuteAsync(context);
                return;
            }
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            // Sent at once, so a client knows it is listening before the first notice.
            await context.Response.WriteAsync(": listening\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
            var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            while (!aborted.IsCancellationRequested)
            {
                using var renew = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                renew.CancelAfter(RenewPeriod);
                try
                {
                    await foreach (var notice in listener.Notices.Reader.ReadAllAsync(renew.Token))
                    {
                        await context.Response.WriteAsync($"id: {notice.NoticeId}\nevent: notice\ndata: {JsonSerializer.Serialize(notice, json)}\n\n", aborted);
                        await context.Response.Body.FlushAsync(aborted);
                    }
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    // A renewal is always taken while the subscription lives; one that lapsed (a silo too busy to
                    // renew in time) may find the places taken: the stream ends, and the client reconnects.
                    if (!await inbox.SubscribeAsync(reference, caller.CredentialId)) break;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
        finally
        {
            try { await inbox.UnsubscribeAsync(reference).AsTask().WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Best effort: the subscription lapses by itself within minutes.
            }
            grains.DeleteObjectReference<INoticeInboxObserver>(reference);
        }
    }

    /// <summary>The silo-side end of one stream: notices told by the inbox grain wait here for the response.</summary>
    private sealed class InboxListener : INoticeInboxObserver
    {
        /// <summary>Bounded: a client that stops reading loses the oldest live notices, never the server's memory (the inbox keeps them).</summary>
        public Channel<NoticeRecord> Notices { get; } = Channel.CreateBounded<NoticeRecord>(
            new BoundedChannelOptions(INoticeInboxGrain.MaxKept) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public Task RecordedAsync(NoticeRecord notice)
        {
            Notices.Writer.TryWrite(notice);
            return Task.CompletedTask;
        }
    }
}
