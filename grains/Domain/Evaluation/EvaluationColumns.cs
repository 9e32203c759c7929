namespace GridServer.Domain.Evaluation;

/// <summary>
/// The columns of an indicator table, in the order every format writes them (JSON rows, CSV, XLSX, GeoJSON properties):
/// code and name, the counted indicators, the rates, handling time, score and rank, the change on the period before.
/// </summary>
public static class EvaluationColumns
{
    public static IReadOnlyList<string> Names { get; } =
    [
        "code", "name", .. Indicators.CountNames, .. Indicators.RateNames,
        "handlingHoursMedian", "handlingHoursP90", "score", "rank", "previousScore", "scoreChange",
    ];

    /// <summary>A row's values, in the order of <see cref="Names"/>.</summary>
    public static IEnumerable<object?> Values(EvaluationRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return
        [
            row.Code, row.Name, .. row.Counts.Values.Select(c => (object?)c), .. row.Rates.Values.Select(r => (object?)r),
            row.HandlingHoursMedian, row.HandlingHoursP90, row.Score, row.Rank, row.PreviousScore, row.ScoreChange,
        ];
    }

    /// <summary>The Chinese name of a column, for tables people read (<c>headers=zh</c>).</summary>
    public static string ChineseName(string column) =>
        column switch { "code" => "编码", "name" => "名称", _ => Indicators.ChineseName(column) ?? column };

    /// <summary>A unit with no case in the period: every count zero, no rate, no score.</summary>
    public static EvaluationRow Empty(string code, string? name, DateTimeOffset asOf)
    {
        var counts = Indicators.CountAll([], asOf);
        return new EvaluationRow(code, name, counts, Indicators.RatesOf(counts), null, null, null);
    }
}
