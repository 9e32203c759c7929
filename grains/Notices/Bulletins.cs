using System.Collections.Immutable;
using System.Globalization;
using GridServer.Domain.Evaluation;

namespace GridServer.Notices;

/// <summary>
/// Makes the bulletin (通报) of a period from the facts of its cases and of the period before: the city's figures, the
/// sources and problems as shares, and the rankings of districts, streets, squads, the best officers and the lowest grids.
/// Plain C#: the caller reads the facts and renders the model with the bulletin template.
/// </summary>
public static class Bulletins
{
    /// <summary>How many matters, officers and lowest grids a bulletin names.</summary>
    public const int TopCount = 10;

    /// <summary>How many rows a ranking of districts, streets or squads holds at most.</summary>
    public const int MaxRanked = 200;

    /// <summary>What the channel of reports entered by staff (collectors, the hotline's operators) is called.</summary>
    public const string StaffChannel = "人工录入（巡查、坐席）";

    /// <summary>What the server's own reports (sensors, scheduled checks) are called as a source.</summary>
    public const string SystemChannel = "物联感知与自动巡检";

    /// <param name="matterName">The matter as people say it, or null (its code is shown).</param>
    public static BulletinNotice Of(EvaluationPeriod period, DateTimeOffset asOf, Evaluator evaluator, IReadOnlyList<CaseFacts> facts,
        IReadOnlyList<CaseFacts> previous, Func<string, string?> matterName)
    {
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(matterName);
        EvaluationTable Table(EvaluationLevel level) => evaluator.Evaluate(level, period.From, period.To, asOf, facts, previous);
        var before = evaluator.Evaluate(EvaluationLevel.Matter, period.Previous.From, period.Previous.To, asOf, previous);
        var received = facts.Count;

        ImmutableArray<BulletinShare> Shares(EvaluationTable table, Func<EvaluationRow, string> name, int take) =>
        [
            .. table.Rows.Select(r => (Row: r, Count: r.Counts["received"])).Where(r => r.Count > 0)
                .OrderByDescending(r => r.Count).ThenBy(r => r.Row.Code, StringComparer.Ordinal).Take(take)
                .Select(r => new BulletinShare(r.Row.Code ?? "", name(r.Row), r.Count, Percent(r.Count, received) ?? 0)),
        ];

        static ImmutableArray<BulletinRank> Ranks(IEnumerable<EvaluationRow> rows) =>
            [.. rows.Select(r => new BulletinRank(r.Rank, r.Code ?? "", r.Name ?? r.Code ?? "", r.Counts["received"], r.Counts["closed"],
                Percent(r.Rates["closureRate"]), Percent(r.Rates["onTimeRate"]), r.Score, r.ScoreChange))];

        // Ranked units first, by rank (the table's order); a unit without a score (nothing due) after them.
        static IEnumerable<EvaluationRow> Ranked(EvaluationTable table) => table.Rows.Where(r => r.Code is not null && r.Counts["received"] > 0);

        var matters = Table(EvaluationLevel.Matter);
        var grids = Ranked(Table(EvaluationLevel.Grid)).Where(r => r.Score is not null).ToList();
        var local = period.From.ToOffset(EvaluationPeriod.Offset);
        var last = period.To.ToOffset(EvaluationPeriod.Offset).AddDays(-1);
        var (number, title) = Name(period.Kind, local, last);
        return new BulletinNotice(number, title, local, last, asOf.ToOffset(EvaluationPeriod.Offset),
            Figures(matters.Total), Figures(before.Total),
            Shares(Table(EvaluationLevel.Channel), r => r.Code switch { "staff" or null => StaffChannel, "system" => SystemChannel, var channel => r.Name ?? channel }, int.MaxValue),
            Shares(matters, r => matterName(r.Code ?? "") ?? r.Code ?? "", TopCount),
            Ranks(Ranked(Table(EvaluationLevel.District)).Take(MaxRanked)), Ranks(Ranked(Table(EvaluationLevel.Street)).Take(MaxRanked)),
            Ranks(Ranked(Table(EvaluationLevel.Squad)).Take(MaxRanked)), Ranks(Ranked(Table(EvaluationLevel.Officer)).Take(TopCount)),
            Ranks(grids.Skip(Math.Max(0, grids.Count - TopCount)).Reverse()));
    }

    /// <summary>The bulletin's number and title for a period of a kind.</summary>
    public static (string Number, string Title) Name(string kind, DateTimeOffset first, DateTimeOffset last) => kind switch
    {
        "month" => (first.ToString("yyyy-MM", CultureInfo.InvariantCulture), $"{first.Year}年{first.Month}月城市管理案件通报"),
        "quarter" => ($"{first.Year}-Q{(first.Month + 2) / 3}", $"{first.Year}年第{(first.Month + 2) / 3}季度城市管理案件通报"),
        "year" => (first.Year.ToString(CultureInfo.InvariantCulture), $"{first.Year}年度城市管理案件通报"),
        "week" => ($"{ISOWeek.GetYear(first.DateTime)}-W{ISOWeek.GetWeekOfYear(first.DateTime):00}",
            $"{ISOWeek.GetYear(first.DateTime)}年第{ISOWeek.GetWeekOfYear(first.DateTime)}周城市管理案件通报"),
        "day" => (first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), $"{first.Year}年{first.Month}月{first.Day}日城市管理案件通报"),
        _ => ($"{first:yyyyMMdd}-{last:yyyyMMdd}", $"{first.Year}年{first.Month}月{first.Day}日至{last.Year}年{last.Month}月{last.Day}日城市管理案件通报"),
    };

    private static BulletinFigures Figures(EvaluationRow total)
    {
        long C(string name) => total.Counts[name];
        double? R(string name) => Percent(total.Rates[name]);
        return new BulletinFigures(C("received"), C("registered"), C("dispatched"), C("due"), C("closed"), C("closedOnTime"), C("overdueOpen"),
            C("voided"), C("duplicates"), C("supervised"), C("followedUp"), R("closureRate"), R("onTimeRate"), R("acceptOnTimeRate"),
            R("satisfaction"), R("validReportRate"));
    }

    private static double? Percent(double? rate) => rate is { } r ? Math.Round(r * 100, 2) : null;

    private static double? Percent(long part, long whole) => whole == 0 ? null : Math.Round(100.0 * part / whole, 2);
}
