using GridServer.Domain.Evaluation;

namespace GridServer.Tests.Evaluation;

/// <summary>Periods of the bureau's calendar (UTC+8) as the API takes them, and what bad ones get.</summary>
public class EvaluationPeriodTests
{
    private static readonly TimeSpan Cst = EvaluationPeriod.Offset;
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 17, 0, 0, TimeSpan.Zero);   // 2026-12-02 01:00 in Shanghai

    private static EvaluationPeriod Parse(string? period, string? date = null, string? from = null, string? to = null)
    {
        Assert.True(EvaluationPeriod.TryParse(period, date, from, to, Now, out var parsed, out var error), error);
        return parsed!;
    }

    private static string Refused(string? period, string? date = null, string? from = null, string? to = null)
    {
        Assert.False(EvaluationPeriod.TryParse(period, date, from, to, Now, out _, out var error));
        return error!;
    }

    [Fact]
    public void Kinds_AroundADate_InTheBureausCalendar()
    {
        Assert.Equal((new DateTimeOffset(2026, 12, 2, 0, 0, 0, Cst), new DateTimeOffset(2026, 12, 3, 0, 0, 0, Cst)), (Parse("day").From, Parse("day").To));
        var week = Parse("week", "2026-11-15");          // a Sunday: its week began on Monday the 9th
        Assert.Equal((new DateTimeOffset(2026, 11, 9, 0, 0, 0, Cst), new DateTimeOffset(2026, 11, 16, 0, 0, 0, Cst)), (week.From, week.To));
        var quarter = Parse("quarter", "2026-11-15");
        Assert.Equal((new DateTimeOffset(2026, 10, 1, 0, 0, 0, Cst), new DateTimeOffset(2027, 1, 1, 0, 0, 0, Cst)), (quarter.From, quarter.To));
        var month = Parse("month", "2026-03-31");
        Assert.Equal((new DateTimeOffset(2026, 2, 1, 0, 0, 0, Cst), new DateTimeOffset(2026, 3, 1, 0, 0, 0, Cst)), (month.Previous.From, month.Previous.To));
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, Cst), Parse("year", "2026-06-01").Previous.From);
    }

    [Fact]
    public void Range_DatesIncludeTheLastDay_InstantsExcludeTheEnd()
    {
        var dates = Parse(null, from: "2026-11-01", to: "2026-11-30");
        Assert.Equal((new DateTimeOffset(2026, 11, 1, 0, 0, 0, Cst), new DateTimeOffset(2026, 12, 1, 0, 0, 0, Cst)), (dates.From, dates.To));
        Assert.Equal((dates.From.AddDays(-30), dates.From), (dates.Previous.From, dates.Previous.To));
        var instants = Parse(null, from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00+08:00");
        Assert.Equal(TimeSpan.FromHours(16), instants.To - instants.From);
    }

    [Theory]
    [InlineData("fortnight", null, null, null, "not one of day")]
    [InlineData("month", "2026-13-01", null, null, "not a date")]
    [InlineData("month", null, "2026-11-01", null, "not both")]
    [InlineData(null, "2026-11-01", null, null, "date goes with period")]
    [InlineData(null, null, "2026-11-01", null, "both from and to")]
    [InlineData(null, null, "2026-11-30", "2026-11-01", "must come after")]
    [InlineData(null, null, "2020-01-01", "2026-01-01", "at most 400 days")]
    [InlineData(null, null, "2026-11-01T00:00:00", "2026-11-02", "neither a date")]
    [InlineData(null, null, "yesterday", "2026-11-02", "neither a date")]
    [InlineData(null, null, "2026-11-01", "2026-11-02'; DROP TABLE cases; --", "neither a date")]
    public void Bad_AreRefusedSayingWhy(string? period, string? date, string? from, string? to, string expected)
    {
        Assert.Contains(expected, Refused(period, date, from, to));
    }
}
