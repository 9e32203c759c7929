using GridServer.Grains.Cases;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;
using GridServer.Domain.Sensors;
using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Notices;
using GridServer.Abstractions.Personnel;
using GridServer.Abstractions.Sensors;
using GridServer.Grains;
using GridServer.Grains.Sensors;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace GridServer.Tests.Grains;

/// <summary>
/// Grain storage that fails the writes it is told to fail, then behaves: a store that hiccups. It counts the writes
/// that reached the store, so a test sees whether a retry really wrote.
/// </summary>
public sealed class FlakyStorage(IGrainStorage inner) : IGrainStorage
{
    public const string Inner = "flaky-inner";

    private static int _failures;
    private static int _written;

    /// <summary>The next <paramref name="count"/> writes fail.</summary>
    public static void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    public static int Written => Volatile.Read(ref _written);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Interlocked.Decrement(ref _failures) >= 0) throw new InvalidOperationException("the store is away (a test's flaky storage)");
        Interlocked.Exchange(ref _failures, 0);
        await inner.WriteStateAsync(stateName, grainId, grainState);
        Interlocked.Increment(ref _written);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>A sensor store that fails the writes it is told to fail, then behaves.</summary>
public sealed class FlakySensorStore : ISensorStore
{
    private readonly InMemorySensorStore _stored = new();
    private static int _failures;

    /// <summary>The next <paramref name="count"/> writes fail.</summary>
    public static void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    public Task<SensorSubjectLoad> LoadAsync(string folder, string subject, DateTimeOffset? since, int max, CancellationToken cancellationToken = default) =>
        _stored.LoadAsync(folder, subject, since, max, cancellationToken);

    public Task<bool> WriteAsync(SensorWrite write, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Decrement(ref _failures) >= 0) throw new InvalidOperationException("the store is away (a test's flaky sensor store)");
        Interlocked.Exchange(ref _failures, 0);
        return _stored.WriteAsync(write, cancellationToken);
    }

    public Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default) => _stored.PruneAsync(before, limit, cancellationToken);
}

/// <summary>One silo whose personnel storage (inboxes among it) and sensor store fail when told to.</summary>
public sealed class FlakyStorageCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            GridServer.Silo.Hosting.MemoryGrainStorage.AddOrleansSerializedMemoryStorage(silo, FlakyStorage.Inner);
            foreach (var name in new[] { GrainStorage.Personnel, GrainStorage.Cases })
                silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new FlakyStorage(sp.GetRequiredKeyedService<IGrainStorage>(FlakyStorage.Inner)));
            silo.Services.AddSingleton<ISensorStore>(new FlakySensorStore());
            silo.Services.AddSingleton<ISensorRules>(OpensAlways.Instance);
            silo.Services.AddSingleton<ICaseIntake>(OpensAlways.Instance);
            silo.UseInMemoryReminderService();
            silo.Services.AddKeyedSingleton<TimeProvider>(GrainClock.Key, TestClock.Router.Instance);
            var notices = new InMemoryNoticeStore();
            silo.Services.AddSingleton<INoticeStore>(notices);
            // Grid cells and officers read their open cases from the case store's search.
            silo.Services.AddSingleton<ICaseSearch>(new InMemoryCaseStore(notices));
        }
    }
}

/// <summary>A sensor module that asks for a case at every reading, and an intake that remembers the ids it was asked to open.</summary>
public sealed class OpensAlways : ISensorRules, ICaseIntake
{
    public static readonly OpensAlways Instance = new();

    public System.Collections.Concurrent.ConcurrentQueue<string> Opened { get; } = new();

    public TimeSpan? WindowOf(string folder) => TimeSpan.FromHours(1);

    public Task<SensorRuling> EvaluateAsync(string folder, SensorSituationData situation) =>
        Task.FromResult(new SensorRuling(true, null, new ModuleCaseRequest("noise", 120.65, 28.0, "too loud", null), Memo: "over"));

    public Task<CaseView> OpenAsync(string caseId, CaseReport report, ModuleParty? party = null, bool knownNew = false, CancellationToken cancellationToken = default)
    {
        Opened.Enqueue(caseId);
        return Task.FromResult(new CaseView(caseId, report.Matter, CaseState.Dispatched, null, null, null, null, null, null, null, false, 0, []));
    }
}

