using System.Net;
using System.Text;
using GridServer.Domain.Webhooks;
using GridServer.Grains.Webhooks;
using GridServer.Silo.Webhooks;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Webhooks;

/// <summary>The silo's HTTP sender on its own, as the silo registers it, against a loopback receiver.</summary>
public sealed class HttpWebhookSenderTests
{
    /// <summary>A public-looking name that this test's resolver answers with loopback, as a hostile DNS record would.</summary>
    private const string RebindingHost = "hooks.example.com";

    private static ServiceProvider Services(bool allowPrivate, int timeoutSeconds = 10)
    {
        var services = new ServiceCollection();
        services.AddSingleton<HttpWebhookSender.Resolver>((host, ct) => host == RebindingHost
            ? Task.FromResult(new[] { IPAddress.Loopback })
            : Dns.GetHostAddressesAsync(host, ct));
        services.AddWebhookDelivery();
        services.Configure<WebhookOptions>(o => { o.AllowPrivateAddresses = allowPrivate; o.AttemptTimeoutSeconds = timeoutSeconds; });
        return services.BuildServiceProvider();
    }

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"noticeId\":\"N-1\"}");

    [Fact]
    public async Task Send_HostNameResolvingToLoopback_RefusedAtConnect_UnlessAllowed()
    {
        // A public name passes the URL check; what it resolves to (here: loopback) is judged when connecting.
        using var receiver = new WebhookReceiver();
        var url = new Uri(receiver.Url.Replace("127.0.0.1", RebindingHost, StringComparison.Ordinal));
        Assert.Null(WebhookRules.CheckUrl(url.OriginalString, allowPrivateAddresses: false).Error);

        await using var refusing = Services(allowPrivate: false);
        var refused = await refusing.GetRequiredService<IWebhookSender>().SendAsync(url, Body, null, "N-1", CancellationToken.None);
        await using var allowing = Services(allowPrivate: true);
        var sent = await allowing.GetRequiredService<IWebhookSender>().SendAsync(url, Body, null, "N-1", CancellationToken.None);

        Assert.False(refused.Delivered);
        Assert.Contains("private, loopback or link-local", refused.Error, StringComparison.Ordinal);
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
}
