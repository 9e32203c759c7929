using System.ComponentModel.DataAnnotations;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using GridServer.Silo.Open311;

namespace GridServer.Tests.Access;

/// <summary>Keys from configuration must be long and not guessable by the documented estimate; the server's own keys always are.</summary>
public sealed class KeyStrengthTests
{
    private static List<string> Problems(IValidatableObject options) => [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaa")]
    [InlineData("1234567890123456")]
    [InlineData("abcdefghijklmnop")]
    [InlineData("9876543210987654")]
    [InlineData("a1b2a1b2a1b2a1b2")]
    [InlineData("passwordpassword")]
    [InlineData("password12345678")]
    [InlineData("k-0123456789abcdef")]
    [InlineData("0000000000000000000000000000000000000000")]
    [InlineData("qwertyuiopasdfgh")]                           // keyboard rows
    [InlineData("1qaz2wsx3edc4rfv")]                           // keyboard columns
    [InlineData("zaq1xsw2cde3vfr4")]                           // keyboard columns, upwards
    [InlineData("gridserver-admin-password")]                  // placeholder words
    [InlineData("MySecretPassword2026")]
    public void EstimatedBits_RepeatedOrSequentialKey_UnderTheMinimum(string key) =>
        Assert.InRange(Secrets.EstimatedBits(key), 0, Secrets.MinEstimatedBits - 0.001);

    [Theory]
    [InlineData("Xq7-pR2vL9_mT4zK")]                          // 16 base64url characters of no pattern
    [InlineData("9f86d081884c7d659a2feaa0c55ad015")]          // 32 hex digits
    [InlineData("3b241101-e2bb-4255-8caa-4b2e9a6c1d7f")]      // a UUID
    [InlineData("correct horse battery staple")]
    [InlineData("console-test-operator-key-0123456789")]      // the test servers' own
    public void EstimatedBits_VariedKey_AtLeastTheMinimum(string key) =>
        Assert.True(Secrets.EstimatedBits(key) >= Secrets.MinEstimatedBits, $"{Secrets.EstimatedBits(key):0.0} bits");

    /// <summary>The README's way to make a key (<c>openssl rand -base64 24</c>) never falls short, keyboard neighbours and all.</summary>
    [Fact]
    public void EstimatedBits_RandomBase64Of24Bytes_NeverUnderTheMinimum()
    {
        for (var i = 0; i < 5000; i++)
        {
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            Assert.True(Secrets.EstimatedBits(key) >= Secrets.MinEstimatedBits, $"{key}: {Secrets.EstimatedBits(key):0.0} bits");
        }
    }

    [Fact]
    public void EstimatedBits_KeysTheServerMakes_FarAboveTheMinimum()
    {
        for (var i = 0; i < 1000; i++)
            Assert.InRange(Secrets.EstimatedBits(Secrets.New()), 3 * Secrets.MinEstimatedBits, double.MaxValue);
    }

    [Fact]
    public void Options_WeakConfiguredKeys_RefusedNamingTheSettingNeverTheKey()
    {
        var auth = Problems(new AuthOptions
        {
            OperatorKey = "aaaaaaaaaaaaaaaa",
            Keys = [new ConfiguredKey { Key = "1234567890123456", Role = "Dispatcher", Subject = "D-1" }, new ConfiguredKey { Key = "Xq7-pR2vL9_mT4zK", Role = "Officer", Subject = "O-1" }],
        });
        var open311 = Problems(new Open311Options { ApiKeys = ["Xq7-pR2vL9_mT4zK", "passwordpassword"] });

        Assert.Equal(2, auth.Count);
        Assert.StartsWith("GridServer:Auth:OperatorKey is too easy to guess: worth about 5 bits by the estimate in docs/access.md, at least 48 needed", auth[0], StringComparison.Ordinal);
        Assert.StartsWith("GridServer:Auth:Keys:0:Key is too easy to guess", auth[1], StringComparison.Ordinal);
        Assert.StartsWith("GridServer:Open311:ApiKeys:1 is too easy to guess", Assert.Single(open311), StringComparison.Ordinal);
        Assert.DoesNotContain(auth.Concat(open311), p => p.Contains("aaaaaaaa", StringComparison.Ordinal) || p.Contains("12345678", StringComparison.Ordinal) || p.Contains("password", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_StrongConfiguredKeys_Accepted()
    {
        Assert.Empty(Problems(new AuthOptions
        {
            OperatorKey = "9f86d081884c7d659a2feaa0c55ad015",
            Keys = [new ConfiguredKey { Key = "3b241101-e2bb-4255-8caa-4b2e9a6c1d7f", Role = "Dispatcher", Subject = "D-1" }],
        }));
        Assert.Empty(Problems(new Open311Options { ApiKeys = ["Xq7-pR2vL9_mT4zK", Secrets.New()] }));
    }
}
