using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Tests.Support;

namespace GridServer.Tests.Grains;

[Collection(ClusterTests.Name)]
public class PersonnelGrainTests(ClusterFixture fixture)
{
    private static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task GridCell_AssignAndReassignSquad_SquadGridListsFollow()
    {
        var grid = Key("G");
        string s1 = Key("SQ"), s2 = Key("SQ");
        var cell = fixture.Grains.GetGrain<IGridCellGrain>(grid);

        await cell.AssignSquadAsync(s1);
        Assert.Equal([grid], (await fixture.Grains.GetGrain<ISquadGrain>(s1).GetAsync()).Grids.ToArray());

        await cell.AssignSquadAsync(s2);
        Assert.Empty((await fixture.Grains.GetGrain<ISquadGrain>(s1).GetAsync()).Grids);
        Assert.Equal([grid], (await fixture.Grains.GetGrain<ISquadGrain>(s2).GetAsync()).Grids.ToArray());
        Assert.Equal(s2, (await cell.GetResponsibilityAsync()).SquadId);
    }

    [Fact]
    public async Task GridCell_OfficersAndLiaisons_Reported()
    {
        var cell = fixture.Grains.GetGrain<IGridCellGrain>(Key("G"));
        await cell.AssignOfficersAsync("A1", "B1");
        await cell.AddLiaisonAsync("L2");
        await cell.AddLiaisonAsync("L1");
        await cell.AddLiaisonAsync("L1");

        var r = await cell.GetResponsibilityAsync();

        Assert.Equal(("A1", "B1"), (r.OfficerA, r.OfficerB));
        Assert.Equal(["L1", "L2"], r.Liaisons.ToArray());
    }

