using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using GridServer.Notices;
using static GridServer.Tests.Evaluation.CaseFactsTests;

namespace GridServer.Tests.Notices;

/// <summary>The bulletin (通报): its figures, shares and rankings from hand-built cases, its names, and its shipped template.</summary>
public class BulletinTests
{
    private static readonly Evaluator Evaluator = new(
        code => new GridPlace(code, "网格" + code[^4..], code[..12], "社区" + code[9..12], code[..9], "街道" + code[6..9], code[..6]),
        WallClockCalendar.Instance, ScoreWeights.Default);

    private static readonly EvaluationPeriod November = new(new(2026, 11, 1, 0, 0, 0, EvaluationPeriod.Offset), new(2026, 12, 1, 0, 0, 0, EvaluationPeriod.Offset), "month");

    private static readonly DateTimeOffset AsOf = new(2026, 12, 2, 9, 0, 0, EvaluationPeriod.Offset);

    private static BulletinNotice Make() => Bulletins.Of(November, AsOf, Evaluator,
        [
            CaseFacts.Of(Loop(Open("A1"), accept: 5, feedback: 60)),
            CaseFacts.Of(Loop(Open("A2", channel: "wechat"), accept: 15, feedback: 15 + 5 * 60)),
            CaseFacts.Of(Open("A3", grid: "33030200100201")),
            CaseFacts.Of(Do(Open("V1", grid: null, channel: "wechat"), CaseAction.Void, 1, "D-1", "not ours")),
        ],
        [CaseFacts.Of(Loop(Open("P1", at: T0.AddMonths(-1)), accept: 5, feedback: 60))],
        matter => matter == "parking" ? "违停" : null);

    [Fact]
    public void Figures_Shares_AndRankings_FollowTheEvaluation()
    {
        var bulletin = Make();
        Assert.Equal(("2026-11", "2026年11月城市管理案件通报"), (bulletin.Number, bulletin.Title));
        Assert.Equal((new DateTime(2026, 11, 1), new DateTime(2026, 11, 30)), (bulletin.From.DateTime, bulletin.Last.DateTime));
        Assert.Equal((4L, 4L, 2L, 1L), (bulletin.Total.Received, bulletin.Total.Registered, bulletin.Total.Closed, bulletin.Total.Voided));
        Assert.Equal(75.0, bulletin.Total.ValidReportRate);
        Assert.Equal((1L, 100.0), (bulletin.Previous.Received, bulletin.Previous.ClosureRate));
        // Two channels: staff-entered and WeChat, half each; one matter, named as people say it.
        Assert.Equal([("wechat", 2L, 50.0), (Bulletins.StaffChannel, 2L, 50.0)], bulletin.Channels.Select(c => (c.Name, c.Count, c.Share)).OrderBy(c => c.Name, StringComparer.Ordinal));
        Assert.Equal(("违停", 4L, 100.0), (bulletin.Matters.Single().Name, bulletin.Matters.Single().Count, bulletin.Matters.Single().Share));
        // Grid …0101 closed both its cases; …0201 none of its one (overdue): lowest first.
        Assert.Equal(["33030200100201", "33030200100101"], bulletin.LowestGrids.Select(g => g.Code));
        Assert.Equal(("330302001", "街道001", 3L), (Assert.Single(bulletin.Streets).Code, bulletin.Streets[0].Name, bulletin.Streets[0].Received));
        Assert.Equal(1, bulletin.Officers.Single().Rank);
    }

    [Theory]
    [InlineData("month", "2026-11-01", "2026-11-30", "2026-11", "2026年11月城市管理案件通报")]
    [InlineData("quarter", "2026-10-01", "2026-12-31", "2026-Q4", "2026年第4季度城市管理案件通报")]
    [InlineData("year", "2026-01-01", "2026-12-31", "2026", "2026年度城市管理案件通报")]
    [InlineData("week", "2026-11-23", "2026-11-29", "2026-W48", "2026年第48周城市管理案件通报")]
    [InlineData("day", "2026-11-23", "2026-11-23", "2026-11-23", "2026年11月23日城市管理案件通报")]
    [InlineData("range", "2026-11-01", "2026-11-15", "20261101-20261115", "2026年11月1日至2026年11月15日城市管理案件通报")]
    public void EveryKindOfPeriod_HasANumberAndATitle(string kind, string first, string last, string number, string title)
    {
        DateTimeOffset Day(string d) => new(DateTime.Parse(d, System.Globalization.CultureInfo.InvariantCulture), EvaluationPeriod.Offset);
        Assert.Equal((number, title), Bulletins.Name(kind, Day(first), Day(last)));
    }

    [Fact]
    public void ShippedTemplate_WritesTheFigures_AndEscapesEveryName()
    {
        using var store = new NoticeTemplateStore(folder: null);
        var hostile = Make() with
        {
            Channels = [new BulletinShare("x", "<script>alert('channel')</script>", 1, 100)],
            Streets = [new BulletinRank(1, "S", "<img src=x onerror=alert(1)>", 1, 1, 100, 100, 100, null)],
        };
        var rendering = new NoticeRenderer(store).Render(hostile);

        Assert.Null(rendering.Error);
        Assert.StartsWith("<!DOCTYPE html>", rendering.Text.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("本期共受理案件 4 件", rendering.Text, StringComparison.Ordinal);
        Assert.Contains("结案率 100.00%", rendering.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", rendering.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", rendering.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", rendering.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ABulletin_HasRoomForItsTables_ButATemplateThatLoopsForeverIsStopped()
    {
        var sandbox = new NoticeSandbox();
        var (_, errors) = sandbox.Check(NoticeKind.Bulletin, "{{ for i in 1..100000 }}x{{ end }}", "bulletin.scriban");
        Assert.Contains("loop", Assert.Single(errors).Message, StringComparison.OrdinalIgnoreCase);
        var (parsed, fine) = sandbox.Check(NoticeKind.Bulletin, "{{ for i in 1..5000 }}<tr><td>{{ i }}</td></tr>{{ end }}", "bulletin.scriban");
        Assert.Empty(fine);
        Assert.NotNull(parsed);
        // A notice of a case keeps its short limits.
        Assert.NotEmpty(sandbox.Check(NoticeKind.Closure, "{{ for i in 1..5000 }}x{{ end }}", "closure.scriban").Errors);
    }
}
