using System.Globalization;
using System.Text.RegularExpressions;
using GridServer.Plugins.Contracts;

namespace GridServer.Plugins.Shared;

/// <summary>
/// Checks of reference-record fields, shared by the duty modules as a linked source file (each module stays one
/// assembly referencing only the contract). Records come from imports and are hostile: huge strings, numbers that
/// are not numbers, dates in the wrong format. Every problem names the field and says what would be right.
/// </summary>
internal static partial class RecordFields
{
    /// <summary>The longest name, holder or street a record may carry.</summary>
    public const int MaxName = 200;

    /// <summary>The longest address a record may carry.</summary>
    public const int MaxAddress = 500;

    /// <summary>The longest key, code or number (licence, contact) a record may carry.</summary>
    public const int MaxCode = 64;

    /// <summary>How much of a bad value a problem message quotes.</summary>
    private const int Quoted = 20;

    /// <summary>The date format of date fields, e.g. 2026-12-31.</summary>
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>China Standard Time: the bureau's clock for dates and the times in texts.</summary>
    public static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    // A mainland mobile number (1, then 3-9, then nine digits) or a landline with its area code (010-12345678,
    // 0571-8888888), optionally an extension (-123).
    [GeneratedRegex(@"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-[1-9][0-9]{6,7}(-[0-9]{1,6})?)$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Phone();

    /// <summary>The problems of the record as a whole: a key, fields, and a usable position when the set needs one.</summary>
    public static bool Usable(ReferenceRecord? record, bool needsPosition, List<ReportProblem> problems)
    {
        if (record?.Fields is null)
        {
            problems.Add(new ReportProblem(null, "the record is empty: it needs a key and its fields"));
            return false;
        }
        if (string.IsNullOrWhiteSpace(record.Key) || record.Key.Length > MaxCode)
            problems.Add(new ReportProblem("key", $"the key must be given, at most {MaxCode} characters"));
        var given = record.Longitude is not null || record.Latitude is not null;
        if ((needsPosition || given) && !HasPosition(record))
            problems.Add(new ReportProblem("geometry", "the position must be given as longitude -180..180 and latitude -90..90 (WGS84, degrees)"));
        return true;
    }

    /// <summary>True when the record has a finite lon/lat in range.</summary>
    public static bool HasPosition(ReferenceRecord record) =>
        record.Longitude is { } lon && record.Latitude is { } lat && IsPosition(lon, lat);

    public static bool IsPosition(double longitude, double latitude) =>
        double.IsFinite(longitude) && double.IsFinite(latitude) && longitude is >= -180 and <= 180 && latitude is >= -90 and <= 90;

    /// <summary>The field's trimmed text; a problem when it is required and missing or blank, or longer than <paramref name="max"/>.</summary>
    public static string? Text(ReferenceRecord record, string field, bool required, int max, List<ReportProblem> problems)
    {
        var text = record.Field(field)?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            if (required) problems.Add(new ReportProblem(field, $"{field} is required"));
            return null;
        }
        if (text.Length > max)
        {
            problems.Add(new ReportProblem(field, string.Create(CultureInfo.InvariantCulture, $"{field} has {text.Length} characters; at most {max}")));
            return null;
        }
        return text;
    }

    /// <summary>The field as a phone number (see <see cref="IsPhone"/>); a problem when it is given but is none.</summary>
    public static string? PhoneNumber(ReferenceRecord record, string field, bool required, List<ReportProblem> problems)
    {
        var text = Text(record, field, required, MaxCode, problems);
        if (text is null) return null;
        if (IsPhone(text)) return text;
        problems.Add(new ReportProblem(field,
            $"{field} '{Quote(text)}' is not a phone number: a mobile number of 11 digits starting 13-19 (13812345678) or a landline with its area code (010-12345678, 0571-8888888)"));
        return null;
    }

    /// <summary>A mainland mobile number or a landline with its area code, spaces ignored.</summary>
    public static bool IsPhone(string text) => Phone().IsMatch(text.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>The field as a finite number greater than zero and at most <paramref name="max"/>; a problem when it is given but is none.</summary>
    public static double? PositiveNumber(ReferenceRecord record, string field, double max, string unit, List<ReportProblem> problems)
    {
        var text = Text(record, field, required: false, MaxCode, problems);
        if (text is null) return null;
        if (ParsePositive(text, max) is { } value) return value;
        problems.Add(new ReportProblem(field,
            string.Create(CultureInfo.InvariantCulture, $"{field} '{Quote(text)}' is not a number greater than 0 and at most {max} {unit} (a decimal point, no units: 150 or 7.5)")));
        return null;
    }

    /// <summary>A finite number greater than zero and at most <paramref name="max"/>, or null.</summary>
    public static double? ParsePositive(string? text, double max) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
            CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0 && value <= max ? value : null;

    /// <summary>The field as a whole number 1..<paramref name="max"/>; a problem when it is given but is none.</summary>
    public static int? PositiveInteger(ReferenceRecord record, string field, int max, string unit, List<ReportProblem> problems)
    {
        var text = Text(record, field, required: false, MaxCode, problems);
        if (text is null) return null;
        if (ParsePositiveInteger(text, max) is { } value) return value;
        problems.Add(new ReportProblem(field,
            string.Create(CultureInfo.InvariantCulture, $"{field} '{Quote(text)}' is not a whole number from 1 to {max} {unit}")));
        return null;
    }

    /// <summary>A whole number 1..<paramref name="max"/>, or null.</summary>
    public static int? ParsePositiveInteger(string? text, int max) =>
        int.TryParse(text, NumberStyles.None | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var value)
            && value is >= 1 && value <= max ? value : null;

    /// <summary>The field as a date in <see cref="DateFormat"/>; a problem when it is given but is none.</summary>
    public static DateOnly? Date(ReferenceRecord record, string field, bool required, List<ReportProblem> problems)
    {
        var text = Text(record, field, required, MaxCode, problems);
        if (text is null) return null;
        if (ParseDate(text) is { } date) return date;
        problems.Add(new ReportProblem(field, $"{field} '{Quote(text)}' is not a date as {DateFormat} (2026-12-31)"));
        return null;
    }

    /// <summary>A date in <see cref="DateFormat"/>, or null.</summary>
    public static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>The field as "true" or "false" (any case); a problem when it is required and missing, or given as something else.</summary>
    public static bool? Flag(ReferenceRecord record, string field, bool required, List<ReportProblem> problems)
    {
        var text = Text(record, field, required, MaxCode, problems);
        if (text is null) return null;
        if (ParseFlag(text) is { } flag) return flag;
        problems.Add(new ReportProblem(field, $"{field} '{Quote(text)}' must be true or false"));
        return null;
    }

    /// <summary>"true" or "false" (any case, spaces ignored), or null.</summary>
    public static bool? ParseFlag(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "TRUE" => true,
        "FALSE" => false,
        _ => null,
    };

    /// <summary>The problem of a set the module does not keep.</summary>
    public static ReportProblem UnknownSet(string? dataSet, string keeps) =>
        new(null, $"this module keeps no data set '{Quote(dataSet ?? "")}'; it keeps {keeps}");

    /// <summary>At most a few characters of a bad value, for a message.</summary>
    public static string Quote(string text) => text.Length <= Quoted ? text : text[..Quoted] + "…";

    /// <summary>A name for a text meant for people: at most <see cref="MaxName"/> characters.</summary>
    public static string Short(string text) => text.Length <= MaxName ? text : text[..MaxName] + "…";

    /// <summary>A time as the bureau reads it: China Standard Time, to the minute.</summary>
    public static string Clock(DateTimeOffset time) =>
        time.ToOffset(ChinaStandardTime).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A report's position when it has a usable one.</summary>
    public static bool Located(MatterReport report, out double longitude, out double latitude)
    {
        longitude = report.Longitude ?? double.NaN;
        latitude = report.Latitude ?? double.NaN;
        return IsPosition(longitude, latitude);
    }
}
