using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using static GridServer.Tests.Evaluation.CaseFactsTests;

namespace GridServer.Tests.Evaluation;

/// <summary>回访: the reporter's verdict on a closed case, what a dissatisfied one does, and how verdicts count.</summary>
public class FollowUpTests
{
    private static readonly CaseWorkflow Reopening = new(CaseTimeLimits.Default, WallClockCalendar.Instance, reopenWhenDissatisfied: true);

    private static CaseFollowUp Verdict(CaseVerdict verdict, double minutes, string how = CaseFollowUp.Reporter) =>
        new(verdict, "the car is gone", T0.AddMinutes(minutes), "app-1", how);

    [Fact]
    public void OnAClosedCase_TheVerdictIsKept_AndTheLatestCounts()
    {
        var closed = Loop(Open("F1", channel: "app-1"), accept: 5, feedback: 60);

        var first = CaseSteps.FollowUp(closed, Verdict(CaseVerdict.Dissatisfied, 200), Workflow);
        Assert.True(first.Accepted, first.Refusal?.Message);
        Assert.Equal((CaseState.Closed, CaseAction.FollowUp), (first.Record.State, first.Record.File.Timeline[^1].Action));
        Assert.Contains("不满意", first.Record.File.Timeline[^1].Note);
        Assert.Equal(closed.File.ClosedAt, first.Record.File.ClosedAt);     // a follow-up does not close it again

        var second = CaseSteps.FollowUp(first.Record, Verdict(CaseVerdict.BasicallySatisfied, 300, CaseFollowUp.Telephone), Workflow).Record;
        Assert.Equal((CaseVerdict.BasicallySatisfied, CaseFollowUp.Telephone), (second.FollowUp!.Verdict, second.FollowUp.How));
        Assert.Equal(CaseVerdict.BasicallySatisfied, CaseFacts.Of(second).Verdict);
    }

    [Fact]
    public void OnAnOpenCase_IsRefused_AndNothingChanges()
    {
        var open = Open("F2");
        var step = CaseSteps.FollowUp(open, Verdict(CaseVerdict.Satisfied, 30), Workflow);
        Assert.Equal(CaseRefusalCode.NotNow, step.Refusal?.Code);
        Assert.Same(open, step.Record);
    }

    [Fact]
    public void Dissatisfied_ReopensWhereTheMatterSaysSo_AndTheCaseClosesAgainLater()
    {
        var closed = Loop(Open("F3", channel: "app-1"), accept: 5, feedback: 60);

        var kept = CaseSteps.FollowUp(closed, Verdict(CaseVerdict.Dissatisfied, 200), Workflow).Record;
        Assert.Equal(CaseState.Closed, kept.State);

        var reopened = CaseSteps.FollowUp(closed, Verdict(CaseVerdict.Dissatisfied, 200), Reopening);
        var r = reopened.Record;
        Assert.Equal((CaseState.Handling, 1, T0.AddMinutes(200).AddHours(4)), (r.State, r.File.ReworkCount, r.File.Deadlines.HandleBy));
        Assert.Null(r.File.ClosedAt);
        Assert.Equal("officer-1", r.OfficerInHand);
        Assert.Contains(reopened.Cues, c => c.Kind == CaseCueKind.Dispatched);
        Assert.Contains(reopened.Cues, c => c.Kind == CaseCueKind.ReporterStep && c.Rework);

        // Handled again and closed: closed at the second close, counted once as reworked.
        var again = Do(r, CaseAction.GiveFinalFeedback, 260);
        again = Do(again, CaseAction.StartVerification, 265, "D-1");
        again = Do(again, CaseAction.PassVerification, 270, "D-1");
        again = Do(again, CaseAction.Close, 271, "D-1");
        Assert.Equal(T0.AddMinutes(271), again.File.ClosedAt);
        var facts = CaseFacts.Of(again);
        Assert.Equal((1, CaseVerdict.Dissatisfied), (facts.Reworks, facts.Verdict));

        // Satisfied never reopens, whatever the matter says.
        Assert.Equal(CaseState.Closed, CaseSteps.FollowUp(closed, Verdict(CaseVerdict.Satisfied, 200), Reopening).Record.State);
    }

    [Fact]
    public void Satisfaction_IsTheSatisfiedAndBasicallySatisfiedShareOfTheFollowedUp()
    {
        var verdicts = new[] { CaseVerdict.Satisfied, CaseVerdict.BasicallySatisfied, CaseVerdict.Dissatisfied, CaseVerdict.Satisfied };
        var facts = verdicts.Select((v, i) => CaseFacts.Of(CaseSteps.FollowUp(Loop(Open($"S{i}"), 5, 60), Verdict(v, 200), Workflow).Record))
            .Append(CaseFacts.Of(Loop(Open("S-none"), 5, 60)))
            .ToList();
        var evaluator = new Evaluator(_ => null, WallClockCalendar.Instance, ScoreWeights.Default);

        var total = evaluator.Evaluate(EvaluationLevel.Grid, T0.AddDays(-1), T0.AddDays(1), T0.AddDays(2), facts).Total;

        Assert.Equal((4L, 3L, (double?)0.75), (total.Counts["followedUp"], total.Counts["satisfied"], total.Rates["satisfaction"]));
    }

    [Theory]
    [InlineData("satisfied", CaseVerdict.Satisfied)]
    [InlineData("Basically_Satisfied", CaseVerdict.BasicallySatisfied)]
    [InlineData("basically-satisfied", CaseVerdict.BasicallySatisfied)]
    [InlineData(" DISSATISFIED ", CaseVerdict.Dissatisfied)]
    public void Verdicts_ReadByTheirWireNames(string text, CaseVerdict expected)
    {
        Assert.True(CaseFollowUp.TryParseVerdict(text, out var verdict));
        Assert.Equal(expected, verdict);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("happy")]
    [InlineData("satisfied,dissatisfied")]
    public void Verdicts_OthersAreNotVerdicts(string? text) => Assert.False(CaseFollowUp.TryParseVerdict(text, out _));

    [Fact]
    public void ReopenWhenDissatisfied_IsAMatterSetting_DefaultOff()
    {
        var options = new GridServer.Silo.Hosting.CaseOptions
        {
            Matters = new(StringComparer.Ordinal) { ["litter"] = new() { ReopenWhenDissatisfied = true }, ["parking"] = new() { HandleWithin = "2h" } },
        };
        var policies = options.ToPolicies();
        Assert.Equal((true, false, false), (policies.For("litter").ReopenWhenDissatisfied, policies.For("parking").ReopenWhenDissatisfied,
            policies.For("anything-else").ReopenWhenDissatisfied));

        options.Default.ReopenWhenDissatisfied = true;
        Assert.True(options.ToPolicies().For("anything-else").ReopenWhenDissatisfied);
        Assert.True(options.ToPolicies().For("parking").ReopenWhenDissatisfied);
    }
}
