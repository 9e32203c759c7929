using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace GridServer.Tests.Postgres;

/// <summary>
/// Orleans' ADO.NET providers (clustering, grain storage, reminders) against the project's own schema,
/// gis-data/migrations/V002__orleans.sql, in a private PostGIS database: real silos, real SQL.
/// </summary>
public class OrleansSchemaTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private const string Storage = "orleansdb";
    private const string DeletingStorage = "orleansdb-deleting";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    /// <summary>A test cluster whose silos and client use the ADO.NET providers on the private database.</summary>
    /// <remarks>Silo and gateway ports are free ones chosen by the test host's port allocator.</remarks>
    private TestCluster Cluster(short silos, string clusterId, string serviceId)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ClusterId = clusterId;
        builder.Options.ServiceId = serviceId;
        builder.Options.UseTestClusterMembership = false;   // membership goes through our tables
        builder.Properties[ConnectionStringKey] = database.ConnectionString;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        return builder.Build();
    }

    private const string ConnectionStringKey = "OrleansSchemaTests:ConnectionString";

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var connectionString = silo.Configuration[ConnectionStringKey];
            silo.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = connectionString; });
            silo.AddAdoNetGrainStorage(Storage, options => options.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
                // Orleans' own binary serializer: a state type is known by its [Alias], never by its .NET
                // name (the default JSON serializer writes type names, so a rename would break loading).
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
            // The same storage, deleting rows on clear instead of emptying them (DeleteStorageKey).
            silo.AddAdoNetGrainStorage(DeletingStorage, options => options.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                o.DeleteStateOnClear = true;
            }));
            silo.UseAdoNetReminderService(o => { o.Invariant = "Npgsql"; o.ConnectionString = connectionString; });
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));   // tests only
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = configuration[ConnectionStringKey]; });
    }

    private static string NewId(string what) => $"{what}-{Guid.NewGuid():N}"[..24];

    private async Task<long> ScalarAsync(string sql, params object[] values)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds, or fails after <see cref="WaitLimit"/>.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        await Eventually.HoldsAsync(what, condition, WaitLimit, TimeSpan.FromMilliseconds(100));
    }

    [PostgisFact]
    public async Task Clustering_TwoSilos_BothActiveInTheMembershipTableAndInEachOthersView()
    {
        var clusterId = NewId("members");
        await using var cluster = Cluster(2, clusterId, NewId("svc"));
        await cluster.DeployAsync();

        await WaitUntilAsync(async () => await ScalarAsync(
            "SELECT count(*) FROM orleans.membership WHERE deployment_id = $1 AND status = 3", clusterId) == 2,
            "two Active rows in orleans.membership");
        var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        Assert.Equal(
            cluster.Silos.Select(s => s.SiloAddress).OrderBy(a => a.ToString()),
            hosts.Keys.OrderBy(a => a.ToString()));
        Assert.True(await ScalarAsync("SELECT version FROM orleans.membership_version WHERE deployment_id = $1", clusterId) >= 2);
    }

    [PostgisFact]
    public async Task GrainStorage_StateWrittenByOneCluster_IsReadByTheNextOnTheSameDatabase()
    {
        var serviceId = NewId("svc");
        var key = NewId("counter");
        await using (var first = Cluster(1, NewId("first"), serviceId))
        {
            await first.DeployAsync();
            await first.Client.GetGrain<ISchemaTestCounterGrain>(key).AddAsync(41);
            Assert.Equal(42, await first.Client.GetGrain<ISchemaTestCounterGrain>(key).AddAsync(1));
            await first.StopAllSilosAsync();
        }

        await using var second = Cluster(1, NewId("second"), serviceId);
        await second.DeployAsync();
        Assert.Equal(42, await second.Client.GetGrain<ISchemaTestCounterGrain>(key).GetAsync());

        // The row holds Orleans' binary form keyed on [Alias]: no .NET type name in it.
        await using var read = database.DataSource.CreateCommand(
            "SELECT payload FROM orleans.grain_state WHERE service_id = $1 AND grain_id_extension = $2");
        read.Parameters.Add(new NpgsqlParameter { Value = serviceId });
        read.Parameters.Add(new NpgsqlParameter { Value = key });
        var payload = (byte[])(await read.ExecuteScalarAsync())!;
        Assert.DoesNotContain(nameof(SchemaTestCounterState), System.Text.Encoding.UTF8.GetString(payload), StringComparison.Ordinal);
    }

    [PostgisFact]
    public async Task GrainStorage_WriteWithStaleETag_IsRefusedWithInconsistentStateException()
    {
        await using var cluster = Cluster(1, NewId("etag"), NewId("svc"));
        await cluster.DeployAsync();
        var storage = cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(Storage);
        var grainId = GrainId.Create("schema-test", NewId("stale"));
        const string grainType = "schema-test.counter";

        var original = new GrainState<SchemaTestCounterState>(new SchemaTestCounterState { Total = 1 });
        await storage.WriteStateAsync(grainType, grainId, original);   // first write: inserts, version 1
        var mine = new GrainState<SchemaTestCounterState>();
        var theirs = new GrainState<SchemaTestCounterState>();
        await storage.ReadStateAsync(grainType, grainId, mine);
        await storage.ReadStateAsync(grainType, grainId, theirs);
        Assert.Equal(original.ETag, mine.ETag);

        theirs.State!.Total = 2;
        await storage.WriteStateAsync(grainType, grainId, theirs);   // moves the version on
        mine.State!.Total = 3;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, grainId, mine));
        // A second insert (no ETag) of a row that exists is refused too.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(
            grainType, grainId, new GrainState<SchemaTestCounterState>(new SchemaTestCounterState { Total = 9 })));

        var stored = new GrainState<SchemaTestCounterState>();
        await storage.ReadStateAsync(grainType, grainId, stored);
        Assert.Equal(2, stored.State!.Total);

        await storage.ClearStateAsync(grainType, grainId, stored);
        var cleared = new GrainState<SchemaTestCounterState>();
        await storage.ReadStateAsync(grainType, grainId, cleared);
        Assert.Equal(0, cleared.State!.Total);
        Assert.Equal(stored.ETag, cleared.ETag);
    }

    [PostgisFact]
    public async Task GrainStorage_ClearWithDeleteStateOnClear_RemovesTheRow_ThenANewWriteInserts()
    {
        var serviceId = NewId("svc");
        await using var cluster = Cluster(1, NewId("delete"), serviceId);
        await cluster.DeployAsync();
        var storage = cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(DeletingStorage);
        var key = NewId("gone");
        var grainId = GrainId.Create("schema-test", key);
        const string grainType = "schema-test.counter";
        long Rows() => ScalarAsync("SELECT count(*) FROM orleans.grain_state WHERE service_id = $1 AND grain_id_extension = $2", serviceId, key).GetAwaiter().GetResult();

        var state = new GrainState<SchemaTestCounterState>(new SchemaTestCounterState { Total = 5 });
        await storage.WriteStateAsync(grainType, grainId, state);
        Assert.Equal(1, Rows());
        var stale = new GrainState<SchemaTestCounterState>();
        await storage.ReadStateAsync(grainType, grainId, stale);
        state.State!.Total = 6;
        await storage.WriteStateAsync(grainType, grainId, state);

        // A delete with an out-of-date version is refused and keeps the row.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(grainType, grainId, stale));
        Assert.Equal(1, Rows());
        await storage.ClearStateAsync(grainType, grainId, state);
        Assert.Equal(0, Rows());

        var fresh = new GrainState<SchemaTestCounterState>(new SchemaTestCounterState { Total = 7 });
        await storage.WriteStateAsync(grainType, grainId, fresh);
        var read = new GrainState<SchemaTestCounterState>();
        await storage.ReadStateAsync(grainType, grainId, read);
        Assert.Equal(7, read.State!.Total);
    }

    [PostgisFact]
    public async Task Clustering_DefunctSiloEntries_CleanedUp_LiveOnesKept()
    {
        var clusterId = NewId("defunct");
        await using var cluster = Cluster(1, clusterId, NewId("svc"));
        await cluster.DeployAsync();
        await WaitUntilAsync(async () => await ScalarAsync(
            "SELECT count(*) FROM orleans.membership WHERE deployment_id = $1 AND status = 3", clusterId) == 1, "one Active row");
        // A silo that died two days ago (status 6 = Dead) and one that died a minute ago.
        foreach (var (port, age) in new[] { (40001, "2 days"), (40002, "1 minute") })
        {
            await using var insert = database.DataSource.CreateCommand(
                "INSERT INTO orleans.membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, suspect_times, start_time, i_am_alive_time) " +
                $"VALUES ($1, '127.0.0.1', $2, 1, 'gone', 'host', 6, 0, NULL, now() - interval '{age}' - interval '1 hour', now() - interval '{age}')");
            insert.Parameters.Add(new NpgsqlParameter { Value = clusterId });
            insert.Parameters.Add(new NpgsqlParameter { Value = port });
            await insert.ExecuteNonQueryAsync();
        }
        var table = cluster.GetSiloServiceProvider().GetRequiredService<IMembershipTable>();

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1), CancellationToken.None);

        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM orleans.membership WHERE deployment_id = $1 AND port = 40001", clusterId));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM orleans.membership WHERE deployment_id = $1 AND port = 40002", clusterId));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM orleans.membership WHERE deployment_id = $1 AND status = 3", clusterId));
    }

    [PostgisFact]
    public async Task Reminders_RegisteredReminder_FiresAndUnregisterRemovesIt()
    {
        var serviceId = NewId("svc");
        await using var cluster = Cluster(1, NewId("remind"), serviceId);
        await cluster.DeployAsync();
        var grain = cluster.Client.GetGrain<ISchemaTestReminderGrain>(NewId("alarm"));

        await grain.StartAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM orleans.reminders WHERE service_id = $1", serviceId));
        await WaitUntilAsync(async () => await grain.TicksAsync() >= 2, "the reminder fires twice");

        await grain.StopAsync();
        Assert.False(await grain.IsRegisteredAsync());
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM orleans.reminders WHERE service_id = $1", serviceId));
    }
}

