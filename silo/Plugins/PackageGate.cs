using System.Collections.Immutable;
using GridServer.Domain.Plugins;
using GridServer.Plugins.Contracts;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Plugins;

/// <summary>Why a package was refused, as the API answers it.</summary>
public enum PackageRefusal
{
    /// <summary>It came without a signature, and unsigned packages are not allowed.</summary>
    MissingSignature,

    /// <summary>A signature came, and no trusted key made it for these bytes.</summary>
    BadSignature,

    /// <summary>Its structure, contract or contents (<see cref="ModulePackageReader"/>).</summary>
    Contents,
}

/// <summary>What this silo makes of a package: its hash, whose signature it bears, and its contents or why it is refused.</summary>
public sealed record PackageVerdict(string Sha256, SignatureCheck Signature, ModulePackageContents? Contents, PackageRefusal? Refusal, string? Problem);

/// <summary>
/// This silo's trust in module packages: the bureau's trusted keys (<c>GridServer:Plugins:TrustedKeys</c>), whether
/// unsigned packages are allowed (development only), and the limits on a package's structure. The silo that takes an
/// upload checks it here before it is stored; every silo checks it here again before it unpacks it, with its own keys.
/// </summary>
public sealed partial class PackageGate : IDisposable
{
    private readonly PluginOptions _options;

    public PackageGate(IOptions<PluginOptions> options, ILogger<PackageGate> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        var keys = ImmutableArray.CreateBuilder<TrustedKey>();
        // The options were validated at start: every key reads.
        foreach (var configured in _options.TrustedKeys) keys.Add(TrustedKey.FromPem(configured.Name!, configured.Pem()!).Key!);
        Signatures = new PackageSignatures(keys.ToImmutable());
        var trusted = TrustedKeyList();
        if (_options.AllowUnsigned) LogUnsignedAllowed(logger, PluginOptions.Section);
        else if (keys.Count == 0) LogNoKeys(logger, PluginOptions.Section);
        else LogKeys(logger, keys.Count, trusted);
    }

    public PackageSignatures Signatures { get; }

    public bool AllowUnsigned => _options.AllowUnsigned;

    public ModulePackageLimits Limits => _options.PackageLimits;

    /// <summary>
    /// The signature first (no archive of an untrusted origin is parsed), then the package's structure and contract.
    /// </summary>
    public PackageVerdict Check(ReadOnlyMemory<byte> package, ReadOnlySpan<byte> signature)
    {
        var sha = PackageSignatures.Sha256Hex(package.Span);
        var signed = Signatures.Check(package.Span, signature);
        switch (signed.Verdict)
        {
            case SignatureVerdict.Invalid:
                return new(sha, signed, null, PackageRefusal.BadSignature,
                    $"the signature is not a trusted key's signature of this package (SHA-256 {sha}): it was made with another key, or the package changed after it was signed. Trusted keys: {TrustedKeyList()}");
            case SignatureVerdict.Missing when !AllowUnsigned:
                return new(sha, signed, null, PackageRefusal.MissingSignature,
                    $"the package is unsigned: sign its SHA-256 with a trusted key (openssl dgst -sha256 -sign key.pem -out module.sig module.zip) and send the signature, base64, as the X-Module-Signature header. Trusted keys: {TrustedKeyList()}");
        }
        var read = ModulePackageReader.Read(package, DutyContract.Major, Limits);
        return read.Accepted ? new(sha, signed, read.Contents, null, null) : new(sha, signed, null, PackageRefusal.Contents, read.Message);
    }

    public void Dispose()
    {
        foreach (var key in Signatures.Keys) key.Dispose();
    }

    private string TrustedKeyList() =>
        Signatures.Keys.IsEmpty ? $"none ({PluginOptions.Section}:TrustedKeys is empty)" : string.Join(", ", Signatures.Keys.Select(k => $"{k.Name} ({k.Id})"));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Section}:AllowUnsigned is true: unsigned module packages are taken and run. Development only")]
    private static partial void LogUnsignedAllowed(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "No trusted keys for module packages ({Section}:TrustedKeys): uploads are refused")]
    private static partial void LogNoKeys(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "Module packages signed by {Count} trusted keys are taken: {Keys}")]
    private static partial void LogKeys(ILogger logger, int count, string keys);
}