public sealed class FailedWriteTests(FlakyStorageCluster fixture) : IClassFixture<FlakyStorageCluster>
{
    [Fact]
    public async Task SensorSubject_AWriteThatFailedAfterOpening_TheRetryEvaluatesAgain_AndOpensTheSameCase()
    {
        var subject = fixture.Cluster.GrainFactory.GetGrain<ISensorSubjectGrain>("flaky-module|sensor:N-1");
        var reading = new SensorReadingData("N-1", "noise", 120.65, 28.0, ClusterFixture.Clock.GetUtcNow(),
            ImmutableSortedDictionary<string, double>.Empty.Add("level_db", 90));
        await subject.GetAsync();   // activated before the store goes away
        OpensAlways.Instance.Opened.Clear();

        FlakySensorStore.FailNext(1);
        await Assert.ThrowsAnyAsync<Exception>(() => subject.TakeAsync([reading]).AsTask());
        Assert.Equal(0, (await subject.GetAsync()).Readings);   // memory as the store has it

        var retried = await subject.TakeAsync([reading]);   // the gateway's retry: taken, not a duplicate
        Assert.Equal((1, 0), (retried.Taken, retried.Duplicates));
        var opened = OpensAlways.Instance.Opened.ToArray();
        Assert.Equal(2, opened.Length);
        Assert.Equal(opened[0], opened[1]);                      // the same case both times: the intake opens it once
        Assert.Equal(opened[0], retried.OpenedCaseId);
        Assert.Equal(opened[0], (await subject.GetAsync()).EpisodeCaseId);
    }

    [Fact]
    public async Task SensorSubject_KeptByAnOlderServerAsOneGrainState_IsReadOnceIntoTheStore_AndTheOldStateCleared()
    {
        var sensor = "L-" + Guid.NewGuid().ToString("N")[..8];
        var subject = fixture.Cluster.GrainFactory.GetGrain<ISensorSubjectGrain>(ISensorSubjectGrain.Key("legacy-module", "sensor:" + sensor));
        var silo = (InProcessSiloHandle)fixture.Cluster.Primary!;
        var storage = silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Cases);
        var reading = new SensorReadingData(sensor, "noise", 120.65, 28.0, ClusterFixture.Clock.GetUtcNow(), ImmutableSortedDictionary<string, double>.Empty.Add("level_db", 71));
        var old = new GrainState<SensorSubjectState>
        {
            State = new SensorSubjectState { Readings = [reading], Memo = "from before", EpisodeCaseId = "C-S-OLD", Episodes = 3 },
        };
        await storage.WriteStateAsync(SensorSubjectGrain.LegacyState, subject.GetGrainId(), old);

        var view = await subject.GetAsync();

