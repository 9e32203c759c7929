using GridServer.Domain.Personnel;

namespace GridServer.Tests.Personnel;

public class DutyRosterTests
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);
    private static DateTimeOffset Local(int d, int h, int m = 0) => new(2026, 11, d, h, m, 0, Cst); // 2026-11-23 is a Monday

    private static readonly DutyRoster Roster = new(
        Weekly:
        [
            new(DayOfWeek.Monday, new TimeOnly(8, 0), new TimeOnly(16, 0)),
            new(DayOfWeek.Tuesday, new TimeOnly(22, 0), new TimeOnly(6, 0)),   // night shift into Wednesday
        ],
        Extra: [new(new DateOnly(2026, 11, 28), new TimeOnly(9, 0), new TimeOnly(12, 0))],  // a Saturday
        Absences: [new(Local(30, 0), Local(30, 12), "sick")],                              // Monday morning the 30th
        UtcOffset: Cst);

    [Theory]
    [InlineData(23, 8, 0, DutyStatus.OnDuty)]     // Monday shift starts
    [InlineData(23, 15, 59, DutyStatus.OnDuty)]
    [InlineData(23, 16, 0, DutyStatus.OffDuty)]   // end is exclusive
    [InlineData(24, 23, 0, DutyStatus.OnDuty)]    // Tuesday night
    [InlineData(25, 5, 59, DutyStatus.OnDuty)]    // still the Tuesday night shift on Wednesday morning
    [InlineData(25, 6, 0, DutyStatus.OffDuty)]
    [InlineData(28, 10, 0, DutyStatus.OnDuty)]    // extra shift on Saturday
    [InlineData(29, 10, 0, DutyStatus.OffDuty)]   // Sunday
    [InlineData(30, 9, 0, DutyStatus.Absent)]     // Monday, but marked absent
    [InlineData(30, 13, 0, DutyStatus.OnDuty)]    // absence over
    public void StatusAt_GivesRosterWithAbsencesWinning(int day, int hour, int minute, DutyStatus expected) =>
        Assert.Equal(expected, Roster.StatusAt(Local(day, hour, minute)));

    [Fact]
    public void StatusAt_InstantGivenInUtc_ReadInLocalTime()
    {
        // 00:30 UTC on Monday 23rd is 08:30 in UTC+8: on duty.
        Assert.Equal(DutyStatus.OnDuty, Roster.StatusAt(new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero)));
    }
}
