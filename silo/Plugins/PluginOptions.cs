using System.ComponentModel.DataAnnotations;

namespace GridServer.Silo.Plugins;

/// <summary>Duty-module plugins. Section <c>GridServer:Plugins</c>.</summary>
public sealed class PluginOptions : IValidatableObject
{
    public const string Section = "GridServer:Plugins";

    /// <summary>
    /// The plugins directory: one folder per module, watched while the server runs. Default: a <c>plugins</c> folder
    /// next to the executable when there is one; else none (only the built-in services).
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>How long one call into a module may take before the report goes on without it (and the call counts as a failure).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long making a module and reading its declarations may take when it loads. Longer than a call: the first
    /// run of a module's code compiles it (JIT), which on a busy machine takes seconds; a report's call stays short.
    /// </summary>
    public TimeSpan LoadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed calls (thrown, timed out, nonsense) after which a module is faulted and no longer called.</summary>
    public int FaultAfter { get; set; } = 3;

    /// <summary>
    /// How often this silo reports its modules to the cluster (<c>GET /api/plugins</c> on any silo) when nothing changed;
    /// a change is reported at once.
    /// </summary>
    public TimeSpan StatusHeartbeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The public keys whose signatures make an uploaded module package trusted (<c>TrustedKeys:N:Name</c>, and
    /// <c>:PublicKey</c> as PEM text or <c>:PublicKeyPath</c> to a PEM file): ECDSA P-256, P-384 or P-521.
    /// </summary>
    public List<TrustedKeyOptions> TrustedKeys { get; set; } = [];

    /// <summary>
    /// Development only: an uploaded package without a signature is taken (and run by a silo that allows it too). A
    /// package whose signature does not verify is refused all the same. Warned at every start.
    /// </summary>
    public bool AllowUnsigned { get; set; }

    /// <summary>
    /// Where this silo unpacks the uploaded packages it runs, one folder per version. Default: a folder of this process
    /// under the system's temporary folder, removed at exit. Each silo needs its own.
    /// </summary>
    public string? PackagesDirectory { get; set; }

    /// <summary>The largest package taken, in bytes (default 32 MiB).</summary>
    public long MaxPackageBytes { get; set; } = GridServer.Domain.Plugins.ModulePackageLimits.Default.MaxPackageBytes;

    /// <summary>The most a package may unpack to, in bytes (default 256 MiB).</summary>
    public long MaxUnpackedBytes { get; set; } = GridServer.Domain.Plugins.ModulePackageLimits.Default.MaxUnpackedBytes;

    /// <summary>The most entries a package's archive may hold (default 2,000).</summary>
    public int MaxPackageEntries { get; set; } = GridServer.Domain.Plugins.ModulePackageLimits.Default.MaxEntries;

    public GridServer.Domain.Plugins.ModulePackageLimits PackageLimits =>
        GridServer.Domain.Plugins.ModulePackageLimits.Default with { MaxPackageBytes = MaxPackageBytes, MaxUnpackedBytes = MaxUnpackedBytes, MaxEntries = MaxPackageEntries };

    /// <summary>Where this process unpacks packages, full path.</summary>
    public string ResolvedPackagesDirectory() =>
        !string.IsNullOrWhiteSpace(PackagesDirectory)
            ? Path.GetFullPath(PackagesDirectory)
            : Path.Combine(Path.GetTempPath(), "gridserver-module-packages", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The directory to load, full path, or null for none.</summary>
    public string? ResolvedDirectory()
    {
        if (!string.IsNullOrWhiteSpace(Directory)) return Path.GetFullPath(Directory);
        var beside = Path.Combine(AppContext.BaseDirectory, "plugins");
        return System.IO.Directory.Exists(beside) ? beside : null;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Directory) && !System.IO.Directory.Exists(Directory))
            yield return new ValidationResult($"{Section}:Directory '{Directory}' is not a directory; create it, or remove the setting to run without plugins", [nameof(Directory)]);
        if (CallTimeout < TimeSpan.FromMilliseconds(10) || CallTimeout > TimeSpan.FromMinutes(1))
            yield return new ValidationResult($"{Section}:CallTimeout is {CallTimeout}; give one between 00:00:00.010 and 00:01:00", [nameof(CallTimeout)]);
        if (LoadTimeout < TimeSpan.FromMilliseconds(100) || LoadTimeout > TimeSpan.FromMinutes(5))
            yield return new ValidationResult($"{Section}:LoadTimeout is {LoadTimeout}; give one between 00:00:00.100 and 00:05:00", [nameof(LoadTimeout)]);
        if (StatusHeartbeat < TimeSpan.FromSeconds(1) || StatusHeartbeat > TimeSpan.FromMinutes(10))
            yield return new ValidationResult($"{Section}:StatusHeartbeat is {StatusHeartbeat}; give one between 00:00:01 and 00:10:00", [nameof(StatusHeartbeat)]);
        if (FaultAfter is < 1 or > 1000)
            yield return new ValidationResult($"{Section}:FaultAfter is {FaultAfter}; give a number of failures from 1 to 1000", [nameof(FaultAfter)]);
        if (MaxPackageBytes is < 1024 or > 512L * 1024 * 1024)
            yield return new ValidationResult($"{Section}:MaxPackageBytes is {MaxPackageBytes}; give a size from 1024 to 536870912 bytes", [nameof(MaxPackageBytes)]);
        if (MaxUnpackedBytes < MaxPackageBytes || MaxUnpackedBytes > 4L * 1024 * 1024 * 1024)
            yield return new ValidationResult($"{Section}:MaxUnpackedBytes is {MaxUnpackedBytes}; give a size from MaxPackageBytes ({MaxPackageBytes}) to 4294967296 bytes", [nameof(MaxUnpackedBytes)]);
        if (MaxPackageEntries is < 1 or > 100_000)
            yield return new ValidationResult($"{Section}:MaxPackageEntries is {MaxPackageEntries}; give a number from 1 to 100000", [nameof(MaxPackageEntries)]);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < TrustedKeys.Count; i++)
        {
            var key = TrustedKeys[i];
            var at = $"{Section}:TrustedKeys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name) || key.Name.Length > 64)
                yield return new ValidationResult($"{at}:Name is required (1 to 64 characters): it names the key in answers and logs", [nameof(TrustedKeys)]);
            else if (!names.Add(key.Name))
                yield return new ValidationResult($"{at}:Name '{key.Name}' names another trusted key too", [nameof(TrustedKeys)]);
            if (key.Problem() is { } problem) yield return new ValidationResult($"{at}: {problem}", [nameof(TrustedKeys)]);
        }
    }
}

