using GridServer.Domain.Cases;
using GridServer.Domain.Notices;
using GridServer.Notices;

namespace GridServer.Tests.Notices;

public class NoticeRulesTests
{
    private static readonly CaseParties Everyone = new("O-1", "O-LEAD", ["L-1", "L-2", "L-1"]);

    [Fact]
    public void Dispatched_OfficerGetsDispatch_NobodyElse() =>
        Assert.Equal([new NoticeRecipient("officer:O-1", NoticeKind.Dispatch)], NoticeRules.Recipients(CaseCueKind.Dispatched, Everyone).ToArray());

    [Fact]
    public void AcceptDeadlineNear_OfficerHoldingItGetsAcceptWarning() =>
        Assert.Equal([new NoticeRecipient("officer:O-1", NoticeKind.AcceptWarning)], NoticeRules.Recipients(CaseCueKind.AcceptDeadlineNear, Everyone).ToArray());

    [Fact]
    public void Closed_OfficerGetsClosure() =>
        Assert.Equal([new NoticeRecipient("officer:O-1", NoticeKind.Closure)], NoticeRules.Recipients(CaseCueKind.Closed, Everyone).ToArray());

    [Fact]
    public void Escalated_SquadLeaderAndCommandCenter_NotTheOfficerNorLiaisons() =>
        Assert.Equal(
            [new NoticeRecipient("officer:O-LEAD", NoticeKind.Escalation), new NoticeRecipient(NoticeInboxes.CommandCenter, NoticeKind.Escalation)],
            NoticeRules.Recipients(CaseCueKind.Escalated, Everyone).ToArray());

    [Fact]
    public void Escalated_SquadWithoutLeader_CommandCenterStillTold() =>
        Assert.Equal([new NoticeRecipient(NoticeInboxes.CommandCenter, NoticeKind.Escalation)],
            NoticeRules.Recipients(CaseCueKind.Escalated, Everyone with { SquadLeaderId = null }).ToArray());

    [Fact]
    public void OpenedInGrid_EachLiaisonOfTheGridOnce_NoOfficer() =>
        Assert.Equal(
            [new NoticeRecipient("liaison:L-1", NoticeKind.LiaisonAlert), new NoticeRecipient("liaison:L-2", NoticeKind.LiaisonAlert)],
            NoticeRules.Recipients(CaseCueKind.OpenedInGrid, Everyone).ToArray());

    [Fact]
    public void PartyNamed_ThePartyOnly_AndNobodyWithoutOne()
    {
        Assert.Equal([new NoticeRecipient("party:shops/S-1", NoticeKind.PartyNotice)],
            NoticeRules.Recipients(CaseCueKind.PartyNamed, Everyone with { Party = "shops/S-1" }).ToArray());
        Assert.Empty(NoticeRules.Recipients(CaseCueKind.PartyNamed, Everyone).ToArray());
    }

    [Fact]
    public void OpenedInGrid_CommunityWithWebhook_ItsWebhookToo_OverTheWebhookChannel() =>
        Assert.Equal(
            [new NoticeRecipient("liaison:L-1", NoticeKind.LiaisonAlert), new NoticeRecipient("liaison:L-2", NoticeKind.LiaisonAlert),
                new NoticeRecipient("community:330302002009", NoticeKind.LiaisonAlert, NoticeChannel.Webhook)],
            NoticeRules.Recipients(CaseCueKind.OpenedInGrid, Everyone with { WebhookCommunity = "330302002009" }).ToArray());

    [Fact]
    public void OpenedInGrid_NoLiaisonsButAWebhook_OnlyTheCommunity() =>
        Assert.Equal(
            [new NoticeRecipient("community:C1", NoticeKind.LiaisonAlert, NoticeChannel.Webhook)],
            NoticeRules.Recipients(CaseCueKind.OpenedInGrid, new CaseParties(null, null, [], "C1")).ToArray());

    [Theory]
    [InlineData(CaseCueKind.Dispatched)]
    [InlineData(CaseCueKind.AcceptDeadlineNear)]
    [InlineData(CaseCueKind.Closed)]
    [InlineData(CaseCueKind.Escalated)]
    public void OtherEvents_CommunityWithWebhook_NeverToTheWebhook(CaseCueKind caseEvent) =>
        Assert.DoesNotContain(NoticeRules.Recipients(caseEvent, Everyone with { WebhookCommunity = "C1" }), r => r.Channel == NoticeChannel.Webhook);

    [Theory]
    [InlineData(CaseCueKind.Dispatched)]
    [InlineData(CaseCueKind.AcceptDeadlineNear)]
    [InlineData(CaseCueKind.Closed)]
    public void OfficerEvent_NobodyHoldsTheCase_NoNotice(CaseCueKind caseEvent) =>
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
            NoticeRules.Recipients(CaseCueKind.ReporterStep, Everyone with { ReportingChannel = "app-1" }).ToArray());
        Assert.Empty(NoticeRules.Recipients(CaseCueKind.ReporterStep, Everyone));
        Assert.DoesNotContain(NoticeRules.Recipients(CaseCueKind.OpenedInGrid, Everyone with { ReportingChannel = "app-1" }), r => r.Kind == NoticeKind.ReporterStatus);
        Assert.True(NoticeInboxes.IsReporter(NoticeInboxes.Reporter("app-1")));
        Assert.False(NoticeInboxes.IsReporter(NoticeInboxes.Officer("app-1")));
    }

    [Theory]
    [InlineData(CaseAction.Accept, true)]
    [InlineData(CaseAction.Close, true)]
    [InlineData(CaseAction.Void, true)]
    [InlineData(CaseAction.Rework, true)]
    [InlineData(CaseAction.Dispatch, false)]
    [InlineData(CaseAction.Return, false)]
    [InlineData(CaseAction.StartHandling, false)]
    [InlineData(CaseAction.GiveFinalFeedback, false)]
    [InlineData(CaseAction.Warn, false)]
    [InlineData(CaseAction.Remind, false)]
    [InlineData(CaseAction.Transfer, false)]
    public void ReporterHearsOf_OnlyTheStepsACitizenCaresAbout(CaseAction action, bool notifies) =>
        Assert.Equal(notifies, CaseSteps.ReporterHearsOf(action));

    [Theory]
    [InlineData(CaseState.Registered, false, "已受理")]
    [InlineData(CaseState.Registered, true, "已受理")]
    [InlineData(CaseState.Dispatched, true, "已派遣")]
    [InlineData(CaseState.Handling, true, "处理中")]
    [InlineData(CaseState.Closed, true, "已办结")]
    [InlineData(CaseState.Void, false, "不予立案")]
    public void ReporterStatusRules_Describe_AStatusPerState(CaseState state, bool located, string status) =>
        Assert.Equal(status, ReporterStatusRules.Describe(state, located).Status);

    [Fact]
    public void ReporterStatusRules_Rework_SaysSo()
    {
        Assert.Contains("返工", ReporterStatusRules.Describe(CaseState.Handling, true, rework: true).Note, StringComparison.Ordinal);
        Assert.NotEqual(ReporterStatusRules.Describe(CaseState.Registered, true).Note, ReporterStatusRules.Describe(CaseState.Registered, false).Note);
    }
}
