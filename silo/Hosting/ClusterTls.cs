using System.Collections.Immutable;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Connections.Security;

namespace GridServer.Silo.Hosting;

/// <summary>
/// Mutual TLS on the cluster's own ports (silo to silo, and the gateway when one is open). Section
/// <c>GridServer:Orleans:Tls</c>. Every connection presents a certificate and must trust the other side's: one
/// signed by the cluster's own CA (<see cref="TrustedCaPath"/>) or one of <see cref="TrustedThumbprints"/>.
/// </summary>
/// <remarks>
/// The machine's trust store plays no part: a certificate any public CA signed is no member of this cluster. The CA
/// named here must sign the cluster's certificates and nothing else (docs/deployment.md).
/// </remarks>
public sealed class ClusterTlsOptions
{
    public const string Section = OrleansOptions.Section + ":Tls";

    /// <summary>This silo's certificate with its private key: a PKCS#12 file (.pfx, .p12) or a PEM file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when <see cref="CertificatePath"/> is a PEM certificate that does not hold it.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of the PKCS#12 file, or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Instead of a file: the SHA-1 thumbprint of this silo's certificate in <see cref="StoreName"/>/<see cref="StoreLocation"/>.</summary>
    public string? StoreThumbprint { get; set; }

    public StoreName StoreName { get; set; } = StoreName.My;

    public StoreLocation StoreLocation { get; set; } = StoreLocation.CurrentUser;

    /// <summary>The cluster's own CA certificate(s), PEM or DER: a peer whose certificate chains to one is trusted.</summary>
    public string? TrustedCaPath { get; set; }

    /// <summary>SHA-256 fingerprints (hex; colons and spaces ignored) of peer certificates trusted one by one.</summary>
    public List<string> TrustedThumbprints { get; set; } = [];

    /// <summary>
    /// Lets a PostgreSQL cluster, or a gateway, run without TLS. Only for one silo on a machine nobody else reaches:
    /// otherwise anyone who reaches the silo port can join the cluster and call any grain.
    /// </summary>
    public bool AllowPlainText { get; set; }

    /// <summary>Whether this silo has a certificate set, and so speaks TLS on its cluster ports.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(StoreThumbprint);

    /// <summary>
    /// What is wrong with these settings for a silo whose cluster is <paramref name="durable"/> (PostgreSQL: silos on
    /// several machines) and whose gateway port is <paramref name="gatewayPort"/> (0: none); empty when nothing is.
    /// </summary>
    public IReadOnlyList<string> Problems(bool durable, int gatewayPort)
    {
        var problems = new List<string>();
        var fromFile = !string.IsNullOrWhiteSpace(CertificatePath);
        var fromStore = !string.IsNullOrWhiteSpace(StoreThumbprint);
        if (fromFile && fromStore) problems.Add($"{Section}: give CertificatePath or StoreThumbprint, not both");
        if (!fromFile && !string.IsNullOrWhiteSpace(KeyPath)) problems.Add($"{Section}:KeyPath is set but CertificatePath is not");
        if (fromStore && ClusterTls.Hex(StoreThumbprint!) is not { Length: 40 })
            problems.Add($"{Section}:StoreThumbprint must be the certificate's SHA-1 thumbprint, 40 hexadecimal digits");
        for (var i = 0; i < TrustedThumbprints.Count; i++)
        {
            if (ClusterTls.Hex(TrustedThumbprints[i] ?? "") is not { Length: 64 })
                problems.Add($"{Section}:TrustedThumbprints:{i} must be a certificate's SHA-256 fingerprint, 64 hexadecimal digits");
        }
        var trusts = !string.IsNullOrWhiteSpace(TrustedCaPath) || TrustedThumbprints.Count > 0;
        if (Enabled && !trusts)
            problems.Add($"{Section}: a certificate is set but nobody is trusted; set TrustedCaPath (the cluster's CA) or TrustedThumbprints (its silos' certificates)");
        if (!Enabled && trusts) problems.Add($"{Section}: TrustedCaPath or TrustedThumbprints is set but no certificate of this silo (CertificatePath or StoreThumbprint)");
        if (Enabled && AllowPlainText) problems.Add($"{Section}: AllowPlainText contradicts the certificate that is set; remove one");
        if (!Enabled && !AllowPlainText)
        {
            if (durable)
            {
                problems.Add($"{Section}: a PostgreSQL cluster needs mutual TLS between its silos: anyone who reaches a silo port could otherwise join the " +
                    $"cluster and call any grain. Set {Section}:CertificatePath (or StoreThumbprint) and TrustedCaPath (or TrustedThumbprints), see " +
                    $"docs/deployment.md; only for one silo on a machine nobody else reaches, set {Section}:AllowPlainText=true");
            }
            else if (gatewayPort != 0)
            {
                problems.Add($"{Section}: {OrleansOptions.Section}:GatewayPort opens a gateway, which must demand the cluster's client certificate: " +
                    $"set {Section}:CertificatePath (or StoreThumbprint) and TrustedCaPath (or TrustedThumbprints), or {Section}:AllowPlainText=true");
            }
        }
        return problems;
    }
}

