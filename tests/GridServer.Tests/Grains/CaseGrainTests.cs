using GridServer.Grains.Cases;
using GridServer.Domain.Personnel;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Grains;

[Collection(ClusterTests.Name)]
public class CaseGrainTests(ClusterFixture fixture)
{
    private static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>The ids of the command-center queue, as the case store lists them.</summary>
    private async Task<string[]> QueueAsync() =>
        [.. (await fixture.Grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).QueueAsync(CaseQuery.MaxLimit)).Select(m => m.CaseId)];

    /// <summary>The ids of the supervision list (督办), as the case store lists them.</summary>
    private async Task<string[]> SupervisionAsync() =>
        [.. (await fixture.Grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).EscalatedAsync(CaseQuery.MaxLimit)).Select(m => m.CaseId)];

    /// <summary>All day, every day.</summary>
    private static readonly RosterView Always = new([.. Enum.GetValues<DayOfWeek>().Select(d => new WeeklyShiftView(d, new TimeOnly(0, 0), new TimeOnly(0, 0)))], [], 480);
    private static readonly RosterView Never = new([], [], 480);

    /// <summary>A grid with its own squad, leader and A/B officers on the given rosters.</summary>
    private async Task<(string Grid, string A, string B, string Leader, string Squad)> StaffedGridAsync(RosterView a, RosterView b)
    {
        var (grid, officerA, officerB, leader, squad) = (Key("G"), Key("A"), Key("B"), Key("L"), Key("SQ"));
        await fixture.Grains.GetGrain<ISquadGrain>(squad).SetLeaderAsync(leader);
        var cell = fixture.Grains.GetGrain<IGridCellGrain>(grid);
        await cell.AssignSquadAsync(squad);
        await cell.AssignOfficersAsync(officerA, officerB);
        await fixture.Grains.GetGrain<IOfficerGrain>(officerA).SetRosterAsync(a);
        await fixture.Grains.GetGrain<IOfficerGrain>(officerB).SetRosterAsync(b);
        return (grid, officerA, officerB, leader, squad);
    }

    private ICaseGrain Case() => fixture.Grains.GetGrain<ICaseGrain>(Key("C"));

    private static CaseReport Report(string? grid) => new("parking", 120.65, 28.0, grid, "citizen-1", "car on the pavement");

    private static CaseActionRequest Do(string action, string actor, string? note = null) => new(Enum.Parse<CaseAction>(action), actor, note, [], null);

    [Fact]
    public async Task Open_AOnDuty_DispatchedToAWithAcceptDeadline()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var view = await Case().OpenAsync(Report(staff.Grid));
        Assert.Equal((CaseState.Dispatched, staff.A, DispatchPost.A, staff.Squad), (view.State, view.OfficerId, view.Post, view.SquadId));
        Assert.Equal([view.CaseId], (await fixture.Grains.GetGrain<IOfficerGrain>(staff.A).GetCasesAsync()).ToArray());
        Assert.NotNull(view.AcceptBy);
        Assert.Equal([CaseAction.Report, CaseAction.Register, CaseAction.Dispatch], view.Timeline.Select(e => e.Action).ToArray());
        Assert.Contains("is on duty", view.Timeline[^1].Note);
    }

    [Fact]
    public async Task Open_TheCaseLeavesMemoryOnceIdle_AndItsNextStepLoadsItFromTheStore()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var id = Key("C");
        var opened = await fixture.Grains.GetGrain<ICaseGrain>(id).OpenAsync(Report(staff.Grid));
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        async Task<bool> Awake(string caseId) => (await management.GetDetailedGrainStatistics())
            .Any(s => s.GrainId.Key.ToString() == caseId && s.GrainType.StartsWith(typeof(CaseGrain).FullName + ",", StringComparison.Ordinal));
        // A case only read stays, as any grain does: the count sees activations.
        var read = Key("C");
        await fixture.Grains.GetGrain<ICaseGrain>(read).GetAsync();
        Assert.True(await Awake(read), $"case {read} awake after a read");

        // A case waits minutes to hours between steps and is one row to read again: it does not stay in memory for
        // the collector's age (its accept deadline is ten minutes away, so no timer of its own keeps it).
        await Eventually.HoldsAsync($"case {id} deactivated after its opening step", async () => !await Awake(id), TimeSpan.FromSeconds(60));
        var accepted = await fixture.Grains.GetGrain<ICaseGrain>(id).ActAsync(Do("Accept", staff.A));

        Assert.Null(accepted.Refusal);
        Assert.Equal(CaseState.Accepted, accepted.Case.State);
        Assert.Equal([.. opened.Timeline.Select(e => e.Action), CaseAction.Accept], accepted.Case.Timeline.Select(e => e.Action).ToArray());
    }

    [Fact]
    public async Task Open_AOffDuty_DispatchedToB()
    {
        var staff = await StaffedGridAsync(Never, Always);
        var view = await Case().OpenAsync(Report(staff.Grid));
        Assert.Equal((staff.B, DispatchPost.B), (view.OfficerId, view.Post));
    }

    [Fact]
    public async Task Open_AAbsentBOffDuty_DispatchedToLeader()
    {
        var staff = await StaffedGridAsync(Always, Never);
        var now = ClusterFixture.Clock.GetUtcNow();
        await fixture.Grains.GetGrain<IOfficerGrain>(staff.A).MarkAbsentAsync(new AbsenceView(now.AddHours(-1), now.AddHours(1), "sick"));
        var view = await Case().OpenAsync(Report(staff.Grid));
        Assert.Equal((staff.Leader, DispatchPost.Leader), (view.OfficerId, view.Post));
        Assert.Contains("is absent", view.Timeline[^1].Note);
    }

    [Fact]
    public async Task Open_InNoGrid_WaitsInCommandCenterQueue_ThenManualDispatch()
    {
        var grain = Case();
        var view = await grain.OpenAsync(Report(null));
        Assert.Equal(CaseState.Registered, view.State);
        Assert.Contains(view.CaseId, await QueueAsync());

        var staff = await StaffedGridAsync(Always, Always);
        var dispatched = await grain.DispatchAsync("dispatcher-1", staff.Grid);
        Assert.True(dispatched.Accepted, dispatched.Refusal?.Message);
        Assert.Equal((CaseState.Dispatched, staff.A), (dispatched.Case.State, dispatched.Case.OfficerId));
        Assert.DoesNotContain(view.CaseId, await QueueAsync());
    }

    [Fact]
    public async Task Act_WholeLoop_ClosesWithFullTimeline()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        foreach (var (action, actor, note) in new[]
        {
            ("Accept", staff.A, (string?)null), ("StartHandling", staff.A, null), ("GiveFinalFeedback", staff.A, "car towed"),
            ("StartVerification", "dispatcher-1", null), ("PassVerification", "dispatcher-1", null), ("Close", "dispatcher-1", null),
        })
        {
            var r = await grain.ActAsync(Do(action, actor, note));
            Assert.True(r.Accepted, r.Refusal?.Message);
        }
        var closed = await grain.GetAsync();
        Assert.Equal(CaseState.Closed, closed!.State);
        Assert.Empty(await fixture.Grains.GetGrain<IOfficerGrain>(staff.A).GetCasesAsync());
        Assert.Equal(9, closed.Timeline.Length);
        Assert.Equal("car towed", closed.Timeline.Single(e => e.Action == CaseAction.GiveFinalFeedback).Note);
    }

    [Fact]
    public async Task Act_ForbiddenOrUnknownAction_RefusedAndNothingChanges()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var before = await grain.OpenAsync(Report(staff.Grid));

        var forbidden = await grain.ActAsync(Do("Close", "dispatcher-1"));
        var unknown = await grain.ActAsync(new CaseActionRequest((CaseAction)99, "dispatcher-1", null, [], null));

        Assert.Equal((CaseRefusalCode.NotNow, CaseRefusalCode.Invalid), (forbidden.Refusal?.Code, unknown.Refusal?.Code));
        Assert.Contains("cannot Close a case that is Dispatched", forbidden.Refusal?.Message);
        Assert.Contains("'99' is not an action", unknown.Refusal?.Message);
        Assert.Equal(before.Timeline.Length, (await grain.GetAsync())!.Timeline.Length);
    }

    [Fact]
    public async Task Act_ReturnThenRedispatch_GoesBackToTheRule()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        var returned = await grain.ActAsync(Do("Return", staff.A, "the pavement belongs to the next street"));
        Assert.Equal((CaseState.Returned, (string?)null), (returned.Case.State, returned.Case.OfficerId));
        Assert.Empty(await fixture.Grains.GetGrain<IOfficerGrain>(staff.A).GetCasesAsync());

        Assert.Contains(returned.Case.CaseId, await QueueAsync());

        var again = await grain.ActAsync(Do("Dispatch", "dispatcher-1"));

        Assert.True(again.Accepted, again.Refusal?.Message);
        Assert.Equal(CaseState.Dispatched, again.Case.State);
        Assert.DoesNotContain(returned.Case.CaseId, await QueueAsync());
    }

    [Fact]
    public async Task Open_Twice_SameCaseNotASecondOne()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var first = await grain.OpenAsync(Report(staff.Grid));
        var second = await grain.OpenAsync(Report(staff.Grid));
        Assert.Equal(first.Timeline.Length, second.Timeline.Length);
    }

    [Fact]
    public async Task Get_NeverOpened_Null() => Assert.Null(await Case().GetAsync());

    [Fact]
    public async Task DeadlineClock_Sweep_WakesADueCaseOnce_AndLeavesItAloneBeforeItsTime()
    {
        using var clock = TestClock.Start();
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var id = grain.GetPrimaryKeyString();
        var opened = await grain.OpenAsync(Report(staff.Grid));
        var shard = fixture.Grains.GetGrain<IDeadlineShardGrain>(CaseShards.Of(id));

        await shard.SweepAsync();
        Assert.Equal(opened.Timeline.Length, (await grain.GetAsync())!.Timeline.Length);

        clock.Advance(TimeSpan.FromMinutes(9));    // within 2 minutes of the 10-minute accept limit
        await shard.SweepAsync();
        await shard.SweepAsync();
        await grain.WakeAsync();                                   // a clock that calls twice, or late, warns once

        var warned = (await grain.GetAsync())!;
        Assert.Equal([CaseAction.Warn], warned.Timeline.Skip(opened.Timeline.Length).Select(e => e.Action));
        Assert.Equal(opened.AcceptBy, Store.Stored.WakeOf(id));
        await grain.ActAsync(Do("Return", staff.A, "not ours"));
        Assert.Null(Store.Stored.WakeOf(id));
    }

    [Fact]
    public async Task CheckDeadlines_AcceptDeadlineMissed_SupervisedEscalatedThenChased()
    {
        using var clock = TestClock.Start();
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var opened = await grain.OpenAsync(Report(staff.Grid));

        var early = await grain.CheckDeadlinesAsync();
        Assert.False(early!.Supervised);
        Assert.Equal(opened.Timeline.Length, early.Timeline.Length);

        clock.Advance(TimeSpan.FromMinutes(9));    // within 2 minutes of the 10-minute accept limit
        var warned = await grain.CheckDeadlinesAsync();
        var warnedAgain = await grain.CheckDeadlinesAsync();
        Assert.Equal(CaseAction.Warn, warned!.Timeline[^1].Action);
        Assert.Contains("deadline warning: the accept deadline", warned.Timeline[^1].Note);
        Assert.Equal(warned.Timeline.Length, warnedAgain!.Timeline.Length);

        clock.Advance(TimeSpan.FromMinutes(2));    // the limit passes
        var missed = await grain.CheckDeadlinesAsync();
        Assert.True(missed!.Supervised);
        Assert.Equal([CaseAction.Warn, CaseAction.Supervise, CaseAction.Remind], missed.Timeline.Skip(opened.Timeline.Length).Select(e => e.Action).ToArray());
        Assert.Contains("the accept deadline", missed.Timeline[^2].Note);
        Assert.Contains($"escalated to squad leader {staff.Leader}", missed.Timeline[^1].Note);
        Assert.Contains(opened.CaseId, await SupervisionAsync());

        clock.Advance(TimeSpan.FromMinutes(5));
        var chased = await grain.CheckDeadlinesAsync();
        Assert.Equal(CaseAction.Remind, chased!.Timeline[^1].Action);
        Assert.StartsWith("reminder: ", chased.Timeline[^1].Note, StringComparison.Ordinal);

        var accepted = await grain.ActAsync(Do("Accept", staff.A));   // the case moves: chasing stops
        Assert.True(accepted.Accepted, accepted.Refusal?.Message);
        var quiet = await grain.CheckDeadlinesAsync();
        Assert.Equal(accepted.Case.Timeline.Length, quiet!.Timeline.Length);
    }

    [Fact]
    public async Task RepeatOffence_EscalatedAtOpen_NotMarkedSupervised_ItsMissedDeadlineStillEscalates()
    {
        using var clock = TestClock.Start();
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var party = new CaseParty("shops", "S-REPEAT", "张记小吃", "in its frontage zone", "13812345678", RepeatCount: 2, Escalated: true, Notify: true, RepeatWindowDays: 30);
        var opened = await grain.OpenAsync(Report(staff.Grid) with { Party = party });

        Assert.False(opened.Supervised);
        Assert.Equal(party, opened.Party);
        Assert.Equal(CaseAction.Note, opened.Timeline[^1].Action);
        Assert.Contains($"escalated to squad leader {staff.Leader} and the command center: repeat offence: case 2 of 张记小吃", opened.Timeline[^1].Note);
        Assert.Contains(opened.CaseId, await SupervisionAsync());

        clock.Advance(TimeSpan.FromMinutes(11));   // the accept limit passes: its own escalation comes
        var missed = await grain.CheckDeadlinesAsync();
        Assert.True(missed!.Supervised);
        Assert.Equal([CaseAction.Supervise, CaseAction.Remind], missed.Timeline.Skip(opened.Timeline.Length).Select(e => e.Action).Where(a => a != CaseAction.Warn).ToArray());
    }

    private static CaseActionRequest Extend(string actor, DateTimeOffset to) => new(CaseAction.RequestExtension, actor, "waiting for the owner", [], to);

    /// <summary>Runs actions in order, each of which must be accepted; the case after the last.</summary>
    private static async Task<CaseView> Run(ICaseGrain grain, params CaseActionRequest[] steps)
    {
        CaseView? view = null;
        foreach (var step in steps)
        {
            var r = await grain.ActAsync(step);
            Assert.True(r.Accepted, $"{step.Action}: {r.Refusal}");
            view = r.Case;
        }
        return view!;
    }

    [Fact]
    public async Task Act_VerificationFails_ReworkCountedThenClosed()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        var reworked = await Run(grain, Do("Accept", staff.A), Do("StartHandling", staff.A), Do("GiveFinalFeedback", staff.A, "moved"),
            Do("StartVerification", "dispatcher-1"), Do("Rework", "dispatcher-1", "the car is still there"));
        Assert.Equal((CaseState.Handling, 1), (reworked.State, reworked.ReworkCount));
        Assert.NotNull(reworked.HandleBy);

        var closed = await Run(grain, Do("GiveFinalFeedback", staff.A, "towed"), Do("StartVerification", "dispatcher-1"),
            Do("PassVerification", "dispatcher-1"), Do("Close", "dispatcher-1"));
        Assert.Equal((CaseState.Closed, 1), (closed.State, closed.ReworkCount));
        Assert.Empty((await fixture.Grains.GetGrain<IGridCellGrain>(staff.Grid).GetResponsibilityAsync()).OpenCases);
    }

    [Fact]
    public async Task Act_ExtensionRequestedAndApproved_NewHandlingDeadline()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        var handling = await Run(grain, Do("Accept", staff.A), Do("StartHandling", staff.A));
        var wanted = handling.HandleBy!.Value.AddDays(2);

        var tooEarly = await grain.ActAsync(Extend(staff.A, handling.HandleBy.Value.AddHours(-1)));
        Assert.Contains("later than the current one", tooEarly.Refusal?.Message);
        var approved = await Run(grain, Extend(staff.A, wanted), Do("ApproveExtension", "dispatcher-1"));

        Assert.Equal((CaseState.Handling, wanted), (approved.State, approved.HandleBy!.Value));
        Assert.Equal([CaseAction.RequestExtension, CaseAction.ApproveExtension], approved.Timeline.TakeLast(2).Select(e => e.Action).ToArray());
    }

    [Fact]
    public async Task Act_ParkedThenResumed_LimitStoodStillWhileParked()
    {
        using var clock = TestClock.Start();
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        var handling = await Run(grain, Do("Accept", staff.A), Do("StartHandling", staff.A));
        var left = handling.HandleBy!.Value - clock.Now;

        var parked = await Run(grain, Do("Park", "dispatcher-1", "waiting for the road works permit"));
        Assert.Equal((CaseState.Parked, (DateTimeOffset?)null), (parked.State, parked.HandleBy));
        clock.Advance(TimeSpan.FromDays(3));
        Assert.False((await grain.CheckDeadlinesAsync())!.Supervised);   // nothing runs while parked

        var resumed = await Run(grain, Do("Resume", "dispatcher-1"));
        Assert.Equal(CaseState.Handling, resumed.State);
        Assert.Equal(clock.Now + left, resumed.HandleBy);
    }

    [Fact]
    public async Task Open_MatterWithItsOwnLimits_TimedByThem()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var manhole = Case();
        await manhole.OpenAsync(Report(staff.Grid) with { Matter = "manhole" });
        var accepted = await Run(manhole, Do("Accept", staff.A));
        Assert.Equal(accepted.Timeline[^1].At + TimeSpan.FromHours(2), accepted.HandleBy);

        var rubbish = Case();
        await rubbish.OpenAsync(Report(staff.Grid) with { Matter = "rubbish" });
        var inHand = await Run(rubbish, Do("Accept", staff.A));
        var at = inHand.Timeline[^1].At;
        Assert.Equal(Domain.Cases.WorkingHoursCalendar.OfficeHours().Add(at, TimeSpan.FromHours(4)), inHand.HandleBy);

        var other = Case();
        await other.OpenAsync(Report(staff.Grid) with { Matter = "billboard" });
        var defaults = await Run(other, Do("Accept", staff.A));
        Assert.Equal(defaults.Timeline[^1].At + TimeSpan.FromHours(4), defaults.HandleBy);
    }

    [Fact]
    public async Task Reassign_OpenCasesFollow_NotAcceptedRedispatched_InHandTransferred_OthersStay()
    {
        var old = await StaffedGridAsync(Always, Always);
        var (waiting, inHand, verifying) = (Case(), Case(), Case());
        foreach (var c in new[] { waiting, inHand, verifying }) await c.OpenAsync(Report(old.Grid));
        await Run(inHand, Do("Accept", old.A), Do("StartHandling", old.A));
        await Run(verifying, Do("Accept", old.A), Do("StartHandling", old.A), Do("GiveFinalFeedback", old.A, "done"), Do("StartVerification", "dispatcher-1"));
        var (squad, leader, a) = (Key("SQ"), Key("L"), Key("A"));
        await fixture.Grains.GetGrain<ISquadGrain>(squad).SetLeaderAsync(leader);
        await fixture.Grains.GetGrain<IOfficerGrain>(a).SetRosterAsync(Always);

        var result = await fixture.Grains.GetGrain<IPersonnelOperationsGrain>(IPersonnelOperationsGrain.Key)
            .ReassignAsync([new GridAssignment(old.Grid, squad, a, null)], openCasesFollow: true, "operator-1");

        Assert.Equal(1, result.Grids);
        Assert.Equal(new[] { waiting, inHand }.Select(c => c.GetPrimaryKeyString()).Order(StringComparer.Ordinal).ToArray(), result.MovedCases.ToArray());
        Assert.Contains(result.StayedCases, s => s.StartsWith(verifying.GetPrimaryKeyString(), StringComparison.Ordinal) && s.Contains("Verifying", StringComparison.Ordinal));
        var redispatched = await waiting.GetAsync();
        Assert.Equal((CaseState.Dispatched, a, squad), (redispatched!.State, redispatched.OfficerId, redispatched.SquadId));
        var transferred = await inHand.GetAsync();
        Assert.Equal((CaseState.Handling, a, squad, CaseAction.Transfer), (transferred!.State, transferred.OfficerId, transferred.SquadId, transferred.Timeline[^1].Action));
        Assert.Contains($"from {old.A} ({old.Squad}) to {a} ({squad})", transferred.Timeline[^1].Note);
        Assert.Equal(old.A, (await verifying.GetAsync())!.OfficerId);
        // The officers' lists of cases in hand followed.
        Assert.Equal(result.MovedCases.ToArray(), (await fixture.Grains.GetGrain<IOfficerGrain>(a).GetCasesAsync()).ToArray());
        Assert.Equal([verifying.GetPrimaryKeyString()], (await fixture.Grains.GetGrain<IOfficerGrain>(old.A).GetCasesAsync()).ToArray());
        Assert.DoesNotContain(old.Grid, (await fixture.Grains.GetGrain<ISquadGrain>(old.Squad).GetAsync()).Grids);
        Assert.Contains(old.Grid, (await fixture.Grains.GetGrain<ISquadGrain>(squad).GetAsync()).Grids);
    }

    [Fact]
    public async Task Reassign_OpenCasesStay_OnlyNewCasesGoToTheNewPeople()
    {
        var old = await StaffedGridAsync(Always, Always);
        var before = Case();
        await before.OpenAsync(Report(old.Grid));
        var (squad, a) = (Key("SQ"), Key("A"));
        await fixture.Grains.GetGrain<IOfficerGrain>(a).SetRosterAsync(Always);

        var result = await fixture.Grains.GetGrain<IPersonnelOperationsGrain>(IPersonnelOperationsGrain.Key)
            .ReassignAsync([new GridAssignment(old.Grid, squad, a, null)], openCasesFollow: false, "operator-1");

        Assert.Empty(result.MovedCases);
        Assert.Single(result.StayedCases);
        Assert.Equal(old.A, (await before.GetAsync())!.OfficerId);
        var after = await Case().OpenAsync(Report(old.Grid));
        Assert.Equal((a, squad), (after.OfficerId, after.SquadId));
    }

    [Fact]
    public async Task Reassign_BadAssignments_ReportedAndTheRestDone()
    {
        var (g1, g2) = (Key("G"), Key("G"));
        var operations = fixture.Grains.GetGrain<IPersonnelOperationsGrain>(IPersonnelOperationsGrain.Key);

        var twice = await operations.ReassignAsync([new GridAssignment(g1, "SQ", null, null), new GridAssignment(g1, "SQ2", null, null)], true, "operator-1");
        Assert.Contains("named more than once", Assert.Single(twice.Errors));
        Assert.Equal(0, twice.Grids);

        var result = await operations.ReassignAsync([new GridAssignment(g1, null, "O1", "O1"), new GridAssignment(g2, null, "O1", "O2")], true, "operator-1");
        Assert.Equal(1, result.Grids);
        Assert.Contains("cannot hold both the A and the B post", Assert.Single(result.Errors));
    }

    [Fact]
    public async Task Dispatch_FinishedCase_RefusedAndNotQueued()
    {
        var grain = Case();
        var opened = await grain.OpenAsync(Report(null));
        await Run(grain, Do("Void", "dispatcher-1", "duplicate report"));

        var again = await grain.DispatchAsync("dispatcher-1", Key("G"));

        Assert.Contains("cannot Dispatch a case that is Void", again.Refusal?.Message);
        Assert.Null(again.Case.GridCode);
        Assert.DoesNotContain(opened.CaseId, await QueueAsync());
    }

    [Fact]
    public async Task Act_TransferByHand_NeedsAReason()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        await Run(grain, Do("Accept", staff.A));
        Assert.Contains("needs a reason", (await grain.ActAsync(Do("Transfer", "dispatcher-1"))).Refusal?.Message);
        Assert.Contains("already holds the case", (await grain.ActAsync(Do("Transfer", "dispatcher-1", "check"))).Refusal?.Message);
    }

    // ---- the case store (ClusterFixture.Store) ----------------------------------------------------

    private static FlakyCaseStore Store => ClusterFixture.Store;

    private static readonly string[] WholeLoop = ["Accept", "StartHandling", "GiveFinalFeedback", "StartVerification", "PassVerification", "Close"];

    [Fact]
    public async Task Store_WholeLoop_RowFollowsTheCaseAndEachEventIsWrittenOnce()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var id = grain.GetPrimaryKeyString();
        var opened = await grain.OpenAsync(Report(staff.Grid));
        var dispatchedRow = CaseProjectionRow.Of(Store.Stored.Find(id)!);
        Assert.Equal((CaseState.Dispatched, staff.Grid, staff.A, "A", opened.AcceptBy), (dispatchedRow.State, dispatchedRow.GridCode, dispatchedRow.OfficerId, dispatchedRow.Post, dispatchedRow.AcceptBy));
        Assert.Equal((120.65, 28.0, "citizen-1", "car on the pavement"), (dispatchedRow.Lon, dispatchedRow.Lat, dispatchedRow.ReporterId, dispatchedRow.Description));

        foreach (var action in WholeLoop) Assert.True((await grain.ActAsync(Do(action, staff.A))).Accepted);

        var closed = (await grain.GetAsync())!;
        var stored = Store.Stored.Find(id)!;
        var row = CaseProjectionRow.Of(stored);
        Assert.Equal((CaseState.Closed, closed.Timeline.Length, closed.Timeline[^1].At), (row.State, row.LastSequence, row.ClosedAt));
        Assert.Equal((closed.Timeline[0].At, closed.Timeline[^1].At), (row.ReportedAt, row.UpdatedAt));
        Assert.Equal(closed.Timeline.Select(e => (e.Sequence, e.Action)), stored.File.Timeline.Select(e => (e.Sequence, e.Action)));
        Assert.Equal(Enumerable.Range(1, closed.Timeline.Length), Store.Sent(id));
        Assert.Equal(1 + WholeLoop.Length, stored.Version);
    }

    [Fact]
    public async Task Store_WriteFails_StepNotTakenAndTheCaseUnchanged_ThenTheRetryIsTaken()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var id = grain.GetPrimaryKeyString();
        var opened = await grain.OpenAsync(Report(staff.Grid));
        Store.FailFor(id);

        await Assert.ThrowsAnyAsync<Exception>(async () => await grain.ActAsync(Do("Accept", staff.A)));

        Assert.Equal(CaseState.Dispatched, (await grain.GetAsync())!.State);
        Assert.Equal(CaseState.Dispatched, Store.Stored.Find(id)!.State);
        Store.Heal(id);
        var accepted = await grain.ActAsync(Do("Accept", staff.A));
        Assert.True(accepted.Accepted, accepted.Refusal?.Message);
        Assert.Equal(opened.Timeline.Length + 1, accepted.Case.Timeline.Length);
        Assert.Equal(Enumerable.Range(1, accepted.Case.Timeline.Length), Store.Sent(id));
    }

    [Fact]
    public async Task Store_NewActivation_ReadsTheCaseBackFromTheStore()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        await grain.OpenAsync(Report(staff.Grid));
        var accepted = await grain.ActAsync(Do("Accept", staff.A));
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(0, await management.GetGrainActivationCount((GrainReference)grain));

        var reloaded = (await grain.GetAsync())!;

        Assert.Equal(accepted.Case, reloaded with { Timeline = accepted.Case.Timeline });
        Assert.Equal(accepted.Case.Timeline.Select(e => (e.Sequence, e.At, e.ActorId, e.Action, e.From, e.To, e.Note)),
            reloaded.Timeline.Select(e => (e.Sequence, e.At, e.ActorId, e.Action, e.From, e.To, e.Note)));
        Assert.True((await grain.ActAsync(Do("StartHandling", staff.A))).Accepted);
    }

    [Fact]
    public async Task Legacy_ACaseKeptAsGrainStateByAnOlderServer_IsReadAndMovesToTheStoreAtItsNextStep()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var id = Key("C");
        var grain = fixture.Grains.GetGrain<ICaseGrain>(id);
        var at = ClusterFixture.Clock.GetUtcNow();
        var old = new LegacyCaseState
        {
            Opened = true, Matter = "parking", State = "Dispatched", GridCode = staff.Grid, SquadId = staff.Squad, OfficerId = staff.A, Post = "A",
            AcceptBy = at.AddMinutes(10), Lon = 120.65, Lat = 28.0, ReporterId = "citizen-1", Description = "kept by an older server",
            Attributes = new() { ["plate"] = "浙C12345" },
            Timeline =
            [
                new(1, at, "app-1", "Report", "Reported", "Reported", "kept by an older server", []),
                new(2, at, "system", "Register", "Reported", "Registered", "registered from a located report", []),
                new(3, at, "system", "Dispatch", "Registered", "Dispatched", "A officer is on duty", []),
            ],
        };
        var storage = fixture.Cluster.GetSiloServiceProvider().GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(GridServer.Grains.GrainStorage.Cases);
        await storage.WriteStateAsync("case", grain.GetGrainId(), new GrainState<LegacyCaseState>(old));

        var view = (await grain.GetAsync())!;
        Assert.Equal((CaseState.Dispatched, staff.A, DispatchPost.A, 3, "浙C12345"), (view.State, view.OfficerId, view.Post, view.Timeline.Length, view.Attributes!["plate"]));
        Assert.Null(Store.Stored.Find(id));

        var accepted = await grain.ActAsync(Do("Accept", staff.A));

        Assert.True(accepted.Accepted, accepted.Refusal?.Message);
        var stored = Store.Stored.Find(id)!;
        Assert.Equal((1, CaseState.Accepted, 4), (stored.Version, stored.State, stored.File.Timeline.Count));
        Assert.Equal([1, 2, 3, 4], Store.Sent(id));   // its first write in the store carries its whole timeline
    }

    [Fact]
    public async Task Store_WakeTime_FollowsTheRunningDeadline_AndClosedCasesSleep()
    {
        var staff = await StaffedGridAsync(Always, Always);
        var grain = Case();
        var id = grain.GetPrimaryKeyString();
        var opened = await grain.OpenAsync(Report(staff.Grid));
        // Woken for the warning before the accept deadline (a fifth of the shortest limit: 2 minutes before it).
        Assert.Equal(opened.AcceptBy - TimeSpan.FromMinutes(2), Store.Stored.WakeOf(id));
        var accepted = await grain.ActAsync(Do("Accept", staff.A));
        Assert.Equal(accepted.Case.HandleBy - TimeSpan.FromMinutes(2), Store.Stored.WakeOf(id));
        foreach (var action in WholeLoop[1..]) Assert.True((await grain.ActAsync(Do(action, staff.A))).Accepted);
        Assert.Null(Store.Stored.WakeOf(id));
    }

    [Fact]
    public async Task Store_GridGivenWhileQueued_RowTakesTheGridWithoutANewEvent()
    {
        var grain = Case();
        var id = grain.GetPrimaryKeyString();
        var opened = await grain.OpenAsync(Report(null));
        Assert.Equal((CaseState.Registered, (string?)null), (Store.Stored.Find(id)!.State, Store.Stored.Find(id)!.GridCode));

        var unstaffed = Key("G");
        var queued = await grain.DispatchAsync("dispatcher-1", unstaffed);

        Assert.Equal(CaseRefusalCode.Queued, queued.Refusal?.Code);
        Assert.Contains("command-center queue", queued.Refusal?.Message);
        var stored = Store.Stored.Find(id)!;
        Assert.Equal((unstaffed, opened.Timeline.Length), (stored.GridCode, stored.File.Timeline.Count));
        Assert.Contains("has no squad", stored.QueueReason);
    }
}

