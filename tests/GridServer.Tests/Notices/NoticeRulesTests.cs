using GridServer.Notices;

namespace GridServer.Tests.Notices;

public class NoticeRulesTests
{
    private static readonly CaseParties Everyone = new("O-1", "O-LEAD", ["L-1", "L-2", "L-1"]);

    [Fact]
    public void Dispatched_OfficerGetsDispatch_NobodyElse() =>
        Assert.Equal([new NoticeRecipient("officer:O-1", NoticeKind.Dispatch)], NoticeRules.Recipients(CaseNoticeEvent.Dispatched, Everyone).ToArray());

    [Fact]
    public void AcceptDeadlineNear_OfficerHoldingItGetsAcceptWarning() =>
        Assert.Equal([new NoticeRecipient("officer:O-1", NoticeKind.AcceptWarning)], NoticeRules.Recipients(CaseNoticeEvent.AcceptDeadlineNear, Everyone).ToArray());

    [Fact]
    public void Closed_OfficerGetsClosure() =>
        Assert.Equal([new NoticeRecipient("officer:O-1", NoticeKind.Closure)], NoticeRules.Recipients(CaseNoticeEvent.Closed, Everyone).ToArray());

    [Fact]
    public void Escalated_SquadLeaderAndCommandCenter_NotTheOfficerNorLiaisons() =>
        Assert.Equal(
            [new NoticeRecipient("officer:O-LEAD", NoticeKind.Escalation), new NoticeRecipient(NoticeInboxes.CommandCenter, NoticeKind.Escalation)],
            NoticeRules.Recipients(CaseNoticeEvent.Escalated, Everyone).ToArray());

    [Fact]
    public void Escalated_SquadWithoutLeader_CommandCenterStillTold() =>
        Assert.Equal([new NoticeRecipient(NoticeInboxes.CommandCenter, NoticeKind.Escalation)],
            NoticeRules.Recipients(CaseNoticeEvent.Escalated, Everyone with { SquadLeaderId = null }).ToArray());

    [Fact]
    public void OpenedInGrid_EachLiaisonOfTheGridOnce_NoOfficer() =>
        Assert.Equal(
            [new NoticeRecipient("liaison:L-1", NoticeKind.LiaisonAlert), new NoticeRecipient("liaison:L-2", NoticeKind.LiaisonAlert)],
            NoticeRules.Recipients(CaseNoticeEvent.OpenedInGrid, Everyone).ToArray());

    [Fact]
    public void OpenedInGrid_CommunityWithWebhook_ItsWebhookToo_OverTheWebhookChannel() =>
        Assert.Equal(
            [new NoticeRecipient("liaison:L-1", NoticeKind.LiaisonAlert), new NoticeRecipient("liaison:L-2", NoticeKind.LiaisonAlert),
                new NoticeRecipient("community:330302002009", NoticeKind.LiaisonAlert, NoticeChannels.Webhook)],
            NoticeRules.Recipients(CaseNoticeEvent.OpenedInGrid, Everyone with { WebhookCommunity = "330302002009" }).ToArray());

    [Fact]
    public void OpenedInGrid_NoLiaisonsButAWebhook_OnlyTheCommunity() =>
        Assert.Equal(
            [new NoticeRecipient("community:C1", NoticeKind.LiaisonAlert, NoticeChannels.Webhook)],
            NoticeRules.Recipients(CaseNoticeEvent.OpenedInGrid, new CaseParties(null, null, [], "C1")).ToArray());

    [Theory]
    [InlineData(CaseNoticeEvent.Dispatched)]
    [InlineData(CaseNoticeEvent.AcceptDeadlineNear)]
    [InlineData(CaseNoticeEvent.Closed)]
    [InlineData(CaseNoticeEvent.Escalated)]
    public void OtherEvents_CommunityWithWebhook_NeverToTheWebhook(CaseNoticeEvent caseEvent) =>
        Assert.DoesNotContain(NoticeRules.Recipients(caseEvent, Everyone with { WebhookCommunity = "C1" }), r => r.Channel == NoticeChannels.Webhook);

    [Theory]
    [InlineData(CaseNoticeEvent.Dispatched)]
    [InlineData(CaseNoticeEvent.AcceptDeadlineNear)]
    [InlineData(CaseNoticeEvent.Closed)]
    public void OfficerEvent_NobodyHoldsTheCase_NoNotice(CaseNoticeEvent caseEvent) =>
        Assert.Empty(NoticeRules.Recipients(caseEvent, new CaseParties(null, "O-LEAD", ["L-1"])));

    [Fact]
    public void InboxKeys_OfficerAndLiaisonWithOneId_DifferentInboxes()
    {
        Assert.NotEqual(NoticeInboxes.Officer("X"), NoticeInboxes.Liaison("X"));
        Assert.Equal("X", NoticeInboxes.LiaisonOf(NoticeInboxes.Liaison("X")));
        Assert.Null(NoticeInboxes.LiaisonOf(NoticeInboxes.Officer("X")));
        Assert.Null(NoticeInboxes.LiaisonOf(NoticeInboxes.CommandCenter));
        Assert.Equal("C1", NoticeInboxes.CommunityOf(NoticeInboxes.Community("C1")));
        Assert.Null(NoticeInboxes.CommunityOf(NoticeInboxes.Liaison("C1")));
        Assert.True(NoticeInboxes.IsBatched(NoticeInboxes.Community("C1")) && NoticeInboxes.IsBatched(NoticeInboxes.Liaison("C1")));
        Assert.False(NoticeInboxes.IsBatched(NoticeInboxes.Officer("C1")) || NoticeInboxes.IsBatched(NoticeInboxes.CommandCenter));
    }

    [Fact]
    public void LiaisonBatching_InsideWindowWaits_AtItsEndOrWithoutOneGoesAtOnce()
    {
        var now = new DateTimeOffset(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
        Assert.False(LiaisonBatching.MustWait(null, now));
        Assert.True(LiaisonBatching.MustWait(now.AddSeconds(1), now));
        Assert.False(LiaisonBatching.MustWait(now, now));
        Assert.Equal("one", LiaisonBatching.Combine(["one"]));
        Assert.StartsWith("2 条新案件", LiaisonBatching.Combine(["one", "two"]), StringComparison.Ordinal);
    }
}
