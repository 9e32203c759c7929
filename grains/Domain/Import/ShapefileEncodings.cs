using System.Buffers;
using System.Globalization;
using System.Text;

namespace GridServer.Domain.Import;

/// <summary>
/// Text encodings of dBASE attribute tables: the names found in .cpg files and on command lines, and a
/// guess from the bytes when a file declares nothing.
/// </summary>
public static class ShapefileEncodings
{
    /// <summary>UTF-8 without a byte order mark; invalid bytes decode to U+FFFD rather than throwing.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    static ShapefileEncodings()
    {
        // .NET ships only the Unicode encodings and Latin-1 by default; GBK (936), GB18030 and the other
        // Windows code pages of Chinese data come from this provider, which is part of the runtime.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>Makes sure the code pages are registered (the static constructor has run); does nothing else.</summary>
    public static void EnsureCodePagesRegistered()
    {
    }

    /// <summary>
    /// The encoding a .cpg file or a user names, leniently: case and spaces do not matter; code page
    /// numbers ("936", "CP936", "65001"), ArcGIS's "88591" style for ISO 8859 parts, and the WHATWG and
    /// .NET names ("GBK", "GB2312", "GB18030", "UTF8", "UTF-8", "Big5") are understood.
    /// </summary>
    /// <returns>null for a name that denotes no definite encoding ("ANSI", "SYSTEM", "OEM") or is unknown.</returns>
    public static Encoding? Resolve(string name)
    {
        var key = new string(name.Trim().Trim('"', '\'').Where(c => !char.IsWhiteSpace(c)).ToArray())
            .ToUpperInvariant().Replace('_', '-');
        if (key.Length == 0)
            return null;

        if (key is "UTF8" or "UTF-8" or "65001" or "CP65001")
            return Utf8;

        // ArcGIS writes the ISO 8859 parts as "88591", "885915"...; "ISO88591" and "8859-1" are seen too.
        var iso = key.StartsWith("ISO", StringComparison.Ordinal) ? key[3..].TrimStart('-') : key;
        if (iso.StartsWith("8859", StringComparison.Ordinal)
            && int.TryParse(iso[4..].TrimStart('-'), NumberStyles.None, CultureInfo.InvariantCulture, out var part)
            && part is >= 1 and <= 16)
            return CodePage(28590 + part);

        foreach (var prefix in (ReadOnlySpan<string>)["CP-", "CP", "WINDOWS-", "MS", "IBM", ""])
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var codePage))
                return CodePage(codePage);
        }

        try
        {
            return Encoding.GetEncoding(key);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static Encoding? CodePage(int codePage)
    {
        if (codePage == 65001)
            return Utf8;
        try
        {
            return Encoding.GetEncoding(codePage);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The encoding a dBASE header's language driver id declares, for the drivers of Chinese data only;
    /// other ids are too often left at a default to be trusted.
    /// </summary>
    public static Encoding? FromLanguageDriver(byte languageDriverId) => languageDriverId switch
    {
        0x4D or 0x7A => CodePage(936),   // "Chinese GBK (PRC)", "PRC GBK"
        0x4F or 0x78 => CodePage(950),   // Big5
        _ => null,
    };

    /// <summary>The name to show for an encoding: the one Chinese GIS users know, not .NET's web name.</summary>
    public static string DisplayName(Encoding encoding) => encoding.CodePage switch
    {
        65001 => "UTF-8",
        936 => "GBK",            // .NET calls code page 936 "gb2312", but it is GBK, a superset
        54936 => "GB18030",
        950 => "Big5",
        _ => encoding.WebName.ToUpperInvariant(),
    };

    /// <summary>What the text bytes of a dBASE table look like.</summary>
    public enum TextKind
    {
        /// <summary>Only 7-bit bytes: every ASCII-compatible encoding reads it the same.</summary>
        Ascii,
        /// <summary>Non-ASCII bytes that are all well-formed UTF-8.</summary>
        Utf8,
        /// <summary>At least one byte sequence that is not UTF-8.</summary>
        NotUtf8,
    }

    /// <summary>
    /// Classifies the bytes of the field names and of every character field value of a dBASE table.
    /// A multi-byte sequence cut short by the end of a field still counts as UTF-8: writers that truncate
    /// by bytes leave such tails.
    /// </summary>
    internal static TextKind Classify(Stream dbf, DbfLayout layout)
    {
        var kind = TextKind.Ascii;
        foreach (var field in layout.Fields)
        {
            if (!Accumulate(field.NameBytes, ref kind))
                return TextKind.NotUtf8;
        }

        var textFields = layout.Fields.Where(f => f.Type == 'C').ToArray();
        if (textFields.Length == 0 || layout.RecordSize == 0)
            return kind;

        var record = ArrayPool<byte>.Shared.Rent(layout.RecordSize);
        try
        {
            dbf.Position = layout.HeaderSize;
            for (long i = 0; i < layout.RecordCount; i++)
            {
                dbf.ReadExactly(record, 0, layout.RecordSize);
                foreach (var field in textFields)
                {
                    var value = record.AsSpan(field.Offset, field.Length).TrimEnd((byte)' ').TrimEnd((byte)0);
                    if (!Accumulate(value, ref kind))
                        return TextKind.NotUtf8;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
        return kind;
    }

    private static bool Accumulate(ReadOnlySpan<byte> bytes, ref TextKind kind)
    {
        if (!bytes.ContainsAnyExceptInRange((byte)0, (byte)0x7F))
            return true;
        if (!IsUtf8AllowingCutTail(bytes))
            return false;
        kind = TextKind.Utf8;
        return true;
    }

    private static bool IsUtf8AllowingCutTail(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
            return true;
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out _, out var consumed);
            if (status != OperationStatus.Done)
                return status == OperationStatus.NeedMoreData;
            bytes = bytes[consumed..];
        }
        return true;
    }
}
