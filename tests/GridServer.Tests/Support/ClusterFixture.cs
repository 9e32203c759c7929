using GridServer.Domain.Grids;
using GridServer.Domain.Cases;
using GridServer.Domain.Notices;
using GridServer.Grains;
using GridServer.Grains.Cases;
using GridServer.Grains.Grids;
using GridServer.Grains.Notices;
using GridServer.Domain.Webhooks;
using GridServer.Silo.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace GridServer.Tests.Support;

/// <summary>
/// One in-process Orleans test cluster (two silos, in-memory grain storage) shared by a test collection.
/// Every test uses its own grain keys, so tests never see each other's data.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>
    /// The silos' domain clock: each test that moves time starts its own (<see cref="TestClock.Start"/>); calls that carry
    /// none read <see cref="TestClock.Shared"/> (a Monday, 09:00 in UTC+8), which never moves.
    /// </summary>
    public static Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => TestClock.Shared;

    /// <summary>The grid store every silo of the cluster shares (as silos share PostGIS in production).</summary>
    public static readonly InMemoryGridStore GridStore = new(Clock);

    /// <summary>
    /// The matters' time rules: the defaults, plus "manhole" (handled within 2 hours, wall clock) and "rubbish"
    /// (within 4 working hours, office hours).
    /// </summary>
    public static readonly MatterPolicies Policies = new(new(CaseTimeLimits.Default),
    [
        KeyValuePair.Create("manhole", new MatterPolicy(CaseTimeLimits.Default with { HandleWithin = TimeSpan.FromHours(2) })),
        KeyValuePair.Create("rubbish", new MatterPolicy(CaseTimeLimits.Default, WorkingHours: true)),
    ], WorkingHoursCalendar.OfficeHours());
    /// <summary>The case store both silos write to (they run in this process), with the inboxes; tests read it and make it fail.</summary>
    public static readonly FlakyCaseStore Store = new();

    /// <summary>The notice templates both silos render with.</summary>
    public static readonly GridServer.Notices.NoticeTemplateStore Templates =
        new(Path.Combine(AppContext.BaseDirectory, "templates"), watch: false);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>The silos talk, and the test client connects, over mutual TLS with the test run's cluster certificate, as a deployed cluster does.</summary>
    private static readonly Lazy<GridServer.Silo.Hosting.ClusterTlsMaterial> Tls = new(TestCertificates.Cluster.Material);

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            GridServer.Silo.Hosting.ClusterTls.UseClusterTls(client, Tls.Value);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            GridServer.Silo.Hosting.ClusterTls.UseClusterTls(silo, Tls.Value);
            GridServer.Silo.Hosting.MemoryGrainStorage.AddOrleansSerializedMemoryStorage(silo, GrainStorage.Personnel);
            GridServer.Silo.Hosting.MemoryGrainStorage.AddOrleansSerializedMemoryStorage(silo, GrainStorage.Cases);
            silo.UseInMemoryReminderService();
            silo.Services.AddKeyedSingleton<TimeProvider>(GrainClock.Key, TestClock.Router.Instance);
            silo.Services.AddSingleton<IGridStore>(GridStore);
            silo.Services.AddSingleton(Policies);
            silo.Services.AddSingleton<ICaseStore>(Store);
            silo.Services.AddSingleton<ICaseSearch>(Store);
            silo.Services.AddSingleton<INoticeStore>(Store.Notices);
            silo.Services.AddSingleton<INoticeOutbox>(Store.Notices);
            silo.Services.AddSingleton<IGridLocator>(new StoreGridLocator(GridStore));
            silo.Services.AddSingleton<CaseNotices>();
            silo.Services.AddSingleton<OutboxRelay>();
            silo.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
            // The deadline clock sweeps only when a test asks (IDeadlineShardGrain.SweepAsync): tests move time themselves.
            silo.Services.Configure<DeadlineClockOptions>(o => o.SweepEvery = TimeSpan.Zero);
            // Webhooks go out over real HTTP to receivers the tests run on loopback, in plain http.
            silo.Services.AddWebhookDelivery();
            silo.Services.Configure<WebhookOptions>(o => { o.AllowPrivateAddresses = true; o.AllowPlainHttp = true; });
            // The shipped templates, as the silo's build copies them beside the tests; read once, not watched.
            silo.Services.AddSingleton(new GridServer.Notices.NoticeRenderer(Templates));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Orleans cluster";
}
