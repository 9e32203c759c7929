using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;

namespace GridServer.Domain.Geo;

/// <summary>A coordinate-system spec that cannot be used: the message names the spec and says what is accepted.</summary>
public sealed class CrsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Resolves a user's coordinate-system spec to a <see cref="SourceCrs"/> that converts it to WGS84 lon/lat
/// (EPSG:4326). Specs are case-insensitive:
/// <list type="bullet">
/// <item><c>wgs84</c>, <c>EPSG:4326</c>, <c>4326</c> — WGS84 lon/lat, degrees.</item>
/// <item><c>cgcs2000</c>, <c>EPSG:4490</c> — CGCS2000 lon/lat, degrees, taken as identical to WGS84: the two frames
/// agree to a few centimetres in China (CGCS2000 is ITRF97 at epoch 2000.0; WGS84 is kept within centimetres of
/// the current ITRF), far below the accuracy of any grid boundary or phone position.</item>
/// <item><c>EPSG:4534</c>–<c>EPSG:4554</c> — CGCS2000 / 3-degree Gauss-Kruger CM 75E … 135E: Transverse Mercator on
/// the CGCS2000 ellipsoid (a = 6378137 m, 1/f = 298.257222101), k = 1, false easting 500 000 m, metres.</item>
/// <item><c>EPSG:4513</c>–<c>EPSG:4533</c> — the same zones 25 … 45 with the zone number in front of the easting
/// (false easting = zone · 1 000 000 + 500 000 m).</item>
/// <item><c>EPSG:3857</c>, <c>webmercator</c> — Web Mercator, metres.</item>
/// <item><c>gcj02</c>, <c>bd09</c> — the Chinese offset systems, see <see cref="ChineseOffsets"/>.</item>
/// <item>WKT, as in a .prj file: a PROJCS of any projection ProjNET supports (ESRI's "Gauss_Kruger" is read as
/// Transverse Mercator), or a GEOGCS; in both cases the datum must be WGS84 or CGCS2000 ("China 2000") and
/// lon/lat must be in degrees from Greenwich.
/// Another datum (Beijing 1954, Xian 1980, …) is refused rather than silently misplaced by up to a hundred
/// metres: such data must be reprojected to CGCS2000 first.</item>
/// </list>
/// </summary>
/// <remarks>
/// Built-in systems are created once and cached; a WKT is parsed on every call, so resolve once per file.
/// </remarks>
public static class CrsRegistry
{
    /// <summary>What the error messages list as accepted.</summary>
    public const string AcceptedSpecs =
        "use wgs84 (EPSG:4326), cgcs2000 (EPSG:4490), EPSG:4534-4554 (CGCS2000 3-degree Gauss-Kruger, CM 75E-135E), " +
        "EPSG:4513-4533 (the same zones 25-45 with the zone number in the easting), EPSG:3857 (webmercator), " +
        "gcj02, bd09, or the WKT text of a .prj file";

    private const double Cgcs2000InverseFlattening = 298.257222101;

    /// <summary>The geographic CGCS2000 system (EPSG:4490) as WKT.</summary>
    internal static readonly string Cgcs2000Geogcs = string.Create(CultureInfo.InvariantCulture,
        $"""GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,{Cgcs2000InverseFlattening},AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4490"]]""");

    private static readonly ConcurrentDictionary<string, SourceCrs> BuiltIns = new(StringComparer.Ordinal);

    private static readonly Regex EsriGaussKruger =
        new(@"PROJECTION\s*\[\s*""Gauss_Kruger""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Resolves a spec; throws <see cref="CrsException"/> when it cannot be used.</summary>
    public static SourceCrs Resolve(string? spec) =>
        TryResolve(spec, out var crs, out var error, out var inner) ? crs : throw new CrsException(error, inner);

    /// <summary>Resolves a spec; the error says what was given and what is accepted.</summary>
    public static bool TryResolve(string? spec, [NotNullWhen(true)] out SourceCrs? crs, [NotNullWhen(false)] out string? error) =>
        TryResolve(spec, out crs, out error, out _);

    private static bool TryResolve(string? spec, [NotNullWhen(true)] out SourceCrs? crs,
        [NotNullWhen(false)] out string? error, out Exception? inner)
    {
        crs = null;
        inner = null;
        var text = spec?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = $"coordinate system is empty; {AcceptedSpecs}";
            return false;
        }
        if (text.Contains('[', StringComparison.Ordinal))
            return TryFromWkt(text, out crs, out error, out inner);

        var key = Canonical(text);
        if (key is null)
        {
            error = $"unknown coordinate system '{Shorten(text)}'; {AcceptedSpecs}";
            return false;
        }
        crs = BuiltIns.GetOrAdd(key, CreateBuiltIn);
        error = null;
        return true;
    }

