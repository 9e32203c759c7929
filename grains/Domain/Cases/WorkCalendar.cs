namespace GridServer.Domain.Cases;

/// <summary>How a time limit is counted: in wall-clock time or in working time.</summary>
public interface IWorkCalendar
{
    /// <summary>The instant at which <paramref name="duration"/> of counted time has passed since <paramref name="start"/>.</summary>
    DateTimeOffset Add(DateTimeOffset start, TimeSpan duration);

    /// <summary>How much counted time lies between <paramref name="start"/> and <paramref name="until"/> (zero when <paramref name="until"/> is not later).</summary>
    TimeSpan Between(DateTimeOffset start, DateTimeOffset until);
}

/// <summary>Every minute counts: "accept within 10 minutes".</summary>
public sealed class WallClockCalendar : IWorkCalendar
{
    public static readonly WallClockCalendar Instance = new();

    public DateTimeOffset Add(DateTimeOffset start, TimeSpan duration) => start + duration;

    public TimeSpan Between(DateTimeOffset start, DateTimeOffset until) => until > start ? until - start : TimeSpan.Zero;
}

/// <summary>A working period of a day, local time: [Start, End).</summary>
public readonly record struct WorkingPeriod(TimeOnly Start, TimeOnly End);

/// <summary>
/// Working hours: only minutes inside the working periods of working days count ("handle within 4
/// working hours"). Weekends and public holidays do not count, except weekend days declared working days
/// (调休 make-up days).
/// </summary>
/// <remarks>Local time is a fixed offset from UTC (China Standard Time, UTC+8, has no daylight saving).</remarks>
public sealed class WorkingHoursCalendar : IWorkCalendar
{
    private readonly TimeSpan _offset;
    private readonly WorkingPeriod[] _periods;
    private readonly HashSet<DayOfWeek> _weekend;
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _makeUpWorkdays;

    public WorkingHoursCalendar(TimeSpan utcOffset, IEnumerable<WorkingPeriod> periods,
        IEnumerable<DayOfWeek>? weekend = null, IEnumerable<DateOnly>? holidays = null, IEnumerable<DateOnly>? makeUpWorkdays = null)
    {
        _offset = utcOffset;
        _periods = periods.OrderBy(p => p.Start).ToArray();
        if (_periods.Length == 0) throw new ArgumentException("a working calendar needs at least one working period", nameof(periods));
        for (var i = 0; i < _periods.Length; i++)
        {
            if (_periods[i].End <= _periods[i].Start)
                throw new ArgumentException($"working period {_periods[i].Start}-{_periods[i].End} ends before it starts", nameof(periods));
            if (i > 0 && _periods[i].Start < _periods[i - 1].End)
                throw new ArgumentException($"working periods {_periods[i - 1].Start}-{_periods[i - 1].End} and {_periods[i].Start}-{_periods[i].End} overlap", nameof(periods));
        }
        _weekend = [.. weekend ?? [DayOfWeek.Saturday, DayOfWeek.Sunday]];
        _holidays = [.. holidays ?? []];
        _makeUpWorkdays = [.. makeUpWorkdays ?? []];
    }

    /// <summary>08:30-12:00 and 14:00-17:30, Monday to Friday, UTC+8: a common office day of a bureau.</summary>
    public static WorkingHoursCalendar OfficeHours(IEnumerable<DateOnly>? holidays = null, IEnumerable<DateOnly>? makeUpWorkdays = null) =>
        new(TimeSpan.FromHours(8),
            [new(new TimeOnly(8, 30), new TimeOnly(12, 0)), new(new TimeOnly(14, 0), new TimeOnly(17, 30))],
            holidays: holidays, makeUpWorkdays: makeUpWorkdays);

    public bool IsWorkingDay(DateOnly day) =>
        _makeUpWorkdays.Contains(day) || (!_holidays.Contains(day) && !_weekend.Contains(day.DayOfWeek));

    public DateTimeOffset Add(DateTimeOffset start, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (duration == TimeSpan.Zero) return start;
        var local = start.ToOffset(_offset);
        var remaining = duration;
        var day = DateOnly.FromDateTime(local.DateTime);
        // Ten years without a working minute means the calendar is wrong, not that the case may wait.
        for (var guard = 0; guard < 3660; guard++, day = day.AddDays(1))
        {
            if (!IsWorkingDay(day)) continue;
            foreach (var period in _periods)
            {
                var periodStart = new DateTimeOffset(day.ToDateTime(period.Start), _offset);
                var periodEnd = new DateTimeOffset(day.ToDateTime(period.End), _offset);
                var from = periodStart > local ? periodStart : local;
                if (from >= periodEnd) continue;
                var available = periodEnd - from;
                if (remaining <= available)
                {
                    // A limit that ends exactly at the close of a period is due then, not the next morning.
                    return (from + remaining).ToOffset(start.Offset);
                }
                remaining -= available;
            }
        }
        throw new InvalidOperationException("the working calendar has no working time in the next ten years");
    }

    public TimeSpan Between(DateTimeOffset start, DateTimeOffset until)
    {
        if (until <= start) return TimeSpan.Zero;
        start = start.ToOffset(_offset);
        var end = until.ToOffset(_offset);
        var total = TimeSpan.Zero;
        for (var day = DateOnly.FromDateTime(start.DateTime); day <= DateOnly.FromDateTime(end.DateTime); day = day.AddDays(1))
        {
            if (!IsWorkingDay(day)) continue;
            foreach (var period in _periods)
            {
                var periodStart = new DateTimeOffset(day.ToDateTime(period.Start), _offset);
                var periodEnd = new DateTimeOffset(day.ToDateTime(period.End), _offset);
                var a = periodStart > start ? periodStart : start;
                var b = periodEnd < end ? periodEnd : end;
                if (b > a) total += b - a;
            }
        }
        return total;
    }
}
