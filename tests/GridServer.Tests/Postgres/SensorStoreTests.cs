using System.Collections.Immutable;
using GridServer.Domain.Sensors;
using GridServer.Storage.Sensors;
using GridServer.Tests.Support;

namespace GridServer.Tests.Postgres;

/// <summary>
/// The sensor store (migration V020) in PostGIS, a private database, and in memory (the embedded default): the same
/// steps give the same answers. Every test writes its own subjects.
/// </summary>
public class SensorStoreTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.FromHours(8));

    private static string NewSubject() => "bay:" + Guid.NewGuid().ToString("N");

    private static SensorReadingRow Reading(string sensor, DateTimeOffset at, double occupied = 1) =>
        new(sensor, "bay", 120.65, 28.01, at, ImmutableSortedDictionary<string, double>.Empty.Add("occupied", occupied).Add("voltage", 3.3));

    public static TheoryData<string> Stores => new() { "memory", "postgis" };

    private ISensorStore Store(string kind) => kind == "memory" ? new InMemorySensorStore() : new PostgisSensorStore(database.DataSource);

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Write_ThenLoad_TheSubjectAndItsReadings_OldestFirst(string kind)
    {
        var store = Store(kind);
        var subject = NewSubject();
        var record = SensorSubjectRecord.New("parking", subject) with { Version = 1, Memo = "occupied since 09:00", EpisodeCaseId = "C-S-1", EpisodeOpenedAt = T0, RecheckAt = T0.AddHours(2), Episodes = 1 };
        Assert.True(await store.WriteAsync(new SensorWrite(record, [Reading("s-1", T0.AddMinutes(5)), Reading("s-1", T0)])));

        var load = await store.LoadAsync("parking", subject, null, 100);
        Assert.Equal(record with { EpisodeOpenedAt = T0.ToUniversalTime(), RecheckAt = T0.AddHours(2).ToUniversalTime() },
            load.Subject! with { EpisodeOpenedAt = load.Subject.EpisodeOpenedAt?.ToUniversalTime(), RecheckAt = load.Subject.RecheckAt?.ToUniversalTime() });
        Assert.Equal([T0, T0.AddMinutes(5)], load.Readings.Select(r => r.At));
        Assert.Equal(new[] { ("occupied", 1.0), ("voltage", 3.3) }, load.Readings[0].Values.Select(v => (v.Key, v.Value)));
        Assert.Equal(("s-1", "bay", 120.65, 28.01), (load.Readings[0].SensorId, load.Readings[0].Kind, load.Readings[0].Lon, load.Readings[0].Lat));
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Load_ASubjectNeverWritten_IsNone_AndOnlyReadingsSinceAndTheNewestAreLoaded(string kind)
    {
        var store = Store(kind);
        var subject = NewSubject();
        var missing = await store.LoadAsync("parking", subject, null, 10);
        Assert.Null(missing.Subject);
        Assert.Empty(missing.Readings);

        var record = SensorSubjectRecord.New("parking", subject) with { Version = 1 };
        Assert.True(await store.WriteAsync(new SensorWrite(record, [.. Enumerable.Range(0, 10).Select(i => Reading("s-1", T0.AddMinutes(i)))])));
        var since = await store.LoadAsync("parking", subject, T0.AddMinutes(4), 100);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => T0.AddMinutes(i)), since.Readings.Select(r => r.At));
        var newest = await store.LoadAsync("parking", subject, null, 3);
        Assert.Equal(Enumerable.Range(7, 3).Select(i => T0.AddMinutes(i)), newest.Readings.Select(r => r.At));
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Write_NotTheNextVersion_IsRefused_AndWritesNothing(string kind)
    {
        var store = Store(kind);
        var subject = NewSubject();
        var first = SensorSubjectRecord.New("dust", subject) with { Version = 1, Memo = "first" };
        Assert.True(await store.WriteAsync(new SensorWrite(first, [Reading("m-1", T0)])));

        // Another activation that believed the subject new, and one that is a step behind.
        Assert.False(await store.WriteAsync(new SensorWrite(first with { Memo = "again" }, [Reading("m-1", T0.AddMinutes(1))])));
        Assert.False(await store.WriteAsync(new SensorWrite(first with { Version = 3, Memo = "ahead" }, [Reading("m-1", T0.AddMinutes(2))])));

        var load = await store.LoadAsync("dust", subject, null, 100);
        Assert.Equal(("first", 1L), (load.Subject!.Memo, load.Subject.Version));
        Assert.Equal([T0], load.Readings.Select(r => r.At));
        Assert.True(await store.WriteAsync(new SensorWrite(first with { Version = 2, Memo = "second" }, [Reading("m-1", T0.AddMinutes(1))])));
        Assert.Equal(2, (await store.LoadAsync("dust", subject, null, 100)).Readings.Count);
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Write_AReadingAlreadyStored_IsKeptOnce(string kind)
    {
        var store = Store(kind);
        var subject = NewSubject();
        var record = SensorSubjectRecord.New("parking", subject) with { Version = 1 };
        Assert.True(await store.WriteAsync(new SensorWrite(record, [Reading("s-1", T0)])));
        Assert.True(await store.WriteAsync(new SensorWrite(record with { Version = 2 }, [Reading("s-1", T0, occupied: 0), Reading("s-2", T0)])));
        var load = await store.LoadAsync("parking", subject, null, 100);
        Assert.Equal(["s-1", "s-2"], load.Readings.Select(r => r.SensorId).Order(StringComparer.Ordinal));
        Assert.Equal(1, load.Readings.Single(r => r.SensorId == "s-1").Values["occupied"]);
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task ManySubjectsAtOnce_EachIsWrittenWholeOrRefused(string kind)
    {
        var store = Store(kind);
        var subjects = Enumerable.Range(0, 300).Select(_ => NewSubject()).ToList();
        // Every other write is one version ahead: refused, with its readings, while its neighbours in the batch go through.
        var results = await Task.WhenAll(subjects.Select((s, i) =>
            store.WriteAsync(new SensorWrite(SensorSubjectRecord.New("parking", s) with { Version = i % 2 == 0 ? 1 : 2 }, [Reading("s", T0.AddSeconds(i))]))));
        Assert.Equal(subjects.Select((_, i) => i % 2 == 0), results);
        foreach (var (s, i) in subjects.Select((s, i) => (s, i)).Where(x => x.i % 10 < 2))
        {
            var load = await store.LoadAsync("parking", s, null, 10);
            Assert.Equal(i % 2 == 0, load.Subject is not null);
            Assert.Equal(i % 2 == 0 ? 1 : 0, load.Readings.Count);
        }
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Prune_RemovesReadingsBeforeTheTime_InBoundedBites(string kind)
    {
        var store = Store(kind);
        var subject = NewSubject();
        // Long ago, so that other tests' readings in the shared database are not older.
        var old = new DateTimeOffset(1999, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var record = SensorSubjectRecord.New("parking", subject) with { Version = 1 };
        Assert.True(await store.WriteAsync(new SensorWrite(record, [.. Enumerable.Range(0, 5).Select(i => Reading("s-1", old.AddMinutes(i))), Reading("s-1", T0)])));

        Assert.Equal(3, await store.PruneAsync(old.AddMinutes(10), 3));
        Assert.Equal(2, await store.PruneAsync(old.AddMinutes(10), 100));
        Assert.Equal(0, await store.PruneAsync(old.AddMinutes(10), 100));
        var load = await store.LoadAsync("parking", subject, null, 100);
        Assert.Equal([T0], load.Readings.Select(r => r.At));
        Assert.NotNull(load.Subject);
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task HostileText_IsStoredAsGiven(string kind)
    {
        var store = Store(kind);
        var subject = "bay:'); DROP TABLE gridserver.sensor_readings; --" + Guid.NewGuid().ToString("N");
        var record = SensorSubjectRecord.New("parking", subject) with { Version = 1, Memo = "\"}{\\u0000 车位 \u2028", LastError = new string('x', 10_000) };
        Assert.True(await store.WriteAsync(new SensorWrite(record, [Reading("s-'\"", T0)])));
        var load = await store.LoadAsync("parking", subject, null, 100);
        Assert.Equal((record.Memo, record.LastError), (load.Subject!.Memo, load.Subject.LastError));
        Assert.Equal("s-'\"", load.Readings.Single().SensorId);
    }
}
