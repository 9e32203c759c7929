using System.Diagnostics;
using System.Globalization;
using GridServer.Abstractions.Plugins;
using GridServer.Domain.Plugins;
using GridServer.Silo.Hosting;
using GridServer.Storage.Plugins;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Plugins;

/// <summary>
/// Keeps this silo on the versions of the uploaded modules the cluster's catalog names for it: polls the catalog's
/// revision every <see cref="PollPeriod"/>, and on a change reads each version it does not run yet from the store,
/// checks it again with this silo's own keys and limits (hash, signature, structure), unpacks it into a folder of its
/// own and hands it to the <see cref="DutyModuleHost"/>. A version that fails here leaves the silo on what it ran and
/// is reported with it (<c>GET /api/plugins</c>); it is tried again at the catalog's next change.
/// </summary>
/// <remarks>
/// Polling, not a subscription: a silo that starts later, or missed a signal while its catalog's silo died, is on the
/// catalog within one period all the same. A poll is one grain call answering a number.
/// </remarks>
public sealed partial class ModulePackageFollower(
    IGrainFactory grains, IModulePackageStore store, DutyModuleHost host, PackageGate gate, ILocalSiloDetails silo,
    IOptions<PluginOptions> options, IHostApplicationLifetime lifetime, ILogger<ModulePackageFollower> logger) : PollingService(lifetime)
{
    public static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(1);

    private const string DefaultRootName = "gridserver-module-packages";

    /// <summary>The catalog revision this silo is on (-1: none yet).</summary>
    private long _seen = -1;

    private readonly string _root = options.Value.PackagesDirectory is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(Path.GetTempPath(), DefaultRootName, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}"[..24]);

    /// <summary>Where this silo unpacks the packages it runs.</summary>
    public string Root => _root;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // A database without the catalog's tables stops the server at start, naming the migration.
        if (store is PostgisModulePackageStore postgis) await postgis.CheckSchemaAsync(cancellationToken);
        PrepareRoot();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What was unpacked is a cache of the store: the next start unpacks what it runs anew.
        TryDelete(_root);
    }

    protected override TimeSpan Period => PollPeriod;

    protected override async Task PollAsync(CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key);
        if (await catalog.GetRevisionAsync() == _seen) return;
        var wanted = await catalog.GetWantedAsync(silo.SiloAddress.ToString());
        if (await SyncAsync(wanted, cancellationToken)) _seen = wanted.Revision;
    }

    // The catalog's silo gone, the store away: the modules running stay, the next poll tries again.
    protected override void OnFailure(Exception exception) => LogFollowFailed(logger, exception);

    /// <summary>Brings the host in line with what this silo should run; false when something must be tried again (a read failed).</summary>
    private async Task<bool> SyncAsync(WantedPackages wanted, CancellationToken cancellationToken)
    {
        var running = host.Packages;
        var complete = true;
        foreach (var package in wanted.Packages)
        {
            var target = new PackageRef(package.Version, package.Sha256);
            running.TryGetValue(package.Module, out var state);
            if (state.Running?.Sha256 == package.Sha256)
            {
                if (state.Failure is not null) host.ClearPackageFailure(package.Module);
                continue;
            }
            PackageBytes? bytes;
            try
            {
                bytes = await store.ReadAsync(package.Module, package.Version, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReadFailed(logger, e, package.Module, package.Version);
                complete = false;
                continue;
            }
            // Removed since the catalog was read: the next revision says what to run instead.
            if (bytes is null) continue;
            if (Prepare(package, bytes) is { } problem)
            {
                host.FailPackage(package.Module, target, problem);
                continue;
            }
            var folder = Path.Combine(_root, package.Module, $"{package.Version}-{package.Sha256[..12]}");
            host.ApplyPackage(package.Module, target, Path.Combine(folder, package.Module + ".dll"));
        }
        foreach (var module in running.Keys.Where(m => !wanted.Packages.Any(p => p.Module == m))) host.RemovePackage(module);
        return complete;
    }

    /// <summary>Checks the stored package here and unpacks it into its version's folder; the problem, or null when it is ready.</summary>
    private string? Prepare(WantedPackage package, PackageBytes bytes)
    {
        var verdict = gate.Check(bytes.Content, bytes.Signature);
        if (verdict.Sha256 != package.Sha256)
            return $"the stored package's SHA-256 is {verdict.Sha256}, the catalog says {package.Sha256}: it was changed after it was uploaded";
        if (verdict.Problem is { } refused) return $"refused on this silo: {refused}";
        var contents = verdict.Contents!;
        if (contents.Module != package.Module || contents.Version != package.Version)
            return $"the stored package holds {contents.Module} {contents.Version}, the catalog says {package.Module} {package.Version}";
        var folder = Path.Combine(_root, package.Module, $"{package.Version}-{package.Sha256[..12]}");
        // A version's folder is written once, under another name, and moved in whole: one that exists is complete.
        if (Directory.Exists(folder)) return null;
        var staging = Path.Combine(_root, ".staging-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var file in contents.Files)
            {
                var path = Path.GetFullPath(Path.Combine(staging, file.Path));
                // The reader refused every path that leaves the folder; this is the last guard before a write.
                if (!path.StartsWith(staging + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    return $"entry '{file.Path}' would be written outside the module's folder";
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                stream.Write(file.Content.Span);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            Directory.Move(staging, folder);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it could not be unpacked into {folder}: {e.Message}";
        }
        finally
        {
            TryDelete(staging);
        }
    }

    /// <summary>Makes the root empty, and removes what other processes that ended left under the default one.</summary>
    private void PrepareRoot()
    {
        TryDelete(_root);
        Directory.CreateDirectory(_root);
        if (options.Value.PackagesDirectory is { Length: > 0 }) return;
        var parent = Path.GetDirectoryName(_root)!;
        foreach (var other in Directory.GetDirectories(parent))
        {
            var name = Path.GetFileName(other);
            if (int.TryParse(name.Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !Alive(pid)) TryDelete(other);
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(logger, folder, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the module catalog failed; the modules running stay, trying again")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the package of {Module} {Version} failed; trying again")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string module, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {Folder}: {Error}")]
    private static partial void LogCleanupFailed(ILogger logger, string folder, string error);
}
