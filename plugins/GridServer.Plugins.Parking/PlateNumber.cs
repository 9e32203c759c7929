using System.Text;
using System.Text.RegularExpressions;

namespace GridServer.Plugins.Parking;

/// <summary>
/// Chinese motor-vehicle plate numbers (GA 36): a province's abbreviation, the issuing office's letter, then
/// - five letters or digits (ordinary plates; letters never I or O): 浙C12345, 浙CA1B23;
/// - four, and one of 学 挂 警 港 澳 (driving-school, trailer, police, Hong Kong, Macau plates): 浙C1234学;
/// - six for a new-energy vehicle: small ones start with D or F (pure electric, hybrid; since 2024 also A-K but I,
///   each still followed by a letter or digit and four digits): 浙CD12345, 浙CFA1234; large ones end with D or F:
///   浙C12345D.
/// </summary>
public static partial class PlateNumber
{
    /// <summary>The 31 provincial abbreviations of the mainland.</summary>
    public const string Provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

    /// <summary>As people type it: spaces, the middle dot and hyphens dropped, Latin letters upper-cased, full-width letters and digits made half-width.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var plate = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c is '·' or '•' or '-' or '－' or '．' or '.') continue;
            var half = c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c;
            plate.Append(char.ToUpperInvariant(half));
        }
        return plate.ToString();
    }

    /// <summary>What kind of plate a number is, or null when it is none (given as typed; it is normalized first).</summary>
    public static PlateKind? KindOf(string text)
    {
        var plate = Normalize(text);
        if (plate.Length is < 7 or > 8 || !Provinces.Contains(plate[0], StringComparison.Ordinal)) return null;
        if (Ordinary().IsMatch(plate)) return PlateKind.Ordinary;
        if (Special().IsMatch(plate)) return PlateKind.Special;
        if (SmallNewEnergy().IsMatch(plate)) return PlateKind.SmallNewEnergy;
        if (LargeNewEnergy().IsMatch(plate)) return PlateKind.LargeNewEnergy;
        return null;
    }

    // The issuing office's letter: A-Z but I and O. Serial letters: A-Z but I and O.
    [GeneratedRegex(@"^.[A-HJ-NP-Z][A-HJ-NP-Z0-9]{5}$")]
    private static partial Regex Ordinary();

    [GeneratedRegex(@"^.[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[学挂警港澳]$")]
    private static partial Regex Special();

    [GeneratedRegex(@"^.[A-HJ-NP-Z][A-HJ-K][A-HJ-NP-Z0-9][0-9]{4}$")]
    private static partial Regex SmallNewEnergy();

    [GeneratedRegex(@"^.[A-HJ-NP-Z][0-9]{5}[DF]$")]
    private static partial Regex LargeNewEnergy();
}

/// <summary>The kinds of plate <see cref="PlateNumber"/> recognises.</summary>
public enum PlateKind
{
    Ordinary,
    Special,
    SmallNewEnergy,
    LargeNewEnergy,
}
