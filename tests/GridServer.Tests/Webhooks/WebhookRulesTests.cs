using System.Net;
using System.Security.Cryptography;
using System.Text;
using GridServer.Domain.Webhooks;

namespace GridServer.Tests.Webhooks;

public sealed class WebhookRulesTests
{
    /// <summary>The settings a deployment has unless it changes them: https only, no private addresses.</summary>
    private static readonly WebhookOptions Defaults = new();

    /// <summary>The settings of the tests' loopback receivers.</summary>
    private static readonly WebhookOptions Loopback = new() { AllowPrivateAddresses = true, AllowPlainHttp = true };

    [Theory]
    [InlineData("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")]
    [InlineData("https://chat.example.com:8443/robot")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2001:4860:4860::8888]/hook")]
    public void CheckUrl_PublicHttpsUrl_Accepted(string url)
    {
        var (uri, error) = WebhookRules.CheckUrl(url, Defaults);

        Assert.Null(error);
        Assert.Equal(url, uri!.OriginalString);
    }

    [Theory]
    [InlineData(null, WebhookUrlError.Missing)]
    [InlineData("  ", WebhookUrlError.Missing)]
    [InlineData("/relative/hook", WebhookUrlError.NotAbsolute)]
    [InlineData("ftp://files.example.com/hook", WebhookUrlError.NotHttp)]
    [InlineData("javascript:alert(1)", WebhookUrlError.NotHttp)]
    [InlineData("file:///etc/passwd", WebhookUrlError.NotHttp)]
    [InlineData("https://user:pass@chat.example.com/hook", WebhookUrlError.HasCredentials)]
    [InlineData("https://token@chat.example.com/hook", WebhookUrlError.HasCredentials)]
    [InlineData("http://127.0.0.1:8080/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://localhost/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://robot.localhost/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://169.254.169.254/latest/meta-data", WebhookUrlError.PrivateAddress)]
    [InlineData("http://10.1.2.3/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://172.20.0.1/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://192.168.1.1/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://[::1]/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://[::ffff:127.0.0.1]/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://[fd00::1]/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://0.0.0.0/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://2130706433/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://0x7f000001/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://0177.0.0.1/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://localhost./hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://LOCALHOST/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("https://[::a00:1]/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("https://[2002:a00:1::1]/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("https://198.18.0.1/hook", WebhookUrlError.PrivateAddress)]
    [InlineData("http://chat.example.com:8080/robot", WebhookUrlError.PlainHttp)]
    public void CheckUrl_BadUrl_RefusedSayingWhy(string? url, WebhookUrlError expected)
    {
        var (uri, error) = WebhookRules.CheckUrl(url, Defaults);

        Assert.Null(uri);
        Assert.Equal(expected, error);
        Assert.False(string.IsNullOrWhiteSpace(WebhookRules.Describe(expected)));
    }

    [Fact]
    public void CheckUrl_LongerThanTheCap_TooLong()
    {
        var url = "https://chat.example.com/" + new string('a', 10_000);

        Assert.Equal(WebhookUrlError.TooLong, WebhookRules.CheckUrl(url, Loopback).Error);
        Assert.Null(WebhookRules.CheckUrl(url[..WebhookRules.MaxUrlLength], Loopback).Error);
    }

    [Fact]
    public void CheckUrl_LoopbackWhenAllowed_Accepted_CredentialsStillRefused()
    {
        Assert.Null(WebhookRules.CheckUrl("http://127.0.0.1:5000/hook", Loopback).Error);
        Assert.Equal(WebhookUrlError.HasCredentials, WebhookRules.CheckUrl("http://a:b@127.0.0.1/hook", Loopback).Error);
    }

    [Fact]
    public void CheckUrl_PlainHttp_RefusedUnlessAllowed_NamingTheSetting()
    {
        const string url = "http://chat.example.com/robot";

        Assert.Equal(WebhookUrlError.PlainHttp, WebhookRules.CheckUrl(url, Defaults).Error);
        Assert.Equal(WebhookUrlError.PlainHttp, WebhookRules.CheckUrl(url, new WebhookOptions { AllowPrivateAddresses = true }).Error);
        Assert.Null(WebhookRules.CheckUrl(url, new WebhookOptions { AllowPlainHttp = true }).Error);
        Assert.Contains("GridServer:Webhooks:AllowPlainHttp", WebhookRules.Describe(WebhookUrlError.PlainHttp), StringComparison.Ordinal);
    }

    /// <summary>Each refused IPv4 block at its first and last address, and the public addresses just outside it.</summary>
    [Theory]
    [InlineData("1.1.1.1", true)]
    [InlineData("0.0.0.0", false), InlineData("0.255.255.255", false), InlineData("1.0.0.0", true)]                                        // this network
    [InlineData("9.255.255.255", true), InlineData("10.0.0.0", false), InlineData("10.255.255.255", false), InlineData("11.0.0.0", true)]    // private
    [InlineData("100.63.255.255", true), InlineData("100.64.0.0", false), InlineData("100.127.255.255", false), InlineData("100.128.0.0", true)]   // shared (CGNAT)
    [InlineData("126.255.255.255", true), InlineData("127.0.0.0", false), InlineData("127.255.255.255", false), InlineData("128.0.0.0", true)]   // loopback
    [InlineData("169.253.255.255", true), InlineData("169.254.0.0", false), InlineData("169.254.255.255", false), InlineData("169.255.0.0", true)] // link-local
    [InlineData("172.15.255.255", true), InlineData("172.16.0.0", false), InlineData("172.31.255.255", false), InlineData("172.32.0.0", true)]   // private
    [InlineData("191.255.255.255", true), InlineData("192.0.0.0", false), InlineData("192.0.0.255", false), InlineData("192.0.1.0", true)]       // protocol assignments
    [InlineData("192.0.1.255", true), InlineData("192.0.2.0", false), InlineData("192.0.2.255", false), InlineData("192.0.3.0", true)]           // TEST-NET-1
    [InlineData("192.88.98.255", true), InlineData("192.88.99.0", false), InlineData("192.88.99.255", false), InlineData("192.88.100.0", true)]  // 6to4 relays
    [InlineData("192.167.255.255", true), InlineData("192.168.0.0", false), InlineData("192.168.255.255", false), InlineData("192.169.0.0", true)] // private
    [InlineData("198.17.255.255", true), InlineData("198.18.0.0", false), InlineData("198.19.255.255", false), InlineData("198.20.0.0", true)]   // benchmarking
    [InlineData("198.51.99.255", true), InlineData("198.51.100.0", false), InlineData("198.51.100.255", false), InlineData("198.51.101.0", true)] // TEST-NET-2
    [InlineData("203.0.112.255", true), InlineData("203.0.113.0", false), InlineData("203.0.113.255", false), InlineData("203.0.114.0", true)]   // TEST-NET-3
    [InlineData("223.255.255.255", true), InlineData("224.0.0.0", false), InlineData("239.255.255.255", false)]                               // multicast
    [InlineData("240.0.0.0", false), InlineData("255.255.255.255", false)]                                                                    // reserved, broadcast
    public void IsPublic_IPv4_AsTheRangesSay(string address, bool expected) =>
        Assert.Equal(expected, WebhookRules.IsPublic(IPAddress.Parse(address)));

    /// <summary>IPv6: only global unicast (2000::/3) less its special blocks; addresses that carry an IPv4 address by that address or refused.</summary>
    [Theory]
    [InlineData("2400:3200::1", true)]
    [InlineData("::", false), InlineData("::1", false)]
    [InlineData("::a00:1", false), InlineData("::808:808", false), InlineData("::ffff:ffff", false)]                     // IPv4-compatible (::/96), bounds and a public IPv4 inside
    [InlineData("::ffff:808:808", true), InlineData("::ffff:a00:1", false), InlineData("::ffff:c612:0", false)]           // IPv4-mapped: by the IPv4 address (198.18.0.0)
    [InlineData("::ffff:0:808:808", false)]                                                                               // IPv4-translated
    [InlineData("64:ff9b::808:808", true), InlineData("64:ff9b::a00:1", false), InlineData("64:ff9b::c613:ffff", false)]   // NAT64: by the IPv4 address (198.19.255.255)
    [InlineData("64:ff9b::", false), InlineData("64:ff9b::ffff:ffff", false)]                                             // NAT64 bounds: 0.0.0.0 and 255.255.255.255
    [InlineData("64:ff9b:1::808:808", false)]                                                                             // local-use NAT64
    [InlineData("100::", false), InlineData("5f00::1", false)]                                                            // discard-only, SRv6
    [InlineData("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("2000::", true)]                            // global unicast starts
    [InlineData("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true), InlineData("4000::", false)]                            // and ends
    [InlineData("2001::", false), InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", false), InlineData("2001:2::1", false)]   // Teredo, benchmarking
    [InlineData("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("2001:200::", true)]                         // end of 2001::/23
    [InlineData("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true), InlineData("2001:db8::", false)]                         // documentation
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("2001:db9::", true)]
    [InlineData("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true), InlineData("2002::", false)]                            // 6to4
    [InlineData("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("2003::", true)]
    [InlineData("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true), InlineData("3fff::", false)]                            // documentation
    [InlineData("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("3fff:1000::", true)]
    [InlineData("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("fc00::", false)]                          // unique local (fc00::/7)
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("fe80::", false)]                          // link-local (fe80::/10)
    [InlineData("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false), InlineData("fec0::1", false), InlineData("ff02::1", false)]  // site-local, multicast
    public void IsPublic_IPv6_AsTheRangesSay(string address, bool expected) =>
        Assert.Equal(expected, WebhookRules.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Sign_Body_IsHmacSha256OfTheBytesInLowerHex()
    {
        var body = Encoding.UTF8.GetBytes("{\"noticeId\":\"N-1\",\"text\":\"井盖缺失\"}");
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("a-secret-of-16-chars"), body));

        Assert.Equal(expected, WebhookRules.Sign("a-secret-of-16-chars", body));
        Assert.NotEqual(expected, WebhookRules.Sign("another-secret-16ch", body));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("sixteen-chars-ok", true)]
    [InlineData("too-short", false)]
    [InlineData("has\ncontrol-character", false)]
    public void CheckSecret_OptionalButBounded(string? secret, bool ok) => Assert.Equal(ok, WebhookRules.CheckSecret(secret) is null);

    [Fact]
    public void DelayAfter_DefaultSchedule_GrowsThenRepeatsTheLast_JitterOnlyLater()
    {
        var schedule = RetrySchedule.Default;

        Assert.Equal([5, 30, 120, 600, 1800, 3600, 3600], Enumerable.Range(1, 7).Select(n => schedule.DelayAfter(n, 0).TotalSeconds).ToArray());
        Assert.Equal(TimeSpan.FromSeconds(6), schedule.DelayAfter(1, 0.999999999).RoundTo(TimeSpan.FromSeconds(1)));
        Assert.InRange(schedule.DelayAfter(3, 0.5), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2.4));
        Assert.False(schedule.IsExhausted(7));
        Assert.True(schedule.IsExhausted(8));
    }

    [Fact]
    public void Schedule_FromOptions_ConfiguredDelaysOrTheDefault()
    {
        var configured = new WebhookOptions { RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], MaxAttempts = 3, Jitter = 0 }.Schedule;

        Assert.Equal([1.0, 2.0, 2.0], Enumerable.Range(1, 3).Select(n => configured.DelayAfter(n, 0.5).TotalSeconds).ToArray());
        Assert.Equal(RetrySchedule.Default.Delays, new WebhookOptions().Schedule.Delays);
    }

    [Fact]
    public void DelayAfter_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedule.Default.DelayAfter(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedule.Default.DelayAfter(1, 1.0));
    }
}

internal static class TimeSpans
{
    public static TimeSpan RoundTo(this TimeSpan value, TimeSpan unit) => TimeSpan.FromTicks((long)Math.Round((double)value.Ticks / unit.Ticks) * unit.Ticks);
}
