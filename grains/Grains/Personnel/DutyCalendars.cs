using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Personnel;

namespace GridServer.Grains.Personnel;

/// <summary>An officer's roster and absences as the domain reads them, made the same way by the officer and by the grids that keep it.</summary>
public static class DutyCalendars
{
    /// <summary>
    /// The longest a grid keeps a squad's leader or an officer's calendar without asking again. Changes reach the grid
    /// at once (squads and officers tell it); this bounds how long a grid that could not be told stays behind.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    public static DutyRoster ToDomain(RosterView? roster, IEnumerable<AbsenceView> absences) => new(
        roster is null ? [] : roster.Weekly.Select(s => new WeeklyShift(s.Day, s.Start, s.End)).ToList(),
        roster is null ? [] : roster.Extra.Select(s => new ExtraShift(s.Date, s.Start, s.End)).ToList(),
        absences.Select(a => new Absence(a.From, a.To, a.Reason)).ToList(),
        TimeSpan.FromMinutes(roster?.UtcOffsetMinutes ?? 480));

    public static DutyRoster ToDomain(DutyCalendarView calendar) => ToDomain(calendar.Roster, calendar.Absences);

    public static OfficerDuty ToView(DutyStatus status) => status switch
    {
        DutyStatus.OnDuty => OfficerDuty.OnDuty,
        DutyStatus.Absent => OfficerDuty.Absent,
        _ => OfficerDuty.OffDuty,
    };

    /// <summary>
    /// Tells each of <paramref name="grids"/> to forget what it keeps of its people (at once, all together). A grid that
    /// cannot be told is passed to <paramref name="notTold"/>: it asks again within <see cref="MaxAge"/> anyway.
    /// </summary>
    public static Task TellGridsAsync(IGrainFactory grains, IEnumerable<string> grids, Action<string, Exception> notTold) =>
        Task.WhenAll(grids.Select(async grid =>
        {
            try
            {
                await grains.GetGrain<IGridCellGrain>(grid).ForgetPeopleAsync();
            }
            catch (Exception e)
            {
                notTold(grid, e);
            }
        }));
}
