using System.Collections.Immutable;
using GridServer.Abstractions.Sensors;
using GridServer.Grains.Sensors;

namespace GridServer.Tests.Sensors;

/// <summary>How a sensor subject takes a batch into the readings it keeps, directly: duplicates, stale readings, the window and the cap.</summary>
public sealed class SubjectReadingsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(30);

    private static SensorReadingData At(string sensor, int minutesAgo) =>
        new(sensor, "occupancy", 120.65, 28.0, Now.AddMinutes(-minutesAgo), ImmutableSortedDictionary<string, double>.Empty.Add("occupied", 1));

    [Fact]
    public void Take_NewReadings_ArriveOldestFirstBesideThoseHeld()
    {
        var held = new List<SensorReadingData> { At("S-1", 20) };

        var (kept, arrived, duplicates, stale) = SubjectReadings.Take(held, [At("S-1", 5), At("S-2", 10)], Now, Window, 100);

        Assert.Equal([Now.AddMinutes(-10), Now.AddMinutes(-5)], arrived!.Select(r => r.At));
        Assert.Equal([Now.AddMinutes(-20), Now.AddMinutes(-10), Now.AddMinutes(-5)], kept.Select(r => r.At));
        Assert.Equal((0, 0), (duplicates, stale));
    }

    [Fact]
    public void Take_ABatchSentAgain_ChangesNothing()
    {
        var batch = ImmutableArray.Create(At("S-1", 5), At("S-2", 5));
        var (held, _, _, _) = SubjectReadings.Take([], batch, Now, Window, 100);

        var (kept, arrived, duplicates, stale) = SubjectReadings.Take(held, batch, Now, Window, 100);

        Assert.Null(arrived);
        Assert.Equal(held, kept);
        Assert.Equal((2, 0), (duplicates, stale));
    }

    [Fact]
    public void Take_TheSameReadingTwiceInOneBatch_CountsOneDuplicate()
    {
        var (_, arrived, duplicates, _) = SubjectReadings.Take([], [At("S-1", 5), At("S-1", 5)], Now, Window, 100);

        Assert.Single(arrived!);
        Assert.Equal(1, duplicates);
    }

    [Fact]
    public void Take_ReadingsOlderThanTheWindow_AreStaleAndHeldOnesAgePast()
    {
        var held = new List<SensorReadingData> { At("S-1", 40) };

        var (kept, arrived, _, stale) = SubjectReadings.Take(held, [At("S-2", 31), At("S-2", 1)], Now, Window, 100);

        Assert.Equal(1, stale);
        Assert.Equal(["S-2"], arrived!.Select(r => r.SensorId));
        Assert.Equal(["S-2"], kept.Select(r => r.SensorId));
    }

    [Fact]
    public void Take_WithoutAWindow_NothingIsStaleAndNothingAgesPast()
    {
        var held = new List<SensorReadingData> { At("S-1", 600) };

        var (kept, arrived, _, stale) = SubjectReadings.Take(held, [At("S-2", 300)], Now, null, 100);

        Assert.Equal(0, stale);
        Assert.Single(arrived!);
        Assert.Equal(2, kept.Count);
    }

    [Fact]
    public void Take_PastTheCap_KeepsTheNewestAndReportsOnlyArrivalsStillKept()
    {
        var held = Enumerable.Range(1, 3).Select(m => At("S-1", m)).ToList();

        // Two arrive, one older than everything held: with room for 3, only the newest three stay.
        var (kept, arrived, _, _) = SubjectReadings.Take(held, [At("S-2", 0), At("S-2", 20)], Now, Window, 3);

        Assert.Equal([Now.AddMinutes(-2), Now.AddMinutes(-1), Now], kept.Select(r => r.At));
        Assert.Equal([Now], arrived!.Select(r => r.At));
    }

    [Fact]
    public void Take_ADefaultBatch_IsEmpty()
    {
        var (kept, arrived, duplicates, stale) = SubjectReadings.Take([At("S-1", 1)], default, Now, Window, 100);

        Assert.Null(arrived);
        Assert.Single(kept);
        Assert.Equal((0, 0), (duplicates, stale));
    }
}
