using System.Text;

namespace GridServer.Domain.Import;

/// <summary>A text file's content, and the encoding it was read in with why ("UTF-8", "GBK (named by the request)", "GB18030 (not UTF-8)").</summary>
public sealed record DecodedText(string Text, string Encoding);

/// <summary>
/// Text files as bureaus send them: UTF-8, or GBK as Excel and most Chinese desktop software save CSV. Decoding is strict,
/// so a wrong encoding is an error with a message, never replacement characters in the stored data.
/// </summary>
public static class ImportText
{
    /// <summary>
    /// Decodes <paramref name="bytes"/>. With <paramref name="encodingName"/> (a request's charset or ?encoding=), in that
    /// encoding; without, as UTF-8 (a byte-order mark is dropped), else as GB18030, the superset of GBK and GB2312.
    /// </summary>
    /// <exception cref="FormatException">The encoding is unknown, or the bytes are not text in it.</exception>
    public static DecodedText Decode(ReadOnlySpan<byte> bytes, string? encodingName)
    {
        ShapefileEncodings.EnsureCodePagesRegistered();
        if (!string.IsNullOrWhiteSpace(encodingName))
        {
            var named = ShapefileEncodings.Resolve(encodingName)
                ?? throw new FormatException($"unknown encoding '{Shorten(encodingName)}'; use UTF-8, GBK, GB18030 or another code page name");
            return TryDecode(bytes, named.CodePage) is { } text
                ? new DecodedText(text, $"{Name(named.CodePage)} (as named)")
                : throw new FormatException($"the body is not {Name(named.CodePage)} text; name the encoding it was saved in, e.g. ?encoding=UTF-8 or ?encoding=GBK");
        }
        if (TryDecode(bytes, 65001) is { } utf8) return new DecodedText(utf8, "UTF-8");
        if (TryDecode(bytes, 54936) is { } gb) return new DecodedText(gb, "GB18030 (GBK; the body is not UTF-8)");
        throw new FormatException("the body is neither UTF-8 nor GBK text; save it as UTF-8, or name its encoding with ?encoding=");
    }

    private static string? TryDecode(ReadOnlySpan<byte> bytes, int codePage)
    {
        var strict = Encoding.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        if (codePage == 65001 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        try
        {
            return strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static string Name(int codePage) => codePage switch
    {
        65001 => "UTF-8",
        936 => "GBK",
        54936 => "GB18030",
        _ => Encoding.GetEncoding(codePage).WebName,
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