/// <summary>Test grain. Key: any string.</summary>
[Alias("test.schema-counter")]
public interface ISchemaTestCounterGrain : IGrainWithStringKey
{
    [Alias("add")] Task<int> AddAsync(int amount);

    [Alias("get")] Task<int> GetAsync();
}

[GenerateSerializer, Alias("test.schema-counter-state")]
public sealed class SchemaTestCounterState
{
    [Id(0)] public int Total { get; set; }
}

public sealed class SchemaTestCounterGrain(
    [PersistentState("counter", "orleansdb")] IPersistentState<SchemaTestCounterState> counter) : Grain, ISchemaTestCounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        counter.State.Total += amount;
        await counter.WriteStateAsync();
        return counter.State.Total;
    }

    public Task<int> GetAsync() => Task.FromResult(counter.State.Total);
}

/// <summary>Test grain with one reminder. Key: any string.</summary>
[Alias("test.schema-reminder")]
public interface ISchemaTestReminderGrain : IGrainWithStringKey
{
    [Alias("start")] Task StartAsync(TimeSpan period);

    [Alias("stop")] Task StopAsync();

    [Alias("ticks")] Task<int> TicksAsync();

    [Alias("registered")] Task<bool> IsRegisteredAsync();
}

public sealed class SchemaTestReminderGrain : Grain, ISchemaTestReminderGrain, IRemindable
{
    private const string Name = "tick";
    private int _ticks;

    public async Task StartAsync(TimeSpan period) => await this.RegisterOrUpdateReminder(Name, period, period);

    public async Task StopAsync()
    {
        if (await this.GetReminder(Name) is { } reminder) await this.UnregisterReminder(reminder);
    }

    public Task<int> TicksAsync() => Task.FromResult(_ticks);

    public async Task<bool> IsRegisteredAsync() => await this.GetReminder(Name) is not null;

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
