using System.Net;
using System.Text;

namespace GridServer.Tests.Support;

/// <summary>One request the receiver took: its body, signature header and the status it answered.</summary>
public sealed record ReceivedWebhook(string Body, string? Signature, string? Notice, int Status);

/// <summary>
/// A real HTTP receiver on loopback (HttpListener on a free port): answers 500 to the first <see cref="FailFirst"/>
/// requests, or to every one while <see cref="AlwaysFail"/>, and 204 otherwise. Records every request.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ReceivedWebhook> _received = [];
    private readonly Task _loop;

    public WebhookReceiver(int failFirst = 0, bool alwaysFail = false)
    {
        FailFirst = failFirst;
        AlwaysFail = alwaysFail;
        var port = FreePorts.Next();
        Url = $"http://127.0.0.1:{port}/hook/";
        // Any Host header: a test may reach this receiver by a name its own resolver maps to loopback.
        _listener.Prefixes.Add($"http://*:{port}/hook/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public int FailFirst { get; }

    public bool AlwaysFail { get; set; }

    public IReadOnlyList<ReceivedWebhook> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    /// <summary>The bodies answered with success, in the order they arrived.</summary>
    public IReadOnlyList<ReceivedWebhook> Delivered => [.. Received.Where(r => r.Status < 300)];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;   // stopped
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            int status;
            lock (_received)
            {
                status = AlwaysFail || _received.Count < FailFirst ? 500 : 204;
                _received.Add(new ReceivedWebhook(body, context.Request.Headers["X-GridServer-Signature"], context.Request.Headers["X-GridServer-Notice"], status));
            }
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
