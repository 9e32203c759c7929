using System.Text.Json;
using GridServer.Silo.Grids;
using GridServer.Silo.Plugins;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace GridServer.Silo.Hosting;

/// <summary>
/// What a balancer and an orchestrator ask of a silo. <c>/health/live</c>: the process answers (restart it when it
/// does not). <c>/health/ready</c>: send it requests — its database answers, it is an active member of the cluster,
/// it serves the grids, it is not shutting down; 503 otherwise, with the check that failed named. Modules that
/// were refused or faulted make it "Degraded" (still 200: the server works, generically for those matters).
/// Anonymous, and saying nothing an outsider could use: no connection strings, no exception text (those are logged).
/// </summary>
public static partial class Health
{
    private const string Ready = "ready";

    public static void AddGridServerHealth(this IServiceCollection services, bool postgres)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<StoppingCheck>("stopping", tags: [Ready])
            .AddCheck<MembershipCheck>("cluster", tags: [Ready])
            .AddCheck<GridsCheck>("grids", tags: [Ready])
            .AddCheck<ModulesCheck>("modules", tags: [Ready]);
        if (postgres) checks.AddCheck<DatabaseCheck>("database", tags: [Ready]);
    }

    public static void MapGridServerHealth(this WebApplication app)
    {
        var get = new Microsoft.AspNetCore.Routing.HttpMethodMetadata([HttpMethods.Get]);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).WithMetadata(get).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).WithMetadata(get).AllowAnonymous();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        }, JsonSerializerOptions.Web));
    }

    /// <summary>Not ready once the host is stopping: the balancer drains this silo before it goes.</summary>
    internal sealed class StoppingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy("serving"));
    }

    /// <summary>This silo is an active member of the cluster (not joining, not leaving, not declared dead).</summary>
    internal sealed class MembershipCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var snapshot = membership.CurrentSnapshot;
            var status = snapshot.GetSiloStatus(silo.SiloAddress);
            var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"active, {active} active silo(s) in the cluster")
                : HealthCheckResult.Unhealthy($"this silo is {status}"));
        }
    }

    /// <summary>The grid index is loaded (a silo that cannot match a point to a grid cannot take reports).</summary>
    internal sealed class GridsCheck(GridCatalog catalog) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(catalog.Revision < 0
                ? HealthCheckResult.Unhealthy("grids not loaded yet")
                : HealthCheckResult.Healthy($"{catalog.Count} grids, revision {catalog.Revision}"));
    }

    /// <summary>Every module folder loaded; a refused or faulted one degrades (its matters are handled generically).</summary>
    internal sealed class ModulesCheck(ModuleRegistry registry) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var modules = registry.Current.Modules;
            var failed = modules.Where(m => m.State != ModuleState.Loaded).Select(m => m.Folder).ToList();
            return Task.FromResult(failed.Count == 0
                ? HealthCheckResult.Healthy($"{modules.Length} module(s) loaded")
                : HealthCheckResult.Degraded($"not loaded: {string.Join(", ", failed)} (GET /api/plugins says why)"));
        }
    }

    /// <summary>The database answers a query within two seconds.</summary>
    internal sealed partial class DatabaseCheck(NpgsqlDataSource database, ILogger<DatabaseCheck> logger) : IHealthCheck
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Patience);
            try
            {
                await using var command = database.CreateCommand("SELECT 1");
                command.CommandTimeout = (int)Patience.TotalSeconds;
                await command.ExecuteScalarAsync(timeout.Token);
                return HealthCheckResult.Healthy("answers");
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
            {
                LogUnreachable(logger, e);
                return HealthCheckResult.Unhealthy("does not answer");
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: the database does not answer")]
        private static partial void LogUnreachable(ILogger logger, Exception exception);
    }
}
