using GridServer.Silo.Grids;
using GridServer.Silo.Plugins;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Hosting;

/// <summary>
/// The line a person starting the server reads: where it serves, what it serves and on what storage, once the
/// server listens. It stands in for the framework's own start-up lines, which the defaults keep below Warning
/// (<see cref="QuietDefaults"/>).
/// </summary>
public sealed partial class StartupSummary(
    IHostApplicationLifetime lifetime,
    IServer server,
    GridCatalog grids,
    ModuleRegistry modules,
    IOptions<StorageOptions> storage,
    ILogger<StartupSummary> logger) : IHostedService
{
    /// <summary>
    /// The framework categories whose Information lines are the start-up dump (every Orleans option, key-ring
    /// housekeeping, the hosting lifetime's lines): Warning by default, under every other configuration source, so
    /// <c>Logging:LogLevel:Orleans=Information</c> brings them back.
    /// </summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string?>> QuietDefaults =
    [
        // Orleans places each new grain through a Polly pipeline that logs every execution at Information.
        new("Logging:LogLevel:Polly", "Warning"),
        // One line an entry (the console logger's default takes two). The formatter must be named: without a name the
        // console logger builds its formatter's options from its own obsolete properties and drops these.
        new("Logging:Console:FormatterName", "simple"),
        new("Logging:Console:FormatterOptions:SingleLine", "true"),
        new("Logging:LogLevel:Orleans", "Warning"),
        new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"),
        new("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning"),
        // ASP.NET's key ring (made at start by its hosted service) protects nothing of this server: no cookie or
        // token is encrypted with it (the dashboard's session is a random value known to its silo), so its warnings
        // about where the unused keys are kept are noise.
        new("Logging:LogLevel:Microsoft.AspNetCore.DataProtection", "Error"),
    ];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Tell);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Tell()
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
            var first = (addresses.FirstOrDefault() ?? "(no HTTP address)").TrimEnd('/');
            var loaded = modules.Current.Modules.Where(m => m.State == ModuleState.Loaded).Select(m => m.Name).ToList();
            var serving = loaded.Count == 0 ? "no duty modules (built-in matters only)" : $"{loaded.Count} duty modules ({string.Join(", ", loaded)})";
            var where = storage.Value.IsPostgres ? "PostgreSQL" : "memory (embedded default: lost at exit)";
            var served = grids.Count;
            var all = string.Join(", ", addresses);
            LogServing(logger, all, first, served, serving, where);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "GridServer is serving {Addresses}: the console at {First}/console/, the API under /api (described at /openapi/v1.json); " +
        "{Grids} grids, {Modules}; state in {Storage}. Ctrl+C stops it")]
    private static partial void LogServing(ILogger logger, string addresses, string first, int grids, string modules, string storage);
}
