using GridServer.Domain.Access;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace GridServer.Domain.Webhooks;

/// <summary>Why a webhook URL or secret was refused.</summary>
public enum WebhookUrlError
{
    Missing,
    TooLong,
    NotAbsolute,
    NotHttp,
    HasCredentials,
    PrivateAddress,
    PlainHttp,
}

/// <summary>
/// The rules for outbound webhooks as plain functions: which URLs a target may have, which addresses a request
/// may reach, and the signature a receiver checks.
/// </summary>
/// <remarks>
/// Private, loopback, link-local and reserved addresses are refused unless the deployment allows them
/// (<c>GridServer:Webhooks:AllowPrivateAddresses</c>): an operator's URL must never make the server call its own
/// network (SSRF, e.g. a cloud metadata address 169.254.169.254). A URL naming an address is checked when it is
/// set; a host name is checked again, by the addresses it resolves to, at every send. Plain <c>http</c> is refused
/// unless allowed (<c>GridServer:Webhooks:AllowPlainHttp</c>), checked at every send too.
/// </remarks>
public static class WebhookRules
{
    /// <summary>The longest URL a target may have, in characters.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>The shortest and longest signing secret, in characters.</summary>
    public const int MinSecretLength = 16;

    public const int MaxSecretLength = 256;

    /// <summary>The header that carries the HMAC-SHA256 of the body: <c>sha256=</c> and lower-case hex.</summary>
    public const string SignatureHeader = "X-GridServer-Signature";

    /// <summary>The URL as a <see cref="Uri"/>, or why it is refused.</summary>
    public static (Uri? Url, WebhookUrlError? Error) CheckUrl(string? url, WebhookOptions options)
    {
        if (string.IsNullOrWhiteSpace(url)) return (null, WebhookUrlError.Missing);
        if (url.Length > MaxUrlLength) return (null, WebhookUrlError.TooLong);
        // On Unix a rooted path ("/hook") parses as an absolute file: URI; only a URL that names its scheme is absolute here.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !url.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase))
            return (null, WebhookUrlError.NotAbsolute);
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return (null, WebhookUrlError.NotHttp);
        if (string.IsNullOrEmpty(uri.Host)) return (null, WebhookUrlError.NotAbsolute);
        if (!string.IsNullOrEmpty(uri.UserInfo)) return (null, WebhookUrlError.HasCredentials);
        if (!options.AllowPrivateAddresses && IsPrivateHost(uri)) return (null, WebhookUrlError.PrivateAddress);
        if (uri.Scheme == Uri.UriSchemeHttp && !options.AllowPlainHttp) return (null, WebhookUrlError.PlainHttp);
        return (uri, null);
    }

    /// <summary>What an operator reads when a URL is refused: what was wrong and what would be right.</summary>
    public static string Describe(WebhookUrlError error) => error switch
    {
        WebhookUrlError.Missing => "the url is missing; give an absolute https URL",
        WebhookUrlError.TooLong => $"the url is longer than {MaxUrlLength} characters",
        WebhookUrlError.NotAbsolute => "the url must be absolute, with a host: https://host/path",
        WebhookUrlError.NotHttp => "the url must use https",
        WebhookUrlError.PlainHttp => "the url must use https: plain http is refused unless GridServer:Webhooks:AllowPlainHttp is true (for development: notices and their signatures would cross the network in the clear)",
        WebhookUrlError.HasCredentials => "the url must not carry a user name or password (user:pass@host); give a secret to sign with instead",
        WebhookUrlError.PrivateAddress => "the url names a private, loopback, link-local or reserved address; these are refused unless GridServer:Webhooks:AllowPrivateAddresses is true",
        _ => error.ToString(),
    };

    /// <summary>Why a signing secret is refused, or null: optional, but one given is 16 to 256 characters without control characters.</summary>
    public static string? CheckSecret(string? secret)
    {
        if (secret is null) return null;
        if (secret.Length is < MinSecretLength or > MaxSecretLength || secret.Any(char.IsControl))
            return $"the secret must be {MinSecretLength} to {MaxSecretLength} characters without control characters";
        // It signs what the community's receiver believes: one that can be guessed lets anyone forge notices.
        return Secrets.WeaknessOf(secret) is { } weakness ? $"the secret {weakness}" : null;
    }

    /// <summary>Whether the URL's host is an address (or a name, <c>localhost</c>) that is not public.</summary>
    public static bool IsPrivateHost(Uri url)
    {
        var host = url.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(url.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address) && !IsPublic(address);
    }

    /// <summary>IPv4 blocks that are not public (IANA's IPv4 special-purpose registry: those not globally reachable, and 6to4's relays).</summary>
    private static readonly IPNetwork[] NotPublicV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),         // "this network"
        IPNetwork.Parse("10.0.0.0/8"),        // private
        IPNetwork.Parse("100.64.0.0/10"),     // shared address space (CGNAT)
        IPNetwork.Parse("127.0.0.0/8"),       // loopback
        IPNetwork.Parse("169.254.0.0/16"),    // link-local, cloud metadata
        IPNetwork.Parse("172.16.0.0/12"),     // private
        IPNetwork.Parse("192.0.0.0/24"),      // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),      // documentation (TEST-NET-1)
        IPNetwork.Parse("192.88.99.0/24"),    // 6to4 relay anycast (deprecated): relays into IPv6
        IPNetwork.Parse("192.168.0.0/16"),    // private
        IPNetwork.Parse("198.18.0.0/15"),     // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),   // documentation (TEST-NET-2)
        IPNetwork.Parse("203.0.113.0/24"),    // documentation (TEST-NET-3)
        IPNetwork.Parse("224.0.0.0/4"),       // multicast
        IPNetwork.Parse("240.0.0.0/4"),       // reserved, and the broadcast address 255.255.255.255
    ];

    /// <summary>
    /// IPv6 is public only inside global unicast (2000::/3): everything outside it is refused whole — the unspecified
    /// address and loopback, IPv4-compatible (::/96) and IPv4-translated addresses, the local-use NAT64 prefix
    /// (64:ff9b:1::/48), discard-only (100::/64), SRv6 (5f00::/16), unique local (fc00::/7), link-local (fe80::/10),
    /// site-local (fec0::/10), multicast (ff00::/8). IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are
    /// judged by the IPv4 address they carry.
    /// </summary>
    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    /// <summary>Blocks inside global unicast that are not public, or carry an IPv4 address that cannot be judged here.</summary>
    private static readonly IPNetwork[] NotPublicV6 =
    [
        IPNetwork.Parse("2001::/23"),         // IETF protocol assignments: Teredo (2001::/32, carries IPv4 addresses), benchmarking (2001:2::/48), ORCHID
        IPNetwork.Parse("2001:db8::/32"),     // documentation
        IPNetwork.Parse("2002::/16"),         // 6to4: carries an IPv4 address, reached through relays
        IPNetwork.Parse("3fff::/20"),         // documentation
    ];

    /// <summary>
    /// Whether an address is on the public internet: not loopback, private, link-local, shared (CGNAT), documentation,
    /// benchmarking, multicast or reserved, and for IPv6 in global unicast and carrying no IPv4 address that is not public.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork) return !NotPublicV4.Any(n => n.Contains(address));
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (Nat64.Contains(address)) return IsPublic(new IPAddress(address.GetAddressBytes().AsSpan(12, 4)));
        return GlobalUnicast.Contains(address) && !NotPublicV6.Any(n => n.Contains(address));
    }

    /// <summary>The signature header's value for a body: <c>sha256=</c> and the HMAC-SHA256 of its bytes with the secret (UTF-8), lower-case hex.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