/// <summary>
/// A silo's TLS material, loaded and checked: its own certificate, and whom it trusts. Judges the certificate every
/// connection on the cluster's ports presents.
/// </summary>
public sealed partial class ClusterTlsMaterial
{
    private readonly X509Certificate2Collection _authorities;
    private readonly ImmutableHashSet<string> _thumbprints;
    private readonly TimeProvider _time;

    internal ClusterTlsMaterial(X509Certificate2 certificate, X509Certificate2Collection authorities, IEnumerable<string> thumbprints, TimeProvider time)
    {
        Certificate = certificate;
        _authorities = authorities;
        _thumbprints = thumbprints.ToImmutableHashSet(StringComparer.Ordinal);
        _time = time;
    }

    /// <summary>This silo's certificate (with its private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Where refusals are logged; set once the host's logging exists (connections come only after start).</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>What trust rests on, for the start-up log.</summary>
    public string TrustDescription =>
        string.Join(" and ", new[]
        {
            _authorities.Count > 0 ? $"CA {string.Join(", ", _authorities.Select(a => a.Subject))}" : null,
            _thumbprints.Count > 0 ? $"{_thumbprints.Count} pinned certificate(s)" : null,
        }.OfType<string>());

    /// <summary>Whether a peer's certificate is the cluster's: pinned by SHA-256, or chaining to the cluster's CA; valid now either way.</summary>
    public bool Accepts(X509Certificate2 peer, X509Chain? presented, out string reason)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var now = _time.GetUtcNow();
        if (now < peer.NotBefore.ToUniversalTime() || now > peer.NotAfter.ToUniversalTime())
        {
            reason = $"it is valid from {peer.NotBefore.ToUniversalTime():u} to {peer.NotAfter.ToUniversalTime():u}";
            return false;
        }
        if (_thumbprints.Contains(ClusterTls.Sha256(peer)))
        {
            reason = "";
            return true;
        }
        if (_authorities.Count == 0)
        {
            reason = "its SHA-256 fingerprint is not among the trusted thumbprints";
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        // A private CA publishes no revocation lists: a silo is taken out by replacing the CA's certificates or by the firewall.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        // Intermediates the peer sent may help the chain; trust still ends only at the configured CA.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        if (chain.Build(peer))
        {
            reason = "";
            return true;
        }
        var status = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        reason = "it does not chain to the cluster's CA" + (status.Count > 0 ? $" ({string.Join("; ", status)})" : "");
        return false;
    }

    /// <summary>The TLS settings of every cluster connection, in and out: a certificate both ways, judged by <see cref="Accepts"/>.</summary>
    public void Apply(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        options.RemoteCertificateValidation = (peer, chain, _) =>
        {
            // The platform's verdict (policy errors) is set aside on purpose: it judges by the machine's trust store and
            // by host names, and the cluster trusts its own CA or pins, whatever names its silos have.
            if (Accepts(peer, chain, out var reason)) return true;
            LogRefused(Logger, peer.Subject, ClusterTls.Sha256(peer), reason);
            return false;
        };
    }

    /// <summary>Says at start what the cluster's ports take (to <see cref="Logger"/>).</summary>
    public void LogStart(string clusterId, int siloPort, string gateway)
    {
        var fingerprint = ClusterTls.Sha256(Certificate);
        var notAfter = Certificate.NotAfter.ToUniversalTime();
        ClusterTls.LogSecured(Logger, clusterId, siloPort, gateway, TrustDescription, Certificate.Subject, fingerprint, notAfter);
    }

    [LoggerMessage(EventId = 4040, Level = LogLevel.Warning,
        Message = "Refused a connection on the cluster's ports: certificate {Subject} (SHA-256 {Fingerprint}) is not the cluster's: {Reason}")]
    private static partial void LogRefused(ILogger logger, string subject, string fingerprint, string reason);
}