    /// <summary>The cache key of a built-in spec ("epsg:4549", "gcj02", …), or null when it is none.</summary>
    private static string? Canonical(string text)
    {
        var t = text.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)
            .Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        switch (t)
        {
            case "wgs84": return "epsg:4326";
            case "cgcs2000": return "epsg:4490";
            case "webmercator": return "epsg:3857";
            case "gcj02": return "gcj02";
            case "bd09": return "bd09";
        }
        var digits = t.StartsWith("epsg:", StringComparison.Ordinal) ? t[5..] : t;
        if (digits.Length is 0 or > 6 || !digits.All(char.IsAsciiDigit))
            return null;
        var code = int.Parse(digits, CultureInfo.InvariantCulture);
        return code is 4326 or 4490 or 3857 or (>= 4513 and <= 4554) ? $"epsg:{code}" : null;
    }

    private static SourceCrs CreateBuiltIn(string key)
    {
        switch (key)
        {
            case "epsg:4326": return new SameAsWgs84Crs("WGS 84 (EPSG:4326)", 4326);
            case "epsg:4490": return new SameAsWgs84Crs("CGCS2000 (EPSG:4490), taken as WGS 84", 4490);
            case "gcj02": return new OffsetCrs("GCJ-02", ChineseOffsets.Gcj02ToWgs84, ChineseOffsets.Wgs84ToGcj02);
            case "bd09": return new OffsetCrs("BD-09", ChineseOffsets.Bd09ToWgs84, ChineseOffsets.Wgs84ToBd09);
            case "epsg:3857": return FromProjected(ProjectedCoordinateSystem.WebMercator, "WGS 84 / Pseudo-Mercator (EPSG:3857)", 3857);
        }
        var code = int.Parse(key.AsSpan(5), CultureInfo.InvariantCulture);
        var (name, centralMeridian, falseEasting) = code >= 4534
            ? ($"CGCS2000 / 3-degree Gauss-Kruger CM {75 + 3 * (code - 4534)}E", 75 + 3 * (code - 4534), 500_000)
            : ($"CGCS2000 / 3-degree Gauss-Kruger zone {code - 4488}", 3 * (code - 4488), (code - 4488) * 1_000_000 + 500_000);
        var wkt = string.Create(CultureInfo.InvariantCulture,
            $"""PROJCS["{name}",{Cgcs2000Geogcs},PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",{centralMeridian}],PARAMETER["scale_factor",1],PARAMETER["false_easting",{falseEasting}],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","{code}"]]""");
        var projected = (ProjectedCoordinateSystem)new CoordinateSystemFactory().CreateFromWkt(wkt);
        return FromProjected(projected, $"{name} (EPSG:{code})", code);
    }

    private static bool TryFromWkt(string wkt, [NotNullWhen(true)] out SourceCrs? crs,
        [NotNullWhen(false)] out string? error, out Exception? inner)
    {
        crs = null;
        inner = null;
        CoordinateSystem? parsed;
        try
        {
            // ProjNET 2.0 does not know ESRI's name for Transverse Mercator, which every Chinese .prj uses.
            parsed = new CoordinateSystemFactory().CreateFromWkt(EsriGaussKruger.Replace(wkt, @"PROJECTION[""Transverse_Mercator"""));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // ProjNET reports bad WKT with whatever exception its parser hits (ArgumentException,
            // NotSupportedException, InvalidOperationException, ...): all mean "this text cannot be used".
            inner = e;
            error = $"cannot read the coordinate system '{Shorten(wkt)}': {e.Message}; {AcceptedSpecs}";
            return false;
        }

        var srid = parsed is not null && string.Equals(parsed.Authority, "EPSG", StringComparison.OrdinalIgnoreCase)
            && parsed.AuthorityCode is > 0 and <= int.MaxValue ? (int)parsed.AuthorityCode : 0;
        switch (parsed)
        {
            case ProjectedCoordinateSystem projected:
                if (!IsWgs84Like(projected.GeographicCoordinateSystem.HorizontalDatum, out error)
                    || !IsDegreesFromGreenwich(projected.GeographicCoordinateSystem, out error))
                {
                    error = $"coordinate system '{projected.Name}' {error}";
                    return false;
                }
                try
                {
                    crs = FromProjected(projected, projected.Name, srid);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The projection's parameters are checked only when ProjNET builds the transform.
                    inner = e;
                    error = $"cannot use the coordinate system '{projected.Name}': {e.Message}";
                    return false;
                }
                return true;

            case GeographicCoordinateSystem geographic:
                if (!IsWgs84Like(geographic.HorizontalDatum, out error) || !IsDegreesFromGreenwich(geographic, out error))
                {
                    error = $"coordinate system '{geographic.Name}' {error}";
                    return false;
                }
                crs = new SameAsWgs84Crs(geographic.Name, srid);
                return true;

            default:
                error = $"coordinate system '{Shorten(wkt)}' is {(parsed is null ? "empty" : $"a {parsed.GetType().Name}")}; " +
                    "GridServer reads projected (PROJCS) or geographic (GEOGCS) systems on the WGS84 or CGCS2000 datum";
                return false;
        }
    }

    /// <summary>
    /// WGS84 or CGCS2000, recognised by EPSG datum code or by name as EPSG and ESRI spell it ("WGS_1984",
    /// "D_WGS_1984", "China_2000", "D_China_2000"), on an ellipsoid with their size.
    /// </summary>
    private static bool IsWgs84Like(HorizontalDatum datum, [NotNullWhen(false)] out string? error)
    {
        var name = new string((datum.Name ?? "").ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        if (name.StartsWith('d') && name.Length > 1 && (name[1..].StartsWith("wgs", StringComparison.Ordinal) || name[1..].StartsWith("china", StringComparison.Ordinal)))
            name = name[1..]; // ESRI's "D_" prefix
        var byCode = string.Equals(datum.Authority, "EPSG", StringComparison.OrdinalIgnoreCase) && datum.AuthorityCode is 6326 or 1043;
        var byName = name is "wgs1984" or "wgs84" or "worldgeodeticsystem1984" or "china2000" or "cgcs2000"
            or "chinageodeticcoordinatesystem2000";
        if (!byCode && !byName)
        {
            error = $"uses the datum '{datum.Name}', which GridServer cannot convert to WGS84; " +
                "accepted datums are WGS 84 and CGCS2000 (China 2000): reproject the data to CGCS2000 or WGS84 first";
            return false;
        }
        var e = datum.Ellipsoid;
        var semiMajorMetres = e.SemiMajorAxis * e.AxisUnit.MetersPerUnit;
        if (Math.Abs(semiMajorMetres - 6378137) > 0.5 || Math.Abs(e.InverseFlattening - Cgcs2000InverseFlattening) > 0.01)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"names the datum '{datum.Name}' but its ellipsoid '{e.Name}' (a = {semiMajorMetres} m, 1/f = {e.InverseFlattening}) is not the WGS84/CGCS2000 ellipsoid");
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>
    /// Lon/lat in degrees from Greenwich, as in every Chinese .prj. Anything else is refused rather than converted:
    /// ProjNET 2.0's geographic-to-geographic step ignores the angular unit of latitude and mishandles it for
    /// longitude (a GEOGCS in grads comes out unchanged).
    /// </summary>
    private static bool IsDegreesFromGreenwich(GeographicCoordinateSystem geographic, [NotNullWhen(false)] out string? error)
    {
        var degrees = Math.Abs(geographic.AngularUnit.RadiansPerUnit / (Math.PI / 180) - 1) < 1e-9;
        if (degrees && geographic.PrimeMeridian.Longitude == 0)
        {
            error = null;
            return true;
        }
        error = $"measures lon/lat in '{geographic.AngularUnit.Name}' from the prime meridian '{geographic.PrimeMeridian.Name}'; " +
            "GridServer reads lon/lat in degrees from Greenwich";
        return false;
    }

    /// <summary>
    /// Transforms between the projection and lon/lat in degrees on the system's own datum, which is then taken as
    /// WGS84: asking ProjNET for WGS84 itself would, for a CGCS2000 system, make it look for a datum shift between
    /// two datums it sees as different. Both directions are built here, once: ProjNET's <c>Inverse()</c> caches
    /// lazily and <c>Invert()</c> turns a transform around in place, neither safe on a shared transform.
    /// </summary>
    private static ProjNetCrs FromProjected(ProjectedCoordinateSystem projected, string name, int srid)
    {
        var lonLat = new CoordinateSystemFactory().CreateGeographicCoordinateSystem(
            "lon/lat degrees", AngularUnit.Degrees, projected.GeographicCoordinateSystem.HorizontalDatum, PrimeMeridian.Greenwich,
            new AxisInfo("Lon", AxisOrientationEnum.East), new AxisInfo("Lat", AxisOrientationEnum.North));
        var transforms = new CoordinateTransformationFactory();
        var toWgs84 = transforms.CreateFromCoordinateSystems(projected, lonLat).MathTransform;
        var fromWgs84 = transforms.CreateFromCoordinateSystems(lonLat, projected).MathTransform;
        return new ProjNetCrs(name, srid, toWgs84, fromWgs84);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
