using System.Collections.Immutable;
using GridServer.Plugins.Contracts;

namespace GridServer.Silo.Plugins;

/// <summary>What became of a module folder.</summary>
public enum ModuleState
{
    /// <summary>Loaded and called.</summary>
    Loaded,

    /// <summary>Loaded, but failed too many calls in a row: no longer called; its matters are handled generically.</summary>
    Faulted,

    /// <summary>Not taken: an incompatible contract, no module in the folder, or declarations the server cannot use.</summary>
    Refused,
}

/// <summary>Where a module came from.</summary>
public enum ModuleSource
{
    /// <summary>A folder of this silo's plugins directory (development and single-server use).</summary>
    Directory,

    /// <summary>A package uploaded to the cluster (<c>/api/plugins/packages</c>), unpacked into this silo's own folder.</summary>
    Package,
}

/// <summary>An uploaded package's version and SHA-256 (lower-case hex).</summary>
public sealed record PackageRef(string Version, string Sha256);

/// <summary>A package version this silo was asked to run and could not: why, and when. The silo runs what it ran before.</summary>
public sealed record PackageFailure(string Version, string Sha256, string Error, DateTimeOffset At);

/// <summary>
/// One module folder as this silo sees it. <see cref="Name"/>, <see cref="Version"/> and <see cref="ContractVersion"/>
/// are what the module declared (null when it could not be read); <see cref="Matters"/> are empty unless it was taken.
/// </summary>
public sealed record ModuleStatus(
    string Folder, string? AssemblyPath, ModuleState State, string? Name, string? Version, string? ContractVersion,
    string? LastError, DateTimeOffset Since, int ConsecutiveFailures, ImmutableArray<MatterDefinition> Matters)
{
    /// <summary>What the module declared beyond its matters (nothing unless it was taken).</summary>
    public ModuleAbilities Abilities { get; init; } = ModuleAbilities.None;

    /// <summary>Problems with the templates the module brings (a template that fails its check is not used); empty when none.</summary>
    public ImmutableArray<string> TemplateErrors { get; init; } = [];

    /// <summary>The plugins directory, or an uploaded package (then <see cref="Folder"/> is the module's name).</summary>
    public ModuleSource Source { get; init; } = ModuleSource.Directory;

    /// <summary>The uploaded package this status is of (for <see cref="ModuleSource.Package"/>), or null.</summary>
    public PackageRef? Package { get; init; }

    /// <summary>The last package version this silo failed to run instead, while it still runs <see cref="Package"/> (or nothing), or null.</summary>
    public PackageFailure? Failure { get; init; }
}

/// <summary>A matter a loaded module brings, and the module to call for it.</summary>
public sealed record ModuleMatter(MatterDefinition Definition, GuardedModule Module);

/// <summary>The modules of this silo at one moment: an immutable value, replaced as a whole when anything changes.</summary>
/// <remarks>
/// <see cref="DataSets"/>: the reference data sets of the loaded modules by name, with the module that keeps each;
/// <see cref="ReadingKinds"/>: the sensor reading kinds by name, with the module that takes each.
/// </remarks>
public sealed record ModuleSnapshot(long Revision, string? Directory, ImmutableArray<ModuleStatus> Modules, ImmutableDictionary<string, ModuleMatter> Matters)
{
    public static readonly ModuleSnapshot Empty = new(0, null, [], ImmutableDictionary.Create<string, ModuleMatter>(StringComparer.Ordinal));

    public ImmutableDictionary<string, ModuleDataSet> DataSets { get; init; } = ImmutableDictionary.Create<string, ModuleDataSet>(StringComparer.Ordinal);

    public ImmutableDictionary<string, GuardedModule> ReadingKinds { get; init; } = ImmutableDictionary.Create<string, GuardedModule>(StringComparer.Ordinal);

    /// <summary>The loaded (not faulted, not refused) module of a folder, or null.</summary>
    public GuardedModule? ModuleIn(string folder) =>
        Matters.Values.Select(m => m.Module).FirstOrDefault(m => m.Folder == folder);
}

/// <summary>A reference data set a loaded module keeps, and the module.</summary>
public sealed record ModuleDataSet(ReferenceDataSet Definition, GuardedModule Module);

/// <summary>
/// The current <see cref="ModuleSnapshot"/>, which the rest of the server reads (Open311 services, report checks,
/// <c>/api/plugins</c>). The plugin host swaps it atomically; a reader holds one snapshot for the whole of its work,
/// so a report in flight sees one consistent set of modules even while a module is reloaded.
/// </summary>
public sealed class ModuleRegistry
{
    private ModuleSnapshot _current = ModuleSnapshot.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModuleSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Completes when a snapshot newer than <paramref name="revision"/> is published (at once if one is).</summary>
    public Task WhenChangedAsync(long revision, CancellationToken cancellationToken = default)
    {
        var changed = Volatile.Read(ref _changed).Task;
        return Current.Revision > revision ? Task.CompletedTask : changed.WaitAsync(cancellationToken);
    }

    /// <summary>Publishes a snapshot (the plugin host's, one at a time) and wakes whoever waits for a change.</summary>
    internal void Publish(ModuleSnapshot snapshot)
    {
        Volatile.Write(ref _current, snapshot);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
