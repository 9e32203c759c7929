using System.Net;
using System.Net.Sockets;
using System.Text;
using GridServer.Domain.Webhooks;
using GridServer.Grains.Webhooks;
using GridServer.Silo.Webhooks;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Webhooks;

/// <summary>The silo's HTTP sender on its own, as the silo registers it, against a loopback receiver (plain http, allowed).</summary>
public sealed class HttpWebhookSenderTests
{
    /// <summary>A public-looking name that this test's resolver answers with loopback, as a hostile DNS record would.</summary>
    private const string RebindingHost = "hooks.example.com";

    private static ServiceProvider Services(bool allowPrivate, int timeoutSeconds = 10, string? proxy = null, (string User, string Password)? proxyCredentials = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<HttpWebhookSender.Resolver>((host, ct) => host == RebindingHost
            ? Task.FromResult(new[] { IPAddress.Loopback })
            : Dns.GetHostAddressesAsync(host, ct));
        services.AddWebhookDelivery();
        services.Configure<WebhookOptions>(o => { o.AllowPrivateAddresses = allowPrivate; o.AllowPlainHttp = true; o.AttemptTimeoutSeconds = timeoutSeconds; o.Proxy = proxy;
            (o.ProxyUser, o.ProxyPassword) = (proxyCredentials?.User, proxyCredentials?.Password); });
        return services.BuildServiceProvider();
    }

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"noticeId\":\"N-1\"}");

    [Fact]
    public async Task Send_HostNameResolvingToLoopback_RefusedAtConnect_UnlessAllowed()
    {
        // A public name passes the URL check; what it resolves to (here: loopback) is judged when connecting.
        using var receiver = new WebhookReceiver();
        var url = new Uri(receiver.Url.Replace("127.0.0.1", RebindingHost, StringComparison.Ordinal));
        Assert.Null(WebhookRules.CheckUrl(url.OriginalString, new WebhookOptions { AllowPlainHttp = true }).Error);

        await using var refusing = Services(allowPrivate: false);
        var refused = await refusing.GetRequiredService<IWebhookSender>().SendAsync(url, Body, null, "N-1", CancellationToken.None);
        await using var allowing = Services(allowPrivate: true);
        var sent = await allowing.GetRequiredService<IWebhookSender>().SendAsync(url, Body, null, "N-1", CancellationToken.None);

        Assert.False(refused.Delivered);
        Assert.Contains("private, loopback, link-local or reserved", refused.Error, StringComparison.Ordinal);
        Assert.True(sent.Delivered, sent.Error);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task Send_LoopbackLiteralWhenNotAllowed_RefusedWithoutAConnection()
    {
        using var receiver = new WebhookReceiver();
        await using var services = Services(allowPrivate: false);

        var attempt = await services.GetRequiredService<IWebhookSender>().SendAsync(new Uri(receiver.Url), Body, null, "N-1", CancellationToken.None);

        Assert.False(attempt.Delivered);
        Assert.Contains("AllowPrivateAddresses", attempt.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Send_ReceiverAnswers500_FailedWithTheStatus()
    {
        using var receiver = new WebhookReceiver(alwaysFail: true);
        await using var services = Services(allowPrivate: true);

        var attempt = await services.GetRequiredService<IWebhookSender>().SendAsync(new Uri(receiver.Url), Body, "sha256=00", "N-1", CancellationToken.None);

        Assert.Equal((false, 500), (attempt.Delivered, attempt.StatusCode));
        Assert.StartsWith("HTTP 500", attempt.Error, StringComparison.Ordinal);
        Assert.Equal(("sha256=00", "N-1"), (receiver.Received[0].Signature, receiver.Received[0].Notice));
    }

    [Fact]
    public async Task Send_ProxyFromTheEnvironment_NotUsed_TheTargetReachedDirectly()
    {
        // HttpClient.DefaultProxy is what HTTP_PROXY/HTTPS_PROXY become; this one takes only the test's own host, so
        // other tests' requests meanwhile are not affected.
        using var proxy = new FakeProxy();
        using var receiver = new WebhookReceiver();
        var url = new Uri(receiver.Url.Replace("127.0.0.1", RebindingHost, StringComparison.Ordinal));
        var before = HttpClient.DefaultProxy;
        HttpClient.DefaultProxy = new OnlyHostProxy(RebindingHost, proxy.Url);
        try
        {
            await using var services = Services(allowPrivate: true);
            var attempt = await services.GetRequiredService<IWebhookSender>().SendAsync(url, Body, null, "N-1", CancellationToken.None);

            Assert.True(attempt.Delivered, attempt.Error);
            Assert.Single(receiver.Received);
            Assert.Empty(proxy.RequestLines);
        }
        finally
        {
            HttpClient.DefaultProxy = before;
        }
    }

    [Fact]
    public async Task Send_ConfiguredProxy_CarriesTheRequest_ItsOwnPrivateAddressNotRefused()
    {
        // The operator's proxy on loopback, private addresses refused: the request goes to the proxy (which refuses it
        // here), asking it for the target by name; the proxy's own address is not judged.
        using var proxy = new FakeProxy();
        await using var services = Services(allowPrivate: false, proxy: proxy.Url.ToString());

        var attempt = await services.GetRequiredService<IWebhookSender>().SendAsync(new Uri("https://hooks.example.com/hook"), Body, null, "N-1", CancellationToken.None);

        Assert.False(attempt.Delivered);
        Assert.DoesNotContain("private", attempt.Error, StringComparison.Ordinal);
        Assert.Equal(["CONNECT hooks.example.com:443 HTTP/1.1"], proxy.RequestLines);
    }

    /// <summary>A proxy that asks for credentials (407, Basic) gets the configured ones, and only after it asks.</summary>
    [Fact]
    public async Task Send_ProxyAskingForCredentials_GivenTheConfiguredOnes()
    {
        using var proxy = new FakeProxy(requiredCredentials: ("hooks", "s3cret-Proxy-Pass"));
        await using var services = Services(allowPrivate: false, proxy: proxy.Url.ToString(), proxyCredentials: ("hooks", "s3cret-Proxy-Pass"));

        var attempt = await services.GetRequiredService<IWebhookSender>().SendAsync(new Uri("https://hooks.example.com/hook"), Body, null, "N-1", CancellationToken.None);

        Assert.False(attempt.Delivered);   // the fake proxy refuses the tunnel once it has let the caller in
        Assert.Equal(["CONNECT hooks.example.com:443 HTTP/1.1", "CONNECT hooks.example.com:443 HTTP/1.1"], proxy.RequestLines);
        Assert.Equal([null, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("hooks:s3cret-Proxy-Pass"))], proxy.Authorizations);
        Assert.Contains("403", attempt.Error, StringComparison.Ordinal);   // past the 407: the credentials were taken
    }

    [Theory]
    [InlineData("hooks", null, false)]
    [InlineData(null, "pw-Zq81x", false)]
    [InlineData("hooks", "pw-Zq81x", true)]
    public void Options_ProxyCredentials_BothOrNeither_NeverInTheMessage(string? user, string? password, bool valid)
    {
        var options = new WebhookOptions { Proxy = "http://squid.lan:3128", ProxyUser = user, ProxyPassword = password };
        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();
        Assert.Equal(valid, problems.Count == 0);
        Assert.DoesNotContain(problems, p => password is not null && p.Contains(password, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://squid.lan:3128", true)]
    [InlineData("http://10.0.0.5:3128/", true)]
    [InlineData("squid.lan:3128", false)]
    [InlineData("https://squid.lan:3128", false)]
    [InlineData("http://user:password@squid.lan:3128", false)]
    [InlineData("http://squid.lan:3128/path", false)]
    public void Options_Proxy_AnAbsoluteHttpUrlWithoutCredentials(string proxy, bool valid)
    {
        var options = new WebhookOptions { Proxy = proxy };

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();

        Assert.Equal(valid, problems.Count == 0);
        Assert.DoesNotContain(problems, p => p.Contains(proxy, StringComparison.Ordinal));   // a proxy URL may carry a password
    }

    /// <summary>A proxy for one host only, as the environment's would be for every host.</summary>
    private sealed class OnlyHostProxy(string onlyHost, Uri proxy) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : proxy;

        public bool IsBypassed(Uri host) => !string.Equals(host.Host, onlyHost, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A proxy on loopback that notes each request line it is sent and refuses it (403).</summary>
    /// <summary>
    /// A proxy that records what it is asked and refuses every tunnel (403); with <c>requiredCredentials</c>, it first
    /// asks a caller without them for Basic credentials (407).
    /// </summary>
    private sealed class FakeProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<string> _lines = [];
        private readonly List<string?> _authorizations = [];
        private readonly string? _expected;
        private readonly Task _loop;

        public FakeProxy((string User, string Password)? requiredCredentials = null)
        {
            _expected = requiredCredentials is { } c ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Password}")) : null;
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _loop = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public IReadOnlyList<string> RequestLines
        {
            get { lock (_lines) return [.. _lines]; }
        }

        /// <summary>The Proxy-Authorization each request carried (null: none).</summary>
        public IReadOnlyList<string?> Authorizations
        {
            get { lock (_lines) return [.. _authorizations]; }
        }

        private async Task LoopAsync()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return;   // stopped
                }
                using (client)
                {
                    var stream = client.GetStream();
                    using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                    var line = await reader.ReadLineAsync();
                    string? authorization = null;
                    while (await reader.ReadLineAsync() is { Length: > 0 } header)
                    {
                        if (header.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase)) authorization = header["Proxy-Authorization:".Length..].Trim();
                    }
                    if (line is not null) lock (_lines) { _lines.Add(line); _authorizations.Add(authorization); }
                    await stream.WriteAsync(_expected is not null && authorization != _expected
                        ? "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"hooks\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray()
                        : "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                }
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
