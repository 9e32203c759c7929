using System.Net;
using GridServer.Abstractions.Personnel;
using GridServer.Silo.Hosting;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace GridServer.Tests.Cluster;

/// <summary>
/// One silo process of a PostgreSQL cluster with its gateway open, secured by the test run's cluster CA: the
/// processes the tests try to connect or join with. Started once for the class.
/// </summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public const string ClusterId = "gridserver-tls-test";

    public PostgisDatabase Database { get; } = new();

    public SiloProcess Silo { get; private set; } = null!;

    public int GatewayPort { get; } = FreePorts.Next();

    /// <summary>The settings of a silo of this cluster, but for its TLS ones.</summary>
    public Dictionary<string, string> Settings => new()
    {
        ["GridServer:Storage:Provider"] = "PostgreSQL",
        ["GridServer:Storage:ConnectionString"] = Database.ConnectionString,
        ["GridServer:Orleans:ClusterId"] = ClusterId,
    };

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        if (PostgisDatabase.Unavailable is not null) return;
        Silo = new SiloProcess("tls-silo", new Dictionary<string, string>(Settings)
        {
            ["GridServer:Orleans:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:GridServer.Silo.Hosting.ClusterTls"] = "Information",
        });
        await Silo.WaitHealthyAsync(TimeSpan.FromMinutes(3));
    }

    public async Task DisposeAsync()
    {
        if (Silo is not null) await Silo.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// The cluster's own ports take the cluster's certificate and nothing else: an Orleans client without TLS, or with a
/// certificate of another CA, cannot connect to the gateway; a silo with another CA's certificate cannot join. The
/// client with the cluster's certificate is the control: the same connection works when the certificate is right.
/// </summary>
public sealed class ClusterTlsTests(TlsClusterFixture cluster) : IClassFixture<TlsClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Starts an Orleans client of the test cluster through its gateway; throws when it cannot connect.</summary>
    private async Task<IHost> ConnectAsync(Action<IClientBuilder>? tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, cluster.GatewayPort));
            client.Configure<ClusterOptions>(o => { o.ClusterId = TlsClusterFixture.ClusterId; o.ServiceId = "gridserver"; });
            // One try: a refused connection fails the start at once instead of being retried until the bound. The try
            // itself may take long on a busy machine (a TLS handshake with two cores shared): Orleans' 5 s is not a verdict.
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = TimeSpan.FromMinutes(1));
            tls?.Invoke(client);
        });
        var host = builder.Build();
        try
        {
            using var bound = new CancellationTokenSource(Patience);
            await host.StartAsync(bound.Token);
            // A connected client answers a grain call; one that is not fails here.
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<ISquadGrain>("SQ-TLS-PROBE").GetAsync().AsTask().WaitAsync(bound.Token);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    [PostgisFact]
    public async Task Gateway_ClientWithTheClustersCertificate_ConnectsAndCallsAGrain()
    {
        using var host = await ConnectAsync(client => client.UseClusterTls(TestCertificates.Cluster.Material()));

        var squad = await host.Services.GetRequiredService<IClusterClient>().GetGrain<ISquadGrain>($"SQ-{Guid.NewGuid():N}").GetAsync();

        Assert.Null(squad.Leader);
    }

    [PostgisFact]
    public async Task Gateway_ClientWithoutTls_CannotConnect()
    {
        var failure = await Record.ExceptionAsync(() => ConnectAsync(tls: null));

        // Refused at the gateway (the connection closed under the client), not merely slow.
        Assert.IsType<Orleans.Runtime.Messaging.ConnectionFailedException>(failure);
    }

    [PostgisFact]
    public async Task Gateway_ClientWithAnotherCasCertificate_IsRefusedByTheSilo_AndLogged()
    {
        // The client trusts anything the silo shows: only the silo's judgement of the client's certificate stands.
        var failure = await Record.ExceptionAsync(() => ConnectAsync(client => client.UseTls(TestCertificates.Foreign.Silo, o => o.AllowAnyRemoteCertificate())));

        Assert.IsType<Orleans.Runtime.Messaging.ConnectionFailedException>(failure);
        await Eventually.HoldsAsync("the silo logged the refused certificate", () => Task.FromResult(
            cluster.Silo.Output.Contains("Refused a connection on the cluster's ports: certificate CN=gridserver-silo, O=Someone Else's CA", StringComparison.Ordinal)), Patience);
    }

    [PostgisFact]
    public async Task SiloPort_SiloWithAnotherCasCertificate_CannotJoin()
    {
        var intruderCa = $"Intruder CA {Guid.NewGuid():N}";
        await using var intruder = new SiloProcess("intruder", new Dictionary<string, string>(cluster.Settings).Concat(TestCertificates.Make(intruderCa).Settings)
            .ToDictionary(p => p.Key, p => p.Value));

        // The intruder tries to reach the member to join; the member refuses its certificate.
        await Eventually.HoldsAsync("the member refusing the intruder's certificate", () => Task.FromResult(
            cluster.Silo.Output.Contains($"Refused a connection on the cluster's ports: certificate CN=gridserver-silo, O={intruderCa}", StringComparison.Ordinal)), Patience);

        Assert.Equal(1L, await ActiveSilosAsync());
        using var health = await cluster.Silo.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [PostgisFact]
    public void Member_SaysAtStartThatItsPortsTakeMutualTlsOnly()
    {
        Assert.Contains($"Cluster {TlsClusterFixture.ClusterId}: mutual TLS only on silo port {cluster.Silo.SiloPort} and gateway port {cluster.GatewayPort}; trusted: CA CN=GridServer Test Cluster CA",
            cluster.Silo.Output, StringComparison.Ordinal);
    }

    private async Task<long> ActiveSilosAsync()
    {
        await using var command = cluster.Database.DataSource.CreateCommand("SELECT count(*) FROM orleans.membership WHERE status = 3 AND deployment_id = $1");
        command.Parameters.AddWithValue(TlsClusterFixture.ClusterId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
