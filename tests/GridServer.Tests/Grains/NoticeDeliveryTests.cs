using GridServer.Domain.Notices;
using GridServer.Domain.Cases;
using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Notices;
using GridServer.Abstractions.Personnel;
using GridServer.Notices;
using GridServer.Tests.Support;

namespace GridServer.Tests.Grains;

/// <summary>Case events reach the inboxes: rendered, recorded, scoped, and a liaison's burst combined on the domain clock.</summary>
[Collection(ClusterTests.Name)]
public class NoticeDeliveryTests(ClusterFixture fixture)
{
    private static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static readonly RosterView Always = new([.. Enum.GetValues<DayOfWeek>().Select(d => new WeeklyShiftView(d, new TimeOnly(0, 0), new TimeOnly(0, 0)))], [], 480);

    private async Task<(string Grid, string A, string Leader)> StaffedGridAsync()
    {
        var (grid, a, b, leader, squad) = ("330302" + Random.Shared.NextInt64(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), Key("A"), Key("B"), Key("L"), Key("SQ"));
        await fixture.Grains.GetGrain<ISquadGrain>(squad).SetLeaderAsync(leader);
        var cell = fixture.Grains.GetGrain<IGridCellGrain>(grid);
        await cell.AssignSquadAsync(squad);
        await cell.AssignOfficersAsync(a, b);
        await fixture.Grains.GetGrain<IOfficerGrain>(a).SetRosterAsync(Always);
        return (grid, a, leader);
    }

    private static CaseReport Report(string grid) => new("parking", 120.65, 28.0, grid, "citizen-1", "car on the pavement");

    private INoticeInboxGrain Inbox(string key) => fixture.Grains.GetGrain<INoticeInboxGrain>(key);

    /// <summary>Polls the inbox until <paramref name="done"/> holds (delivery does not hold the case up).</summary>
    private async Task<NoticePage> PollAsync(string inbox, Func<NoticePage, bool> done)
    {
        var page = await Eventually.ValueAsync($"inbox {inbox} reaches the expected state",
            async () => await Inbox(inbox).GetAsync(0, INoticeInboxGrain.MaxKept), done, poll: TimeSpan.FromMilliseconds(50));
        return page;
    }

    [Fact]
    public async Task Open_Dispatched_OfficerInboxHoldsRenderedDispatch_CloseAddsClosure()
    {
        var staff = await StaffedGridAsync();
        var grain = fixture.Grains.GetGrain<ICaseGrain>(Key("C"));
        var view = await grain.OpenAsync(Report(staff.Grid));

        var page = await PollAsync(NoticeInboxes.Officer(staff.A), p => p.Total == 1);
        var notice = page.Notices[0];
        Assert.Equal(("dispatch", NoticeChannel.Inbox, "officer:" + staff.A), (notice.Kind, notice.Channel, notice.Recipient));
        Assert.Equal([view.CaseId], notice.CaseIds.ToArray());
        Assert.Equal([staff.Grid], notice.GridCodes.ToArray());
        Assert.Contains(view.CaseId, notice.Text, StringComparison.Ordinal);
        Assert.Equal("dispatch.scriban", notice.TemplateSource);   // the template's name, not the server's path to it
        Assert.Equal("recorded", notice.Delivery);

        foreach (var (action, actor) in new[] { ("Accept", staff.A), ("StartHandling", staff.A), ("GiveFinalFeedback", staff.A),
            ("StartVerification", "d"), ("PassVerification", "d"), ("Close", "d") })
            Assert.True((await grain.ActAsync(new CaseActionRequest(Enum.Parse<CaseAction>(action), actor, "done", [], null))).Accepted);
        page = await PollAsync(NoticeInboxes.Officer(staff.A), p => p.Total == 2);
        Assert.Equal(["closure", "dispatch"], page.Notices.Select(n => n.Kind).ToArray());   // newest first
    }

