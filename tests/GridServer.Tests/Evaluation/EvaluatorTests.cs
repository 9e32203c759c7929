using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using static GridServer.Tests.Evaluation.CaseFactsTests;

namespace GridServer.Tests.Evaluation;

/// <summary>The indicator table on a hand-built month: counts, rates, working hours, scores and ranks, tracing, periods.</summary>
public class EvaluatorTests
{
    private static readonly string[] Grids = ["33030200100101", "33030200100102", "33030200100201", "33030200200101", "33030300100101"];

    private static GridPlace? Place(string code) => Grids.Contains(code)
        ? new GridPlace(code, "网格" + code[^4..], code[..12], "社区" + code[9..12], code[..9], "街道" + code[6..9], code[..6])
        : null;

    private static readonly Evaluator Evaluator = new(Place, WallClockCalendar.Instance, ScoreWeights.Default);

    private static readonly DateTimeOffset From = new(2026, 11, 1, 0, 0, 0, EvaluationPeriod.Offset);
    private static readonly DateTimeOffset To = new(2026, 12, 1, 0, 0, 0, EvaluationPeriod.Offset);
    private static readonly DateTimeOffset AsOf = new(2026, 12, 2, 9, 0, 0, EvaluationPeriod.Offset);

    /// <summary>
    /// Grid …0101: one case on time, one late (accepted after 15 min, feedback after 5 h), one returned and never taken
    /// up again (overdue open? no: a returned case runs no deadline), one open past its acceptance limit.
    /// Grid …0102: one on time. Grid …0201: one voided (from the queue: no grid; counts at no grid).
    /// </summary>
    private static List<CaseFacts> Month() =>
    [
        CaseFacts.Of(Loop(Open("A1"), accept: 5, feedback: 60)),
        CaseFacts.Of(Loop(Open("A2"), accept: 15, feedback: 15 + 5 * 60)),
        CaseFacts.Of(Do(Open("A3"), CaseAction.Return, 3, note: "not ours")),
        CaseFacts.Of(Open("A4")),
        CaseFacts.Of(Loop(Open("B1", grid: "33030200100102", channel: "wechat"), accept: 2, feedback: 30)),
        CaseFacts.Of(Do(Open("V1", grid: null), CaseAction.Void, 1, "D-1", "duplicate")),
    ];

    [Fact]
    public void GridLevel_CountsAndRates_PerGrid_AndTheTotal()
    {
        var table = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, Month());

