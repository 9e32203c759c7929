using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Personnel;
using GridServer.Grains.Cases;

namespace GridServer.Tests.Grains;

/// <summary>What the case grain decides from a grid cell's answer, without a cluster.</summary>
public sealed class CaseDispatchTests
{
    private static GridDispatchInfo Cell(OfficerDuty a, OfficerDuty b) => new("G-1", "SQ-1", "L-1", "A-1", a, "B-1", b, []);

    [Theory]
    [InlineData(OfficerDuty.OnDuty, OfficerDuty.OnDuty, DispatchPost.A, "A-1")]
    [InlineData(OfficerDuty.OffDuty, OfficerDuty.OnDuty, DispatchPost.B, "B-1")]
    [InlineData(OfficerDuty.Absent, OfficerDuty.OffDuty, DispatchPost.Leader, "L-1")]
    public void Decide_TheCellsPeopleByTheirDuty_ByTheABPostRule(OfficerDuty a, OfficerDuty b, DispatchPost post, string officer)
    {
        var decision = CaseDispatch.Decide("G-1", Cell(a, b));

        Assert.Equal((post, "SQ-1", officer), (decision.Post, decision.SquadId, decision.OfficerId));
    }

    [Fact]
    public void Decide_NoGridOrNoAnswer_TheCommandCenter()
    {
        Assert.Equal(DispatchPost.CommandCenter, CaseDispatch.Decide(null, null).Post);
        Assert.Equal(DispatchPost.CommandCenter, CaseDispatch.Decide("G-1", null).Post);
    }

    [Fact]
    public void Opening_AnAddressTheGazetteerDidNotPlace_WaitsForADispatcherSayingWhy()
    {
        var unplaced = new CaseReport("parking", double.NaN, double.NaN, null, "citizen-1", "car on the pavement", Address: "人民路 12 号");

        var decision = CaseDispatch.Opening(unplaced, null);

        Assert.Equal(DispatchPost.CommandCenter, decision.Post);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
        Assert.Equal(DispatchPost.A, CaseDispatch.Opening(new CaseReport("parking", 120.65, 28.0, "G-1", "citizen-1", "car"), Cell(OfficerDuty.OnDuty, OfficerDuty.OnDuty)).Post);
    }
}
