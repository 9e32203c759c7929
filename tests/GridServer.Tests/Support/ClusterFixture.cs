using GridServer.Grains;
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

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(GrainStorage.Personnel);
            silo.AddMemoryGrainStorage(GrainStorage.Cases);
            silo.Services.AddSingleton(TimeProvider.System);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Orleans cluster";
}
