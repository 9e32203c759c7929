using System.Collections.Immutable;
using GridServer.Domain.Plugins;

namespace GridServer.Abstractions.Plugins;

/// <summary>A stored version of a module's package (without its bytes).</summary>
/// <param name="Module">Its assembly's name, which is its name in the cluster.</param>
/// <param name="Sha256">The package's SHA-256, lower-case hex.</param>
/// <param name="Contract">The contract assembly version it was built against.</param>
/// <param name="SignedBy">The trusted key's id whose signature was checked at upload; null: unsigned.</param>
[GenerateSerializer, Immutable, Alias("plugins.package")]
public sealed record PackageInfo(
    [property: Id(0)] string Module,
    [property: Id(1)] string Version,
    [property: Id(2)] string Sha256,
    [property: Id(3)] long SizeBytes,
    [property: Id(4)] ModulePackageFormat Format,
    [property: Id(5)] string Contract,
    [property: Id(6)] string? SignedBy,
    [property: Id(7)] string UploadedBy,
    [property: Id(8)] DateTimeOffset UploadedAt)
{
    public StoredPackage ToStored() => new(Module, Version, Sha256, SizeBytes, Format, Contract, SignedBy, UploadedBy, UploadedAt);

    public static PackageInfo Of(StoredPackage p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.Module, p.Version, p.Sha256, p.SizeBytes, p.Format, p.Contract, p.SignedBy, p.UploadedBy, p.UploadedAt);
    }
}

/// <summary>Which version a module runs: <see cref="ActiveVersion"/> everywhere (null: disabled), <see cref="CanaryVersion"/> on <see cref="CanarySilo"/>.</summary>
[GenerateSerializer, Immutable, Alias("plugins.rollout")]
public sealed record RolloutInfo(
    [property: Id(0)] string Module,
    [property: Id(1)] string? ActiveVersion,
    [property: Id(2)] string? CanarySilo,
    [property: Id(3)] string? CanaryVersion,
    [property: Id(4)] string ChangedBy,
    [property: Id(5)] DateTimeOffset ChangedAt)
{
    public static RolloutInfo Of(ModuleRollout r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Module, r.ActiveVersion, r.CanarySilo, r.CanaryVersion, r.ChangedBy, r.ChangedAt);
    }
}

/// <summary>The catalog at one revision: every stored version, every module's rollout, the latest changes (newest first).</summary>
[GenerateSerializer, Immutable, Alias("plugins.catalog")]
public sealed record ModuleCatalogView(
    [property: Id(0)] long Revision,
    [property: Id(1)] ImmutableArray<PackageInfo> Packages,
    [property: Id(2)] ImmutableArray<RolloutInfo> Rollouts,
    [property: Id(3)] ImmutableArray<CatalogChange> History);

/// <summary>A version one silo should run: the module, its version and the package's hash.</summary>
[GenerateSerializer, Immutable, Alias("plugins.wanted")]
public sealed record WantedPackage([property: Id(0)] string Module, [property: Id(1)] string Version, [property: Id(2)] string Sha256);

/// <summary>What one silo should run at one revision of the catalog.</summary>
[GenerateSerializer, Immutable, Alias("plugins.wanted-set")]
public sealed record WantedPackages([property: Id(0)] long Revision, [property: Id(1)] ImmutableArray<WantedPackage> Packages);

/// <summary>A checked package to store: its description, its bytes and the detached signature it came with (null: unsigned).</summary>
[GenerateSerializer, Immutable, Alias("plugins.upload")]
public sealed record PackageUpload([property: Id(0)] PackageInfo Info, [property: Id(1)] byte[] Content, [property: Id(2)] byte[]? Signature);

/// <summary>
/// The cluster's module packages: which versions are stored, and which one each silo runs. A singleton: key
/// <see cref="Key"/>. Packages reach it checked (structure, contract, signature) by the silo that took the upload; every
/// silo checks them again before it runs one. The bytes go to the store (<see cref="IModulePackageStore"/>), from which
/// silos read them; this grain keeps the catalog without them.
/// </summary>
[Alias("plugins.catalog-grain")]
public interface IModuleCatalogGrain : IGrainWithStringKey
{
    public const string Key = "cluster";

    /// <summary>The most versions one module keeps: remove old ones to upload more.</summary>
    public const int MaxVersions = 50;

    /// <summary>The message of <see cref="AddAsync"/>'s answer when the version was stored already with the same hash.</summary>
    public const string AlreadyStored = "already stored";

    /// <summary>
    /// Stores a version. With <paramref name="activate"/> it becomes the active version too (with
    /// <paramref name="canarySilo"/>, only that silo's). A version already stored with the same hash is
    /// <see cref="CatalogOutcome.Unchanged"/> (and still activated when asked), its message <see cref="AlreadyStored"/>; with another hash a
    /// <see cref="CatalogOutcome.Conflict"/>.
    /// </summary>
    [Alias("add")] ValueTask<CatalogResult> AddAsync(PackageUpload upload, bool activate, string? canarySilo);

    /// <summary>Makes a stored version run on every silo (an upgrade or a rollback, clearing a canary), or on <paramref name="canarySilo"/> alone.</summary>
    [Alias("activate")] ValueTask<CatalogResult> ActivateAsync(string moduleName, string version, string? canarySilo, string actor);

    /// <summary>No silo runs the module any more (its versions stay stored).</summary>
    [Alias("disable")] ValueTask<CatalogResult> DisableAsync(string moduleName, string actor);

    /// <summary>Removes a stored version; refused while it is active or the canary.</summary>
    [Alias("remove-version")] ValueTask<CatalogResult> RemoveVersionAsync(string moduleName, string version, string actor);

    /// <summary>Removes a module and every version of it; refused unless it is disabled.</summary>
    [Alias("remove")] ValueTask<CatalogResult> RemoveAsync(string moduleName, string actor);

    [Alias("revision")] ValueTask<long> GetRevisionAsync();

    [Alias("get")] ValueTask<ModuleCatalogView> GetAsync();

    /// <summary>What <paramref name="silo"/> (its address as Orleans writes it) should run now.</summary>
    [Alias("wanted")] ValueTask<WantedPackages> GetWantedAsync(string silo);
}
