namespace GridServer.Domain.Personnel;

/// <summary>Whether an officer can take a case now.</summary>
public enum DutyStatus
{
    OnDuty,
    OffDuty,
    /// <summary>On leave, sick, away: marked absent for a period, whatever the roster says.</summary>
    Absent,
}

/// <summary>A weekly shift in local time. An <paramref name="End"/> at or before <paramref name="Start"/> ends the next day (a night shift).</summary>
public readonly record struct WeeklyShift(DayOfWeek Day, TimeOnly Start, TimeOnly End);

/// <summary>A shift on one date, beyond the weekly ones (cover, events).</summary>
public readonly record struct ExtraShift(DateOnly Date, TimeOnly Start, TimeOnly End);

/// <summary>A period of absence, [From, To).</summary>
public readonly record struct Absence(DateTimeOffset From, DateTimeOffset To, string Reason);

/// <summary>
/// An officer's duty roster: weekly shifts, extra shifts on given dates, and absences, which win over
/// both. Local time is a fixed offset from UTC (UTC+8 in China, no daylight saving).
/// </summary>
public sealed record DutyRoster(IReadOnlyList<WeeklyShift> Weekly, IReadOnlyList<ExtraShift> Extra, IReadOnlyList<Absence> Absences, TimeSpan UtcOffset)
{
    public static DutyRoster Empty(TimeSpan utcOffset) => new([], [], [], utcOffset);

    public DutyStatus StatusAt(DateTimeOffset instant)
    {
        foreach (var a in Absences)
        {
            if (instant >= a.From && instant < a.To) return DutyStatus.Absent;
        }
        var local = instant.ToOffset(UtcOffset);
        var today = DateOnly.FromDateTime(local.DateTime);
        // A shift that started yesterday may still run today (night shifts), so look at both days.
        foreach (var day in new[] { today.AddDays(-1), today })
        {
            foreach (var s in Weekly)
            {
                if (s.Day == day.DayOfWeek && Covers(day, s.Start, s.End, local)) return DutyStatus.OnDuty;
            }
            foreach (var s in Extra)
            {
                if (s.Date == day && Covers(day, s.Start, s.End, local)) return DutyStatus.OnDuty;
            }
        }
        return DutyStatus.OffDuty;
    }

    private bool Covers(DateOnly day, TimeOnly start, TimeOnly end, DateTimeOffset local)
    {
        var from = new DateTimeOffset(day.ToDateTime(start), UtcOffset);
        var to = new DateTimeOffset((end <= start ? day.AddDays(1) : day).ToDateTime(end), UtcOffset);
        return local >= from && local < to;
    }
}
