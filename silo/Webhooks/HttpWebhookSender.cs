using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using GridServer.Domain.Webhooks;
using GridServer.Grains.Webhooks;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Webhooks;

/// <summary>
/// Posts webhook bodies over HTTP with the named client <see cref="ClientName"/>: a timeout per attempt, no
/// redirects, and a connect step that refuses private addresses unless allowed, judged by the address actually
/// connected to (a public name that resolves to 10.0.0.1, or changes its answer between check and use, is refused).
/// No proxy but <see cref="WebhookOptions.Proxy"/>: one taken from the environment would be the address judged.
/// </summary>
public sealed class HttpWebhookSender(IHttpClientFactory clients, IOptions<WebhookOptions> options) : IWebhookSender
{
    public const string ClientName = "gridserver.webhooks";

    public async Task<WebhookAttempt> SendAsync(Uri url, ReadOnlyMemory<byte> body, string? signature, string deliveryId, CancellationToken cancellationToken)
    {
        // The setting may have changed since the URL was set: checked again at every send.
        if (WebhookRules.CheckUrl(url.OriginalString, options.Value).Error is { } error)
            return WebhookAttempt.Failed(WebhookRules.Describe(error));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.AttemptTimeoutSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-GridServer-Notice", deliveryId);
        if (signature is not null) request.Headers.Add(WebhookRules.SignatureHeader, signature);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            GridServer.Grains.Telemetry.WebhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", response.IsSuccessStatusCode ? "delivered" : "failed"));
            return response.IsSuccessStatusCode ? WebhookAttempt.Ok(status) : WebhookAttempt.Failed($"HTTP {status} {response.ReasonPhrase}".TrimEnd(), status);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            GridServer.Grains.Telemetry.WebhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            return WebhookAttempt.Failed($"no answer within {options.Value.AttemptTimeoutSeconds} s");
        }
        catch (HttpRequestException e)
        {
            GridServer.Grains.Telemetry.WebhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            return WebhookAttempt.Failed(e.InnerException is RefusedAddressException refused ? refused.Message : e.Message);
        }
    }

    /// <summary>Looks a host name up (the system's resolver in the server; a test may give its own).</summary>
    public delegate Task<IPAddress[]> Resolver(string host, CancellationToken cancellationToken);

    /// <summary>
    /// The handler behind the named client: no redirects, no cookies, the address check at connect, and no proxy but
    /// the configured one (<c>HTTP_PROXY</c>/<c>HTTPS_PROXY</c> are ignored). The configured proxy's own address is not
    /// judged: the operator named it.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(IOptions<WebhookOptions> options, Resolver? resolve = null)
    {
        var proxy = options.Value.ProxyUrl;
        return new()
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseProxy = proxy is not null,
            Proxy = proxy is null ? null : new WebProxy(proxy)
            {
                BypassProxyOnLocal = false,
                // Given when the proxy asks (407, Basic), for the tunnel to the target.
                Credentials = string.IsNullOrEmpty(options.Value.ProxyUser) ? null : new NetworkCredential(options.Value.ProxyUser, options.Value.ProxyPassword),
            },
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, proxy, options.Value.AllowPrivateAddresses, resolve, cancellationToken),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, Uri? proxy, bool allowPrivateAddresses, Resolver? resolve, CancellationToken cancellationToken)
    {
        var host = endPoint.Host;
        // The configured proxy is the operator's choice, and the target behind it is the proxy's to resolve.
        var toProxy = proxy is not null && endPoint.Port == proxy.Port
            && string.Equals(host.Trim('[', ']'), proxy.IdnHost.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal]
            : await (resolve ?? Dns.GetHostAddressesAsync)(host, cancellationToken);
        var allowed = allowPrivateAddresses || toProxy ? addresses : [.. addresses.Where(WebhookRules.IsPublic)];
        if (allowed.Length == 0)
            throw new RefusedAddressException(addresses.Length == 0
                ? $"'{host}' resolves to no address"
                : $"'{host}' resolves to {addresses[0]}, a private, loopback, link-local or reserved address; refused unless GridServer:Webhooks:AllowPrivateAddresses is true");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A webhook address refused at connect time; its message is what the dead letter keeps.</summary>
public sealed class RefusedAddressException(string message) : IOException(message);
