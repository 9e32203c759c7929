using System.Net;
using System.Text.Json;

namespace GridServer.Tests.Support;

/// <summary>An open server-sent-event stream of the server, read line by line.</summary>
public sealed class LiveEvents : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private LiveEvents(HttpResponseMessage response, StreamReader reader) => (_response, _reader) = (response, reader);

    /// <summary>Opens the stream at <paramref name="path"/> and waits for the server to say it listens.</summary>
    public static async Task<LiveEvents> OpenAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The server's first line says it is subscribed: what happens from now on reaches this stream.
        Assert.Equal(": listening", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        return new LiveEvents(response, reader);
    }

    /// <summary>The JSON of the next event named <paramref name="eventName"/>, waiting at most <paramref name="seconds"/> seconds.</summary>
    public async Task<JsonElement> NextAsync(string eventName, int seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        string? current = null;
        while (await _reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) current = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && current == eventName)
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
        }
        throw new InvalidOperationException("the stream ended");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