/// <summary>A case moved by a boundary change (<see cref="ICaseGrain.MoveToGridAsync"/>): the follow-responsibility rule, per state.</summary>
[Collection(ClusterTests.Name)]
public class CaseMoveToGridTests(ClusterFixture fixture)
{
    private static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>The ids of the command-center queue, as the case store lists them.</summary>
    private async Task<string[]> QueueAsync() =>
        [.. (await fixture.Grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).QueueAsync(CaseQuery.MaxLimit)).Select(m => m.CaseId)];

    /// <summary>The ids of the supervision list (督办), as the case store lists them.</summary>
    private async Task<string[]> SupervisionAsync() =>
        [.. (await fixture.Grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).EscalatedAsync(CaseQuery.MaxLimit)).Select(m => m.CaseId)];

    private static readonly RosterView Always = new([.. Enum.GetValues<DayOfWeek>().Select(d => new WeeklyShiftView(d, new TimeOnly(0, 0), new TimeOnly(0, 0)))], [], 480);

    private async Task<(string Grid, string A, string Squad)> StaffedGridAsync()
    {
        var (grid, a, squad) = (Key("G"), Key("A"), Key("SQ"));
        await fixture.Grains.GetGrain<IGridCellGrain>(grid).AssignAsync(new GridAssignment(grid, squad, a, null));
        await fixture.Grains.GetGrain<IOfficerGrain>(a).SetRosterAsync(Always);
        return (grid, a, squad);
    }

    private async Task<(ICaseGrain Case, string Id)> OpenAsync(string grid)
    {
        var id = Key("C");
        var grain = fixture.Grains.GetGrain<ICaseGrain>(id);
        await grain.OpenAsync(new CaseReport("parking", 120.65, 28.0, grid, "citizen-1", null));
        return (grain, id);
    }

    [Fact]
    public async Task MoveToGrid_Dispatched_DispatchedAgainToNewGrid_CellListsFollow()
    {
        var (from, to) = (await StaffedGridAsync(), await StaffedGridAsync());
        var (grain, id) = await OpenAsync(from.Grid);

        var result = await grain.MoveToGridAsync("operator", to.Grid, "boundary changed");

        Assert.True(result.Accepted, result.Refusal?.Message);
        Assert.Equal((to.Grid, to.A, CaseState.Dispatched), (result.Case.GridCode, result.Case.OfficerId, result.Case.State));
        Assert.DoesNotContain(id, (await fixture.Grains.GetGrain<IGridCellGrain>(from.Grid).GetResponsibilityAsync()).OpenCases);
        Assert.Contains(id, (await fixture.Grains.GetGrain<IGridCellGrain>(to.Grid).GetResponsibilityAsync()).OpenCases);
    }

    [Fact]
    public async Task OfficerAction_OnACaseMovedToAnotherSquad_RefusedAsUnknownByTheCase_NothingChanges()
    {
        var (from, to) = (await StaffedGridAsync(), await StaffedGridAsync());
        var (grain, _) = await OpenAsync(from.Grid);
        // The old squad's officer was allowed a moment ago; the case moves before the action arrives.
        await grain.MoveToGridAsync("operator", to.Grid, "boundary changed");

        var late = await grain.ActAsync(new CaseActionRequest(CaseAction.Accept, from.A, null, [], null, AsOfficer: true));

        Assert.False(late.Accepted);
        Assert.Equal(CaseRefusalCode.NotFound, late.Refusal?.Code);
        var now = await grain.GetAsync();
        Assert.Equal((CaseState.Dispatched, to.A), (now!.State, now.OfficerId));
        var holder = await grain.ActAsync(new CaseActionRequest(CaseAction.Accept, to.A, null, [], null, AsOfficer: true));
        Assert.True(holder.Accepted, holder.Refusal?.Message);
    }

    [Fact]
    public async Task MoveToGrid_InHand_TransferredKeepingStateAndDeadline()
    {
        var (from, to) = (await StaffedGridAsync(), await StaffedGridAsync());
        var (grain, _) = await OpenAsync(from.Grid);
        await grain.ActAsync(new CaseActionRequest(CaseAction.Accept, from.A, null, [], null));
        var handling = (await grain.ActAsync(new CaseActionRequest(CaseAction.StartHandling, from.A, null, [], null))).Case;

        var result = await grain.MoveToGridAsync("operator", to.Grid, "boundary changed");

        Assert.True(result.Accepted, result.Refusal?.Message);
        Assert.Equal((to.Grid, to.A, to.Squad, CaseState.Handling, handling.HandleBy), (result.Case.GridCode, result.Case.OfficerId, result.Case.SquadId, result.Case.State, result.Case.HandleBy));
        Assert.Equal(CaseAction.Transfer, result.Case.Timeline[^1].Action);
    }

    [Fact]
    public async Task MoveToGrid_NoGrid_InHandStaysWithHolderAndIsQueued_DispatchedIsQueued()
    {
        var from = await StaffedGridAsync();
        var (held, heldId) = await OpenAsync(from.Grid);
        await held.ActAsync(new CaseActionRequest(CaseAction.Accept, from.A, null, [], null));
        var (waiting, waitingId) = await OpenAsync(from.Grid);

        var heldResult = await held.MoveToGridAsync("operator", null, "boundary changed");
        var waitingResult = await waiting.MoveToGridAsync("operator", null, "boundary changed");

        Assert.Equal((null, from.A, CaseState.Accepted), (heldResult.Case.GridCode, heldResult.Case.OfficerId, heldResult.Case.State));
        Assert.Contains("command-center queue", heldResult.Refusal?.Message, StringComparison.Ordinal);
        Assert.Null(waitingResult.Case.GridCode);
        var queue = await QueueAsync();
        Assert.Contains(heldId, queue);
        Assert.Contains(waitingId, queue);
    }

    [Fact]
    public async Task Locate_WaitingCaseWithoutPoint_TakesThePointAndIsDispatched_VerifyingCaseRefusedUnchanged()
    {
        var target = await StaffedGridAsync();
        var id = Key("C");
        var waiting = fixture.Grains.GetGrain<ICaseGrain>(id);
        await waiting.OpenAsync(new CaseReport("dust", double.NaN, double.NaN, null, "citizen-1", null, "鹿城区人民路 12 号"));

        var placed = await waiting.LocateAsync("D-1", 120.66, 28.01, target.Grid);

        Assert.True(placed.Accepted, placed.Refusal?.Message);
        Assert.Equal((target.Grid, target.A, CaseState.Dispatched, 120.66, 28.01), (placed.Case.GridCode, placed.Case.OfficerId, placed.Case.State, placed.Case.Lon, placed.Case.Lat));

        var other = await StaffedGridAsync();
        foreach (var step in new[] { "Accept", "StartHandling", "GiveFinalFeedback" })
            Assert.True((await waiting.ActAsync(new CaseActionRequest(Enum.Parse<CaseAction>(step), target.A, "done", [], null))).Accepted);
        var refused = await waiting.LocateAsync("D-1", 120.7, 28.05, other.Grid);
        Assert.Contains("with the command center for verification", refused.Refusal?.Message);
        var after = await waiting.GetAsync();
        Assert.Equal((target.Grid, 120.66, 28.01), (after!.GridCode, after.Lon, after.Lat));
    }
}