    [Fact]
    public async Task GridCell_SameOfficerOnBothPosts_Refused()
    {
        var cell = fixture.Grains.GetGrain<IGridCellGrain>(Key("G"));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => cell.AssignOfficersAsync("A1", "A1").AsTask());
        Assert.Contains("cannot hold both the A and the B post", e.Message);
    }

    [Fact]
    public async Task Officer_RosterAndAbsence_GiveDutyStatus()
    {
        var officer = fixture.Grains.GetGrain<IOfficerGrain>(Key("O"));
        var cst = TimeSpan.FromHours(8);
        await officer.SetRosterAsync(new RosterView([new WeeklyShiftView(DayOfWeek.Monday, new TimeOnly(8, 0), new TimeOnly(17, 0))], [], 480));
        var mondayMorning = new DateTimeOffset(2026, 11, 30, 9, 0, 0, cst);

        Assert.Equal(OfficerDuty.OnDuty, await officer.GetDutyAsync(mondayMorning));
        Assert.Equal(OfficerDuty.OffDuty, await officer.GetDutyAsync(mondayMorning.AddDays(1)));

        await officer.MarkAbsentAsync(new AbsenceView(mondayMorning.AddHours(-1), mondayMorning.AddHours(2), "training"));
        Assert.Equal(OfficerDuty.Absent, await officer.GetDutyAsync(mondayMorning));
        await Assert.ThrowsAsync<ArgumentException>(() => officer.MarkAbsentAsync(new AbsenceView(mondayMorning, mondayMorning, "zero")).AsTask());
    }

    [Fact]
    public async Task GridCell_DispatchInfoKeptBetweenDispatches_FollowsRostersAbsencesLeaderAndPostsAtOnce()
    {
        var (grid, squad, a, b, newB) = (Key("G"), Key("SQ"), Key("O"), Key("O"), Key("O"));
        var cell = fixture.Grains.GetGrain<IGridCellGrain>(grid);
        var monday = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.FromHours(8));
        var weekdays = new RosterView([new WeeklyShiftView(DayOfWeek.Monday, new TimeOnly(8, 0), new TimeOnly(17, 0))], [], 480);
        foreach (var o in new[] { a, b, newB }) await fixture.Grains.GetGrain<IOfficerGrain>(o).SetRosterAsync(weekdays);
        await cell.AssignAsync(new GridAssignment(grid, squad, a, b));
        await fixture.Grains.GetGrain<ISquadGrain>(squad).SetLeaderAsync("L-1");

        var first = await cell.GetDispatchInfoAsync(monday);
        Assert.Equal((OfficerDuty.OnDuty, OfficerDuty.OnDuty, "L-1"), (first.DutyA, first.DutyB, first.SquadLeader));
        // What the grid keeps is a calendar, not an answer: another time gives that time's duty.
        Assert.Equal(OfficerDuty.OffDuty, (await cell.GetDispatchInfoAsync(monday.AddHours(10))).DutyA);

        // Each change reaches the very next dispatch, with the grid's copy kept in between.
        await fixture.Grains.GetGrain<IOfficerGrain>(a).MarkAbsentAsync(new AbsenceView(monday.AddHours(-1), monday.AddHours(1), "training"));
        Assert.Equal(OfficerDuty.Absent, (await cell.GetDispatchInfoAsync(monday)).DutyA);

        await fixture.Grains.GetGrain<IOfficerGrain>(b).SetRosterAsync(new RosterView([], [], 480));
        Assert.Equal(OfficerDuty.OffDuty, (await cell.GetDispatchInfoAsync(monday)).DutyB);

        await fixture.Grains.GetGrain<ISquadGrain>(squad).SetLeaderAsync("L-2");
        Assert.Equal("L-2", (await cell.GetDispatchInfoAsync(monday)).SquadLeader);
        await fixture.Grains.GetGrain<ISquadGrain>(squad).ClearLeaderAsync();
        Assert.Null((await cell.GetDispatchInfoAsync(monday)).SquadLeader);

        await cell.AssignOfficersAsync(a, newB);
        var moved = await cell.GetDispatchInfoAsync(monday);
        Assert.Equal((newB, OfficerDuty.OnDuty), (moved.OfficerB, moved.DutyB));

        // The officer who left the post no longer tells the grid; the one who came does.
        await fixture.Grains.GetGrain<IOfficerGrain>(newB).MarkAbsentAsync(new AbsenceView(monday.AddHours(-1), monday.AddHours(1), "sick"));
        Assert.Equal(OfficerDuty.Absent, (await cell.GetDispatchInfoAsync(monday)).DutyB);
    }

    [Fact]
    public async Task Squad_LeaderReplaced_OldLeaderLeaves_UnlessAddedAsAnOfficer()
    {
        var squad = fixture.Grains.GetGrain<ISquadGrain>(Key("SQ"));
        await squad.SetLeaderAsync("L1");
        await squad.AddOfficerAsync("O1");
        await squad.SetLeaderAsync("L2");
        await squad.AddOfficerAsync("L2");

        var view = await squad.GetAsync();
        await squad.SetLeaderAsync("L3");
        var after = await squad.GetAsync();

        Assert.Equal(("L2", "L2 O1"), (view.Leader, string.Join(' ', view.Officers)));
        Assert.Equal(("L3", "L2 O1"), (after.Leader, string.Join(' ', after.Officers)));
    }

    [Fact]
    public async Task Squad_RemoveOfficerOrLeader_TheyAreGone_RemovingAStrangerChangesNothing()
    {
        var squad = fixture.Grains.GetGrain<ISquadGrain>(Key("SQ"));
        await squad.SetLeaderAsync("L1");
        await squad.AddOfficerAsync("L1");
        await squad.AddOfficerAsync("O1");
        await squad.AddOfficerAsync("O2");

        Assert.True(await squad.RemoveOfficerAsync("O1"));
        Assert.True(await squad.RemoveOfficerAsync("L1"));   // leader and member: both go
        Assert.False(await squad.RemoveOfficerAsync("O-NEVER"));
        var view = await squad.GetAsync();
        await squad.SetLeaderAsync("L2");
        Assert.True(await squad.ClearLeaderAsync());
        Assert.False(await squad.ClearLeaderAsync());
        var leaderless = await squad.GetAsync();

        Assert.Equal(((string?)null, "O2"), (view.Leader, string.Join(' ', view.Officers)));
        Assert.Equal(((string?)null, "O2"), (leaderless.Leader, string.Join(' ', leaderless.Officers)));
    }

    [Fact]
    public async Task Liaison_GridsAndCommunities_WatchesOnlyThose_GridCellFollows()
    {
        var liaison = fixture.Grains.GetGrain<ILiaisonGrain>(Key("LI"));
        var (mine, other) = (Key("G"), Key("G"));
        await liaison.AddGridAsync(mine);
        await liaison.AddCommunityAsync("330302001001");

        Assert.True(await liaison.WatchesAsync(mine, null));
        Assert.True(await liaison.WatchesAsync(other, "330302001001"));
        Assert.False(await liaison.WatchesAsync(other, "330302001002"));
        Assert.False(await liaison.WatchesAsync(other, null));
        var liaisonId = (await liaison.GetAsync()).LiaisonId;
        Assert.Equal([liaisonId], (await fixture.Grains.GetGrain<IGridCellGrain>(mine).GetResponsibilityAsync()).Liaisons.ToArray());

        await liaison.RemoveGridAsync(mine);
        Assert.False(await liaison.WatchesAsync(mine, null));
        Assert.Empty((await fixture.Grains.GetGrain<IGridCellGrain>(mine).GetResponsibilityAsync()).Liaisons);
    }
}
