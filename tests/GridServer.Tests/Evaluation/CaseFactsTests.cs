using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using GridServer.Domain.Personnel;

namespace GridServer.Tests.Evaluation;

/// <summary>
/// What a case keeps for evaluation, on hand-built histories: the deadlines that ran and how each ended, and the facts
/// read from them (late or on time, returns, extensions, rework, void, overdue while open).
/// Limits: accept 10 min, handle 4 h, verify 1 h, wall clock.
/// </summary>
public class CaseFactsTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 11, 10, 9, 0, 0, TimeSpan.FromHours(8));
    internal static readonly CaseWorkflow Workflow = MatterPolicies.Defaults().Default;

    internal static DispatchDecision To(string officer = "officer-1", string squad = "SQ-1") => new(DispatchPost.A, squad, officer, "on duty");

    internal static CaseRecord Open(string id, string? grid = "33030200100101", DateTimeOffset? at = null, string? channel = null, string enteredBy = "app-1") =>
        CaseSteps.Open(id, "parking", new CaseReportFacts(120.65, 28.0, "citizen-1", "blocked lane", ReportingChannel: channel), grid, enteredBy,
            at ?? T0, Workflow, grid is null ? DispatchRule.Decide(null, _ => DutyStatus.OffDuty) : To(), null).Record;

    internal static CaseRecord Do(CaseRecord record, CaseAction action, double minutes, string actor = "officer-1", string? note = null, DateTimeOffset? newDeadline = null)
    {
        var step = CaseSteps.Act(record, new CaseCommand(action, actor, record.File.ReportedAt.AddMinutes(minutes), note ?? "noted", default, newDeadline), Workflow);
        Assert.True(step.Accepted, step.Refusal?.Message);
        return step.Record;
    }

    /// <summary>Accepted at <paramref name="accept"/>, final feedback at <paramref name="feedback"/>, verified 10 minutes later and closed (minutes after the report).</summary>
    internal static CaseRecord Loop(CaseRecord record, double accept, double feedback)
    {
        record = Do(record, CaseAction.Accept, accept);
        record = Do(record, CaseAction.StartHandling, accept + 1);
        record = Do(record, CaseAction.GiveFinalFeedback, feedback);
        record = Do(record, CaseAction.StartVerification, feedback + 5, "D-1");
        record = Do(record, CaseAction.PassVerification, feedback + 10, "D-1");
        return Do(record, CaseAction.Close, feedback + 11, "D-1");
    }

    [Fact]
    public void OnTime_EveryDeadlineKept_EndedByTheStepThatMetIt()
    {
        var closed = Loop(Open("C1"), accept: 5, feedback: 120);

        Assert.Equal(
            [
                new PastDeadline(DeadlineKind.Accept, T0.AddMinutes(10), T0.AddMinutes(5), CaseAction.Accept),
                new PastDeadline(DeadlineKind.Handling, T0.AddMinutes(5).AddHours(4), T0.AddMinutes(120), CaseAction.GiveFinalFeedback),
                new PastDeadline(DeadlineKind.Verification, T0.AddMinutes(180), T0.AddMinutes(130), CaseAction.PassVerification),
            ],
            closed.File.PastDeadlines);
        Assert.Equal(CaseDeadlines.None, closed.File.Deadlines);
        var facts = CaseFacts.Of(closed);
        Assert.Equal((false, false, false), (facts.AcceptLate, facts.HandlingLate, facts.VerificationLate));
        Assert.Equal((T0.AddMinutes(5), T0.AddMinutes(120), T0.AddMinutes(130), T0.AddMinutes(131)), (facts.AcceptedAt, facts.FeedbackAt, facts.VerifiedAt, facts.ClosedAt));
        Assert.Equal((CaseSteps.System, "app-1", true, T0), (facts.Dispatcher, facts.EnteredBy, facts.Registered, facts.DispatchedAt));
        Assert.True(Indicators.Count("closedOnTime")!.Counts(facts, T0.AddDays(30)));
    }

    [Fact]
    public void LateAcceptanceAndLateFeedback_CountAgainstTheCase_EvenAfterItCloses()
    {
        var closed = Loop(Open("C2"), accept: 15, feedback: 15 + 5 * 60);
        var facts = CaseFacts.Of(closed);

        Assert.Equal((true, true, false), (facts.AcceptLate, facts.HandlingLate, facts.VerificationLate));
        Assert.Equal([false, false, true], closed.File.PastDeadlines.Select(d => d.Kept));
        Assert.True(Indicators.Count("closed")!.Counts(facts, T0.AddDays(1)));
        Assert.False(Indicators.Count("closedOnTime")!.Counts(facts, T0.AddDays(1)));
        Assert.False(Indicators.Count("acceptedOnTime")!.Counts(facts, T0.AddDays(1)));
    }

    [Fact]
    public void ReturnedAndDispatchedAgain_CountsTheReturn_AndEachAcceptanceLimit()
    {
        var returned = Do(Open("C3"), CaseAction.Return, 3, note: "not our street");
        var again = CaseSteps.Dispatch(returned, "D-1", null, T0.AddMinutes(4), Workflow, To("officer-2", "SQ-2"));
        Assert.True(again.Accepted, again.Refusal?.Message);
        var accepted = Do(again.Record, CaseAction.Accept, 20, "officer-2");

        var facts = CaseFacts.Of(accepted);
        Assert.Equal((1, "SQ-2", "officer-2", CaseSteps.System), (facts.Returns, facts.SquadId, facts.OfficerId, facts.Dispatcher));
        // The first limit ended by the return (kept), the second (4 + 10 min) ran out before the acceptance at 20.
        Assert.Equal([(CaseAction.Return, true), (CaseAction.Accept, false)],
            accepted.File.PastDeadlines.Where(d => d.Kind == DeadlineKind.Accept).Select(d => (d.EndedBy, d.Kept)));
        Assert.True(facts.AcceptLate);
    }

    [Fact]
    public void ExtensionApproved_FeedbackWithinTheNewDeadline_IsOnTime()
    {
        var handling = Do(Do(Open("C4"), CaseAction.Accept, 1), CaseAction.StartHandling, 2);
        var requested = Do(handling, CaseAction.RequestExtension, 60, newDeadline: T0.AddHours(8));
        var extended = Do(requested, CaseAction.ApproveExtension, 65, "D-1");
        var fed = Do(extended, CaseAction.GiveFinalFeedback, 6 * 60);     // after the first deadline (4 h 1 min), before the new one

        var facts = CaseFacts.Of(fed);
        Assert.Equal((1, false), (facts.Extensions, facts.HandlingLate));
        Assert.Equal([CaseAction.ApproveExtension, CaseAction.GiveFinalFeedback],
            fed.File.PastDeadlines.Where(d => d.Kind == DeadlineKind.Handling).Select(d => d.EndedBy));
    }

    [Fact]
    public void Rework_CountsOnce_AndTheLastFeedbackAndVerificationAreKept()
    {
        var record = Do(Do(Open("C5"), CaseAction.Accept, 1), CaseAction.StartHandling, 2);
        record = Do(record, CaseAction.GiveFinalFeedback, 60);
        record = Do(record, CaseAction.StartVerification, 65, "D-1");
        record = Do(record, CaseAction.Rework, 70, "D-1", "still there");
        record = Do(record, CaseAction.GiveFinalFeedback, 100);
        record = Do(record, CaseAction.StartVerification, 105, "D-1");
        record = Do(record, CaseAction.PassVerification, 110, "D-1");

        var facts = CaseFacts.Of(record);
        Assert.Equal((1, T0.AddMinutes(100), T0.AddMinutes(110)), (facts.Reworks, facts.FeedbackAt, facts.VerifiedAt));
        Assert.Contains(record.File.PastDeadlines, d => d is { Kind: DeadlineKind.Verification, EndedBy: CaseAction.Rework });
    }

    [Fact]
    public void OpenCase_IsOverdueOnlyOnceItsRunningDeadlinePasses()
    {
        var facts = CaseFacts.Of(Open("C6"));
        var overdue = Indicators.Count("overdueOpen")!;
        var due = Indicators.Count("due")!;

        Assert.False(overdue.Counts(facts, T0.AddMinutes(9)));
        Assert.False(due.Counts(facts, T0.AddMinutes(9)));
        Assert.True(overdue.Counts(facts, T0.AddMinutes(11)));
        Assert.True(due.Counts(facts, T0.AddMinutes(11)));
        Assert.True(Indicators.Count("acceptDue")!.Counts(facts, T0.AddMinutes(11)));
    }

    [Fact]
    public void Voided_IsReceivedButNeitherDueNorValid()
    {
        var queued = Open("C7", grid: null);
        var voided = Do(queued, CaseAction.Void, 3, "D-1", "a duplicate of C1");
        var facts = CaseFacts.Of(voided);

        Assert.Equal((CaseState.Void, null, (DateTimeOffset?)null), (facts.State, facts.DispatchedAt, facts.ClosedAt));
        Assert.True(Indicators.Count("voided")!.Counts(facts, T0.AddDays(1)));
        Assert.False(Indicators.Count("due")!.Counts(facts, T0.AddDays(1)));
    }

    [Fact]
    public void Replay_OfACaseWithoutHistory_GivesTheHistoryTheWorkflowKept()
    {
        var returned = Do(Open("C8"), CaseAction.Return, 2, note: "wrong squad");
        var kept = Loop(CaseSteps.Dispatch(returned, "D-1", null, T0.AddMinutes(3), Workflow, To()).Record, accept: 20, feedback: 400);

        var rebuilt = CaseHistory.WithHistory(kept.File with { History = null }, Workflow);

        Assert.Equal(kept.File.PastDeadlines, rebuilt.PastDeadlines);
        Assert.Equal(CaseFacts.Of(kept), CaseFacts.Of(kept with { File = rebuilt }));
    }

    [Fact]
    public void Replay_AnExtensionWhoseNewDeadlineWasNotRecorded_IsTakenAsMet()
    {
        var handling = Do(Do(Open("C9"), CaseAction.Accept, 1), CaseAction.StartHandling, 2);
        var extended = Do(Do(handling, CaseAction.RequestExtension, 60, newDeadline: T0.AddHours(5)), CaseAction.ApproveExtension, 65, "D-1");
        var fed = Do(extended, CaseAction.GiveFinalFeedback, 4.5 * 60);

        var rebuilt = CaseHistory.WithHistory(fed.File with { History = null }, Workflow);

        Assert.Equal(fed.File.PastDeadlines.Select(d => (d.Kind, d.EndedBy, d.Kept)), rebuilt.PastDeadlines.Select(d => (d.Kind, d.EndedBy, d.Kept)));
    }
}
