using System.Security.Cryptography;
using System.Text;

namespace GridServer.Domain.Access;

/// <summary>Making and hashing secrets.</summary>
public static class Secrets
{
    /// <summary>The longest secret looked at; anything longer is refused unread.</summary>
    public const int MaxLength = 256;

    /// <summary>A new secret: 32 random bytes, base64url, with a prefix that says what it is when found in a log or a repository.</summary>
    public static string New() => "gs_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new credential id (not secret: it names a credential in lists and logs).</summary>
    public static string NewId() => "K-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public static string Sha256Hex(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool IsSha256Hex(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigit);

    /// <summary>The shortest key configuration may give: a guessable key is no key.</summary>
    public const int MinConfiguredLength = 16;

    /// <summary>The least a key from configuration must be worth by <see cref="EstimatedBits"/>.</summary>
    public const int MinEstimatedBits = 48;

    /// <summary>
    /// How hard a key is to guess, roughly and on the cautious side, in bits. Each character that tells something new
    /// adds log2 of the size of the character classes the key uses (26 lower-case letters, 26 upper-case, 10 digits,
    /// 33 other ASCII symbols, 100 for anything else). A character tells nothing new when it repeats the one before, is
    /// next to it in sequence ('b' after 'a' or 'c', '5' after '4' or '6'), makes a pair of characters seen earlier
    /// in the key, or lies inside a word placeholders are made of ("password", "admin", "secret", ...). "aaaaaaaaaaaaaaaa"
    /// and "1234567890123456" are worth under 7 bits, "a1b2a1b2a1b2a1b2" 26; 16 random base64 characters at least about
    /// 57, and a key from <see cref="New"/> over 170.
    /// </summary>
    /// <remarks>
    /// A screen against typed placeholders and patterns, not a measure of strength: it knows a few words only, and it
    /// undervalues random keys of few kinds of character (16 random digits). On a keyboard, a character next to the one
    /// before on its row ('w' after 'q', 'k' after 'l') tells nothing new; one above or below it ('a' after 'q', 'z'
    /// after 'a') tells nothing new when it goes on a run of such steps, so "qwertyuiopasdfgh" is worth under 10 bits
    /// and "1qaz2wsx3edc4rfv" under 48, while a random key keeps the odd pair of neighbours.
    /// </remarks>
    public static double EstimatedBits(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var classes = 0;
        if (key.Any(char.IsAsciiLetterLower)) classes += 26;
        if (key.Any(char.IsAsciiLetterUpper)) classes += 26;
        if (key.Any(char.IsAsciiDigit)) classes += 10;
        if (key.Any(c => char.IsAscii(c) && !char.IsAsciiLetterOrDigit(c))) classes += 33;
        if (key.Any(c => !char.IsAscii(c))) classes += 100;
        var inWord = InsideWords(key);
        var telling = 0;
        var pairs = new HashSet<(char, char)>();
        var onRun = false;   // the character before was a keyboard step from its own predecessor
        for (var i = 0; i < key.Length; i++)
        {
            if (i == 0) { telling++; continue; }
            var isNew = pairs.Add((key[i - 1], key[i]));
            var step = Keyboard(key[i - 1], key[i]);
            var patterned = !isNew || Math.Abs(key[i] - key[i - 1]) <= 1 || inWord[i] || step == KeyStep.Row || (step == KeyStep.Column && onRun);
            if (!patterned) telling++;
            onRun = step != KeyStep.None;
        }
        return classes == 0 ? 0 : telling * Math.Log2(classes);
    }

    /// <summary>Words placeholders are made of (lower case): a character after a word's first tells nothing new.</summary>
    private static readonly string[] PlaceholderWords =
        ["password", "passw0rd", "admin", "secret", "changeme", "letmein", "welcome", "qwerty", "default", "gridserver", "example", "sample", "apikey", "token"];

    private static bool[] InsideWords(string key)
    {
        var inside = new bool[key.Length];
        var lower = key.ToLowerInvariant();
        if (lower.Length != key.Length) return inside;   // a case mapping that changes lengths: judge the characters alone
        foreach (var word in PlaceholderWords)
        {
            for (var at = lower.IndexOf(word, StringComparison.Ordinal); at >= 0; at = lower.IndexOf(word, at + 1, StringComparison.Ordinal))
                for (var i = at + 1; i < at + word.Length; i++) inside[i] = true;
        }
        return inside;
    }

    private enum KeyStep { None, Row, Column }

    /// <summary>
    /// The rows of a QWERTY keyboard, unshifted then shifted, each with how far its first key sits right of the number
    /// row's first (the rows are staggered): keys whose places differ by at most one, one row apart, are above each other.
    /// </summary>
    private static readonly (string Keys, double Offset)[][] KeyboardLayers =
    [
        [("`1234567890-=", 0), ("qwertyuiop[]\\", 1.5), ("asdfghjkl;'", 1.75), ("zxcvbnm,./", 2.25)],
        [("~!@#$%^&*()_+", 0), ("QWERTYUIOP{}|", 1.5), ("ASDFGHJKL:\"", 1.75), ("ZXCVBNM<>?", 2.25)],
    ];

    private static KeyStep Keyboard(char a, char b)
    {
        foreach (var layer in KeyboardLayers)
        {
            var (ra, xa) = Place(layer, a);
            var (rb, xb) = Place(layer, b);
            if (ra < 0 || rb < 0) continue;
            if (ra == rb && Math.Abs(xa - xb) == 1) return KeyStep.Row;
            if (Math.Abs(ra - rb) == 1 && Math.Abs(xa - xb) <= 1) return KeyStep.Column;
        }
        return KeyStep.None;
    }

    private static (int Row, double X) Place((string Keys, double Offset)[] layer, char c)
    {
        for (var row = 0; row < layer.Length; row++)
        {
            var i = layer[row].Keys.IndexOf(c);
            if (i >= 0) return (row, i + layer[row].Offset);
        }
        return (-1, 0);
    }

    /// <summary>
    /// Why a key from configuration is refused (too short, or worth less than <see cref="MinEstimatedBits"/>), to follow
    /// the setting's name; null when it will do. Never says the key. Keys the server makes (<see cref="New"/>) need no such check.
    /// </summary>
    public static string? WeaknessOf(string? key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length < MinConfiguredLength) return $"must have at least {MinConfiguredLength} characters";
        var bits = EstimatedBits(key);
        return bits < MinEstimatedBits
            ? $"is too easy to guess: worth about {bits:0} bits by the estimate in docs/access.md, at least {MinEstimatedBits} needed (use random characters, e.g. 24 random bytes in base64)"
            : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
