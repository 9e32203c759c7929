using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Cases;

namespace GridServer.Tests.Cases;

public class WorkCalendarTests
{
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);
    private static DateTimeOffset Local(int y, int m, int d, int h, int min) => new(y, m, d, h, min, 0, Cst);

    // 2026-10-01..07 National Day holidays; Sunday 2026-09-27 and Saturday 2026-10-10 are make-up workdays.
    private static readonly WorkingHoursCalendar Calendar = WorkingHoursCalendar.OfficeHours(
        holidays: Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d)),
        makeUpWorkdays: [new DateOnly(2026, 9, 27), new DateOnly(2026, 10, 10)]);

    [Fact]
    public void Add_FourWorkingHoursFromFridayAfternoon_EndsMondayMorning()
    {
        // Friday 2026-11-27 15:00 + 4 h: 2.5 h until 17:30, then 1.5 h from Monday 08:30.
        Assert.Equal(Local(2026, 11, 30, 10, 0), Calendar.Add(Local(2026, 11, 27, 15, 0), TimeSpan.FromHours(4)));
    }

    [Fact]
    public void Add_OverLunchBreak_SkipsTheBreak()
    {
        Assert.Equal(Local(2026, 11, 26, 14, 30), Calendar.Add(Local(2026, 11, 26, 11, 0), TimeSpan.FromHours(1.5)));
    }

    [Fact]
    public void Add_StartingAtNight_CountsFromNextMorning()
    {
        Assert.Equal(Local(2026, 11, 27, 9, 30), Calendar.Add(Local(2026, 11, 26, 22, 0), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Add_AcrossNationalDay_SkipsHolidaysAndUsesMakeUpWorkday()
    {
        // Wednesday 2026-09-30 17:00 + 1 h: 0.5 h that day, then the holidays, then Thursday 2026-10-08 08:30.
        Assert.Equal(Local(2026, 10, 8, 9, 0), Calendar.Add(Local(2026, 9, 30, 17, 0), TimeSpan.FromHours(1)));
        // Saturday 2026-09-26 is a weekend day; Sunday the 27th is a make-up workday.
        Assert.Equal(Local(2026, 9, 27, 9, 30), Calendar.Add(Local(2026, 9, 26, 10, 0), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Add_EndingExactlyAtClose_IsDueAtClose()
    {
        Assert.Equal(Local(2026, 11, 26, 17, 30), Calendar.Add(Local(2026, 11, 26, 17, 0), TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void Calendar_BadPeriods_RefusedWithReason()
    {
        Assert.Contains("ends before it starts", Assert.Throws<ArgumentException>(() =>
            new WorkingHoursCalendar(Cst, [new(new TimeOnly(12, 0), new TimeOnly(8, 0))])).Message);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() =>
            new WorkingHoursCalendar(Cst, [new(new TimeOnly(8, 0), new TimeOnly(12, 0)), new(new TimeOnly(11, 0), new TimeOnly(13, 0))])).Message);
        Assert.Throws<InvalidOperationException>(() =>
            new WorkingHoursCalendar(Cst, [new(new TimeOnly(8, 0), new TimeOnly(9, 0))], weekend: Enum.GetValues<DayOfWeek>()).Add(Local(2026, 1, 1, 0, 0), TimeSpan.FromHours(1)));
    }

    private static readonly Arbitrary<(int StartMinutes, int A, int B)> Spans =
        (from start in Gen.Choose(0, 60 * 24 * 60)
         from a in Gen.Choose(1, 60 * 40)
         from b in Gen.Choose(1, 60 * 40)
         select (start, a, b)).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Add_IsAdditiveAndMonotone() =>
        Prop.ForAll(Spans, s =>
        {
            var start = Local(2026, 9, 1, 0, 0).AddMinutes(s.StartMinutes);
            var a = TimeSpan.FromMinutes(s.A); var b = TimeSpan.FromMinutes(s.B);
            var stepwise = Calendar.Add(Calendar.Add(start, a), b);
            var whole = Calendar.Add(start, a + b);
            return stepwise == whole && Calendar.Add(start, a) >= start + a && whole > Calendar.Add(start, a);
        });

    [Fact]
    public void Between_OverAWeekendAndAHoliday_CountsOnlyWorkingTime()
    {
        // Friday 2026-11-27 15:00 to Monday 10:00: 2.5 h on Friday, 1.5 h on Monday.
        Assert.Equal(TimeSpan.FromHours(4), Calendar.Between(Local(2026, 11, 27, 15, 0), Local(2026, 11, 30, 10, 0)));
        // Across National Day: Wednesday 2026-09-30 17:00 to Thursday 2026-10-08 09:00: half an hour each side.
        Assert.Equal(TimeSpan.FromHours(1), Calendar.Between(Local(2026, 9, 30, 17, 0), Local(2026, 10, 8, 9, 0)));
        Assert.Equal(TimeSpan.Zero, Calendar.Between(Local(2026, 11, 30, 10, 0), Local(2026, 11, 27, 15, 0)));
        Assert.Equal(TimeSpan.FromHours(3), WallClockCalendar.Instance.Between(Local(2026, 11, 30, 10, 0), Local(2026, 11, 30, 13, 0)));
    }

    [Property(MaxTest = 200)]
    public Property Between_UndoesAdd(PositiveInt minutes, NonNegativeInt startMinute)
    {
        var start = Local(2026, 9, 20, 0, 0).AddMinutes(startMinute.Get % (60 * 24 * 40));
        var duration = TimeSpan.FromMinutes(minutes.Get % (60 * 24 * 10) + 1);
        var end = Calendar.Add(start, duration);
        return (Calendar.Between(start, end) == duration).Label($"{start:O} + {duration} = {end:O}");
    }
}
