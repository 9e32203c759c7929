using System.Globalization;

namespace GridServer.Domain.Evaluation;

/// <summary>
/// A period of the bureau's calendar (China Standard Time, UTC+8, no daylight saving): [<see cref="From"/>,
/// <see cref="To"/>). <see cref="Previous"/> is the period of the same kind before it (a month's is the month before).
/// </summary>
public sealed record EvaluationPeriod(DateTimeOffset From, DateTimeOffset To, string Kind)
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>The longest period a table covers: a little over a year (a leap year and a margin).</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(400);

    public EvaluationPeriod Previous => Kind switch
    {
        "day" or "week" => new(From - (To - From), From, Kind),
        "month" => Month(Local(From).AddMonths(-1)),
        "quarter" => Quarter(Local(From).AddMonths(-3)),
        "year" => Year(Local(From).AddYears(-1)),
        _ => new(From - (To - From), From, Kind),
    };

    /// <summary>
    /// The period asked for: <paramref name="period"/> (day, week, month, quarter, year) around the local date
    /// <paramref name="date"/> (today when null); or <paramref name="from"/>/<paramref name="to"/>, local dates (both
    /// included) or instants with an offset (to excluded). The error says what is wrong.
    /// </summary>
    public static bool TryParse(string? period, string? date, string? from, string? to, DateTimeOffset now, out EvaluationPeriod? parsed, out string? error)
    {
        parsed = null;
        error = null;
        if (period is not null)
        {
            if (from is not null || to is not null) return Fail("give either period (with date) or from and to, not both", out error);
            var day = DateOnly.FromDateTime(now.ToOffset(Offset).DateTime);
            if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
                return Fail($"date '{Short(date)}' is not a date like 2026-11-15", out error);
            parsed = period switch
            {
                "day" => new(Start(day), Start(day.AddDays(1)), "day"),
                "week" => Week(day),
                "month" => Month(day),
                "quarter" => Quarter(day),
                "year" => Year(day),
                _ => null,
            };
            return parsed is not null || Fail($"period '{Short(period)}' is not one of day, week, month, quarter, year", out error);
        }
        if (date is not null) return Fail("date goes with period (day, week, month, quarter, year)", out error);
        if (from is null || to is null) return Fail("give period (day, week, month, quarter or year, with date) or both from and to", out error);
        if (!TryInstant(from, endOfDay: false, out var start)) return Fail($"from '{Short(from)}' is neither a date like 2026-11-01 nor a time like 2026-11-01T00:00:00+08:00", out error);
        if (!TryInstant(to, endOfDay: true, out var end)) return Fail($"to '{Short(to)}' is neither a date like 2026-11-30 nor a time like 2026-12-01T00:00:00+08:00", out error);
        if (end <= start) return Fail($"to ({to}) must come after from ({from})", out error);
        if (end - start > MaxLength) return Fail($"a period may be at most {MaxLength.TotalDays:F0} days long", out error);
        parsed = new EvaluationPeriod(start, end, "range");
        return true;
    }

    private static bool TryInstant(string text, bool endOfDay, out DateTimeOffset instant)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            instant = Start(endOfDay ? day.AddDays(1) : day);
            return true;
        }
        return DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture,
            DateTimeStyles.None, out instant) && text.Length > 19 && (text.EndsWith('Z') || text[^6] is '+' or '-');
    }

    private static DateOnly Local(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(Offset).DateTime);

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Offset);

    private static EvaluationPeriod Week(DateOnly day)
    {
        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        return new(Start(monday), Start(monday.AddDays(7)), "week");
    }

    private static EvaluationPeriod Month(DateOnly day)
    {
        var first = new DateOnly(day.Year, day.Month, 1);
        return new(Start(first), Start(first.AddMonths(1)), "month");
    }

    private static EvaluationPeriod Quarter(DateOnly day)
    {
        var first = new DateOnly(day.Year, (day.Month - 1) / 3 * 3 + 1, 1);
        return new(Start(first), Start(first.AddMonths(3)), "quarter");
    }

    private static EvaluationPeriod Year(DateOnly day) => new(Start(new DateOnly(day.Year, 1, 1)), Start(new DateOnly(day.Year + 1, 1, 1)), "year");

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }

    private static string Short(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
