using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GridServer.Domain.Geocoding;

/// <summary>
/// A Chinese address as written by a caller or a form, brought to one spelling (CJ/T 215's levels): full-width
/// letters and digits to ASCII (NFKC), spaces and punctuation dropped, Chinese numerals before 号/弄/栋/单元/室 to
/// digits, and the building words to one (幢, 号楼, 座 → 栋). Then the house number, lane, building, unit and room are
/// taken off the end, and what is left is the place: province, city, district, street, community and road names run
/// together, which <see cref="Gazetteer"/> reads with the names it knows.
/// </summary>
public sealed partial record AddressText(string Place, string? Number, string? Lane, string? Building, string? Unit, string? Room)
{
    /// <summary>The longest address text taken; a hotline's note is a sentence, not a page.</summary>
    public const int MaxLength = 200;

    /// <summary>Brings a text to one spelling, without taking it apart.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var folded = (text.Length > MaxLength ? text[..MaxLength] : text).Normalize(NormalizationForm.FormKC);
        var kept = new StringBuilder(folded.Length);
        foreach (var c in folded)
        {
            // Letters (Han included) and digits carry the address; spaces, punctuation and symbols do not. '-' joins
            // numbers (12-3号), so it stays.
            if (char.IsLetterOrDigit(c)) kept.Append(char.ToUpperInvariant(c));
            else if (c == '-') kept.Append(c);
        }
        var text2 = ChineseNumber().Replace(kept.ToString(), m => ToDigits(m.Groups["n"].Value) is { } n ? n + m.Groups["unit"].Value : m.Value);
        return BuildingWord().Replace(text2, "$1栋");
    }

    /// <summary>Normalizes and takes the numbered parts off the end.</summary>
    public static AddressText Parse(string text)
    {
        // What callers add after the address (门口, 对面, 附近, 东侧) says where near it, not which address: dropped.
        var rest = NearWords().Replace(Normalize(text), "");
        string? Take(Regex pattern)
        {
            var m = pattern.Match(rest);
            if (!m.Success) return null;
            rest = rest[..m.Index] + rest[(m.Index + m.Length)..];
            return m.Groups["v"].Value;
        }
        // Innermost first, each at the end of what is left: 12号3栋2单元501室.
        var room = Take(RoomAtEnd());
        var unit = Take(UnitAtEnd());
        var building = Take(BuildingAtEnd());
        var number = Take(NumberAtEnd());
        var lane = Take(LaneAtEnd());
        return new AddressText(rest, number, lane, building, unit, room);
    }

    /// <summary>一 … 九千九百九十九 (and 〇/零, 两) to digits; null when it is not such a numeral.</summary>
    internal static string? ToDigits(string numeral)
    {
        if (numeral.All(c => Digit(c) >= 0))
            return string.Concat(numeral.Select(c => (char)('0' + Digit(c))));   // 一二三 read digit by digit
        var total = 0;
        var current = 0;
        foreach (var c in numeral)
        {
            var d = Digit(c);
            if (d >= 0)
            {
                current = d;
                continue;
            }
            var scale = c switch { '十' => 10, '百' => 100, '千' => 1000, _ => 0 };
            if (scale == 0) return null;
            total += (current == 0 ? 1 : current) * scale;
            current = 0;
        }
        return (total + current).ToString(CultureInfo.InvariantCulture);
    }

    private static int Digit(char c) => "〇一二三四五六七八九".IndexOf(c, StringComparison.Ordinal) is var i and >= 0 ? i
        : c == '零' ? 0 : c == '两' ? 2 : -1;

    [GeneratedRegex("(?<n>[〇零一二两三四五六七八九十百千]+)(?<unit>号|弄|栋|幢|单元|室|层|楼)", RegexOptions.CultureInvariant)]
    private static partial Regex ChineseNumber();

    [GeneratedRegex("(?:(?:大门|门口|门前|对面|对过|附近|旁边|边上|旁|周边|一带|路口|交叉口|[东南西北]侧|[东南西北]面|前面|后面|处|的)+)$", RegexOptions.CultureInvariant)]
    private static partial Regex NearWords();

    [GeneratedRegex("([0-9A-Z]+)(?:幢|号楼|座)", RegexOptions.CultureInvariant)]
    private static partial Regex BuildingWord();

    // A room is said (501室), or is the bare number after a building or unit (3栋501); a bare number after a road is the house's.
    [GeneratedRegex("(?<v>[0-9]+)(?:室|号房)$|(?<=单元|栋)(?<v>[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RoomAtEnd();

    [GeneratedRegex("(?<v>[0-9]+)单元$", RegexOptions.CultureInvariant)]
    private static partial Regex UnitAtEnd();

    [GeneratedRegex("(?<v>[0-9A-Z]+)栋$", RegexOptions.CultureInvariant)]
    private static partial Regex BuildingAtEnd();

    [GeneratedRegex("(?<v>[0-9]+(?:-[0-9]+)?)(?:号院|号)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberAtEnd();

    [GeneratedRegex("(?<v>[0-9]+)弄$", RegexOptions.CultureInvariant)]
    private static partial Regex LaneAtEnd();
}
