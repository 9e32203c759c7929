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
    public void PartyNamed_ThePartyOnly_AndNobodyWithoutOne()
    {
        Assert.Equal([new NoticeRecipient("party:shops/S-1", NoticeKind.PartyNotice)],
            NoticeRules.Recipients(CaseNoticeEvent.PartyNamed, Everyone with { Party = "shops/S-1" }).ToArray());
        Assert.Empty(NoticeRules.Recipients(CaseNoticeEvent.PartyNamed, Everyone).ToArray());
    }

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

    [Fact]
    public void ReporterStep_TheReportingChannelOnly_NoneForACaseStaffEntered()
    {
        Assert.Equal([new NoticeRecipient("reporter:app-1", NoticeKind.ReporterStatus)],
            NoticeRules.Recipients(CaseNoticeEvent.ReporterStep, Everyone with { ReportingChannel = "app-1" }).ToArray());
        Assert.Empty(NoticeRules.Recipients(CaseNoticeEvent.ReporterStep, Everyone));
        Assert.DoesNotContain(NoticeRules.Recipients(CaseNoticeEvent.OpenedInGrid, Everyone with { ReportingChannel = "app-1" }), r => r.Kind == NoticeKind.ReporterStatus);
        Assert.True(NoticeInboxes.IsReporter(NoticeInboxes.Reporter("app-1")));
        Assert.False(NoticeInboxes.IsReporter(NoticeInboxes.Officer("app-1")));
    }

    [Theory]
    [InlineData("Accept", true)]
    [InlineData("Close", true)]
    [InlineData("Void", true)]
    [InlineData("Rework", true)]
    [InlineData("Dispatch", false)]
    [InlineData("Return", false)]
    [InlineData("StartHandling", false)]
    [InlineData("GiveFinalFeedback", false)]
    [InlineData("Warn", false)]
    [InlineData("Remind", false)]
    [InlineData("Transfer", false)]
    public void ReporterStatusRules_OnlyTheStepsACitizenCaresAbout(string action, bool notifies) =>
        Assert.Equal(notifies, ReporterStatusRules.Notifies(action));

    [Theory]
    [InlineData("Registered", false, "已受理")]
    [InlineData("Registered", true, "已受理")]
    [InlineData("Dispatched", true, "已派遣")]
    [InlineData("Handling", true, "处理中")]
    [InlineData("Closed", true, "已办结")]
    [InlineData("Void", false, "不予立案")]
    public void ReporterStatusRules_Describe_AStatusPerState(string state, bool located, string status) =>
        Assert.Equal(status, ReporterStatusRules.Describe(state, located).Status);

    [Fact]
    public void ReporterStatusRules_Rework_SaysSo()
    {
        Assert.Contains("返工", ReporterStatusRules.Describe("Handling", true, rework: true).Note, StringComparison.Ordinal);
        Assert.NotEqual(ReporterStatusRules.Describe("Registered", true).Note, ReporterStatusRules.Describe("Registered", false).Note);
    }
}
