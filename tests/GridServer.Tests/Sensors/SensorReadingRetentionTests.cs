using System.Collections.Immutable;
using GridServer.Domain.Sensors;
using GridServer.Silo.Plugins;
using GridServer.Silo.Sensors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GridServer.Tests.Sensors;

public class SensorReadingRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static ModuleStatus SensorModule(string folder, TimeSpan window) =>
        new(folder, null, ModuleState.Loaded, folder, "1.0.0", "1", null, Now, 0, []) { Abilities = ModuleAbilities.None with { SensorWindow = window } };

    private static (SensorReadingRetention Retention, InMemorySensorStore Store, ModuleRegistry Modules) Make(TimeSpan retention)
    {
        var store = new InMemorySensorStore();
        var modules = new ModuleRegistry();
        var retentionService = new SensorReadingRetention(store, modules, Options.Create(new SensorOptions { ReadingRetention = retention }),
            new FakeTimeProvider(Now), NullLogger<SensorReadingRetention>.Instance);
        return (retentionService, store, modules);
    }

    private static SensorReadingRow Reading(DateTimeOffset at) => new("s-1", "bay", 120.65, 28.0, at, ImmutableSortedDictionary<string, double>.Empty.Add("occupied", 1));

    [Fact]
    public async Task Prune_DeletesWhatIsPastTheRetention_AllOfIt_AndKeepsTheRest()
    {
        var (retention, store, _) = Make(TimeSpan.FromDays(7));
        // More than one bite's worth, over three subjects.
        var old = Enumerable.Range(0, 4_000).Select(i => Reading(Now.AddDays(-8).AddSeconds(i))).ToList();
        foreach (var bay in new[] { "bay:1", "bay:2", "bay:3" })
            Assert.True(await store.WriteAsync(new SensorWrite(SensorSubjectRecord.New("parking", bay) with { Version = 1 }, [.. old, Reading(Now.AddDays(-6)), Reading(Now)])));

        Assert.Equal(12_000, await retention.PruneAsync(CancellationToken.None));

        foreach (var bay in new[] { "bay:1", "bay:2", "bay:3" })
            Assert.Equal([Now.AddDays(-6), Now], (await store.LoadAsync("parking", bay, null, 10_000)).Readings.Select(r => r.At));
    }

    [Fact]
    public void Cutoff_IsTheRetention_StretchedToTheLongestWindowOfALoadedSensorModule()
    {
        var (retention, _, modules) = Make(TimeSpan.FromDays(2));
        Assert.Equal(Now.AddDays(-2), retention.Cutoff(Now));

        modules.Publish(ModuleSnapshot.Empty with { Revision = 1, Modules = [SensorModule("dust", TimeSpan.FromHours(6)), SensorModule("slow", TimeSpan.FromDays(30))] });
        Assert.Equal(Now.AddDays(-30), retention.Cutoff(Now));
    }
}
