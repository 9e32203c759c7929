using System.Text;

namespace GridServer.Domain.Privacy;

/// <summary>
/// Takes personal numbers out of text that leaves the bureau (Open311's public reads): phone numbers — mobile
/// (<c>138 0013 8000</c>, <c>+86-138-0013-8000</c>), landline (<c>0577-88123456</c>, <c>(0577) 8812 3456</c>),
/// a local number alone (<c>88123456</c>) — and resident ID numbers (身份证, 18 digits, the last may be X; the old
/// 15-digit form too).
/// </summary>
/// <remarks>
/// The rule is deliberately blunt: any run of at least <see cref="MinDigits"/> digits, however they are spaced or
/// written, is replaced by <see cref="Mask"/> whole. Digits are any Unicode digit (full-width <c>１３８</c>, circled
/// <c>①</c>, Arabic-Indic …) and the Chinese numerals 〇零一二三四五六七八九 and 幺 (how a phone number's 1 is read
/// aloud); between two digits may stand up to three separators (spaces of any width, dashes, dots, slashes,
/// brackets, <c>+</c>, <c>*</c>). An ID's final X goes with its digits. A long number that is no personal data (a
/// date written 2026-11-28, an amount) is masked too: in public text a number too many hidden costs nothing, one too
/// few is a citizen's phone. Numbers spelled out in words, or split by letters, are not found: that is why
/// descriptions can also be left out of the public view entirely.
/// </remarks>
public static class PersonalData
{
    /// <summary>The fewest digits a masked run has: a local landline number has 7; public service numbers (12345, 12319) have 5.</summary>
    public const int MinDigits = 7;

    /// <summary>What a masked number becomes.</summary>
    public const string Mask = "***";

    /// <summary>The most separator characters between two digits of one number (" - " is three).</summary>
    private const int MaxSeparatorRun = 3;

    /// <summary>The text with every run of at least <see cref="MinDigits"/> digits replaced by <see cref="Mask"/>; null stays null.</summary>
    public static string? MaskNumbers(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        StringBuilder? masked = null;
        var copied = 0;   // text[..copied] is in `masked` (or unchanged so far)
        var i = 0;
        while (i < text.Length)
        {
            if (!IsDigitAt(text, i, out var width))
            {
                i += RuneWidth(text, i);
                continue;
            }
            // A run: digits, with short stretches of separators between them.
            var (start, end, digits) = (i, i + width, 1);
            var j = end;
            while (j < text.Length)
            {
                var k = j;
                var separators = 0;
                while (k < text.Length && separators < MaxSeparatorRun && IsSeparator(text, k))
                {
                    k += RuneWidth(text, k);
                    separators++;
                }
                if (k < text.Length && IsDigitAt(text, k, out var next))
                {
                    end = j = k + next;
                    digits++;
                    continue;
                }
                break;
            }
            if (digits >= MinDigits)
            {
                if (end < text.Length && text[end] is 'X' or 'x' or 'Ｘ' or 'ｘ') end++;   // 身份证's check character
                masked ??= new StringBuilder(text.Length);
                masked.Append(text, copied, start - copied).Append(Mask);
                copied = end;
            }
            i = end;
        }
        return masked is null ? text : masked.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>A position rounded to <paramref name="decimals"/> decimal places of a degree (3: about 110 m of latitude).</summary>
    public static double RoundDegrees(double degrees, int decimals) => Math.Round(degrees, decimals, MidpointRounding.AwayFromZero);

    private static bool IsDigitAt(string text, int index, out int width)
    {
        width = RuneWidth(text, index);
        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) != System.Buffers.OperationStatus.Done) return false;
        if (rune.Value is '零' or '一' or '二' or '三' or '四' or '五' or '六' or '七' or '八' or '九' or '幺') return true;
        var value = Rune.GetNumericValue(rune);
        return value is >= 0 and <= 9 && value == Math.Floor(value);
    }

    private static bool IsSeparator(string text, int index)
    {
        var c = text[index];
        return char.IsWhiteSpace(c) || c is '-' or '.' or '/' or '(' or ')' or '+' or '*' or '·'
            || c is '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212'
            || c is '－' or '．' or '／' or '（' or '）' or '＋' or '＊' or '・';
    }

    private static int RuneWidth(string text, int index) =>
        index + 1 < text.Length && char.IsSurrogatePair(text[index], text[index + 1]) ? 2 : 1;
}
