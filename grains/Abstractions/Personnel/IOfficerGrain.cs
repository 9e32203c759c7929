using System.Collections.Immutable;

namespace GridServer.Abstractions.Personnel;

/// <summary>Whether an officer can take a case now (mirrors the domain's DutyStatus).</summary>
[GenerateSerializer, Alias("personnel.duty-status")]
public enum OfficerDuty
{
    OnDuty,
    OffDuty,
    Absent,
}

/// <summary>A weekly shift, local time; an end at or before the start ends the next day.</summary>
[GenerateSerializer, Immutable, Alias("personnel.weekly-shift")]
public sealed record WeeklyShiftView([property: Id(0)] DayOfWeek Day, [property: Id(1)] TimeOnly Start, [property: Id(2)] TimeOnly End);

/// <summary>A shift on one date.</summary>
[GenerateSerializer, Immutable, Alias("personnel.extra-shift")]
public sealed record ExtraShiftView([property: Id(0)] DateOnly Date, [property: Id(1)] TimeOnly Start, [property: Id(2)] TimeOnly End);

/// <summary>A period of absence, [From, To).</summary>
[GenerateSerializer, Immutable, Alias("personnel.absence")]
public sealed record AbsenceView([property: Id(0)] DateTimeOffset From, [property: Id(1)] DateTimeOffset To, [property: Id(2)] string Reason);

/// <summary>An officer's roster. <see cref="UtcOffsetMinutes"/>: local time's offset (480 for UTC+8).</summary>
[GenerateSerializer, Immutable, Alias("personnel.roster")]
public sealed record RosterView(
    [property: Id(0)] ImmutableArray<WeeklyShiftView> Weekly,
    [property: Id(1)] ImmutableArray<ExtraShiftView> Extra,
    [property: Id(2)] int UtcOffsetMinutes);

/// <summary>An officer as they stand: roster (null until one is set), absences, duty at the time asked, open cases.</summary>
[GenerateSerializer, Immutable, Alias("personnel.officer-view")]
public sealed record OfficerView(
    [property: Id(0)] string OfficerId,
    [property: Id(1)] RosterView? Roster,
    [property: Id(2)] ImmutableArray<AbsenceView> Absences,
    [property: Id(3)] OfficerDuty Duty,
    [property: Id(4)] ImmutableArray<string> Cases);

/// <summary>
/// What decides an officer's duty at any time: roster and absences. A grid cell keeps it to answer
/// dispatches without asking the officer each time; the officer tells the cell when it changes.
/// </summary>
[GenerateSerializer, Immutable, Alias("personnel.duty-calendar")]
public sealed record DutyCalendarView([property: Id(0)] RosterView? Roster, [property: Id(1)] ImmutableArray<AbsenceView> Absences);

/// <summary>A grid officer (网格队员). Key: the officer's id, e.g. "O-0042".</summary>
[Alias("personnel.officer")]
public interface IOfficerGrain : IGrainWithStringKey
{
    [Alias("set-roster")] ValueTask SetRosterAsync(RosterView roster);

    [Alias("mark-absent")] ValueTask MarkAbsentAsync(AbsenceView absence);

    [Alias("duty-at")] ValueTask<OfficerDuty> GetDutyAsync(DateTimeOffset at);

    /// <summary>
    /// The officer's duty calendar (roster and every absence kept), for grid <paramref name="gridCode"/> to keep: the officer
    /// remembers (durably) that the grid keeps it and tells the grid to forget it whenever roster or absences change.
    /// </summary>
    [Alias("watch-calendar")] ValueTask<DutyCalendarView> WatchCalendarAsync(string gridCode);

    /// <summary>The grid no longer keeps this officer's calendar (the officer left its posts).</summary>
    [Alias("unwatch-calendar")] ValueTask UnwatchCalendarAsync(string gridCode);

    /// <summary>The officer's roster, absences (those not yet over at <paramref name="at"/>), duty at that time, and cases.</summary>
    [Alias("get")] ValueTask<OfficerView> GetAsync(DateTimeOffset at);

    /// <summary>The open cases this officer holds now, as the case store has them.</summary>
    [Alias("cases")] ValueTask<ImmutableArray<string>> GetCasesAsync();
}
