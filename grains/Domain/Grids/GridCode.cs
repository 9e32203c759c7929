using System.Diagnostics.CodeAnalysis;

namespace GridServer.Domain.Grids;

/// <summary>Which rule a deployment's grid codes follow.</summary>
public enum GridCodeScheme
{
    /// <summary>CJ/T 213: 14 digits = 6 county + 3 street + 3 community + 2 grid sequence.</summary>
    CjT213,

    /// <summary>Codes from elsewhere: letters, digits, '-' and '_', 1 to 32 characters.</summary>
    Free,
}

/// <summary>
/// A unit-grid code under CJ/T 213, e.g. "33030200100101": county 330302, street 001,
/// community 001, grid 01. The hierarchy is read from the code itself.
/// </summary>
public readonly record struct CjT213Code
{
    public const int Length = 14;

    private CjT213Code(string value) => Value = value;

    /// <summary>The 14 digits.</summary>
    public string Value { get; }

    /// <summary>6-digit administrative code of the county or district.</summary>
    public string CountyCode => Value[..6];

    /// <summary>9 digits: county + 3-digit street (街道/镇).</summary>
    public string StreetCode => Value[..9];

    /// <summary>12 digits: county + street + 3-digit community (社区).</summary>
    public string CommunityCode => Value[..12];

    /// <summary>The grid's own 2-digit sequence within its community (1-99).</summary>
    public int Sequence => (Value[12] - '0') * 10 + (Value[13] - '0');

    public static CjT213Code Create(string countyCode, int street, int community, int sequence)
    {
        if (countyCode.Length != 6 || !countyCode.All(char.IsAsciiDigit))
            throw new ArgumentException($"County code must be 6 digits, got '{countyCode}'.", nameof(countyCode));
        ArgumentOutOfRangeException.ThrowIfLessThan(street, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(street, 999);
        ArgumentOutOfRangeException.ThrowIfLessThan(community, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(community, 999);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, 99);
        return new CjT213Code($"{countyCode}{street:D3}{community:D3}{sequence:D2}");
    }

    /// <summary>Parses a CJ/T 213 code; the error says what is wrong with it.</summary>
    public static bool TryParse(string? text, out CjT213Code code, [NotNullWhen(false)] out string? error)
    {
        code = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "grid code is empty";
            return false;
        }
        if (text.Length != Length)
        {
            error = $"grid code '{Shorten(text)}' has {text.Length} characters; CJ/T 213 codes have 14 digits (6 county + 3 street + 3 community + 2 grid)";
            return false;
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                error = $"grid code '{text}' has '{text[i]}' at position {i + 1}; CJ/T 213 codes are digits only";
                return false;
            }
        }
        if (text.AsSpan(6, 3).SequenceEqual("000"))
        {
            error = $"grid code '{text}' has street 000; streets are numbered from 001";
            return false;
        }
        if (text.AsSpan(9, 3).SequenceEqual("000"))
        {
            error = $"grid code '{text}' has community 000; communities are numbered from 001";
            return false;
        }
        if (text.AsSpan(12, 2).SequenceEqual("00"))
        {
            error = $"grid code '{text}' ends in 00, which is a community-level record, not a unit grid";
            return false;
        }
        code = new CjT213Code(text);
        error = null;
        return true;
    }

    public static CjT213Code Parse(string text) =>
        TryParse(text, out var code, out var error) ? code : throw new FormatException(error);

    public override string ToString() => Value;

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>Validation of grid codes under a deployment's chosen scheme.</summary>
public static class GridCodes
{
    public const int FreeMaxLength = 32;

    /// <summary>Null when <paramref name="code"/> is valid under <paramref name="scheme"/>, else the reason.</summary>
    public static string? Validate(string? code, GridCodeScheme scheme)
    {
        if (scheme == GridCodeScheme.CjT213)
            return CjT213Code.TryParse(code, out _, out var error) ? null : error;

        if (string.IsNullOrEmpty(code))
            return "grid code is empty";
        if (code.Length > FreeMaxLength)
            return $"grid code '{CjT213Code.Shorten(code)}' has {code.Length} characters; at most {FreeMaxLength} are allowed";
        foreach (var c in code)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                return $"grid code '{code}' contains '{c}'; only letters A-Z a-z, digits, '-' and '_' are allowed";
        }
        return null;
    }

    /// <summary>The tie-break order between grids: ordinal (byte-wise) comparison of codes, as SQL COLLATE "C".</summary>
    public static readonly StringComparer Order = StringComparer.Ordinal;
}
