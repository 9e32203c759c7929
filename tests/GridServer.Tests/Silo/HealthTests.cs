using System.Net;
using System.Text.Json;
using GridServer.Silo.Hosting;
using GridServer.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GridServer.Tests.Silo;

/// <summary>
/// Liveness and readiness as a balancer asks them: each check named with its state, the database checked when there
/// is one, not ready while shutting down or while the database does not answer, and nothing secret in the answer.
/// </summary>
public sealed class HealthTests(EmbeddedSilo embedded, PostgisDatabase database) : IClassFixture<EmbeddedSilo>, IClassFixture<PostgisDatabase>
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }

    [Fact]
    public async Task Embedded_LiveAndReady_EachCheckNamed_NoDatabaseCheck()
    {
        var (liveStatus, live) = await GetAsync(embedded.Client, "/health/live");
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (liveStatus, live.GetProperty("status").GetString()));

        var (readyStatus, ready) = await GetAsync(embedded.Client, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        var checks = ready.GetProperty("checks");
        Assert.Equal(["cluster", "grids", "modules", "stopping"], checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
        Assert.StartsWith("active", checks.GetProperty("cluster").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [PostgisFact]
    public async Task Postgres_ReadyChecksTheDatabase_AndSaysNothingOfItsConnection()
    {
        await using var factory = new SiloFactory(new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        });
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/health/ready");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        Assert.DoesNotContain(connection.Database!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(connection.Host!, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseThatDoesNotAnswer_IsUnhealthy_WithoutItsError()
    {
        // A port nothing listens on: refused at once.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        await using var nowhere = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=nobody;Password=secret-password;Timeout=2");
        var check = new Health.DatabaseCheck(nowhere, NullLogger<Health.DatabaseCheck>.Instance);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal((HealthStatus.Unhealthy, "does not answer"), (result.Status, result.Description));
    }

    [Fact]
    public async Task ShuttingDown_IsNotReady()
    {
        using var lifetime = new StoppingLifetime();
        var check = new Health.StoppingCheck(lifetime);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        lifetime.StopApplication();

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    private sealed class StoppingLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => _stopping.Cancel();
        public void Dispose() => _stopping.Dispose();
    }
}
