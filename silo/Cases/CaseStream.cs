using System.Text.Json;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;

namespace GridServer.Silo.Cases;

/// <summary>
/// <c>GET /api/cases/stream</c>: the live case list as server-sent events. Each changed case the caller may see comes as
/// an event <c>case</c> (its summary, as a search lists it); <c>reload</c> says changes came faster than they could be
/// told and the list should be read again. Scope is judged at each change, so an officer taken out of a squad stops
/// seeing its cases at once.
/// </summary>
internal static class CaseStream
{
    /// <summary>A comment goes out this often on a quiet stream, so proxies and phones keep the connection.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    internal static async Task StreamAsync(HttpContext context, CaseFeed feed, Scopes scopes)
    {
        var caller = context.RequiredCaller();
        using var listener = feed.Listen(caller.CredentialId);
        if (listener is null)
        {
            await Problems.Of(429, "Too many live streams", $"one credential may hold at most {CaseFeed.MaxPerCredential} live case lists on a server " +
                $"(and a server serves at most {CaseFeed.MaxListeners}); close one first").ExecuteAsync(context);
            return;
        }
        var aborted = context.RequestAborted;
        var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        try
        {
            // Sent at once: a client reads its list after this, so no change falls between the read and the stream.
            await response.WriteAsync(": listening\n\n", aborted);
            await response.Body.FlushAsync(aborted);
            var reader = listener.Changes.Reader;
            while (true)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                quiet.CancelAfter(KeepAlive);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(quiet.Token);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await response.WriteAsync(": keep-alive\n\n", aborted);
                    await response.Body.FlushAsync(aborted);
                    continue;
                }
                if (!more) break;
                var reload = false;
                while (reader.TryRead(out var change))
                {
                    if (change is null) reload = true;
                    else if (await scopes.MaySeeAsync(caller, change.OfficerId, change.SquadId, change.GridCode))
                        await response.WriteAsync($"id: {change.CaseId}:{change.Sequence}\nevent: case\ndata: {JsonSerializer.Serialize(change, json)}\n\n", aborted);
                }
                if (listener.TakeMissed() || reload) await response.WriteAsync("event: reload\ndata: {}\n\n", aborted);
                await response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
    }

}
