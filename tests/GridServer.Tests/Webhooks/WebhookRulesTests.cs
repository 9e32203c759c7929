using System.Net;
using System.Security.Cryptography;
using System.Text;
using GridServer.Domain.Webhooks;

namespace GridServer.Tests.Webhooks;

public sealed class WebhookRulesTests
{
    [Theory]
    [InlineData("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")]
    [InlineData("http://chat.example.com:8080/robot")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2001:4860:4860::8888]/hook")]
    public void CheckUrl_PublicHttpUrl_Accepted(string url)
    {
        var (uri, error) = WebhookRules.CheckUrl(url, allowPrivateAddresses: false);

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
    public void CheckUrl_BadUrl_RefusedSayingWhy(string? url, WebhookUrlError expected)
    {
        var (uri, error) = WebhookRules.CheckUrl(url, allowPrivateAddresses: false);

        Assert.Null(uri);
        Assert.Equal(expected, error);
        Assert.False(string.IsNullOrWhiteSpace(WebhookRules.Describe(expected)));
    }

    [Fact]
    public void CheckUrl_LongerThanTheCap_TooLong()
    {
        var url = "https://chat.example.com/" + new string('a', 10_000);

        Assert.Equal(WebhookUrlError.TooLong, WebhookRules.CheckUrl(url, allowPrivateAddresses: true).Error);
        Assert.Null(WebhookRules.CheckUrl(url[..WebhookRules.MaxUrlLength], allowPrivateAddresses: true).Error);
    }

    [Fact]
    public void CheckUrl_LoopbackWhenAllowed_Accepted_CredentialsStillRefused()
    {
        Assert.Null(WebhookRules.CheckUrl("http://127.0.0.1:5000/hook", allowPrivateAddresses: true).Error);
        Assert.Equal(WebhookUrlError.HasCredentials, WebhookRules.CheckUrl("http://a:b@127.0.0.1/hook", allowPrivateAddresses: true).Error);
    }

    [Theory]
    [InlineData("1.1.1.1", true)]
    [InlineData("100.63.255.255", true)]
    [InlineData("100.64.0.1", false)]
    [InlineData("172.15.0.1", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("172.31.255.255", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("fe80::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("64:ff9b::808:808", true)]
    [InlineData("2400:3200::1", true)]
    public void IsPublic_Address_AsTheRangesSay(string address, bool expected) =>
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