/// <summary>A public key trusted to sign module packages (section <c>GridServer:Plugins:TrustedKeys:N</c>).</summary>
public sealed class TrustedKeyOptions
{
    /// <summary>Who holds the private key (the bureau's release desk, a vendor): shown with every package it signed.</summary>
    public string? Name { get; set; }

    /// <summary>The public key as PEM text (<c>-----BEGIN PUBLIC KEY-----</c> …).</summary>
    public string? PublicKey { get; set; }

    /// <summary>A PEM file holding the public key, instead of <see cref="PublicKey"/>.</summary>
    public string? PublicKeyPath { get; set; }

    /// <summary>The PEM text, read from <see cref="PublicKeyPath"/> when given there.</summary>
    public string? Pem() => !string.IsNullOrWhiteSpace(PublicKey) ? PublicKey : !string.IsNullOrWhiteSpace(PublicKeyPath) && File.Exists(PublicKeyPath) ? File.ReadAllText(PublicKeyPath) : null;

    /// <summary>Why the key cannot be used, or null.</summary>
    public string? Problem()
    {
        var both = !string.IsNullOrWhiteSpace(PublicKey) && !string.IsNullOrWhiteSpace(PublicKeyPath);
        if (both) return "give PublicKey or PublicKeyPath, not both";
        if (string.IsNullOrWhiteSpace(PublicKey) && string.IsNullOrWhiteSpace(PublicKeyPath)) return "give the key as PublicKey (PEM text) or PublicKeyPath (a PEM file)";
        if (!string.IsNullOrWhiteSpace(PublicKeyPath) && !File.Exists(PublicKeyPath)) return $"PublicKeyPath '{PublicKeyPath}' is not a file";
        var (key, problem) = GridServer.Domain.Plugins.TrustedKey.FromPem(Name ?? "", Pem()!);
        key?.Dispose();
        return problem is null ? null : (string.IsNullOrWhiteSpace(PublicKeyPath) ? "PublicKey " : $"the file {PublicKeyPath} ") + problem;
    }
}
