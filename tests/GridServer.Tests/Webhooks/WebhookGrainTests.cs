using System.Text;
using System.Text.Json;
using GridServer.Abstractions.Webhooks;
using GridServer.Domain.Webhooks;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Webhooks;

/// <summary>
/// Webhook grains against a real HTTP receiver on loopback. Retries are driven by moving the cluster's clock and
/// asking the grain to deliver what is due, never by waiting; every loop is bounded.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class WebhookGrainTests(ClusterFixture fixture)
{
    private const string Secret = "robot-secret-0123456789";

    /// <summary>More than the longest default delay with its jitter: each step makes the head due.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromHours(2);

    private static string NewCommunity() => $"WH-{Guid.NewGuid():N}"[..15];

    private static WebhookMessage Message(string community, int n) =>
        new($"N-{Guid.NewGuid():N}"[..12], "LiaisonAlert", community, $"C-{n}", $"第{n}条: 井盖缺失", new DateTimeOffset(2026, 11, 30, 1, n, 0, TimeSpan.Zero));

    /// <summary>Delivers and moves the clock on until the target holds nothing, at most <paramref name="steps"/> times.</summary>
    private static async Task<WebhookTargetView> DrainAsync(IWebhookGrain grain, TestClock clock, int steps = 20)
    {
        var view = await grain.DeliverDueAsync();
        for (var i = 0; i < steps && view!.Pending > 0; i++)
        {
            clock.Advance(Step);
            view = await grain.DeliverDueAsync();
        }
        return view!;
    }

    /// <summary>A new community's webhook grain, its target set to the receiver.</summary>
    private async Task<(string Community, IWebhookGrain Grain)> TargetAsync(WebhookReceiver receiver, string? secret = null)
    {
        var community = NewCommunity();
        var grain = fixture.Grains.GetGrain<IWebhookGrain>(community);
        await grain.ConfigureAsync(receiver.Url, secret);
        return (community, grain);
    }

    [Fact]
    public async Task Deliver_ReceiverFailsTwiceThenRecovers_EachMessageArrivesOnceInOrderSigned()
    {
        using var clock = TestClock.Start();
        using var receiver = new WebhookReceiver(failFirst: 2);
        var (community, grain) = await TargetAsync(receiver, Secret);
        var messages = Enumerable.Range(1, 3).Select(n => Message(community, n)).ToList();
        foreach (var message in messages) Assert.Equal(WebhookEnqueued.Queued, await grain.EnqueueAsync(message));

        var view = await DrainAsync(grain, clock);

        Assert.Equal((0, 3L), (view.Pending, view.Delivered));
        Assert.Equal(2, receiver.Received.Count(r => r.Status == 500));
        var delivered = receiver.Delivered;
        Assert.Equal(messages.Select(m => m.NoticeId), delivered.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("noticeId").GetString()));
        Assert.All(delivered, r => Assert.Equal(WebhookRules.Sign(Secret, Encoding.UTF8.GetBytes(r.Body)), r.Signature));
        Assert.Equal(messages.Select(m => m.NoticeId), delivered.Select(r => r.Notice));
        var first = JsonDocument.Parse(delivered[0].Body).RootElement;
        Assert.Equal(("LiaisonAlert", community, "C-1", "第1条: 井盖缺失"),
            (first.GetProperty("kind").GetString(), first.GetProperty("community").GetString(), first.GetProperty("caseId").GetString(), first.GetProperty("text").GetString()));
        Assert.Equal(messages[0].At, first.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Deliver_ReceiverAlwaysFails_DeadLetterWithTheError_ResentAfterRecoveryArrives()
    {
        using var clock = TestClock.Start();
        using var receiver = new WebhookReceiver(alwaysFail: true);
        var (community, grain) = await TargetAsync(receiver);
        var message = Message(community, 1);
        await grain.EnqueueAsync(message);

        var view = await DrainAsync(grain, clock);

        Assert.Equal((0, 0L), (view.Pending, view.Delivered));
        Assert.Equal(RetrySchedule.Default.MaxAttempts, receiver.Received.Count);
        var deadLetters = fixture.Grains.GetGrain<IWebhookDeadLettersGrain>(IWebhookDeadLettersGrain.Key);
        var letter = Assert.Single(await deadLetters.ListAsync(community));
        Assert.Equal((message, RetrySchedule.Default.MaxAttempts), (letter.Message, letter.Attempts));
        Assert.StartsWith("HTTP 500", letter.LastError, StringComparison.Ordinal);

        receiver.AlwaysFail = false;
        Assert.Equal(WebhookEnqueued.Queued, await grain.ResendAsync(letter.Id));
        view = await DrainAsync(grain, clock);

        Assert.Equal((0, 1L), (view.Pending, view.Delivered));
        Assert.Equal(message.NoticeId, Assert.Single(receiver.Delivered).Notice);
        Assert.Empty(await deadLetters.ListAsync(community));
        Assert.Null(await grain.ResendAsync(letter.Id));
    }

    [Fact]
    public async Task Deliver_OneTargetFailing_AnotherCommunityIsDeliveredMeanwhile()
    {
        using var failing = new WebhookReceiver(alwaysFail: true);
        using var healthy = new WebhookReceiver();
        var (stuckCommunity, stuck) = await TargetAsync(failing);
        var (other, fine) = await TargetAsync(healthy);
        await stuck.EnqueueAsync(Message(stuckCommunity, 1));
        await fine.EnqueueAsync(Message(other, 2));

        var stuckView = await stuck.DeliverDueAsync();
        var fineView = await fine.DeliverDueAsync();

        Assert.Equal(1, stuckView!.Pending);
        Assert.StartsWith("HTTP 500", stuckView.LastError, StringComparison.Ordinal);
        Assert.Equal((0, 1L), (fineView!.Pending, fineView.Delivered));
        Assert.Single(healthy.Delivered);
        await stuck.RemoveAsync("test");
    }

    [Fact]
    public async Task Enqueue_WhileWaiting_DurableReminderRegistered_DroppedOnceDelivered()
    {
        using var clock = TestClock.Start();
        using var receiver = new WebhookReceiver(failFirst: 1);
        var (community, grain) = await TargetAsync(receiver);
        var table = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();

        await grain.EnqueueAsync(Message(community, 1));
        Assert.Single((await table.ReadRows(grain.GetGrainId())).Reminders, r => r.ReminderName == "webhook");

        await DrainAsync(grain, clock);
        Assert.Empty((await table.ReadRows(grain.GetGrainId())).Reminders);
    }

    [Fact]
    public async Task Enqueue_NoTarget_NothingKept_RemoveMovesWaitingToDeadLetters()
    {
        var community = NewCommunity();
        var grain = fixture.Grains.GetGrain<IWebhookGrain>(community);
        Assert.Equal(WebhookEnqueued.NoTarget, await grain.EnqueueAsync(Message(community, 1)));
        Assert.Null(await grain.GetAsync());

        // A port nobody listens on: the first attempt fails to connect and the message waits for its retry.
        await grain.ConfigureAsync($"http://127.0.0.1:{FreePorts.Next()}/hook", Secret);
        var message = Message(community, 2);
        await grain.EnqueueAsync(message);
        var waiting = await grain.DeliverDueAsync();
        Assert.Equal((1, true), (waiting!.Pending, waiting.HasSecret));
        Assert.NotNull(waiting.LastError);

        Assert.True(await grain.RemoveAsync("O-ADMIN"));
        Assert.False(await grain.RemoveAsync("O-ADMIN"));
        var letter = Assert.Single(await fixture.Grains.GetGrain<IWebhookDeadLettersGrain>(IWebhookDeadLettersGrain.Key).ListAsync(community));
        Assert.Equal((message, 1), (letter.Message, letter.Attempts));
        Assert.StartsWith("the webhook was removed by O-ADMIN; last error: ", letter.LastError, StringComparison.Ordinal);
        Assert.Equal(WebhookEnqueued.NoTarget, await grain.ResendAsync(letter.Id));
        Assert.True(await fixture.Grains.GetGrain<IWebhookDeadLettersGrain>(IWebhookDeadLettersGrain.Key).DiscardAsync(letter.Id));
    }
}
