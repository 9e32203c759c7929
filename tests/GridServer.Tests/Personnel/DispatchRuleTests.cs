using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Personnel;

namespace GridServer.Tests.Personnel;

public class DispatchRuleTests
{
    private static readonly GridResponsibility Grid = new("33030200100101", "S1", "A1", "B1", "L1");

    private static Func<string, DutyStatus> Statuses(DutyStatus a, DutyStatus b) =>
        id => id switch { "A1" => a, "B1" => b, _ => DutyStatus.OffDuty };

    /// <summary>指派: a named officer of the squad takes it; the squad alone means its leader; a stranger to the squad is refused.</summary>
    [Fact]
    public void Assign_AnOfficerOfTheSquad_OrTheSquadsLeader_NeverAStranger()
    {
        string[] members = ["O-1", "O-2"];
        var (toOfficer, _) = DispatchRule.Assign("S1", "O-2", "L1", members, "cc-1");
        Assert.Equal((DispatchPost.Assigned, "S1", "O-2"), (toOfficer!.Post, toOfficer.SquadId, toOfficer.OfficerId));
        Assert.Contains("assigned by cc-1", toOfficer.Reason, StringComparison.Ordinal);
        Assert.Equal((DispatchPost.Leader, "L1"), (DispatchRule.Assign("S1", null, "L1", members, "cc-1").Decision!.Post, DispatchRule.Assign("S1", null, "L1", members, "cc-1").Decision!.OfficerId));
        Assert.Equal(DispatchPost.Assigned, DispatchRule.Assign("S1", "L1", "L1", members, "cc-1").Decision!.Post);
        Assert.Contains("not in squad S1", DispatchRule.Assign("S1", "O-9", "L1", members, "cc-1").Problem, StringComparison.Ordinal);
        Assert.Contains("no leader", DispatchRule.Assign("S1", null, null, members, "cc-1").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AOnDuty_GoesToA() =>
        Assert.Equal((DispatchPost.A, "A1"), Pick(DispatchRule.Decide(Grid, Statuses(DutyStatus.OnDuty, DutyStatus.OnDuty))));

    [Fact]
    public void Decide_AOffDutyBOnDuty_GoesToBSayingWhy()
    {
        var d = DispatchRule.Decide(Grid, Statuses(DutyStatus.OffDuty, DutyStatus.OnDuty));
        Assert.Equal((DispatchPost.B, "B1"), Pick(d));
        Assert.Equal("A officer A1 is off duty; B officer B1 is on duty", d.Reason);
    }

    [Fact]
    public void Decide_NeitherOnDuty_GoesToLeader()
    {
        var d = DispatchRule.Decide(Grid, Statuses(DutyStatus.Absent, DutyStatus.OffDuty));
        Assert.Equal((DispatchPost.Leader, "L1"), Pick(d));
        Assert.Contains("A officer A1 is absent; B officer B1 is off duty", d.Reason);
    }

    [Fact]
    public void Decide_NoGridOrNobodyNamed_GoesToCommandCenterWithReason()
    {
        Assert.Equal("the location is in no grid", DispatchRule.Decide(null, _ => DutyStatus.OnDuty).Reason);
        Assert.Contains("has no squad", DispatchRule.Decide(Grid with { SquadId = null }, _ => DutyStatus.OnDuty).Reason);
        var noLeader = DispatchRule.Decide(Grid with { OfficerA = null, OfficerB = null, SquadLeader = null }, _ => DutyStatus.OnDuty);
        Assert.Equal(DispatchPost.CommandCenter, noLeader.Post);
        Assert.Contains("no A officer; no B officer; squad S1 has no leader", noLeader.Reason);
    }

    private static (DispatchPost, string?) Pick(DispatchDecision d) => (d.Post, d.OfficerId);

    [Property]
    public Property Decide_AnyStaffing_NeverToNobodyNorToAnOfficerNotOnDutyExceptTheLeader() =>
        Prop.ForAll(
            (from a in Gen.Elements<string?>(null, "A1")
             from b in Gen.Elements<string?>(null, "B1")
             from leader in Gen.Elements<string?>(null, "L1")
             from sa in Gen.Elements(Enum.GetValues<DutyStatus>())
             from sb in Gen.Elements(Enum.GetValues<DutyStatus>())
             select (a, b, leader, sa, sb)).ToArbitrary(),
            c =>
            {
                var d = DispatchRule.Decide(Grid with { OfficerA = c.a, OfficerB = c.b, SquadLeader = c.leader }, Statuses(c.sa, c.sb));
                return d.Post switch
                {
                    DispatchPost.A => d.OfficerId == "A1" && c.sa == DutyStatus.OnDuty,
                    DispatchPost.B => d.OfficerId == "B1" && c.sb == DutyStatus.OnDuty && !(c.a is not null && c.sa == DutyStatus.OnDuty),
                    DispatchPost.Leader => d.OfficerId == "L1" && !(c.a is not null && c.sa == DutyStatus.OnDuty) && !(c.b is not null && c.sb == DutyStatus.OnDuty),
                    _ => c.leader is null && d.OfficerId is null && d.Reason.Length > 0,
                };
            });
}
