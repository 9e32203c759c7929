using System.Diagnostics.CodeAnalysis;

namespace GridServer.Domain.Geo;

/// <summary>
/// The coordinate system of a reported position (a phone, a web form, a map pick): lon/lat in degrees in one of
/// the systems that reach GridServer. Spelled in messages and APIs as "wgs84", "gcj02", "bd09", "cgcs2000".
/// </summary>
public enum PointCrs
{
    /// <summary>WGS84 (EPSG:4326): GPS, most phones' raw positions.</summary>
    Wgs84,

    /// <summary>GCJ-02: Amap, Tencent maps, WeChat <c>wx.getLocation</c> with type "gcj02".</summary>
    Gcj02,

    /// <summary>BD-09: Baidu maps ("bd09ll" in Baidu's APIs).</summary>
    Bd09,

    /// <summary>CGCS2000 (EPSG:4490), taken as identical to WGS84 (they agree within centimetres).</summary>
    Cgcs2000,
}

/// <summary>Parsing, naming and conversion of <see cref="PointCrs"/>.</summary>
public static class PointCrsExtensions
{
    private const string Accepted = "use wgs84, gcj02, bd09 or cgcs2000";

    /// <summary>
    /// Parses "wgs84", "gcj02", "bd09" (or Baidu's "bd09ll"), "cgcs2000", ignoring case, '-' and '_' ("GCJ-02");
    /// the error says what was given.
    /// </summary>
    public static bool TryParse(string? text, out PointCrs crs, [NotNullWhen(false)] out string? error)
    {
        crs = default;
        var t = text?.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        switch (t)
        {
            case "wgs84": crs = PointCrs.Wgs84; break;
            case "gcj02": crs = PointCrs.Gcj02; break;
            case "bd09" or "bd09ll": crs = PointCrs.Bd09; break;
            case "cgcs2000": crs = PointCrs.Cgcs2000; break;
            case null or "":
                error = $"point coordinate system is empty; {Accepted}";
                return false;
            default:
                error = $"unknown point coordinate system '{(text!.Length <= 40 ? text : text[..37] + "...")}'; {Accepted}";
                return false;
        }
        error = null;
        return true;
    }

    /// <summary>As <see cref="TryParse"/>, throwing <see cref="CrsException"/> with the error.</summary>
    public static PointCrs Parse(string? text) =>
        TryParse(text, out var crs, out var error) ? crs : throw new CrsException(error);

    /// <summary>The spelling used in APIs: "wgs84", "gcj02", "bd09", "cgcs2000".</summary>
    public static string ToSpec(this PointCrs crs) => crs switch
    {
        PointCrs.Wgs84 => "wgs84",
        PointCrs.Gcj02 => "gcj02",
        PointCrs.Bd09 => "bd09",
        PointCrs.Cgcs2000 => "cgcs2000",
        _ => throw new ArgumentOutOfRangeException(nameof(crs), crs, null),
    };

    /// <summary>A position in this system (lon/lat, degrees) to WGS84 lon/lat (degrees).</summary>
    public static (double Lon, double Lat) ToWgs84(this PointCrs crs, double lon, double lat) => crs switch
    {
        PointCrs.Wgs84 or PointCrs.Cgcs2000 => (lon, lat),
        PointCrs.Gcj02 => ChineseOffsets.Gcj02ToWgs84(lon, lat),
        PointCrs.Bd09 => ChineseOffsets.Bd09ToWgs84(lon, lat),
        _ => throw new ArgumentOutOfRangeException(nameof(crs), crs, null),
    };

    /// <summary>A WGS84 lon/lat (degrees) to this system (lon/lat, degrees), e.g. to show a position on a Chinese map.</summary>
    public static (double Lon, double Lat) FromWgs84(this PointCrs crs, double lon, double lat) => crs switch
    {
        PointCrs.Wgs84 or PointCrs.Cgcs2000 => (lon, lat),
        PointCrs.Gcj02 => ChineseOffsets.Wgs84ToGcj02(lon, lat),
        PointCrs.Bd09 => ChineseOffsets.Wgs84ToBd09(lon, lat),
        _ => throw new ArgumentOutOfRangeException(nameof(crs), crs, null),
    };
}
