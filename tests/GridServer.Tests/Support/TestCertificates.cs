using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GridServer.Tests.Support;

/// <summary>
/// A certificate authority made for this test run, and a silo certificate it signed, written to a temporary folder
/// (never to the repository): what a bureau's cluster CA and its silos' certificates are in production.
/// </summary>
public sealed class TestCertificates
{
    /// <summary>The password of every PKCS#12 file made here.</summary>
    public const string Password = "test-certificate-password";

    /// <summary>The cluster the test servers run as: every PostgreSQL test silo presents its certificate and trusts its CA.</summary>
    public static TestCertificates Cluster => LazyCluster.Value;

    /// <summary>Another CA and its silo certificate: well formed, but no member of <see cref="Cluster"/>.</summary>
    public static TestCertificates Foreign => LazyForeign.Value;

    /// <summary>A CA of its own and a silo certificate it signed, named by <paramref name="authorityName"/> (its subject's O=).</summary>
    public static TestCertificates Make(string authorityName) => new(authorityName);

    private static readonly Lazy<TestCertificates> LazyCluster = new(() => new TestCertificates("GridServer Test Cluster CA"));
    private static readonly Lazy<TestCertificates> LazyForeign = new(() => new TestCertificates("Someone Else's CA"));

    private TestCertificates(string authorityName)
    {
        var folder = Directory.CreateTempSubdirectory("gridserver-certs-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest($"CN={authorityName}", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        Authority = authorityRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        AuthorityPath = Path.Combine(folder, "cluster-ca.pem");
        File.WriteAllText(AuthorityPath, Authority.ExportCertificatePem());

        using var siloKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var siloRequest = new CertificateRequest($"CN=gridserver-silo, O={authorityName}", siloKey, HashAlgorithmName.SHA256);
        siloRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        siloRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // A silo is both ends of its connections: server and client authentication.
        siloRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        siloRequest.CertificateExtensions.Add(names.Build());
        using var signed = siloRequest.Create(Authority, now.AddHours(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(siloKey);
        SiloPath = Path.Combine(folder, "silo.pfx");
        File.WriteAllBytes(SiloPath, withKey.Export(X509ContentType.Pkcs12, Password));
        Silo = X509CertificateLoader.LoadPkcs12FromFile(SiloPath, Password);
    }

    public X509Certificate2 Authority { get; }

    /// <summary>The CA certificate, PEM.</summary>
    public string AuthorityPath { get; }

    /// <summary>The silo certificate with its key, PKCS#12 with <see cref="Password"/>.</summary>
    public string SiloPath { get; }

    public X509Certificate2 Silo { get; }

    /// <summary>The settings of a silo that presents this silo certificate and trusts this CA.</summary>
    public Dictionary<string, string> Settings => new()
    {
        ["GridServer:Orleans:Tls:CertificatePath"] = SiloPath,
        ["GridServer:Orleans:Tls:CertificatePassword"] = Password,
        ["GridServer:Orleans:Tls:TrustedCaPath"] = AuthorityPath,
    };

    /// <summary>This silo certificate and CA loaded as a silo loads them (for an in-process cluster or an Orleans client).</summary>
    public GridServer.Silo.Hosting.ClusterTlsMaterial Material() => GridServer.Silo.Hosting.ClusterTls.Load(new()
    {
        CertificatePath = SiloPath,
        CertificatePassword = Password,
        TrustedCaPath = AuthorityPath,
    }, TimeProvider.System);

    /// <summary>
    /// The settings with the cluster's TLS added when they run a PostgreSQL cluster and say nothing of TLS themselves,
    /// as a deployed cluster is configured: the multi-silo tests run with TLS on.
    /// </summary>
    public static Dictionary<string, string> WithClusterTls(IReadOnlyDictionary<string, string> settings)
    {
        var all = new Dictionary<string, string>(settings);
        var durable = settings.TryGetValue("GridServer:Storage:Provider", out var provider) && string.Equals(provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase);
        if (durable && !settings.Keys.Any(k => k.StartsWith("GridServer:Orleans:Tls:", StringComparison.Ordinal)))
        {
            foreach (var (key, value) in Cluster.Settings) all[key] = value;
        }
        return all;
    }
}
