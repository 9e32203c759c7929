using GridServer.Domain.Access;
using GridServer.Domain.Cases;

namespace GridServer.Tests.Access;

public sealed class AccessRulesTests
{
    [Fact]
    public void EveryActionPeopleTake_IsInExactlyOneHand_TheServersOwnInNone()
    {
        // FollowUp and Reopen follow from a verdict (POST /api/cases/{id}/follow-up, Open311 feedback), Link from the intake: never asked for as actions.
        var ownActions = new[] { CaseAction.Report, CaseAction.Warn, CaseAction.Remind, CaseAction.Transfer, CaseAction.Note,
            CaseAction.FollowUp, CaseAction.Reopen, CaseAction.Link };
        foreach (var action in Enum.GetValues<CaseAction>())
        {
            var role = AccessRules.RoleFor(action);
            Assert.True(ownActions.Contains(action) ? role is null : role is Role.Officer or Role.Dispatcher, $"{action}: {role}");
        }
        Assert.Equal([CaseAction.Accept, CaseAction.Return, CaseAction.StartHandling, CaseAction.GiveFirstFeedback, CaseAction.GiveFinalFeedback, CaseAction.RequestExtension],
            Enum.GetValues<CaseAction>().Where(a => AccessRules.HandOf(a) == ActionHand.Field));
        // Every action a person may take in some state belongs to somebody: none is left to nobody.
        foreach (var state in Enum.GetValues<CaseState>())
            Assert.All(CaseWorkflow.AllowedIn(state).Where(a => a != CaseAction.Transfer), a => Assert.NotNull(AccessRules.RoleFor(a)));
    }

    [Theory]
    [InlineData("O-1", "O-1", null, false, true)]     // dispatched to them
    [InlineData("O-1", "O-2", "SQ", true, true)]      // a squad-mate's case
    [InlineData("O-1", "O-2", "SQ", false, false)]    // another squad's
    [InlineData("O-1", null, null, false, false)]     // in the command center's queue
    [InlineData("", null, null, false, false)]        // no officer at all
    public void Officer_WorksOwnAndSquadCasesOnly(string officer, string? caseOfficer, string? caseSquad, bool member, bool expected) =>
        Assert.Equal(expected, AccessRules.OfficerMayWork(officer, caseOfficer, caseSquad, member ? [officer] : ["O-9"]));

    [Theory]
    [InlineData("G1", "C1", true)]
    [InlineData("G2", "C2", true)]      // by community
    [InlineData("G3", "C3", false)]
    [InlineData("G3", null, false)]
    [InlineData(null, "C2", false)]     // a case in no grid belongs to no liaison
    public void Liaison_WatchesAssignedGridsAndCommunities(string? grid, string? community, bool expected) =>
        Assert.Equal(expected, AccessRules.LiaisonWatches(grid, community, new HashSet<string> { "G1" }, new HashSet<string> { "C2" }));
}