/// <summary>Loads <see cref="ClusterTlsOptions"/> into checked TLS material, and puts it on a silo or a client.</summary>
public static partial class ClusterTls
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>Upper-case hex digits of a thumbprint as people write it (colons, spaces), or null when it holds anything else.</summary>
    public static string? Hex(string text)
    {
        var hex = new string([.. text.Where(c => c is not (':' or ' '))]).ToUpperInvariant();
        return hex.Length > 0 && hex.All(char.IsAsciiHexDigit) ? hex : null;
    }

    /// <summary>A certificate's SHA-256 fingerprint, upper-case hex.</summary>
    public static string Sha256(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>
    /// Reads the certificate and the trusted CAs the settings name, and checks them: a private key, valid now, usable
    /// for both ends of a connection, and trusted by the same settings (peers configured alike would refuse it
    /// otherwise). A problem throws naming the setting.
    /// </summary>
    public static ClusterTlsMaterial Load(ClusterTlsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var certificate = LoadOwn(options);
        var authorities = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(options.TrustedCaPath))
        {
            var path = options.TrustedCaPath;
            if (!File.Exists(path)) throw Refused($"{ClusterTlsOptions.Section}:TrustedCaPath '{path}' does not exist");
            try
            {
                if (File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)) authorities.ImportFromPemFile(path);
                else authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
            catch (CryptographicException e)
            {
                throw Refused($"{ClusterTlsOptions.Section}:TrustedCaPath '{path}' could not be read as PEM or DER certificates: {e.Message}");
            }
            if (authorities.Count == 0) throw Refused($"{ClusterTlsOptions.Section}:TrustedCaPath '{path}' holds no certificate");
            if (authorities.FirstOrDefault(a => a.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true }) is { } notCa)
                throw Refused($"{ClusterTlsOptions.Section}:TrustedCaPath '{path}' holds {notCa.Subject}, which is no CA certificate (basic constraints CA:TRUE); name the CA that signs the silos' certificates");
        }
        var material = new ClusterTlsMaterial(certificate, authorities, options.TrustedThumbprints.Select(t => Hex(t)!), time);
        if (!material.Accepts(certificate, null, out var reason))
            throw Refused($"{ClusterTlsOptions.Section}: this silo's own certificate {certificate.Subject} is not trusted by the trust settings: {reason}; " +
                "silos configured alike would refuse it");
        return material;
    }

    /// <summary>Mutual TLS on the silo's inbound silo and gateway connections and its outbound silo connections.</summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsMaterial material)
    {
        ArgumentNullException.ThrowIfNull(material);
        return silo.UseTls(material.Apply);
    }

    /// <summary>Mutual TLS for an Orleans client of a cluster whose gateway demands the cluster's certificate.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTlsMaterial material)
    {
        ArgumentNullException.ThrowIfNull(material);
        return client.UseTls(material.Apply);
    }

    private static X509Certificate2 LoadOwn(ClusterTlsOptions options)
    {
        X509Certificate2 certificate;
        var section = ClusterTlsOptions.Section;
        if (!string.IsNullOrWhiteSpace(options.StoreThumbprint))
        {
            var thumbprint = Hex(options.StoreThumbprint)!;
            try
            {
                using var store = new X509Store(options.StoreName, options.StoreLocation);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                certificate = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false).FirstOrDefault()
                    ?? throw Refused($"{section}:StoreThumbprint {thumbprint}: no such certificate in {options.StoreLocation}/{options.StoreName}");
            }
            catch (CryptographicException e)
            {
                throw Refused($"{section}: the store {options.StoreLocation}/{options.StoreName} could not be opened: {e.Message}");
            }
        }
        else
        {
            var path = options.CertificatePath!;
            if (!File.Exists(path)) throw Refused($"{section}:CertificatePath '{path}' does not exist");
            if (options.KeyPath is { Length: > 0 } key && !File.Exists(key)) throw Refused($"{section}:KeyPath '{key}' does not exist");
            try
            {
                var pem = File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal);
                certificate = !pem ? X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword)
                    : options.CertificatePassword is { Length: > 0 } password ? X509Certificate2.CreateFromEncryptedPemFile(path, password, options.KeyPath)
                    : X509Certificate2.CreateFromPemFile(path, options.KeyPath);
            }
            catch (CryptographicException e)
            {
                throw Refused($"{section}:CertificatePath '{path}' could not be read (a wrong CertificatePassword, or a PEM file without its key and no KeyPath?): {e.Message}");
            }
        }
        if (!certificate.HasPrivateKey) throw Refused($"{section}: the certificate {certificate.Subject} comes without its private key");
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
        if (usages is not null && (!usages.Contains(ServerAuthentication) || !usages.Contains(ClientAuthentication)))
            throw Refused($"{section}: the certificate {certificate.Subject} must allow both serverAuth and clientAuth (extended key usage): a silo is both ends of its connections");
        return certificate;
    }

    private static OptionsValidationException Refused(string problem) =>
        new(ClusterTlsOptions.Section, typeof(ClusterTlsOptions), [problem]);

    /// <summary>What the cluster's ports run on, said once at start.</summary>
    [LoggerMessage(EventId = 4041, Level = LogLevel.Information,
        Message = "Cluster {ClusterId}: mutual TLS only on silo port {SiloPort} {Gateway}; trusted: {Trust}; this silo's certificate {Subject} (SHA-256 {Fingerprint}), valid until {NotAfter:u}")]
    public static partial void LogSecured(ILogger logger, string clusterId, int siloPort, string gateway, string trust, string subject, string fingerprint, DateTime notAfter);

    [LoggerMessage(EventId = 4042, Level = LogLevel.Warning,
        Message = "Cluster {ClusterId}: NO TLS on silo port {SiloPort} {Gateway} (GridServer:Orleans:Tls:AllowPlainText): anyone who reaches them can join the cluster and call any grain")]
    public static partial void LogPlainText(ILogger logger, string clusterId, int siloPort, string gateway);
}
