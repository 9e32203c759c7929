using System.Net;
using System.Text.Json;
using GridServer.Abstractions.Webhooks;
using GridServer.Tests.Silo;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Webhooks;

/// <summary>The embedded server as configured by default: private webhook addresses refused.</summary>
public sealed class WebhookEndpointsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    /// <summary>A community of the shipped sample.</summary>
    private const string Community = "330302002009";

    private static StringContent Target(string url, string? secret = null) =>
        JsonBody(JsonSerializer.Serialize(new { url, secret }));

    public static TheoryData<string> HostileUrls => new()
    {
        "ftp://files.example.com/hook",
        "javascript:alert(document.cookie)",
        "https://user:pass@chat.example.com/hook",
        "https://chat.example.com/" + new string('x', 10_000),
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://198.18.0.1/hook",
        "https://[2002:a00:1::]/hook",
        "http://chat.example.com/hook",
        "/relative/hook",
        "",
    };

    [Theory]
    [MemberData(nameof(HostileUrls))]
    public async Task Put_HostileUrl_400SayingWhy_NothingSet(string url)
    {
        using var response = await silo.Operator.PutAsync($"/api/communities/{Community}/webhook", Target(url));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await JsonOf(response);
        Assert.Equal("Invalid webhook URL", body.GetProperty("title").GetString());
        Assert.True(body.GetProperty("detail").GetString()!.Length < 300);
    }

    [Fact]
    public async Task Put_UnknownCommunity_404_OverlongCode_400()
    {
        using var unknown = await silo.Operator.PutAsync("/api/communities/999999999999/webhook", Target("https://chat.example.com/hook"));
        using var overlong = await silo.Operator.GetAsync($"/api/communities/{new string('9', 500)}/webhook");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("Community not found", (await JsonOf(unknown)).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, overlong.StatusCode);
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaa")]
    [InlineData("1234567890123456")]
    [InlineData("qwertyuiopasdfgh")]
    public async Task Put_GuessableSecret_400NamingWhyNeverTheSecret(string secret)
    {
        using var put = await silo.Operator.PutAsync($"/api/communities/{Community}/webhook", Target("https://chat.example.com/hook", secret));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var problem = await JsonOf(put);
        Assert.Equal("Invalid webhook secret", problem.GetProperty("title").GetString());
        Assert.Contains("too easy to guess", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_ShortSecretOrNoBody_400()
    {
        using var shortSecret = await silo.Operator.PutAsync($"/api/communities/{Community}/webhook", Target("https://chat.example.com/hook", "short"));
        using var noBody = await silo.Operator.PutAsync($"/api/communities/{Community}/webhook", JsonBody("null"));

        Assert.Equal(HttpStatusCode.BadRequest, shortSecret.StatusCode);
        Assert.Equal("Invalid webhook secret", (await JsonOf(shortSecret)).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
    }

    [Fact]
    public async Task PutGetDelete_PublicUrl_SetShownWithoutSecret_ThenGone()
    {
        // Its own community, so that no other test of this class sees the target come and go.
        const string community = "330302002001";
        using var put = await silo.Operator.PutAsync($"/api/communities/{community}/webhook", Target("https://chat.example.com/robot?key=abc", "robot-sig-7Kq2vX9pLm4Z"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var get = await silo.Operator.GetAsync($"/api/communities/{community}/webhook");
        var body = await JsonOf(get);
        Assert.Equal(("https://chat.example.com/robot?key=abc", true, 0), (body.GetProperty("url").GetString(), body.GetProperty("hasSecret").GetBoolean(), body.GetProperty("pending").GetInt32()));
        Assert.DoesNotContain("7Kq2vX9pLm4Z", body.GetRawText(), StringComparison.Ordinal);

        using var delete = await silo.Operator.DeleteAsync($"/api/communities/{community}/webhook");
        using var again = await silo.Operator.DeleteAsync($"/api/communities/{community}/webhook");
        using var gone = await silo.Operator.GetAsync($"/api/communities/{community}/webhook");
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (delete.StatusCode, again.StatusCode, gone.StatusCode));
    }

    [Theory]
    [InlineData("999999999999", 404, "Community not found")]
    [InlineData("330302002002", 404, "No webhook")]
    [InlineData("33030200%0A2009", 400, "Invalid id")]
    public async Task Test_UnknownCommunityNoTargetOrHostileCode_ProblemAndNothingSent(string code, int status, string title)
    {
        using var response = await silo.Operator.PostAsync($"/api/communities/{code}/webhook/test", null);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(title, (await JsonOf(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Test_OverlongCode_400()
    {
        using var response = await silo.Operator.PostAsync($"/api/communities/{new string('9', 500)}/webhook/test", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Put_PlainHttp_400NamingTheSetting()
    {
        using var response = await silo.Operator.PutAsync($"/api/communities/{Community}/webhook", Target("http://chat.example.com/hook"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("GridServer:Webhooks:AllowPlainHttp", (await JsonOf(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Stores a target in the community's grain directly (as if set while the server allowed it), has it tested over
    /// HTTP, removes it, and returns the test's answer.
    /// </summary>
    private async Task<JsonElement> TestStoredTargetAsync(string community, string url)
    {
        var grain = silo.Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IWebhookGrain>(community);
        await grain.ConfigureAsync(url, null);
        try
        {
            using var response = await silo.Operator.PostAsync($"/api/communities/{community}/webhook/test", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await JsonOf(response);
        }
        finally
        {
            await grain.RemoveAsync("test");
        }
    }

    [Fact]
    public async Task Test_PlainHttpTargetStoredBefore_RefusedAtTheSend()
    {
        // A plain http target stored while the server allowed it; it no longer does (its default), so nothing is sent.
        var result = await TestStoredTargetAsync("330302002006", "http://chat.example.com/hook");

        Assert.False(result.GetProperty("delivered").GetBoolean());
        Assert.Contains("GridServer:Webhooks:AllowPlainHttp", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_TargetMadePrivateSinceItWasSet_RefusedAtTheSend_ReceiverGetsNothing()
    {
        // A loopback target stored while private addresses were allowed; the server now refuses them (its default).
        using var receiver = new WebhookReceiver();

        var result = await TestStoredTargetAsync("330302002003", receiver.Url);

        Assert.False(result.GetProperty("delivered").GetBoolean());
        Assert.Contains("private", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task DeadLetters_UnknownId_404()
    {
        using var resend = await silo.Dispatcher.PostAsync("/api/webhooks/dead-letters/DL-nothing/resend", null);
        using var discard = await silo.Dispatcher.DeleteAsync("/api/webhooks/dead-letters/DL-nothing");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (resend.StatusCode, discard.StatusCode));
    }
}

/// <summary>The embedded server allowing loopback webhooks in plain http, retrying at once and giving up after two attempts.</summary>
public sealed class LoopbackWebhookSilo() : EmbeddedSiloWith(new()
{
    ["GridServer:Webhooks:AllowPrivateAddresses"] = "true",
    ["GridServer:Webhooks:AllowPlainHttp"] = "true",
    ["GridServer:Webhooks:RetryDelays:0"] = "00:00:00",
    ["GridServer:Webhooks:MaxAttempts"] = "2",
    ["GridServer:Webhooks:Jitter"] = "0",
})
{
}

public sealed class WebhookDeadLetterEndpointsTests(LoopbackWebhookSilo silo) : IClassFixture<LoopbackWebhookSilo>
{
    private const string Community = "330302002009";

    [Fact]
    public async Task DeadLetter_ListedResentAfterTheTargetIsFixed_Delivered()
    {
        using var receiver = new WebhookReceiver(alwaysFail: true);
        using var put = await silo.Operator.PutAsync($"/api/communities/{Community}/webhook", HttpJson.JsonBody(JsonSerializer.Serialize(new { url = receiver.Url })));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var grain = silo.Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IWebhookGrain>(Community);
        var notice = $"N-{Guid.NewGuid():N}"[..12];
        await grain.EnqueueAsync(new WebhookMessage(notice, "Escalation", Community, "C-1", "超期督办", DateTimeOffset.UtcNow));

        for (var i = 0; i < 10 && (await grain.DeliverDueAsync())!.Pending > 0; i++)
        {
            // Retries are due at once: each call tries the head again.
        }
        using var list = await silo.Dispatcher.GetAsync($"/api/webhooks/dead-letters?community={Community}");
        var letter = Assert.Single((await JsonOf(list)).EnumerateArray(), l => l.GetProperty("message").GetProperty("noticeId").GetString() == notice);
        Assert.Equal(2, letter.GetProperty("attempts").GetInt32());
        Assert.StartsWith("HTTP 500", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        receiver.AlwaysFail = false;
        using var resend = await silo.Dispatcher.PostAsync($"/api/webhooks/dead-letters/{letter.GetProperty("id").GetString()}/resend", null);
        Assert.Equal(HttpStatusCode.OK, resend.StatusCode);
        for (var i = 0; i < 10 && (await grain.DeliverDueAsync())!.Pending > 0; i++)
        {
            // The receiver answers at once; a timer may have sent it already.
        }

        Assert.Equal(notice, Assert.Single(receiver.Delivered).Notice);
        using var after = await silo.Operator.GetAsync($"/api/webhooks/dead-letters?community={Community}");
        Assert.DoesNotContain((await JsonOf(after)).EnumerateArray(), l => l.GetProperty("message").GetProperty("noticeId").GetString() == notice);
    }

    [Fact]
    public async Task Test_SignedTarget_ReceivesSignedTestMessage_NothingQueuedOrCounted()
    {
        const string community = "330302002004", secret = "test-sig-Wn3Lr8Tq5vZk0";
        using var receiver = new WebhookReceiver();
        using (var put = await silo.Operator.PutAsync($"/api/communities/{community}/webhook", JsonBody(JsonSerializer.Serialize(new { url = receiver.Url, secret }))))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var response = await silo.Operator.PostAsync($"/api/communities/{community}/webhook/test", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await JsonOf(response);
        Assert.True(result.GetProperty("delivered").GetBoolean());
        Assert.Equal(204, result.GetProperty("statusCode").GetInt32());
        var got = Assert.Single(receiver.Received);
        var body = JsonDocument.Parse(got.Body).RootElement;
        Assert.Equal(("Test", community, result.GetProperty("noticeId").GetString()),
            (body.GetProperty("kind").GetString(), body.GetProperty("community").GetString(), got.Notice));
        Assert.Equal(GridServer.Domain.Webhooks.WebhookRules.Sign(secret, System.Text.Encoding.UTF8.GetBytes(got.Body)), got.Signature);
        // A test is not a notice: nothing waits, nothing counts as delivered.
        using var target = await silo.Operator.GetAsync($"/api/communities/{community}/webhook");
        var view = await JsonOf(target);
        Assert.Equal((0, 0L), (view.GetProperty("pending").GetInt32(), view.GetProperty("delivered").GetInt64()));
    }

    [Fact]
    public async Task Test_TargetAnswers500_ReportedNotDelivered_NoDeadLetter()
    {
        const string community = "330302002005";
        using var receiver = new WebhookReceiver(alwaysFail: true);
        using (var put = await silo.Operator.PutAsync($"/api/communities/{community}/webhook", JsonBody(JsonSerializer.Serialize(new { url = receiver.Url }))))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var response = await silo.Operator.PostAsync($"/api/communities/{community}/webhook/test", null);

        var result = await JsonOf(response);
        Assert.Equal((false, 500), (result.GetProperty("delivered").GetBoolean(), result.GetProperty("statusCode").GetInt32()));
        Assert.StartsWith("HTTP 500", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        using var letters = await silo.Operator.GetAsync($"/api/webhooks/dead-letters?community={community}");
        Assert.Empty((await JsonOf(letters)).EnumerateArray());
    }

    [Fact]
    public async Task CaseInACommunityWithWebhook_Posted_AndListedForDispatchersWithItsDeliveryState()
    {
        // A community of its own in this silo: the dead-letter test's target always fails.
        const string community = "330302002001", grid = "33030200200101";
        using var receiver = new WebhookReceiver();
        using (var put = await silo.Operator.PutAsync($"/api/communities/{community}/webhook", HttpJson.JsonBody(JsonSerializer.Serialize(new { url = receiver.Url }))))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using var shape = await silo.Operator.GetAsync($"/api/grids/{grid}");
        var ring = (await JsonOf(shape)).GetProperty("geometry").GetProperty("coordinates")[0];
        var (lon, lat) = (ring.EnumerateArray().Average(p => p[0].GetDouble()), ring.EnumerateArray().Average(p => p[1].GetDouble()));
        using var open = await silo.Dispatcher.PostAsync("/api/cases", JsonBody(JsonSerializer.Serialize(new { matter = "parking", lon, lat, reporterId = "r" })));
        var caseId = (await JsonOf(open)).GetProperty("caseId").GetString()!;

        var notice = (await Eventually.ValueAsync($"the community's notice of {caseId}", async () =>
        {
            using var list = await silo.Dispatcher.GetAsync($"/api/communities/{community}/notices?limit=50");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            return (await JsonOf(list)).GetProperty("notices").EnumerateArray().Where(n => n.GetProperty("caseIds").EnumerateArray().Any(c => c.GetString() == caseId)).ToList();
        }, found => found.Count == 1, poll: TimeSpan.FromMilliseconds(50)))[0];
        Assert.Equal(("webhook", "community:" + community, "queued"),
            (notice.GetProperty("channel").GetString(), notice.GetProperty("recipient").GetString(), notice.GetProperty("delivery").GetString()));
        await Eventually.HoldsAsync($"the webhook receives {caseId}", () => Task.FromResult(receiver.Delivered.Any(r => r.Body.Contains(caseId, StringComparison.Ordinal))),
            Eventually.Patience, TimeSpan.FromMilliseconds(50));
        Assert.Contains(receiver.Delivered, r => r.Notice == notice.GetProperty("noticeId").GetString());

        using var unknown = await silo.Dispatcher.GetAsync("/api/communities/999999999999/notices");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