        Assert.Equal((1, "from before", "C-S-OLD", 3), (view.Readings, view.Memo, view.EpisodeCaseId, view.Episodes));
        var load = await silo.SiloHost.Services.GetRequiredService<ISensorStore>().LoadAsync("legacy-module", "sensor:" + sensor, null, 10);
        Assert.Equal(("from before", 3), (load.Subject!.Memo, load.Subject.Episodes));
        Assert.Equal([reading.At], load.Readings.Select(r => r.At));
        var after = new GrainState<SensorSubjectState>();
        await storage.ReadStateAsync(SensorSubjectGrain.LegacyState, subject.GetGrainId(), after);
        Assert.False(after.RecordExists);
        // The same reading sent again is known: the store's copy is the subject's.
        Assert.Equal((0, 1), ((await subject.TakeAsync([reading])).Taken, (await subject.TakeAsync([reading])).Duplicates));
    }

    [Fact]
    public async Task AlertBatch_AWriteThatFailed_IsWrittenByTheRetry_AndTheAlertCountsOnce()
    {
        var community = "C-" + Guid.NewGuid().ToString("N")[..8];
        var batch = fixture.Cluster.GrainFactory.GetGrain<IAlertBatchGrain>(GridServer.Notices.NoticeInboxes.Community(community));
        NoticeRecord Alert() => new("N-" + Guid.NewGuid().ToString("N"), "", NoticeChannel.Webhook, "liaison-alert", ["C-1"], ["G-1"], "text", "test",
            ClusterFixture.Clock.GetUtcNow(), "recorded", [community]);
        await batch.AddAsync(Alert());   // the first of a window goes out at once; the next waits for the window to end
        var second = Alert();

        FlakyStorage.FailNext(1);
        await Assert.ThrowsAnyAsync<Exception>(() => batch.AddAsync(second).AsTask());
        Assert.Equal(0, await batch.WaitingAsync());   // memory as the store has it: nothing waits

        await batch.AddAsync(second);   // the relay's retry: taken
        Assert.Equal(1, await batch.WaitingAsync());
        await batch.AddAsync(second);   // handed over once more (its answer lost): counted once
        Assert.Equal(1, await batch.WaitingAsync());
    }

    // ---- every grain that keeps its state whole: a failed write leaves its memory as the store has it -------------

    private static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..14];

    /// <summary>
    /// The change's write fails: the caller hears of it and the grain answers as the store holds it (the change not
    /// made); the caller's retry then really writes, and the change is there.
    /// </summary>
    private static async Task FailedThenRetriedAsync(Func<Task> change, Func<Task<bool>> made)
    {
        FlakyStorage.FailNext(1);
        await Assert.ThrowsAnyAsync<Exception>(change);
        Assert.False(await made(), "the change shows although its write failed");
        var written = FlakyStorage.Written;
        await change();
        Assert.True(await made(), "the retried change does not show");
        Assert.True(FlakyStorage.Written > written, "the retry answered without writing");
    }

    [Fact]
    public async Task Liaison_GridRemovalWhoseWriteFailed_KeepsTheGridUntilTheRetryWrites()
    {
        var liaison = fixture.Cluster.GrainFactory.GetGrain<ILiaisonGrain>(Key("L"));
        await liaison.AddGridAsync("33030200100101");
        await FailedThenRetriedAsync(() => liaison.RemoveGridAsync("33030200100101").AsTask(),
            async () => !(await liaison.GetAsync()).Grids.Contains("33030200100101"));
    }

    [Fact]
    public async Task Squad_MemberRemovalWhoseWriteFailed_KeepsTheMemberUntilTheRetryWrites()
    {
        var squad = fixture.Cluster.GrainFactory.GetGrain<ISquadGrain>(Key("SQ"));
        var officer = Key("O");
        await squad.AddOfficerAsync(officer);
        await FailedThenRetriedAsync(() => squad.RemoveOfficerAsync(officer).AsTask(),
            async () => !(await squad.GetAsync()).Officers.Contains(officer));
    }

    [Fact]
    public async Task Community_LiaisonAddedWhoseWriteFailed_IsNotThereUntilTheRetryWrites()
    {
        var community = fixture.Cluster.GrainFactory.GetGrain<ICommunityGrain>(Key("CM"));
        var liaison = Key("L");
        await FailedThenRetriedAsync(() => community.AddLiaisonAsync(liaison).AsTask(),
            async () => (await community.GetLiaisonsAsync()).Contains(liaison));
    }

    [Fact]
    public async Task GridCell_LiaisonAddedWhoseWriteFailed_IsNotThereUntilTheRetryWrites()
    {
        var cell = fixture.Cluster.GrainFactory.GetGrain<IGridCellGrain>("330302" + Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var liaison = Key("L");
        await FailedThenRetriedAsync(() => cell.AddLiaisonAsync(liaison).AsTask(),
            async () => (await cell.GetResponsibilityAsync()).Liaisons.Contains(liaison));
    }

    [Fact]
    public async Task Officer_AbsenceWhoseWriteFailed_IsNotThereUntilTheRetryWrites()
    {
        var officer = fixture.Cluster.GrainFactory.GetGrain<IOfficerGrain>(Key("O"));
        var at = ClusterFixture.Clock.GetUtcNow();
        var absence = new AbsenceView(at.AddDays(1), at.AddDays(2), "training");
        await FailedThenRetriedAsync(() => officer.MarkAbsentAsync(absence).AsTask(),
            async () => (await officer.GetAsync(at)).Absences.Contains(absence));
    }
}
