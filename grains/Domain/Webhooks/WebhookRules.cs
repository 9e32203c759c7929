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
}

/// <summary>
/// The rules for outbound webhooks as plain functions: which URLs a target may have, which addresses a request
/// may reach, and the signature a receiver checks.
/// </summary>
/// <remarks>
/// Private, loopback and link-local addresses are refused unless the deployment allows them
/// (<c>GridServer:Webhooks:AllowPrivateAddresses</c>): an operator's URL must never make the server call its own
/// network (SSRF, e.g. a cloud metadata address 169.254.169.254). A URL naming an address is checked when it is
/// set; a host name is checked again, by the addresses it resolves to, at every send.
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
    public static (Uri? Url, WebhookUrlError? Error) CheckUrl(string? url, bool allowPrivateAddresses)
    {
        if (string.IsNullOrWhiteSpace(url)) return (null, WebhookUrlError.Missing);
        if (url.Length > MaxUrlLength) return (null, WebhookUrlError.TooLong);
        // On Unix a rooted path ("/hook") parses as an absolute file: URI; only a URL that names its scheme is absolute here.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !url.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase))
            return (null, WebhookUrlError.NotAbsolute);
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return (null, WebhookUrlError.NotHttp);
        if (string.IsNullOrEmpty(uri.Host)) return (null, WebhookUrlError.NotAbsolute);
        if (!string.IsNullOrEmpty(uri.UserInfo)) return (null, WebhookUrlError.HasCredentials);
        if (!allowPrivateAddresses && IsPrivateHost(uri)) return (null, WebhookUrlError.PrivateAddress);
        return (uri, null);
    }

    /// <summary>What an operator reads when a URL is refused: what was wrong and what would be right.</summary>
    public static string Describe(WebhookUrlError error) => error switch
    {
        WebhookUrlError.Missing => "the url is missing; give an absolute http or https URL",
        WebhookUrlError.TooLong => $"the url is longer than {MaxUrlLength} characters",
        WebhookUrlError.NotAbsolute => "the url must be absolute, with a host: https://host/path",
        WebhookUrlError.NotHttp => "the url must use http or https",
        WebhookUrlError.HasCredentials => "the url must not carry a user name or password (user:pass@host); give a secret to sign with instead",
        WebhookUrlError.PrivateAddress => "the url names a private, loopback or link-local address; these are refused unless GridServer:Webhooks:AllowPrivateAddresses is true",
        _ => error.ToString(),
    };

    /// <summary>Why a signing secret is refused, or null: optional, but one given is 16 to 256 characters without control characters.</summary>
    public static string? CheckSecret(string? secret) =>
        secret is null || (secret.Length is >= MinSecretLength and <= MaxSecretLength && !secret.Any(char.IsControl))
            ? null
            : $"the secret must be {MinSecretLength} to {MaxSecretLength} characters without control characters";

    /// <summary>Whether the URL's host is an address (or a name, <c>localhost</c>) that is not public.</summary>
    public static bool IsPrivateHost(Uri url)
    {
        var host = url.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(url.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address) && !IsPublic(address);
    }

    /// <summary>Whether an address is on the public internet: not loopback, private, link-local, shared (CGNAT), multicast or reserved.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224                   // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && (b[1] & 0xC0) == 64)                       // 100.64.0.0/10 shared (CGNAT)
                || (b[0] == 169 && b[1] == 254)                               // link-local, cloud metadata
                || (b[0] == 172 && (b[1] & 0xF0) == 16)                       // 172.16.0.0/12
                || (b[0] == 192 && b[1] == 168)                               // 192.168.0.0/16
                || (b[0] == 192 && b[1] == 0 && b[2] == 0));                  // 192.0.0.0/24 protocol assignments
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal) return false;
        var v6 = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) carries an IPv4 address: judge that one.
        if (v6[0] == 0 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            return IsPublic(new IPAddress(v6.AsSpan(12, 4)));
        return true;
    }

    /// <summary>The signature header's value for a body: <c>sha256=</c> and the HMAC-SHA256 of its bytes with the secret (UTF-8), lower-case hex.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
