using System.Collections.Immutable;
using System.Security.Cryptography;

namespace GridServer.Domain.Plugins;

/// <summary>
/// A public key the bureau trusts to sign module packages: ECDSA on P-256, P-384 or P-521, given as PEM
/// (<c>-----BEGIN PUBLIC KEY-----</c>, SubjectPublicKeyInfo, as <c>openssl ec -pubout</c> writes it).
/// </summary>
/// <remarks>
/// <see cref="Id"/> names the key in answers and logs: the first 16 hex digits of the SHA-256 of its
/// SubjectPublicKeyInfo (<c>openssl pkey -pubin -outform DER | sha256sum</c>), so it can be checked against the key file.
/// </remarks>
public sealed class TrustedKey : IDisposable
{
    private readonly ECDsa _key;

    private TrustedKey(string name, ECDsa key, string id)
    {
        Name = name;
        _key = key;
        Id = id;
    }

    public string Name { get; }

    public string Id { get; }

    /// <summary>The curve's size in bits (256, 384, 521).</summary>
    public int KeySize => _key.KeySize;

    /// <summary>Reads a key; the problem (not PEM, not a public key, not ECDSA, a curve not taken) instead when it cannot be used.</summary>
    public static (TrustedKey? Key, string? Problem) FromPem(string name, string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            return (null, "is not a PEM public key (-----BEGIN PUBLIC KEY-----, as 'openssl ec -in key.pem -pubout' writes it)");
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            return (null, $"is not an ECDSA public key this server can read ({e.Message}); RSA and other kinds of key are not taken");
        }
        if (key.KeySize is not (256 or 384 or 521))
        {
            var size = key.KeySize;
            key.Dispose();
            return (null, $"is an ECDSA key of {size} bits; use P-256, P-384 or P-521");
        }
        var id = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
        return (new TrustedKey(name, key, id), null);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is this key's signature of <paramref name="sha256"/> (the package's SHA-256):
    /// DER-encoded, as <c>openssl dgst -sha256 -sign</c> writes it, or the fixed-size r‖s form (IEEE P1363).
    /// </summary>
    public bool Verifies(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _key.VerifyHash(sha256, signature, DSASignatureFormat.Rfc3279DerSequence)
                || _key.VerifyHash(sha256, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>How a package's signature was judged.</summary>
public enum SignatureVerdict
{
    /// <summary>A trusted key's signature of the package's hash.</summary>
    Verified,

    /// <summary>No signature came with the package.</summary>
    Missing,

    /// <summary>A signature came, and no trusted key made it for these bytes (another key, or the package changed).</summary>
    Invalid,
}

/// <summary>The verdict on a signature and, when <see cref="SignatureVerdict.Verified"/>, the key that made it.</summary>
public sealed record SignatureCheck(SignatureVerdict Verdict, string? KeyId, string? KeyName);

/// <summary>Checks detached signatures of packages against the trusted keys. A signature is over the SHA-256 of the package's bytes.</summary>
public sealed class PackageSignatures(ImmutableArray<TrustedKey> keys)
{
    /// <summary>The longest signature taken (a DER P-521 signature is 139 bytes).</summary>
    public const int MaxSignatureBytes = 512;

    public ImmutableArray<TrustedKey> Keys { get; } = keys;

    public static string Sha256Hex(ReadOnlySpan<byte> package) => Convert.ToHexStringLower(SHA256.HashData(package));

    public SignatureCheck Check(ReadOnlySpan<byte> package, ReadOnlySpan<byte> signature)
    {
        if (signature.IsEmpty) return new(SignatureVerdict.Missing, null, null);
        if (signature.Length > MaxSignatureBytes) return new(SignatureVerdict.Invalid, null, null);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(package, hash);
        foreach (var key in Keys)
        {
            if (key.Verifies(hash, signature)) return new(SignatureVerdict.Verified, key.Id, key.Name);
        }
        return new(SignatureVerdict.Invalid, null, null);
    }
}