    [Fact]
    public async Task ReportFromAChannel_AcceptAndCloseToldToTheChannel_InternalStepsNot_StaffReportToNoChannel()
    {
        var staff = await StaffedGridAsync();
        var channel = Key("app");
        var grain = fixture.Grains.GetGrain<ICaseGrain>(Key("C"));
        var view = await grain.OpenAsync(Report(staff.Grid) with { SubmittedBy = channel, ReportingChannel = channel });
        var staffCase = fixture.Grains.GetGrain<ICaseGrain>(Key("C"));
        await staffCase.OpenAsync(Report(staff.Grid) with { SubmittedBy = channel });   // entered by staff: no channel to tell

        Assert.True((await grain.ActAsync(new CaseActionRequest(CaseAction.Accept, staff.A, null, [], null))).Accepted);
        Assert.True((await staffCase.ActAsync(new CaseActionRequest(CaseAction.Accept, staff.A, null, [], null))).Accepted);
        var accepted = await PollAsync(NoticeInboxes.Reporter(channel), p => p.Total == 1);
        Assert.Equal("reporter-status", accepted.Notices[0].Kind);
        Assert.Equal([view.CaseId], accepted.Notices[0].CaseIds.ToArray());
        Assert.Contains("处理中", accepted.Notices[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(staff.A, accepted.Notices[0].Text, StringComparison.Ordinal);

        foreach (var (action, actor) in new[] { ("StartHandling", staff.A), ("GiveFinalFeedback", staff.A), ("StartVerification", "d"), ("PassVerification", "d"), ("Close", "d") })
            Assert.True((await grain.ActAsync(new CaseActionRequest(Enum.Parse<CaseAction>(action), actor, "internal note", [], null))).Accepted);
        var closed = await PollAsync(NoticeInboxes.Reporter(channel), p => p.Total == 2);
        Assert.Contains("已办结", closed.Notices[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("internal note", closed.Notices[0].Text, StringComparison.Ordinal);
        Assert.Equal([view.CaseId], closed.Notices.SelectMany(n => n.CaseIds).Distinct().ToArray());
    }

    [Fact]
    public async Task CheckDeadlines_WarnThenMiss_OfficerWarned_LeaderAndCommandCenterGetEscalation()
    {
        using var clock = TestClock.Start();
        var staff = await StaffedGridAsync();
        var grain = fixture.Grains.GetGrain<ICaseGrain>(Key("C"));
        var view = await grain.OpenAsync(Report(staff.Grid));
        clock.Advance(TimeSpan.FromMinutes(9));
        await grain.CheckDeadlinesAsync();
        var officer = await PollAsync(NoticeInboxes.Officer(staff.A), p => p.Total == 2);
        Assert.Equal("accept-warning", officer.Notices[0].Kind);

        clock.Advance(TimeSpan.FromMinutes(2));
        await grain.CheckDeadlinesAsync();
        var leader = await PollAsync(NoticeInboxes.Officer(staff.Leader), p => p.Total == 1);
        Assert.Equal("escalation", leader.Notices[0].Kind);
        Assert.Contains(view.CaseId, leader.Notices[0].Text, StringComparison.Ordinal);
        await PollAsync(NoticeInboxes.CommandCenter, p => p.Notices.Any(n => n.Kind == "escalation" && n.CaseIds.Contains(view.CaseId)));
        // The officer is warned, not escalated to.
        Assert.DoesNotContain((await Inbox(NoticeInboxes.Officer(staff.A)).GetAsync(0, 100)).Notices, n => n.Kind == "escalation");
    }

    [Fact]
    public async Task BurstOfFiveInOneGrid_LiaisonGetsOneAlertAtOnce_AndTheRestCombinedWhenTheWindowEnds()
    {
        using var clock = TestClock.Start();
        var staff = await StaffedGridAsync();
        var other = await StaffedGridAsync();
        var (liaison, otherLiaison) = (Key("LI"), Key("LI"));
        await fixture.Grains.GetGrain<ILiaisonGrain>(liaison).AddGridAsync(staff.Grid);
        await fixture.Grains.GetGrain<ILiaisonGrain>(otherLiaison).AddGridAsync(other.Grid);
        var cases = new List<string>();
        for (var i = 0; i < 5; i++) cases.Add((await fixture.Grains.GetGrain<ICaseGrain>(Key("C")).OpenAsync(Report(staff.Grid))).CaseId);

        var first = await PollAsync(NoticeInboxes.Liaison(liaison), p => p.Total == 1 && p.Waiting == 4);
        Assert.Equal("liaison-alert", first.Notices[0].Kind);
        Assert.Single(first.Notices[0].CaseIds);

        clock.Advance(TimeSpan.FromMinutes(5));   // the default LiaisonBatchInterval
        var combined = await PollAsync(NoticeInboxes.Liaison(liaison), p => p.Total == 2 && p.Waiting == 0);
        Assert.Equal(4, combined.Notices[0].CaseIds.Length);
        Assert.Equal(cases.ToHashSet(), combined.Notices.SelectMany(n => n.CaseIds).ToHashSet());
        Assert.Equal([staff.Grid], combined.Notices[0].GridCodes.ToArray());
        Assert.StartsWith("4 条新案件", combined.Notices[0].Text, StringComparison.Ordinal);
        // The other grid's liaison heard nothing of them.
        Assert.Equal(0, (await Inbox(NoticeInboxes.Liaison(otherLiaison)).GetAsync(0, 10)).Total);
        // Each alert left the outbox once its batch took it.
        await Eventually.HoldsAsync("the liaison's alerts gone from the outbox", () => Task.FromResult(ClusterFixture.Store.Notices.InOutbox(NoticeInboxes.Liaison(liaison)) == 0),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Outbox_AlertsLeftByASiloThatDied_CarriedOutByARelayOnce_AndRemoved()
    {
        var staff = await StaffedGridAsync();
        var liaison = Key("LI");
        await fixture.Grains.GetGrain<ILiaisonGrain>(liaison).AddGridAsync(staff.Grid);
        // A step wrote its alert to the outbox, and its silo died before handing it to the batch.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(ClusterFixture.Clock.GetUtcNow());
        var outbox = new InMemoryNoticeStore(clock);
        var alert = new NoticeEntry(Key("N"), NoticeInboxes.Liaison(liaison), NoticeChannel.Inbox, "liaison-alert", [Key("C")], [staff.Grid], "新案件", "test",
            ClusterFixture.Clock.GetUtcNow(), "recorded", []);
        outbox.Enqueue([alert]);
        var relay = new GridServer.Grains.Notices.OutboxRelay(fixture.Grains, outbox, Microsoft.Extensions.Logging.Abstractions.NullLogger<GridServer.Grains.Notices.OutboxRelay>.Instance);

        Assert.Equal(0, await relay.SweepOnceAsync());   // too young: its own silo may still be carrying it out
        clock.Advance(GridServer.Grains.Notices.OutboxRelay.LeftoverAge);
        Assert.Equal(1, await relay.SweepOnceAsync());
        Assert.Equal(0, outbox.InOutbox(alert.Recipient));

        outbox.Enqueue([alert]);                          // carried out twice (a relay and the silo, both): taken once
        clock.Advance(GridServer.Grains.Notices.OutboxRelay.LeftoverAge);
        Assert.Equal(1, await relay.SweepOnceAsync());
        var page = await Inbox(NoticeInboxes.Liaison(liaison)).GetAsync(0, 10);
        Assert.Equal(alert.NoticeId, Assert.Single(page.Notices).NoticeId);
    }

    [Fact]
    public async Task LiaisonInbox_AlertOfAGridNotWatchedOrAnotherKind_Refused()
    {
        var liaison = Key("LI");
        await fixture.Grains.GetGrain<ILiaisonGrain>(liaison).AddGridAsync("33030200200910");
        var inbox = Inbox(NoticeInboxes.Liaison(liaison));
        NoticeRecord Notice(string kind, string grid) => new("N-x", "", NoticeChannel.Inbox, kind, ["C-x"], [grid], "text", "test", ClusterFixture.Clock.GetUtcNow(), "recorded", []);

        await inbox.DeliverAsync(Notice("liaison-alert", "33030200200911"));
        await inbox.DeliverAsync(Notice("dispatch", "33030200200910"));
        await inbox.DeliverAsync(new NoticeRecord("N-y", "", NoticeChannel.Inbox, "liaison-alert", ["C-y"], ImmutableArray<string>.Empty, "t", "test", ClusterFixture.Clock.GetUtcNow(), "recorded", []));
        Assert.Equal((0, 0), ((await inbox.GetAsync(0, 10)).Total, (await inbox.GetAsync(0, 10)).Waiting));

        await inbox.DeliverAsync(Notice("liaison-alert", "33030200200910"));
        Assert.Equal(1, (await inbox.GetAsync(0, 10)).Total);
    }

    /// <summary>
    /// A new CJ/T 213 grid in the cluster's grid store, in a community of its own (the grid code's first 12 digits), so
    /// that a case there names that community.
    /// </summary>
    private static async Task<(string Grid, string Community)> GridInNewCommunityAsync()
    {
        var grid = "330302" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture) + "01";
        // West of the corners other tests draw in (x ≥ 0), so no test's grid overlaps these.
        var (x, y) = (-Random.Shared.Next(2, 20_000) * 2, Random.Shared.Next(0, 20_000) * 2);
        var imported = TestImport.Check(TestImport.Collection((grid, TestImport.Square(x, y))));
        Assert.True(imported.Grids.Count == 1, string.Join("; ", imported.Issues));
        await ClusterFixture.GridStore.SaveAsync(imported.Grids, GridServer.Domain.Grids.GridSaveMode.Merge);
        Assert.Equal(grid[..12], imported.Grids[0].CommunityCode);
        return (grid, grid[..12]);
    }

    /// <summary>
    /// Waits (bounded) until the receiver holds <paramref name="count"/> deliveries, asking the webhook to deliver what is
    /// due on the test's clock each time: its own timer reads the clock of no test.
    /// </summary>
    private async Task<IReadOnlyList<ReceivedWebhook>> ReceivedAsync(WebhookReceiver receiver, int count, string community)
    {
        var webhook = fixture.Grains.GetGrain<GridServer.Abstractions.Webhooks.IWebhookGrain>(community);
        await Eventually.HoldsAsync($"{count} webhook deliveries for {community}", async () =>
        {
            await webhook.DeliverDueAsync();
            return receiver.Delivered.Count >= count;
        }, Eventually.Patience, TimeSpan.FromMilliseconds(50));
        return receiver.Delivered;
    }

    [Fact]
    public async Task BurstInACommunityWithWebhook_OneMessageAtOnce_TheRestCombinedAfterTheInterval_OtherCommunitiesUntouched()
    {
        using var clock = TestClock.Start();
        using var receiver = new WebhookReceiver();
        var (withHook, without) = (await GridInNewCommunityAsync(), await GridInNewCommunityAsync());
        await fixture.Grains.GetGrain<GridServer.Abstractions.Webhooks.IWebhookGrain>(withHook.Community).ConfigureAsync(receiver.Url, null);
        var otherLiaison = Key("LI");
        await fixture.Grains.GetGrain<ILiaisonGrain>(otherLiaison).AddCommunityAsync(without.Community);

        var cases = new List<string>();
        for (var i = 0; i < 4; i++) cases.Add((await fixture.Grains.GetGrain<ICaseGrain>(Key("C")).OpenAsync(Report(withHook.Grid))).CaseId);
        var elsewhere = (await fixture.Grains.GetGrain<ICaseGrain>(Key("C")).OpenAsync(Report(without.Grid))).CaseId;

        var first = await PollAsync(NoticeInboxes.Community(withHook.Community), p => p.Total == 1 && p.Waiting == 3);
        Assert.Equal(("liaison-alert", NoticeChannel.Webhook, "queued"), (first.Notices[0].Kind, first.Notices[0].Channel, first.Notices[0].Delivery));
        var sent = await ReceivedAsync(receiver, 1, withHook.Community);
        var body = System.Text.Json.JsonDocument.Parse(Assert.Single(sent).Body).RootElement;
        // The alerts reach the batch after their cases' steps, in no fixed order: whichever came first went out at once.
        var firstCase = body.GetProperty("caseId").GetString();
        Assert.Equal(("LiaisonAlert", withHook.Community), (body.GetProperty("kind").GetString(), body.GetProperty("community").GetString()));
        Assert.Contains(firstCase, cases);
        Assert.Equal([firstCase!], first.Notices[0].CaseIds.ToArray());
        Assert.Equal(first.Notices[0].NoticeId, sent[0].Notice);

        clock.Advance(TimeSpan.FromMinutes(5));   // the default LiaisonBatchInterval
        var combined = await PollAsync(NoticeInboxes.Community(withHook.Community), p => p.Total == 2 && p.Waiting == 0);
        Assert.Equal(cases.Where(c => c != firstCase).ToHashSet(), combined.Notices[0].CaseIds.ToHashSet());
        sent = await ReceivedAsync(receiver, 2, withHook.Community);
        Assert.Equal(2, sent.Count);
        var second = System.Text.Json.JsonDocument.Parse(sent[1].Body).RootElement;
        Assert.StartsWith("3 条新案件", second.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("caseId").ValueKind);   // the text names the three

        // The community without a webhook: its liaison has its case, nothing was posted or recorded for its webhook,
        // and the liaison never saw the other community's cases.
        var liaison = await PollAsync(NoticeInboxes.Liaison(otherLiaison), p => p.Total == 1);
        Assert.Equal([elsewhere], liaison.Notices[0].CaseIds.ToArray());
        Assert.Equal(0, (await Inbox(NoticeInboxes.Community(without.Community)).GetAsync(0, 10)).Total);
        Assert.DoesNotContain(receiver.Received, r => r.Body.Contains(elsewhere, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommunityInbox_AlertOfAnotherCommunityOrKind_Refused()
    {
        var inbox = Inbox(NoticeInboxes.Community("330302777001"));
        NoticeRecord Notice(string kind, string community) =>
            new($"N-{Guid.NewGuid():N}", "", NoticeChannel.Webhook, kind, ["C-x"], ["33030277700101"], "text", "test", ClusterFixture.Clock.GetUtcNow(), "recorded", [community]);

        await inbox.DeliverAsync(Notice("liaison-alert", "330302777002"));
        await inbox.DeliverAsync(Notice("dispatch", "330302777001"));
        Assert.Equal(0, (await inbox.GetAsync(0, 10)).Total);

        await inbox.DeliverAsync(Notice("liaison-alert", "330302777001"));
        // Recorded, and since the community has no webhook (removed meanwhile, say), recorded as such.
        Assert.Equal("no-target", Assert.Single((await inbox.GetAsync(0, 10)).Notices).Delivery);
    }

    private sealed class Listener : INoticeInboxObserver
    {
        public TaskCompletionSource<NoticeRecord> Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task RecordedAsync(NoticeRecord notice)
        {
            Told.TrySetResult(notice);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Subscriptions_CappedPerSubscriber_RenewalAlwaysTaken_AnEndedOneFreesItsPlace()
    {
        var inbox = Inbox(NoticeInboxes.Officer(Key("O")));
        var references = Enumerable.Range(0, INoticeInboxGrain.MaxStreamsPerSubscriber + 1)
            .Select(_ => fixture.Cluster.Client.CreateObjectReference<INoticeInboxObserver>(new Listener())).ToList();
        try
        {
            foreach (var reference in references.SkipLast(1)) Assert.True(await inbox.SubscribeAsync(reference, "K-one"));
            Assert.False(await inbox.SubscribeAsync(references[^1], "K-one"));
            Assert.True(await inbox.SubscribeAsync(references[0], "K-one"));      // a renewal
            Assert.True(await inbox.SubscribeAsync(references[^1], "K-two"));     // another credential
            await inbox.UnsubscribeAsync(references[^1]);
            await inbox.UnsubscribeAsync(references[1]);
            Assert.True(await inbox.SubscribeAsync(references[^1], "K-one"));
        }
        finally
        {
            foreach (var reference in references)
            {
                await inbox.UnsubscribeAsync(reference);
                fixture.Cluster.Client.DeleteObjectReference<INoticeInboxObserver>(reference);
            }
        }
    }

    [Fact]
    public async Task Subscriber_InAnotherProcessThanTheInbox_ToldOfEachNoticeLive()
    {
        // The test's cluster client stands for a silo's stream handler: the inbox grain lives on some silo, the
        // listener here, so the notice crosses process boundaries as it would between silos.
        var listener = new Listener();
        var reference = fixture.Cluster.Client.CreateObjectReference<INoticeInboxObserver>(listener);
        var inbox = Inbox(NoticeInboxes.Officer(Key("O")));
        Assert.True(await inbox.SubscribeAsync(reference, "K-test"));
        var id = Key("N-live");
        await inbox.DeliverAsync(new NoticeRecord(id, "", NoticeChannel.Inbox, "dispatch", ["C"], ["G"], "t", "test", ClusterFixture.Clock.GetUtcNow(), "recorded", []));

        var told = await listener.Told.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((id, "recorded"), (told.NoticeId, told.Delivery));
        Assert.Equal(id, (await inbox.GetAsync(0, 1)).Notices[0].NoticeId);
        await inbox.UnsubscribeAsync(reference);
        fixture.Cluster.Client.DeleteObjectReference<INoticeInboxObserver>(reference);
    }

    [Fact]
    public async Task Inbox_MarkReadUpToANotice_UnreadCountsTheNewerOnes_OlderMarkChangesNothing_SameIdTwiceKeptOnce()
    {
        var inbox = Inbox(NoticeInboxes.Officer(Key("O")));
        // Notice ids are the server's (one per notice, ever): each test makes its own.
        var run = Key("N");
        string Id(int n) => $"{run}-{n}";
        NoticeRecord Notice(int n) => new(Id(n), "", NoticeChannel.Inbox, "dispatch", ["C"], ["G"], "t", "test", ClusterFixture.Clock.GetUtcNow(), "recorded", []);
        for (var i = 1; i <= 4; i++) await inbox.DeliverAsync(Notice(i));
        await inbox.DeliverAsync(Notice(4));   // a delivery tried again after its answer was lost
        Assert.Equal((4, 4), ((await inbox.GetAsync(0, 10)).Total, (await inbox.GetAsync(0, 10)).Unread));

        Assert.Equal(1, await inbox.MarkReadAsync(Id(3)));
        Assert.Equal(1, await inbox.MarkReadAsync(Id(1)));
        Assert.Null(await inbox.MarkReadAsync("N-missing"));
        await inbox.DeliverAsync(Notice(5));
        Assert.Equal(2, (await inbox.GetAsync(0, 10)).Unread);
        Assert.Equal(0, await inbox.MarkReadAsync(Id(5)));
    }

    [Fact]
    public async Task Inbox_MoreThanKept_OldestDropped_PagedNewestFirst()
    {
        var inbox = Inbox(NoticeInboxes.Officer(Key("O")));
        var run = Key("N");
        for (var i = 0; i < INoticeInboxGrain.MaxKept + 3; i++)
            await inbox.DeliverAsync(new NoticeRecord($"{run}-{i}", "", NoticeChannel.Inbox, "dispatch", ["C"], ["G"], "t", "test", ClusterFixture.Clock.GetUtcNow(), "recorded", []));
        var page = await inbox.GetAsync(1, 2);
        Assert.Equal(INoticeInboxGrain.MaxKept, page.Total);
        Assert.Equal([$"{run}-{INoticeInboxGrain.MaxKept + 1}", $"{run}-{INoticeInboxGrain.MaxKept}"], page.Notices.Select(n => n.NoticeId).ToArray());
        Assert.Equal($"{run}-3", (await inbox.GetAsync(INoticeInboxGrain.MaxKept - 1, 5)).Notices.Single().NoticeId);
        // The read mark counts from the inbox's first notice: marking the newest leaves none unread after the drop.
        Assert.Equal(INoticeInboxGrain.MaxKept, page.Unread);
        Assert.Equal(1, await inbox.MarkReadAsync($"{run}-{INoticeInboxGrain.MaxKept + 1}"));
    }
}
