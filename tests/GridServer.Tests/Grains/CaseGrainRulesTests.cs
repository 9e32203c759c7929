using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;
using GridServer.Grains.Cases;

namespace GridServer.Tests.Grains;

/// <summary>The case grain's own small rules, without a cluster: where an action goes, and what a wake does.</summary>
public sealed class CaseGrainRulesTests
{
    private static CaseActionRequest Asked(CaseAction action, string? note = null) => new(action, "D-1", note, [], null);

    [Theory]
    [InlineData(CaseAction.Accept, CaseActionWay.Step)]
    [InlineData(CaseAction.Close, CaseActionWay.Step)]
    [InlineData(CaseAction.Void, CaseActionWay.Step)]
    [InlineData(CaseAction.Dispatch, CaseActionWay.Dispatch)]
    public void Route_AWorkflowActionOrADispatch_GoesItsWay(CaseAction action, CaseActionWay way)
    {
        Assert.Equal((way, (string?)null), CaseActionRoute.Of(Asked(action)));
    }

    [Theory]
    [InlineData(CaseAction.Transfer, CaseActionWay.Transfer)]
    [InlineData(CaseAction.Unlink, CaseActionWay.Unlink)]
    public void Route_TransferAndUnlink_NeedAReason(CaseAction action, CaseActionWay way)
    {
        Assert.Equal((way, (string?)null), CaseActionRoute.Of(Asked(action, "the squad's area was reassigned")));
        foreach (var blank in new[] { null, "", "   " })
        {
            var (refused, why) = CaseActionRoute.Of(Asked(action, blank));
            Assert.Equal(CaseActionWay.Refused, refused);
            Assert.Contains("needs a reason in the note", why, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(CaseAction.Link, "linked when its report arrives")]
    [InlineData(CaseAction.FollowUp, "/follow-up")]
    [InlineData(CaseAction.Reopen, "/follow-up")]
    [InlineData(CaseAction.Report, "is not an action")]
    [InlineData((CaseAction)999, "'999' is not an action")]
    public void Route_ActionsNotTakenThisWay_AreRefusedSayingWhatToDo(CaseAction action, string says)
    {
        var (way, why) = CaseActionRoute.Of(Asked(action, "a note"));

        Assert.Equal(CaseActionWay.Refused, way);
        Assert.Contains(says, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_TheListOfActionsInARefusal_LeavesOutTheReport()
    {
        var (_, why) = CaseActionRoute.Of(Asked(CaseAction.Report));

        Assert.DoesNotContain("Report,", why, StringComparison.Ordinal);
        Assert.Contains("Accept", why, StringComparison.Ordinal);
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Wake_ADeadlineDue_IsChecked()
    {
        Assert.Equal(CaseWakeAction.Check, CaseWake.Decide(Now, Now, null));
        Assert.Equal(CaseWakeAction.Check, CaseWake.Decide(Now.AddSeconds(-1), Now, new WrittenWake(Now.AddSeconds(-1))));
    }

    [Fact]
    public void Wake_DueWithinTheClocksSweep_TimesItself()
    {
        Assert.Equal(CaseWakeAction.OwnTimer, CaseWake.Decide(Now.AddSeconds(1), Now, null));
        Assert.Equal(CaseWakeAction.OwnTimer, CaseWake.Decide(Now + CaseWake.OwnTimerWithin, Now, new WrittenWake(Now + CaseWake.OwnTimerWithin)));
    }

    [Fact]
    public void Wake_LaterThanTheSweep_WritesItsWakeOnlyWhenTheStoreMayHoldAnother()
    {
        var later = Now + CaseWake.OwnTimerWithin + TimeSpan.FromTicks(1);

        // Just loaded: the stored wake time may come from other limits or an older server.
        Assert.Equal(CaseWakeAction.Record, CaseWake.Decide(later, Now, null));
        // This activation wrote another wake time (its limits changed since): the store learns the new one.
        Assert.Equal(CaseWakeAction.Record, CaseWake.Decide(later, Now, new WrittenWake(Now.AddMinutes(-3))));
        // Its own timer fired after a later step moved the wake on and wrote it: nothing to write.
        Assert.Equal(CaseWakeAction.Rest, CaseWake.Decide(later, Now, new WrittenWake(later)));
    }

    [Fact]
    public void Wake_ACaseThatNeedsNoWake_WritesThatOnce()
    {
        Assert.Equal(CaseWakeAction.Record, CaseWake.Decide(null, Now, null));
        Assert.Equal(CaseWakeAction.Record, CaseWake.Decide(null, Now, new WrittenWake(Now.AddHours(1))));
        Assert.Equal(CaseWakeAction.Rest, CaseWake.Decide(null, Now, new WrittenWake(null)));
    }
}
