using System.Globalization;

namespace GridServer.Domain.Media;

/// <summary>
/// What a photo's EXIF says about where and when it was taken, read strictly: a position out of range, a reference
/// that is not N/S/E/W, or a time that is not a real time gives nothing rather than a wrong fact.
/// </summary>
public static class PhotoFacts
{
    /// <summary>The bureau's offset, for an EXIF time that does not state its own (most phones before 2020 did not).</summary>
    public static readonly TimeSpan DefaultOffset = Evaluation.EvaluationPeriod.Offset;

    /// <summary>Degrees from EXIF's degrees, minutes and seconds and its reference letter; null when unusable.</summary>
    public static double? Degrees(IReadOnlyList<double>? dms, string? reference, bool longitude)
    {
        if (dms is not { Count: 3 } || dms.Any(v => !double.IsFinite(v) || v < 0)) return null;
        if (dms[1] >= 60 || dms[2] >= 60) return null;
        var value = dms[0] + dms[1] / 60 + dms[2] / 3600;
        var sign = (reference?.Trim().ToUpperInvariant(), longitude) switch
        {
            ("N", false) or ("E", true) => 1,
            ("S", false) or ("W", true) => -1,
            _ => 0,
        };
        if (sign == 0 || value > (longitude ? 180 : 90)) return null;
        return sign * Math.Round(value, 7);   // a centimetre: past it, only the division's noise
    }

    /// <summary>
    /// A position from EXIF, or null: both coordinates must read, and 0,0 (what a phone writes without a fix) is no position.
    /// </summary>
    public static (double Lon, double Lat)? Position(IReadOnlyList<double>? lat, string? latRef, IReadOnlyList<double>? lon, string? lonRef)
    {
        if (Degrees(lat, latRef, longitude: false) is not { } y || Degrees(lon, lonRef, longitude: true) is not { } x) return null;
        return x == 0 && y == 0 ? null : (x, y);
    }

    /// <summary>EXIF's <c>yyyy:MM:dd HH:mm:ss</c> with its optional offset (<c>+08:00</c>); null when it does not read.</summary>
    public static DateTimeOffset? TakenAt(string? dateTime, string? offset)
    {
        if (dateTime is null || !DateTime.TryParseExact(dateTime.Trim().TrimEnd('\0'), "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return null;
        var zone = DefaultOffset;
        if (offset is { Length: > 0 } given)
        {
            var text = given.Trim().TrimEnd('\0');
            if (text.Length != 6 || text[0] is not ('+' or '-') || !TimeSpan.TryParseExact(text[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var span) || span > TimeSpan.FromHours(14))
                return null;
            zone = text[0] == '-' ? -span : span;
        }
        return new DateTimeOffset(local, zone);
    }

    /// <summary>Metres between two WGS 84 points (haversine, mean Earth radius): how far a photo was taken from its case.</summary>
    public static double MetresBetween(double lon1, double lat1, double lon2, double lat2)
    {
        const double R = 6_371_008.8;
        var (p1, p2) = (lat1 * Math.PI / 180, lat2 * Math.PI / 180);
        var (dp, dl) = (p2 - p1, (lon2 - lon1) * Math.PI / 180);
        var a = Math.Sin(dp / 2) * Math.Sin(dp / 2) + Math.Cos(p1) * Math.Cos(p2) * Math.Sin(dl / 2) * Math.Sin(dl / 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
