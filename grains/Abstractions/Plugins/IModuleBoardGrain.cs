using System.Collections.Immutable;

namespace GridServer.Abstractions.Plugins;

/// <summary>One duty module as a silo reports it: what it declared, and what became of it there.</summary>
/// <param name="State">"loaded", "faulted" or "refused".</param>
/// <param name="Matters">The codes of the matters it brings (empty unless it was taken).</param>
[GenerateSerializer, Immutable, Alias("plugins.module-report")]
public sealed record ModuleReport(
    [property: Id(0)] string Folder,
    [property: Id(1)] string? Name,
    [property: Id(2)] string? Version,
    [property: Id(3)] string? ContractVersion,
    [property: Id(4)] string State,
    [property: Id(5)] DateTimeOffset Since,
    [property: Id(6)] string? LastError,
    [property: Id(7)] int ConsecutiveFailures,
    [property: Id(8)] ImmutableArray<string> Matters)
{
    /// <summary>"directory" (the silo's plugins directory) or "package" (uploaded to the cluster).</summary>
    [Id(9)] public string Source { get; init; } = "directory";

    /// <summary>The uploaded package's version the silo runs (or was refused), or null for a directory's module.</summary>
    [Id(10)] public string? PackageVersion { get; init; }

    /// <summary>The package's SHA-256 (lower-case hex), or null.</summary>
    [Id(11)] public string? PackageSha256 { get; init; }

    /// <summary>A package version the silo was asked to run and could not, while it runs <see cref="PackageVersion"/>; or null.</summary>
    [Id(12)] public string? FailedVersion { get; init; }

    /// <summary>Why <see cref="FailedVersion"/> did not run.</summary>
    [Id(13)] public string? FailedError { get; init; }
}

/// <summary>The duty modules of one silo at one moment.</summary>
/// <param name="Silo">The silo's address as Orleans writes it (<c>SiloAddress.ToString()</c>).</param>
/// <param name="ReportedAt">When the silo sent it (the silo's wall clock).</param>
/// <param name="Revision">The silo's module revision: it grows with every change there.</param>
/// <param name="Directory">The silo's plugins directory, or null when it has none.</param>
[GenerateSerializer, Immutable, Alias("plugins.silo-modules")]
public sealed record SiloModules(
    [property: Id(0)] string Silo,
    [property: Id(1)] DateTimeOffset ReportedAt,
    [property: Id(2)] long Revision,
    [property: Id(3)] string? Directory,
    [property: Id(4)] ImmutableArray<ModuleReport> Modules);

/// <summary>
/// Every silo's duty modules, as each silo last reported them (on every change, and as a heartbeat). A singleton: key
/// <see cref="Key"/>. Answers only the silos the membership holds active: a silo that left drops off.
/// </summary>
[Alias("plugins.board")]
public interface IModuleBoardGrain : IGrainWithStringKey
{
    public const string Key = "cluster";

    /// <summary>A silo's report; an older revision than the one kept for that silo is ignored.</summary>
    [Alias("report")] ValueTask ReportAsync(SiloModules report);

    /// <summary>The reports of the active silos, ordered by silo address.</summary>
    [Alias("get")] ValueTask<ImmutableArray<SiloModules>> GetAsync();
}
