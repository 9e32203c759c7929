using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Cases;

namespace GridServer.Tests.Cases;

public class CaseWorkflowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly CaseWorkflow Workflow = new(CaseTimeLimits.Default, WallClockCalendar.Instance);

    private static CaseFile Run(CaseFile file, params (CaseAction Action, int Minute, string? Note)[] steps)
    {
        foreach (var (action, minute, note) in steps)
        {
            var t = Workflow.Apply(file, new CaseCommand(action, "u1", T0.AddMinutes(minute), note));
            Assert.True(t.Accepted, t.Refusal?.Message);
            file = t.Case;
        }
        return file;
    }

    private static CaseFile New() => CaseFile.Reported("C1", "parking", T0, "citizen");

    /// <summary>Handling counted in office hours: the time left stands still over a night and a weekend, and counts past the deadline too.</summary>
    [Fact]
    public void TimeLeft_HandlingInWorkingHours_SkipsTheNightAndTheWeekend_AcceptByTheWallClock()
    {
        var office = new CaseWorkflow(CaseTimeLimits.Default, WorkingHoursCalendar.OfficeHours());
        var friday = new DateTimeOffset(2026, 11, 27, 17, 0, 0, TimeSpan.FromHours(8));
        var mondayDue = new DateTimeOffset(2026, 11, 30, 9, 30, 0, TimeSpan.FromHours(8));
        var handling = Assert.Single(office.TimeLeft(new CaseDeadlines(HandleBy: mondayDue), friday));
        // Friday 17:00-17:30, Monday 08:30-09:30.
        Assert.Equal((DeadlineKind.Handling, mondayDue, TimeSpan.FromMinutes(90), true, false),
            (handling.Kind, handling.Due, handling.Left, handling.WorkingTime, handling.Overdue));
        var late = Assert.Single(office.TimeLeft(new CaseDeadlines(HandleBy: friday), mondayDue));
        Assert.Equal((TimeSpan.FromMinutes(-90), true), (late.Left, late.Overdue));

        var accept = Assert.Single(office.TimeLeft(new CaseDeadlines(AcceptBy: friday.AddHours(1)), friday));
        Assert.Equal((DeadlineKind.Accept, TimeSpan.FromHours(1), false), (accept.Kind, accept.Left, accept.WorkingTime));
        Assert.Empty(office.TimeLeft(CaseDeadlines.None, friday));
        // A wall-clock matter counts its handling by the wall clock.
        Assert.Equal(TimeSpan.FromDays(2) + TimeSpan.FromHours(16.5), Assert.Single(Workflow.TimeLeft(new CaseDeadlines(HandleBy: mondayDue), friday)).Left);
    }

    [Fact]
    public void Apply_WholeLoop_ClosesWithEveryStepRecorded()
    {
        var closed = Run(New(),
            (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null), (CaseAction.Accept, 5, null),
            (CaseAction.StartHandling, 6, null), (CaseAction.GiveFirstFeedback, 20, "on site"),
            (CaseAction.GiveFinalFeedback, 60, "moved"), (CaseAction.StartVerification, 70, null),
            (CaseAction.PassVerification, 80, null), (CaseAction.Close, 81, null));

        Assert.Equal(CaseState.Closed, closed.State);
        Assert.Equal(CaseDeadlines.None, closed.Deadlines);
        Assert.Equal(10, closed.Timeline.Count);
        Assert.Equal(Enumerable.Range(1, 10), closed.Timeline.Select(e => e.Sequence));
        Assert.Equal((CaseState.Verified, CaseState.Closed), (closed.Timeline[^1].From, closed.Timeline[^1].To));
    }

    [Fact]
    public void CaseFile_Times_ReportedUpdatedAndClosedComeFromTheTimeline()
    {
        var registered = Run(New(), (CaseAction.Register, 1, null));
        var voided = Run(registered, (CaseAction.Void, 7, "duplicate"));

        Assert.Equal((T0, T0.AddMinutes(1), (DateTimeOffset?)null), (registered.ReportedAt, registered.UpdatedAt, registered.ClosedAt));
        Assert.Equal((T0, T0.AddMinutes(7), (DateTimeOffset?)T0.AddMinutes(7)), (voided.ReportedAt, voided.UpdatedAt, voided.ClosedAt));
    }

    [Fact]
    public void Apply_Dispatch_SetsTenMinuteAcceptDeadline_AcceptSetsHandleDeadline()
    {
        var dispatched = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null));
        Assert.Equal(T0.AddMinutes(12), dispatched.Deadlines.AcceptBy);
        var accepted = Run(dispatched, (CaseAction.Accept, 4, null));
        Assert.Null(accepted.Deadlines.AcceptBy);
        Assert.Equal(T0.AddMinutes(4).AddHours(4), accepted.Deadlines.HandleBy);
    }

    [Fact]
    public void Apply_ForbiddenAction_RefusedNamingStateAndActionAndLeavingCaseAlone()
    {
        var file = New();
        var t = Workflow.Apply(file, new CaseCommand(CaseAction.Accept, "o1", T0.AddMinutes(1)));
        Assert.False(t.Accepted);
        Assert.Same(file, t.Case);
        Assert.Contains("cannot Accept a case that is Reported", t.Refusal?.Message);
        Assert.EndsWith("allowed now: Register, Void, Supervise", t.Refusal?.Message);
    }

    [Fact]
    public void Apply_ReturnWithoutReason_Refused_WithReasonBackToDispatch()
    {
        var dispatched = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null));
        Assert.Contains("needs a reason", Workflow.Apply(dispatched, new CaseCommand(CaseAction.Return, "o1", T0.AddMinutes(3))).Refusal?.Message);
        var returned = Run(dispatched, (CaseAction.Return, 3, "not our street"));
        Assert.Equal(CaseState.Returned, returned.State);
        Assert.Equal(CaseDeadlines.None, returned.Deadlines);
        Assert.Equal(CaseState.Dispatched, Run(returned, (CaseAction.Dispatch, 4, null)).State);
    }

    [Fact]
    public void Apply_Rework_BackToHandlingCountedWithNewDeadline()
    {
        var verifying = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null), (CaseAction.Accept, 3, null),
            (CaseAction.StartHandling, 4, null), (CaseAction.GiveFinalFeedback, 30, null), (CaseAction.StartVerification, 40, null));
        var rework = Run(verifying, (CaseAction.Rework, 50, "still blocked"));
        Assert.Equal((CaseState.Handling, 1), (rework.State, rework.ReworkCount));
        Assert.Equal(T0.AddMinutes(50).AddHours(4), rework.Deadlines.HandleBy);
    }

    [Fact]
    public void Apply_Extension_RequestThenApprove_GivesNewDeadline()
    {
        var handling = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null), (CaseAction.Accept, 3, null), (CaseAction.StartHandling, 4, null));
        var wanted = handling.Deadlines.HandleBy!.Value.AddDays(2);
        Assert.Contains("later than the current one", Workflow.Apply(handling, new CaseCommand(CaseAction.RequestExtension, "o1", T0.AddMinutes(5), NewDeadline: T0)).Refusal?.Message);
        Assert.Contains("no pending extension", Workflow.Apply(handling, new CaseCommand(CaseAction.ApproveExtension, "d1", T0.AddMinutes(5))).Refusal?.Message);
        var requested = Workflow.Apply(handling, new CaseCommand(CaseAction.RequestExtension, "o1", T0.AddMinutes(5), "needs a crane", NewDeadline: wanted)).Case;
        var approved = Run(requested, (CaseAction.ApproveExtension, 6, null));
        Assert.Equal((wanted, 1, (DateTimeOffset?)null), (approved.Deadlines.HandleBy!.Value, approved.ExtensionCount, approved.RequestedDeadline));
    }

    [Fact]
    public void Apply_ParkAndResume_DeadlineStopsWhileParked()
    {
        var handling = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null), (CaseAction.Accept, 3, null), (CaseAction.StartHandling, 4, null));
        var parked = Run(handling, (CaseAction.Park, 63, "waiting for the owner"));   // 3 of 4 hours left
        Assert.Equal(CaseDeadlines.None, parked.Deadlines);
        var resumed = Run(parked, (CaseAction.Resume, 60 * 24, null));
        Assert.Equal(T0.AddMinutes(60 * 24).AddHours(3), resumed.Deadlines.HandleBy);
    }

    [Fact]
    public void Apply_Supervise_OnlyAfterAMissedDeadline()
    {
        var dispatched = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null));
        Assert.Contains("no deadline of this case has passed", Workflow.Apply(dispatched, new CaseCommand(CaseAction.Supervise, "system", T0.AddMinutes(5), "clock")).Refusal?.Message);
        var supervised = Run(dispatched, (CaseAction.Supervise, 13, "accept deadline missed"), (CaseAction.Remind, 20, null));
        Assert.True(supervised.Supervised);
        Assert.Equal(CaseState.Dispatched, supervised.State);
    }

    /// <summary>The command center supervises (督办) when it sees cause, deadline or none: with a reason, and once.</summary>
    [Fact]
    public void Apply_SuperviseByTheCommandCenter_AnyTimeWithAReason_Once()
    {
        var dispatched = Run(New(), (CaseAction.Register, 1, null), (CaseAction.Dispatch, 2, null));
        Assert.Contains("needs a reason", Workflow.Apply(dispatched, new CaseCommand(CaseAction.Supervise, "cc-1", T0.AddMinutes(3))).Refusal?.Message);
        var supervised = Run(dispatched, (CaseAction.Supervise, 3, "市民多次来电"));
        Assert.Equal((true, CaseState.Dispatched), (supervised.Supervised, supervised.State));
        var again = Workflow.Apply(supervised, new CaseCommand(CaseAction.Supervise, "cc-1", T0.AddMinutes(4), "again"));
        Assert.Equal(CaseRefusalCode.Unchanged, again.Refusal?.Code);
        // The clock still supervises only at a missed deadline.
        Assert.Equal(CaseRefusalCode.NotNow, Workflow.Apply(dispatched, new CaseCommand(CaseAction.Supervise, CaseSteps.System, T0.AddMinutes(3), "clock")).Refusal?.Code);
    }

    [Fact]
    public void Apply_ActionBeforeLastEvent_Refused()
    {
        var registered = Run(New(), (CaseAction.Register, 10, null));
        Assert.Contains("earlier than the last event", Workflow.Apply(registered, new CaseCommand(CaseAction.Dispatch, "d1", T0.AddMinutes(5))).Refusal?.Message);
    }

    // ---- model-based: random action sequences against a simple model -----------------------------

    /// <summary>The model: the loop as the domain describes it, written independently of the workflow's table.</summary>
    private static readonly Dictionary<(CaseState, CaseAction), CaseState> Model = new()
    {
        [(CaseState.Reported, CaseAction.Register)] = CaseState.Registered,
        [(CaseState.Reported, CaseAction.Void)] = CaseState.Void,
        [(CaseState.Registered, CaseAction.Dispatch)] = CaseState.Dispatched,
        [(CaseState.Registered, CaseAction.Void)] = CaseState.Void,
        [(CaseState.Returned, CaseAction.Dispatch)] = CaseState.Dispatched,
        [(CaseState.Returned, CaseAction.Void)] = CaseState.Void,
        [(CaseState.Dispatched, CaseAction.Dispatch)] = CaseState.Dispatched,
        [(CaseState.Dispatched, CaseAction.Accept)] = CaseState.Accepted,
        [(CaseState.Dispatched, CaseAction.Return)] = CaseState.Returned,
        [(CaseState.Accepted, CaseAction.StartHandling)] = CaseState.Handling,
        [(CaseState.Accepted, CaseAction.Return)] = CaseState.Returned,
        [(CaseState.Handling, CaseAction.GiveFirstFeedback)] = CaseState.Handling,
        [(CaseState.Handling, CaseAction.GiveFinalFeedback)] = CaseState.FeedbackGiven,
        [(CaseState.Handling, CaseAction.RequestExtension)] = CaseState.Handling,
        [(CaseState.Handling, CaseAction.ApproveExtension)] = CaseState.Handling,
        [(CaseState.Handling, CaseAction.RejectExtension)] = CaseState.Handling,
        [(CaseState.Handling, CaseAction.Park)] = CaseState.Parked,
        [(CaseState.Parked, CaseAction.Resume)] = CaseState.Handling,
        [(CaseState.FeedbackGiven, CaseAction.StartVerification)] = CaseState.Verifying,
        [(CaseState.Verifying, CaseAction.PassVerification)] = CaseState.Verified,
        [(CaseState.Verifying, CaseAction.Rework)] = CaseState.Handling,
        [(CaseState.Verified, CaseAction.Close)] = CaseState.Closed,
        [(CaseState.Accepted, CaseAction.Transfer)] = CaseState.Accepted,
        [(CaseState.Handling, CaseAction.Transfer)] = CaseState.Handling,
        [(CaseState.Parked, CaseAction.Transfer)] = CaseState.Parked,
        [(CaseState.Closed, CaseAction.FollowUp)] = CaseState.Closed,
        [(CaseState.Closed, CaseAction.Reopen)] = CaseState.Handling,
        [(CaseState.Reported, CaseAction.Link)] = CaseState.Duplicate,
        [(CaseState.Duplicate, CaseAction.Unlink)] = CaseState.Registered,
    };

    private static CaseState? ModelNext(CaseState state, CaseAction action) =>
        action is CaseAction.Supervise or CaseAction.Remind or CaseAction.Warn or CaseAction.Note
            ? state is CaseState.Closed or CaseState.Void or CaseState.Duplicate ? null : state
            : Model.TryGetValue((state, action), out var next) ? next : null;

    /// <summary>
    /// Steps of a random walk: most steps take an action the model allows in the current state (chosen
    /// by index, so the walk reaches deep into the loop), the rest any action at all.
    /// </summary>
    private static readonly Arbitrary<(CaseAction Random, int Choice, bool Guided, int Minutes, bool WithNote, int ExtraHours)[]> Sequences =
        (from action in Gen.Elements(Enum.GetValues<CaseAction>().Where(a => a != CaseAction.Report).ToArray())
         from choice in Gen.Choose(0, 1000)
         from guided in Gen.Elements(true, true, true, false)
         from minutes in Gen.Choose(0, 600)
         from withNote in Gen.Elements(true, true, true, false)
         from extra in Gen.Choose(-2, 48)
         select (action, choice, guided, minutes, withNote, extra)).ArrayOf().ToArbitrary();

    private static CaseAction Pick(CaseState state, (CaseAction Random, int Choice, bool Guided, int, bool, int) step)
    {
        var allowed = Model.Keys.Where(k => k.Item1 == state).Select(k => k.Item2).Order().ToList();
        return step.Guided && allowed.Count > 0 ? allowed[step.Choice % allowed.Count] : step.Random;
    }

    [Property(MaxTest = 1000)]
    public Property Apply_RandomSequences_NeverLeaveTheModelAndKeepTimelineAndDeadlinesConsistent() =>
        Prop.ForAll(Sequences, steps =>
        {
            var (ok, last) = Walk(steps);
            return ok.Classify(last.State == CaseState.Closed, "reached Closed").Classify(last.ReworkCount > 0, "had rework");
        });

    private static (bool Ok, CaseFile Last) Walk((CaseAction Random, int Choice, bool Guided, int Minutes, bool WithNote, int ExtraHours)[] steps)
    {
        var workflow = new CaseWorkflow(CaseTimeLimits.Default, WorkingHoursCalendar.OfficeHours());
        var file = CaseFile.Reported("C", "m", T0, "r");
        var at = T0;
        foreach (var step in steps)
        {
            var action = Pick(file.State, step);
            at = at.AddMinutes(step.Minutes);
            var command = new CaseCommand(action, "u", at, step.WithNote ? "why" : null,
                NewDeadline: file.Deadlines.HandleBy?.AddHours(step.ExtraHours));
            var t = workflow.Apply(file, command);
            var expected = ModelNext(file.State, action);
            if (!t.Accepted)
            {
                if (!ReferenceEquals(t.Case, file) || string.IsNullOrEmpty(t.Refusal?.Message)) return (false, file);
                continue;
            }
            if (expected is null || t.Case.State != expected) return (false, file);               // a move the model forbids
            if (t.Case.Timeline.Count != file.Timeline.Count + 1) return (false, file);            // exactly one event per move
            var e = t.Case.Timeline[^1];
            if (e != t.Event || e.From != file.State || e.To != t.Case.State || e.Action != action || e.At != at) return (false, file);
            file = t.Case;
            if (!DeadlinesConsistent(file)) return (false, file);
        }
        var counted = file.ReworkCount == file.Timeline.Count(e => e.Action is CaseAction.Rework or CaseAction.Reopen)
            && file.ExtensionCount == file.Timeline.Count(e => e.Action == CaseAction.ApproveExtension);
        return (counted, file);
    }

    /// <summary>Which deadline runs follows from the state alone.</summary>
    private static bool DeadlinesConsistent(CaseFile f)
    {
        var d = f.Deadlines;
        return (d.AcceptBy is not null) == (f.State == CaseState.Dispatched)
            && (d.HandleBy is not null) == (f.State is CaseState.Accepted or CaseState.Handling)
            && (d.VerifyBy is not null) == (f.State is CaseState.FeedbackGiven or CaseState.Verifying)
            && (f.ParkedRemaining is not null) == (f.State == CaseState.Parked)
            && (f.RequestedDeadline is null || (f.State == CaseState.Handling && f.RequestedDeadline > d.HandleBy))
            && (f.State is not (CaseState.Closed or CaseState.Void) || d == CaseDeadlines.None);
    }
}
