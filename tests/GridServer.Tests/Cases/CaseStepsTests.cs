using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;

namespace GridServer.Tests.Cases;

/// <summary>The case's decisions as plain functions: what each step does to the case, what it refuses, whom it tells, when the clock wakes it.</summary>
public class CaseStepsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
    private static readonly CaseWorkflow Workflow = MatterPolicies.Defaults().Default;   // accept 10 min, handle 4 h, verify 1 h; warnings 2 min before

    private static readonly DispatchDecision ToA = new(DispatchPost.A, "SQ-1", "O-A", "A officer O-A is on duty");
    private static readonly DispatchDecision ToB = new(DispatchPost.B, "SQ-2", "O-B", "B officer O-B is on duty");
    private static readonly DispatchDecision Nobody = DispatchRule.Decide(null, _ => DutyStatus.OffDuty);

    private static CaseReportFacts Report(string? channel = "app-1", CasePartyFacts? party = null) =>
        new(120.65, 28.0, "citizen-1", "car on the pavement", ReportingChannel: channel, Party: party);

    private static CaseStep Open(DispatchDecision decision, string? grid = "G-1", CaseReportFacts? report = null, string? leader = "O-LEAD") =>
        CaseSteps.Open("C-1", "parking", report ?? Report(), grid, "app-1", T0, Workflow, decision, leader);

    private static CaseRecord Act(CaseRecord record, CaseAction action, string actor = "O-A", string? note = "n", int minutes = 1) =>
        CaseSteps.Act(record, new CaseCommand(action, actor, record.File.UpdatedAt.AddMinutes(minutes), note), Workflow).Record;

    [Fact]
    public void Open_SomeoneOnDuty_DispatchedWithTheAcceptDeadline_OfficerAndLiaisonsTold()
    {
        var step = Open(ToA);
        Assert.True(step.Accepted);
        Assert.Equal((CaseState.Dispatched, "O-A", DispatchPost.A, "SQ-1"), (step.Record.State, step.Record.Holder.OfficerId, step.Record.Holder.Post, step.Record.Holder.SquadId));
        Assert.Equal([CaseAction.Report, CaseAction.Register, CaseAction.Dispatch], step.Record.File.Timeline.Select(e => e.Action));
        Assert.Equal(T0.AddMinutes(10), step.Record.File.Deadlines.AcceptBy);
        Assert.Equal([CaseCueKind.Dispatched, CaseCueKind.OpenedInGrid], step.Cues.Select(c => c.Kind));
        Assert.False(step.Record.Queued);
    }

    /// <summary>A step's first new event carries the request's key, so the same request is known when it comes again; a refusal carries none.</summary>
    [Fact]
    public void Keyed_TheFirstNewEventCarriesTheKey_TookKnowsIt()
    {
        var opened = Open(ToA).Record;
        var redispatched = CaseSteps.Keyed(CaseSteps.Dispatch(opened, "cc-1", null, T0.AddMinutes(1), Workflow, ToB), opened, "K-1");
        Assert.Equal("K-1", redispatched.Record.File.Timeline[opened.File.Timeline.Count].RequestKey);
        Assert.All(redispatched.Record.File.Timeline.Skip(opened.File.Timeline.Count + 1), e => Assert.Null(e.RequestKey));
        Assert.True(CaseSteps.Took(redispatched.Record, "K-1"));
        Assert.False(CaseSteps.Took(redispatched.Record, "K-2"));
        Assert.False(CaseSteps.Took(redispatched.Record, null));
        var refused = CaseSteps.Keyed(CaseSteps.MoveToGrid(opened, "cc-1", "G-1", "same grid", T0.AddMinutes(1), Workflow, ToA), opened, "K-3");
        Assert.False(refused.Accepted);
        Assert.False(CaseSteps.Took(refused.Record, "K-3"));
    }

    /// <summary>Supervised by the command center: on the supervision list with its reason; the clock then reminds at a missed deadline.</summary>
    [Fact]
    public void Supervise_ByTheCommandCenter_PutsTheCaseOnTheSupervisionList_TheClockThenReminds()
    {
        var supervised = Act(Open(ToA).Record, CaseAction.Supervise, actor: "cc-1", note: " 市民多次来电 ");
        Assert.Equal((true, "市民多次来电", T0.AddMinutes(1)), (supervised.File.Supervised, supervised.Escalation?.Reason, supervised.Escalation?.At));
        var missed = CaseSteps.CheckDeadlines(supervised, T0.AddMinutes(11), Workflow, "O-LEAD");
        Assert.Equal(CaseAction.Remind, missed.Record.File.Timeline[^1].Action);
        Assert.Equal(supervised.Escalation, missed.Record.Escalation);
    }

    [Fact]
    public void Open_NobodyToTakeIt_RegisteredAndQueuedWithTheReason_NotARefusal()
    {
        var step = Open(Nobody, grid: null);
        Assert.True(step.Accepted);
        Assert.Equal((CaseState.Registered, "the location is in no grid"), (step.Record.State, step.Record.QueueReason));
        Assert.Empty(step.Cues);
        Assert.Null(CaseSteps.NextWake(step.Record, Workflow));
    }

    [Fact]
    public void Open_PartysRepeatOffence_NotedEscalatedAndTold_ButNotSupervised()
    {
        var party = new CasePartyFacts("shops", "S-1", "张记", "frontage", RepeatCount: 2, Escalated: true, Notify: true, RepeatWindowDays: 30);
        var step = Open(ToA, report: Report(party: party));
        Assert.False(step.Record.File.Supervised);
        Assert.Contains("escalated to squad leader O-LEAD and the command center: repeat offence: case 2 of 张记", step.Record.File.Timeline[^1].Note);
        Assert.Equal("repeat offence: case 2 of 张记 (shops/S-1) within 30 days", step.Record.Escalation?.Reason);
        Assert.Equal([CaseCueKind.Dispatched, CaseCueKind.OpenedInGrid, CaseCueKind.PartyNamed, CaseCueKind.Escalated], step.Cues.Select(c => c.Kind));
        Assert.Equal(("O-LEAD", "repeat"), (step.Cues[^1].Person, step.Cues[^1].Deadline));
    }

    [Fact]
    public void Return_OfficerLetsGo_SquadStays_QueuedWithWhoAndWhy()
    {
        var returned = CaseSteps.Act(Open(ToA).Record, new CaseCommand(CaseAction.Return, "O-A", T0.AddMinutes(1), "not ours"), Workflow);
        Assert.Equal((CaseState.Returned, null, null, "SQ-1"), (returned.Record.State, returned.Record.Holder.OfficerId, returned.Record.Holder.Post, returned.Record.Holder.SquadId));
        Assert.Equal("returned by O-A: not ours", returned.Record.QueueReason);
        Assert.Null(returned.Record.OfficerInHand);
        Assert.Empty(returned.Cues);   // a return is internal: the reporter is not told
    }

    [Fact]
    public void Dispatch_FromTheQueue_LeavesTheQueue_NewHolderTold_ButNotAllowedWhenInHand()
    {
        var queued = Open(Nobody, grid: null).Record;
        var dispatched = CaseSteps.Dispatch(queued, "D-1", "G-2", T0.AddMinutes(1), Workflow, ToB);
        Assert.Equal(("G-2", "O-B", (string?)null), (dispatched.Record.GridCode, dispatched.Record.Holder.OfficerId, dispatched.Record.QueueReason));
        Assert.Equal([CaseCueKind.Dispatched], dispatched.Cues.Select(c => c.Kind));

        var accepted = Act(dispatched.Record, CaseAction.Accept, "O-B");
        var refused = CaseSteps.Dispatch(accepted, "D-1", "G-3", T0.AddMinutes(3), Workflow, ToA);
        Assert.Equal(CaseRefusalCode.NotNow, refused.Refusal?.Code);
        Assert.Same(accepted, refused.Record);   // nothing moved, not even the grid
    }

    [Fact]
    public void Dispatch_NobodyOnDuty_RefusedAsQueued_AndTheCaseWaitsWithTheReason()
    {
        var step = CaseSteps.Dispatch(Open(Nobody, grid: null).Record, "D-1", "G-9", T0.AddMinutes(1), Workflow,
            new DispatchDecision(DispatchPost.CommandCenter, null, null, "grid G-9 has no squad assigned"));
        Assert.Equal(CaseRefusalCode.Queued, step.Refusal?.Code);
        Assert.Equal(("G-9", "grid G-9 has no squad assigned"), (step.Record.GridCode, step.Record.QueueReason));
    }

    [Fact]
    public void Close_HolderAndReporterTold_QueueCleared_NoWake()
    {
        var r = Open(ToA).Record;
        foreach (var action in new[] { CaseAction.Accept, CaseAction.StartHandling, CaseAction.GiveFinalFeedback }) r = Act(r, action);
        foreach (var action in new[] { CaseAction.StartVerification, CaseAction.PassVerification }) r = Act(r, action, "D-1");
        var closed = CaseSteps.Act(r with { QueueReason = "left over" }, new CaseCommand(CaseAction.Close, "D-1", r.File.UpdatedAt.AddMinutes(1), "done"), Workflow);
        Assert.Equal([CaseCueKind.Closed, CaseCueKind.ReporterStep], closed.Cues.Select(c => c.Kind));
        Assert.Equal(("O-A", "done"), (closed.Cues[0].Person, closed.Cues[0].Note));
        Assert.Null(closed.Record.QueueReason);
        Assert.Null(closed.Record.OfficerInHand);
        Assert.Null(CaseSteps.NextWake(closed.Record, Workflow));
    }

    [Theory]
    [InlineData(CaseAction.Accept, true)]
    [InlineData(CaseAction.Return, false)]
    public void ReporterStep_OnlyForTheStepsACitizenHearsOf_AndOnlyWithAChannel(CaseAction action, bool told)
    {
        var withChannel = CaseSteps.Act(Open(ToA).Record, new CaseCommand(action, "O-A", T0.AddMinutes(1), "n"), Workflow);
        var staffEntered = CaseSteps.Act(Open(ToA, report: Report(channel: null)).Record, new CaseCommand(action, "O-A", T0.AddMinutes(1), "n"), Workflow);
        Assert.Equal(told, withChannel.Cues.Any(c => c.Kind == CaseCueKind.ReporterStep));
        Assert.DoesNotContain(staffEntered.Cues, c => c.Kind == CaseCueKind.ReporterStep);
    }

    [Fact]
    public void Follow_InHand_TransferredKeepingStateAndDeadline_SameHolderRefusedUnchanged()
    {
        var accepted = Act(Open(ToA).Record, CaseAction.Accept);
        var moved = CaseSteps.Follow(accepted, "operator", "reassigned", T0.AddMinutes(2), Workflow, ToB);
        Assert.Equal((CaseState.Accepted, "O-B", accepted.File.Deadlines.HandleBy), (moved.Record.State, moved.Record.Holder.OfficerId, moved.Record.File.Deadlines.HandleBy));
        Assert.StartsWith("reassigned: from O-A (SQ-1) to O-B (SQ-2)", moved.Record.File.Timeline[^1].Note, StringComparison.Ordinal);
        Assert.Equal([CaseCueKind.Dispatched], moved.Cues.Select(c => c.Kind));
        Assert.Equal(CaseRefusalCode.Unchanged, CaseSteps.Follow(moved.Record, "operator", "again", T0.AddMinutes(3), Workflow, ToB).Refusal?.Code);
    }

    [Fact]
    public void MoveToGrid_InHandToNoGrid_StaysWithTheHolderAndIsQueued_VerifyingStays()
    {
        var accepted = Act(Open(ToA).Record, CaseAction.Accept);
        var moved = CaseSteps.MoveToGrid(accepted, "operator", null, "redrawn", T0.AddMinutes(2), Workflow, Nobody);
        Assert.Equal((CaseRefusalCode.Queued, null, "O-A"), (moved.Refusal?.Code, moved.Record.GridCode, moved.Record.Holder.OfficerId));
        Assert.Contains("holds it until a dispatcher decides", moved.Record.QueueReason);

        var r = Act(Act(accepted, CaseAction.StartHandling), CaseAction.GiveFinalFeedback);
        var verifying = Act(r, CaseAction.StartVerification, "D-1");
        var stays = CaseSteps.MoveToGrid(verifying, "operator", "G-2", "redrawn", T0.AddHours(1), Workflow, ToB);
        Assert.Equal(CaseRefusalCode.NotNow, stays.Refusal?.Code);
        Assert.Same(verifying, stays.Record);
    }

    [Fact]
    public void Locate_AQueuedAddressOnlyCase_TakesThePointAndIsDispatched_AnEndedOneIsRefused()
    {
        var waiting = CaseSteps.Open("C-2", "dust", new CaseReportFacts(double.NaN, double.NaN, "c", null, "人民路 12 号"), null, "app", T0, Workflow, Nobody, null).Record;
        var placed = CaseSteps.Locate(waiting, "D-1", 120.66, 28.01, "G-1", T0.AddMinutes(1), Workflow, ToA);
        Assert.True(placed.Accepted);
        Assert.Equal((CaseState.Dispatched, "G-1", 120.66, 28.01), (placed.Record.State, placed.Record.GridCode, placed.Record.Report.Lon, placed.Record.Report.Lat));

        var voided = Act(Open(Nobody, grid: null).Record, CaseAction.Void, "D-1");
        Assert.Equal(CaseRefusalCode.NotNow, CaseSteps.Locate(voided, "D-1", 120.66, 28.01, "G-1", T0.AddMinutes(5), Workflow, ToA).Refusal?.Code);
    }

    [Fact]
    public void CheckDeadlines_WarnOnceBeforeTheDeadline_ThenSuperviseAndTellTheLeader_ThenRemind()
    {
        var opened = Open(ToA).Record;
        Assert.Same(opened, CaseSteps.CheckDeadlines(opened, T0.AddMinutes(7), Workflow, null).Record);   // too early

        var warned = CaseSteps.CheckDeadlines(opened, T0.AddMinutes(9), Workflow, null);
        Assert.Equal(CaseAction.Warn, warned.Record.File.Timeline[^1].Action);
        Assert.Equal((CaseCueKind.AcceptDeadlineNear, T0.AddMinutes(10)), (warned.Cues.Single().Kind, warned.Cues[0].Due));
        Assert.Same(warned.Record, CaseSteps.CheckDeadlines(warned.Record, T0.AddMinutes(9.5), Workflow, null).Record);   // once per deadline

        Assert.True(CaseSteps.WillEscalate(warned.Record, T0.AddMinutes(11)));
        var missed = CaseSteps.CheckDeadlines(warned.Record, T0.AddMinutes(11), Workflow, "O-LEAD");
        Assert.Equal([CaseAction.Supervise, CaseAction.Remind], missed.Record.File.Timeline.Skip(warned.Record.File.Timeline.Count).Select(e => e.Action));
        Assert.Equal(("O-LEAD", "accept"), (missed.Cues.Single().Person, missed.Cues.Single().Deadline));
        Assert.Equal(T0.AddMinutes(11), missed.Record.Escalation?.At);

        Assert.False(CaseSteps.WillEscalate(missed.Record, T0.AddMinutes(16)));
        var chased = CaseSteps.CheckDeadlines(missed.Record, T0.AddMinutes(16), Workflow, null);
        Assert.Equal((CaseAction.Remind, 0), (chased.Record.File.Timeline[^1].Action, chased.Cues.Length));
    }

    [Fact]
    public void NextWake_WarningThenDeadline_ThenRemindersTwiceAsFarApartUpToADay()
    {
        var opened = Open(ToA).Record;
        Assert.Equal(T0.AddMinutes(8), CaseSteps.NextWake(opened, Workflow));
        var warned = CaseSteps.CheckDeadlines(opened, T0.AddMinutes(8), Workflow, null).Record;
        Assert.Equal(T0.AddMinutes(10), CaseSteps.NextWake(warned, Workflow));

        var r = CaseSteps.CheckDeadlines(warned, T0.AddMinutes(10), Workflow, "O-LEAD").Record;   // supervised, and the leader reminded, at one moment
        var waits = new List<TimeSpan>();
        var at = T0.AddMinutes(10);
        for (var i = 0; i < 12; i++)
        {
            var next = CaseSteps.NextWake(r, Workflow)!.Value;
            waits.Add(next - at);
            at = next;
            r = CaseSteps.CheckDeadlines(r, at, Workflow, null).Record;
        }
        Assert.Equal(TimeSpan.FromMinutes(5), waits[0]);
        Assert.Equal(TimeSpan.FromMinutes(10), waits[1]);
        Assert.Equal(TimeSpan.FromDays(1), waits[^1]);
        Assert.All(waits.Zip(waits.Skip(1)), w => Assert.True(w.Second == w.First * 2 || w.Second == TimeSpan.FromDays(1)));
        Assert.Equal(12, r.CountOf(CaseAction.Remind) - 1);
    }

    [Fact]
    public void NextWake_AfterAMissedDeadlineMovesOn_FollowsTheNewDeadline()
    {
        var missed = CaseSteps.CheckDeadlines(Open(ToA).Record, T0.AddMinutes(11), Workflow, null).Record;
        var accepted = Act(missed, CaseAction.Accept);   // the new handling deadline: 4 hours
        Assert.Equal(accepted.File.Deadlines.HandleBy - TimeSpan.FromMinutes(2), CaseSteps.NextWake(accepted, Workflow));
    }

    [Fact]
    public void Chase_IsCappedAtADay_EvenAfterManyReminders() =>
        Assert.Equal(TimeSpan.FromDays(1), CaseSteps.Chase(int.MaxValue));

    [Fact]
    public void OpenDuplicate_LinkedNotDispatched_NothingRuns_OnlyTheReporterTold()
    {
        var step = CaseSteps.OpenDuplicate("C-2", "parking", Report(), "G-1", "app-1", T0, Workflow, "C-1");
        Assert.True(step.Accepted);
        Assert.Equal((CaseState.Duplicate, "C-1"), (step.Record.State, step.Record.DuplicateOf));
        Assert.Equal([CaseAction.Report, CaseAction.Link], step.Record.File.Timeline.Select(e => e.Action));
        Assert.Equal([CaseCueKind.ReporterStep], step.Cues.Select(c => c.Kind));
        Assert.Equal(CaseHolder.Nobody, step.Record.Holder);
        Assert.Null(CaseSteps.NextWake(step.Record, Workflow));
        Assert.True(step.Record.File.IsTerminal);
        Assert.Null(step.Record.OfficerInHand);
        // Nothing of the workflow but unlinking is open to people; the clock's steps are not taken on it.
        Assert.Equal([CaseAction.Unlink], CaseWorkflow.AllowedIn(CaseState.Duplicate));
        Assert.False(CaseSteps.Act(step.Record, new CaseCommand(CaseAction.Note, "system", T0, "later reading"), Workflow).Accepted);
    }

    [Fact]
    public void AddDuplicate_NotedOnTheOpenCase_OnceOnly_RefusedByAnEndedCase()
    {
        var open = Open(ToA).Record;
        var linked = CaseSteps.AddDuplicate(open, "C-2", "app-2", T0.AddMinutes(1), Workflow);
        Assert.True(linked.Accepted);
        Assert.Equal([new CaseLink("C-2", "app-2", T0.AddMinutes(1))], linked.Record.LinkedDuplicates);
        Assert.Equal((CaseAction.Note, CaseState.Dispatched), (linked.Record.File.Timeline[^1].Action, linked.Record.State));
        var again = CaseSteps.AddDuplicate(linked.Record, "C-2", "app-2", T0.AddMinutes(2), Workflow);
        Assert.Same(linked.Record, again.Record);

        var voided = CaseSteps.Act(Open(Nobody, grid: null).Record, new CaseCommand(CaseAction.Void, "D-1", T0.AddMinutes(1), "not ours"), Workflow).Record;
        var refused = CaseSteps.AddDuplicate(voided, "C-3", null, T0.AddMinutes(2), Workflow);
        Assert.Equal(CaseRefusalCode.NotNow, refused.Refusal?.Code);
        var duplicate = CaseSteps.OpenDuplicate("C-4", "parking", Report(), "G-1", "app-1", T0, Workflow, "C-1").Record;
        Assert.Equal(CaseRefusalCode.NotNow, CaseSteps.AddDuplicate(duplicate, "C-5", null, T0.AddMinutes(1), Workflow).Refusal?.Code);
    }

    [Theory]
    [InlineData(CaseAction.Close)]
    [InlineData(CaseAction.Void)]
    public void TheCaseEnds_EachDuplicateWithAChannelIsTold_OnceOnly(CaseAction ending)
    {
        var r = ending == CaseAction.Close ? Open(ToA).Record : Open(Nobody, grid: null).Record;
        r = CaseSteps.AddDuplicate(r, "C-2", "app-2", T0.AddMinutes(1), Workflow).Record;
        r = CaseSteps.AddDuplicate(r, "C-3", null, T0.AddMinutes(1), Workflow).Record;   // staff-entered: nobody to tell
        r = CaseSteps.AddDuplicate(r, "C-4", "app-4", T0.AddMinutes(1), Workflow).Record;
        if (ending == CaseAction.Close)
        {
            foreach (var action in new[] { CaseAction.Accept, CaseAction.StartHandling, CaseAction.GiveFinalFeedback }) r = Act(r, action);
            foreach (var action in new[] { CaseAction.StartVerification, CaseAction.PassVerification }) r = Act(r, action, "D-1");
        }
        var ended = CaseSteps.Act(r, new CaseCommand(ending, "D-1", r.File.UpdatedAt.AddMinutes(1), "done"), Workflow);
        Assert.Equal(["C-2", "C-4"], ended.Cues.Where(c => c.Kind == CaseCueKind.DuplicateTold).Select(c => c.Duplicate));
        // Steps after the end (a follow-up) tell them nothing more.
        if (ending == CaseAction.Close)
        {
            var followed = CaseSteps.FollowUp(ended.Record, new CaseFollowUp(CaseVerdict.Satisfied, null, ended.Record.File.UpdatedAt.AddMinutes(1), "app-1", CaseFollowUp.Reporter), Workflow);
            Assert.DoesNotContain(followed.Cues, c => c.Kind == CaseCueKind.DuplicateTold);
        }
    }

    [Fact]
    public void Unlink_RegisteredAndDispatched_OrQueued_TheReporterTold_AndTheCaseForgetsIt()
    {
        var duplicate = CaseSteps.OpenDuplicate("C-2", "parking", Report(), "G-1", "app-1", T0, Workflow, "C-1").Record;
        var unlinked = CaseSteps.Unlink(duplicate, "D-1", "another shop", T0.AddMinutes(5), Workflow, ToA);
        Assert.True(unlinked.Accepted);
        Assert.Equal((CaseState.Dispatched, "O-A", null), (unlinked.Record.State, unlinked.Record.Holder.OfficerId, unlinked.Record.DuplicateOf));
        Assert.Equal([CaseAction.Report, CaseAction.Link, CaseAction.Unlink, CaseAction.Dispatch], unlinked.Record.File.Timeline.Select(e => e.Action));
        Assert.Equal([CaseCueKind.ReporterStep, CaseCueKind.Dispatched], unlinked.Cues.Select(c => c.Kind));
        Assert.Equal(T0.AddMinutes(15), unlinked.Record.File.Deadlines.AcceptBy);

        var queued = CaseSteps.Unlink(duplicate, "D-1", "another shop", T0.AddMinutes(5), Workflow, Nobody);
        Assert.True(queued.Accepted);
        Assert.Equal(CaseState.Registered, queued.Record.State);
        Assert.NotNull(queued.Record.QueueReason);

        var open = Open(ToA).Record;
        Assert.Equal(CaseRefusalCode.NotNow, CaseSteps.Unlink(open, "D-1", "x", T0.AddMinutes(5), Workflow, ToA).Refusal?.Code);

        var primary = CaseSteps.AddDuplicate(open, "C-2", "app-1", T0.AddMinutes(1), Workflow).Record;
        var dropped = CaseSteps.DropDuplicate(primary, "C-2", "D-1", T0.AddMinutes(6), Workflow);
        Assert.Empty(dropped.Record.LinkedDuplicates);
        Assert.Contains("C-2 unlinked", dropped.Record.File.Timeline[^1].Note);
        Assert.Same(dropped.Record, CaseSteps.DropDuplicate(dropped.Record, "C-2", "D-1", T0.AddMinutes(7), Workflow).Record);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1001, 1)]
    [InlineData(double.NaN, 1)]
    [InlineData(30, 0)]
    [InlineData(30, 31 * 24)]
    public void DuplicateRule_OutOfRange_NamesTheProblem(double metres, double hours)
    {
        var policy = new MatterPolicy(CaseTimeLimits.Default, Duplicates: new DuplicateRule(metres, TimeSpan.FromHours(hours)));
        Assert.Contains("Duplicate", policy.Problem());
    }
}
