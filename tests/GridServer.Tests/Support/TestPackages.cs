using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace GridServer.Tests.Support;

/// <summary>
/// A signing key made for one test (never written anywhere): what a bureau's release desk holds. Its public half goes
/// into the server's trusted keys; packages are signed as <c>openssl dgst -sha256 -sign</c> does (DER ECDSA over the
/// package's SHA-256).
/// </summary>
public sealed class PackageSigner : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The public key, PEM (SubjectPublicKeyInfo).</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The key's id as the server names it: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo.</summary>
    public string KeyId => Convert.ToHexStringLower(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>The settings that make a server trust this key (as trusted key <paramref name="index"/>).</summary>
    public Dictionary<string, string> Settings(string name = "test release desk", int index = 0) => new()
    {
        [$"GridServer:Plugins:TrustedKeys:{index}:Name"] = name,
        [$"GridServer:Plugins:TrustedKeys:{index}:PublicKey"] = PublicKeyPem,
    };

    /// <summary>The detached signature, base64, for the X-Module-Signature header.</summary>
    public string Sign(byte[] package) => Convert.ToBase64String(_key.SignData(package, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => _key.Dispose();
}

/// <summary>Module packages made at test time from the modules the test project builds, and hostile archives.</summary>
public static class TestPackages
{
    /// <summary>A zip of a module's build output folder, as an operator zips it (files at the top of the archive).</summary>
    public static byte[] ZipOf(string folder, string? inside = null) =>
        Zip([.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => ((inside is null ? "" : inside + "/") + Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes(f)))]);

    /// <summary>A .nupkg of a module's build output: a .nuspec and the files under lib/net10.0/.</summary>
    public static byte[] NuGetOf(string folder, string id, string version)
    {
        var nuspec = $"""
            <?xml version="1.0" encoding="utf-8"?>
            <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
              <metadata><id>{id}</id><version>{version}</version><authors>test</authors><description>a duty module</description></metadata>
            </package>
            """;
        return Zip([
            ($"{id}.nuspec", Encoding.UTF8.GetBytes(nuspec)),
            ("[Content_Types].xml", Encoding.UTF8.GetBytes("<Types/>")),
            .. Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => ("lib/net10.0/" + Path.GetFileName(f), File.ReadAllBytes(f))),
        ]);
    }

    /// <summary>A zip with exactly these entries, in this order (duplicates and any names allowed).</summary>
    public static byte[] Zip(params (string Name, byte[] Content)[] entries) => Zip(entries.Select(e => (e.Name, e.Content, 0)).ToArray());

    /// <summary>A zip whose entries carry the given Unix mode bits (e.g. 0xA1FF for a symbolic link).</summary>
    public static byte[] Zip(params (string Name, byte[] Content, int UnixMode)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in entries)
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                if (mode != 0) entry.ExternalAttributes = mode << 16;
                using var stream = entry.Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
