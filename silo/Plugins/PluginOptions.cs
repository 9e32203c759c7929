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
    }
}