        var a = table.Rows.Single(r => r.Code == "33030200100101");
        Assert.Equal("网格0101", a.Name);
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["received"] = 4, ["registered"] = 4, ["dispatched"] = 4, ["due"] = 3, ["closed"] = 2, ["closedOnTime"] = 1, ["overdueOpen"] = 1,
                ["voided"] = 0, ["duplicates"] = 0, ["invalid"] = 0, ["extensions"] = 0, ["returned"] = 1, ["feedbackGiven"] = 2, ["rework"] = 0, ["supervised"] = 0,
                ["acceptDue"] = 3, ["acceptedOnTime"] = 1, ["verificationDue"] = 2, ["verifiedOnTime"] = 2, ["followedUp"] = 0, ["satisfied"] = 0, ["ambiguous"] = 0,
            },
            a.Counts.ToDictionary());
        Assert.Equal(2.0 / 3, a.Rates["closureRate"]!.Value, 6);
        Assert.Equal(1.0 / 3, a.Rates["onTimeRate"]!.Value, 6);
        Assert.Equal(0.75, a.Rates["dispatchAccuracy"]!.Value, 6);
        // Handling: accepted at 5 → feedback at 60 is 55 min; 15 → 315 is 300 min. Nearest rank: median 55 min, p90 5 h.
        Assert.Equal((0.92, 5.0), (a.HandlingHoursMedian, a.HandlingHoursP90));

        var none = table.Rows.Single(r => r.Code is null);
        Assert.Equal((1L, 1L, (double?)0.0), (none.Counts["received"], none.Counts["voided"], none.Rates["validReportRate"]));
        Assert.Null(none.Rank);
        Assert.Equal(6, table.Total.Counts["received"]);
        Assert.Equal(5.0 / 6, table.Total.Rates["validReportRate"]!.Value, 6);
        Assert.Equal(0.0, table.Rows.Single(r => r.Code == "33030200100102").Rates["reworkRate"]);
    }

    [Fact]
    public void ADuplicate_IsReceivedButNoCase_CountsAgainstTheValidReportRate_AndAnUnlinkedOneCountsAsACase()
    {
        var duplicate = CaseSteps.OpenDuplicate("D1", "parking", new CaseReportFacts(120.65, 28.0, "citizen-2", "same car", ReportingChannel: "wechat"),
            "33030200100102", "wechat", T0.AddMinutes(3), Workflow, "B1").Record;
        var unlinked = CaseSteps.Unlink(CaseSteps.OpenDuplicate("D2", "parking", new CaseReportFacts(120.65, 28.0, "citizen-3", "another car"),
            "33030200100102", "app-1", T0.AddMinutes(4), Workflow, "B1").Record, "D-1", "another car", T0.AddMinutes(20), Workflow, To()).Record;
        var table = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, [.. Month(), CaseFacts.Of(duplicate), CaseFacts.Of(unlinked)]);

        var b = table.Rows.Single(r => r.Code == "33030200100102");
        Assert.Equal((3L, 1L, 1L, 2L, 2L), (b.Counts["received"], b.Counts["duplicates"], b.Counts["invalid"], b.Counts["registered"], b.Counts["dispatched"]));
        Assert.Equal(2.0 / 3, b.Rates["validReportRate"]!.Value, 6);
        Assert.Equal(["D1"], Evaluator.Trace(EvaluationLevel.Grid, "33030200100102", false, Indicators.Count("duplicates")!, AsOf,
            [.. Month(), CaseFacts.Of(duplicate), CaseFacts.Of(unlinked)]).Select(f => f.CaseId));
        Assert.False(CaseFacts.Of(duplicate).Open);
    }

    [Fact]
    public void UnitsBeyondPlaces_AreNamedAsTheServerKnowsThem_ElseByTheirCode()
    {
        var named = new Evaluator(Place, WallClockCalendar.Instance, ScoreWeights.Default,
            (level, code) => level == EvaluationLevel.Channel && code == "wechat" ? "微信公众号" : null);
        var table = named.Evaluate(EvaluationLevel.Channel, From, To, AsOf, Month());
        Assert.Equal("微信公众号", table.Rows.Single(r => r.Code == "wechat").Name);
        Assert.Equal("staff", table.Rows.Single(r => r.Code == "staff").Name);
    }

    [Fact]
    public void ClassLevels_CountTheMattersUnderTheirClass_AndItsMajorClass_TheRestUnclassified()
    {
        var facts = Month().Select(f => f.CaseId == "B1" ? f with { Matter = "something_new" } : f).ToList();
        var classed = new Evaluator(Place, WallClockCalendar.Instance, ScoreWeights.Default, classOf: matter => matter == "parking" ? "E0505" : null);

        var minor = classed.Evaluate(EvaluationLevel.Class, From, To, AsOf, facts);
        var major = classed.Evaluate(EvaluationLevel.ClassMajor, From, To, AsOf, facts);

        Assert.Equal(5, minor.Rows.Single(r => r.Code == "E0505").Counts["received"]);
        Assert.Equal(1, minor.Rows.Single(r => r.Code == Evaluator.Unclassified).Counts["received"]);
        Assert.Equal(5, major.Rows.Single(r => r.Code == "E05").Counts["received"]);
        var traced = classed.Trace(EvaluationLevel.Class, "E0505", false, Indicators.Count("received")!, AsOf, facts).ToList();
        Assert.Equal(5, traced.Count);
        Assert.All(traced, f => Assert.Equal("parking", f.Matter));
    }

    [Fact]
    public void Score_WeighsTheRates_RanksBestFirst_AndTiesShareARank()
    {
        var table = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, Month());

        var best = table.Rows[0];
        Assert.Equal(("33030200100102", 1, 100.0), (best.Code, best.Rank, best.Score));
        var a = table.Rows.Single(r => r.Code == "33030200100101");
        // closure 2/3, on time 1/3, accept on time 1/3, dispatch accuracy 3/4, verification 1, rework 0 (counts 1 − 0).
        var expected = (30 * 2.0 / 3 + 30 * 1.0 / 3 + 15 * 1.0 / 3 + 10 * 0.75 + 5 * 1 + 10 * 1) / 100 * 100;
        Assert.Equal(Math.Round(expected, 2), a.Score);
        Assert.Equal(2, a.Rank);

        var twins = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf,
            [CaseFacts.Of(Loop(Open("T1"), 1, 30)), CaseFacts.Of(Loop(Open("T2", grid: "33030200100102"), 1, 30))]);
        Assert.Equal([1, 1], twins.Rows.Select(r => r.Rank));
    }

    [Fact]
    public void PreviousPeriod_GivesEachUnitItsScoreChange()
    {
        var earlier = new List<CaseFacts> { CaseFacts.Of(Loop(Open("P1", at: From.AddDays(-20)), accept: 15, feedback: 15 + 5 * 60)) };
        var table = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, Month(), earlier);

        var a = table.Rows.Single(r => r.Code == "33030200100101");
        Assert.NotNull(a.PreviousScore);
        Assert.Equal(Math.Round(a.Score!.Value - a.PreviousScore!.Value, 2), a.ScoreChange);
        Assert.Null(table.Rows.Single(r => r.Code == "33030200100102").PreviousScore);
    }

    [Fact]
    public void Levels_GroupByCommunityStreetOfficerChannelAndDispatcher()
    {
        var month = Month();
        Assert.Equal(["330302001001", null], Evaluator.Evaluate(EvaluationLevel.Community, From, To, AsOf, month).Rows.Select(r => r.Code));
        var street = Evaluator.Evaluate(EvaluationLevel.Street, From, To, AsOf, month).Rows.Single(r => r.Code == "330302001");
        Assert.Equal(("街道001", 5L), (street.Name, street.Counts["received"]));
        Assert.Equal(5, Evaluator.Evaluate(EvaluationLevel.Officer, From, To, AsOf, month).Rows.Single(r => r.Code == "officer-1").Counts["received"]);
        var channels = Evaluator.Evaluate(EvaluationLevel.Channel, From, To, AsOf, month).Rows.ToDictionary(r => r.Code!, r => r.Counts["received"]);
        Assert.Equal(new Dictionary<string, long> { ["staff"] = 5, ["wechat"] = 1 }, channels);
        Assert.Equal([CaseSteps.System, null], Evaluator.Evaluate(EvaluationLevel.Dispatcher, From, To, AsOf, month).Rows.Select(r => r.Code));
    }

    [Fact]
    public void Trace_ListsExactlyTheCasesAFigureCounts()
    {
        var month = Month();
        var table = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, month);
        foreach (var indicator in Indicators.Counts)
        {
            foreach (var row in table.Rows)
            {
                var traced = Evaluator.Trace(EvaluationLevel.Grid, row.Code, anyUnit: false, indicator, AsOf, month).ToList();
                Assert.Equal(row.Counts[indicator.Name], traced.Count);
            }
        }
        Assert.Equal(["A2"], Evaluator.Trace(EvaluationLevel.Grid, "33030200100101", false, Indicators.Count("closed")!, AsOf, month)
            .Where(f => !Indicators.Count("closedOnTime")!.Counts(f, AsOf)).Select(f => f.CaseId));
    }

    [Fact]
    public void CaseClosedAfterItsMonth_CountsInTheMonthItWasReported()
    {
        var lateNovember = new DateTimeOffset(2026, 11, 30, 23, 0, 0, EvaluationPeriod.Offset);
        var facts = CaseFacts.Of(Loop(Open("M1", at: lateNovember), accept: 5, feedback: 120));
        Assert.True(facts.ClosedAt > To);

        var november = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, new[] { facts }.Where(f => f.ReportedAt >= From && f.ReportedAt < To));
        Assert.Equal((1L, 1L), (november.Total.Counts["closed"], november.Total.Counts["closedOnTime"]));
    }

    [Fact]
    public void HandlingHours_AreWorkingHours_AHolidayDoesNotCount()
    {
        // Accepted Wednesday 2026-09-30 17:00, feedback Thursday 2026-10-08 09:00: half an hour each side of National Day.
        var calendar = WorkingHoursCalendar.OfficeHours(holidays: Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d)));
        var evaluator = new Evaluator(Place, calendar, ScoreWeights.Default);
        var accepted = new DateTimeOffset(2026, 9, 30, 17, 0, 0, EvaluationPeriod.Offset);
        var facts = CaseFacts.Of(Open("H1", at: accepted.AddMinutes(-5))) with
        {
            AcceptedAt = accepted, FeedbackAt = new DateTimeOffset(2026, 10, 8, 9, 0, 0, EvaluationPeriod.Offset),
        };

        var table = evaluator.Evaluate(EvaluationLevel.Grid, accepted.AddDays(-1), accepted.AddDays(1), AsOf, [facts]);

        Assert.Equal(1.0, table.Total.HandlingHoursMedian);
    }

    [Fact]
    public void Weights_UnknownRateOrNegativeWeight_AreRefusedWithTheReason()
    {
        static ScoreWeights Of(params (string, double)[] weights) => new(weights.ToDictionary(w => w.Item1, w => w.Item2).ToImmutableSortedDictionary(StringComparer.Ordinal));
        Assert.Contains("not a rate", Of(("happiness", 1)).Problem());
        Assert.Contains("zero or more", Of(("closureRate", -1)).Problem());
        Assert.Contains("above zero", Of(("closureRate", 0)).Problem());
        Assert.Null(ScoreWeights.Default.Problem());
    }

    /// <summary>Every count of every grid adds up to its community's, street's and district's, and all to the total.</summary>
    [Property(MaxTest = 60)]
    public Property Counts_PerGrid_SumToTheirCommunityStreetAndDistrict(int seed, PositiveInt size)
    {
        var random = new Random(seed);
        var states = Enum.GetValues<CaseState>();
        var facts = Enumerable.Range(0, size.Get % 80).Select(i =>
        {
            var grid = random.Next(7) switch { 6 => null, 5 => "99999999999999", var g => Grids[g % Grids.Length] };
            DateTimeOffset? When(int p) => random.Next(p) == 0 ? null : From.AddMinutes(random.Next(60 * 24 * 40));
            return new CaseFacts($"R{i}", "parking", states[random.Next(states.Length)], grid, "SQ-1", "officer-1", null, "app", "system",
                From.AddMinutes(random.Next(60 * 24 * 29)), random.Next(5) > 0, When(4), When(3), When(3), When(3), When(2),
                random.Next(3), random.Next(2), random.Next(2), random.Next(4) == 0, random.Next(3) == 0, random.Next(3) == 0, random.Next(4) == 0,
                new CaseDeadlines(When(3), When(3), When(4)));
        }).ToList();

        var grids = Evaluator.Evaluate(EvaluationLevel.Grid, From, To, AsOf, facts);
        var total = grids.Total.Counts;
        var checks = new List<bool>();
        foreach (var (level, parent) in new (EvaluationLevel, Func<GridPlace, string?>)[]
                 {
                     (EvaluationLevel.Community, p => p.CommunityCode), (EvaluationLevel.Street, p => p.StreetCode), (EvaluationLevel.District, p => p.DistrictCode),
                 })
        {
            var rows = Evaluator.Evaluate(level, From, To, AsOf, facts).Rows;
            foreach (var row in rows)
            {
                // A unit's figures are its grids' added up (the cases in no known grid stay together at every level).
                var children = grids.Rows.Where(g => (g.Code is { } code && Place(code) is { } place ? parent(place) : null) == row.Code).ToList();
                checks.Add(Indicators.Counts.All(c => row.Counts[c.Name] == children.Sum(g => g.Counts[c.Name])));
            }
            checks.Add(Indicators.Counts.All(c => rows.Sum(r => r.Counts[c.Name]) == total[c.Name]));
        }
        return checks.All(ok => ok).Label($"{facts.Count} cases");
    }
}
