using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ProjNet.CoordinateSystems;

namespace GridServer.Domain.Geo;

/// <summary>What <see cref="CrsRegistry"/> knows of datums and units without being given parameters.</summary>
public static partial class CrsRegistry
{
    /// <summary>
    /// Datums realised to agree with WGS 84 within a metre or two, on the GRS 80 ellipsoid, which .prj files from
    /// ArcGIS name without TOWGS84: NAD83 (the US, Canada), ETRS89 (Europe), GDA94/GDA2020 (Australia), JGD2000/2011
    /// (Japan), NZGD2000, SIRGAS 2000, Korea 2000. PROJ takes them as WGS 84 the same way.
    /// </summary>
    private static bool SameAsWgs84WithinMetres(HorizontalDatum datum)
    {
        var n = new string((datum.Name ?? "").ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        if (n.StartsWith('d') && n.Length > 1 && !n.StartsWith("deutsches", StringComparison.Ordinal)) n = n[1..]; // ESRI's "D_"
        var named = n is "northamerican1983" or "northamericandatum1983" or "nad83" or "europeanterrestrialreferencesystem1989"
            or "etrs1989" or "etrs89" or "geocentricdatumofaustralia1994" or "gda1994" or "gda94" or "geocentricdatumofaustralia2020"
            or "gda2020" or "japanesegeodeticdatum2000" or "jgd2000" or "japanesegeodeticdatum2011" or "jgd2011"
            or "newzealandgeodeticdatum2000" or "nzgd2000" or "sirgas2000" or "sistemadereferenciageocentricoparalasamericas2000"
            or "korea2000" or "geocentricdatumofkorea";
        var e = datum.Ellipsoid;
        return named && Math.Abs(e.SemiMajorAxis * e.AxisUnit.MetersPerUnit - 6378137) < 0.5 && Math.Abs(e.InverseFlattening - 298.257222101) < 0.01;
    }


    /// <summary>
    /// WGS84 or CGCS2000, recognised by EPSG datum code or by name as EPSG and ESRI spell it ("WGS_1984",
    /// "D_WGS_1984", "China_2000", "D_China_2000"). <paramref name="unlike"/> says why one so named cannot be used:
    /// an ellipsoid that is not theirs.
    /// </summary>
    private static bool IsWgs84Like(HorizontalDatum datum, out string? unlike)
    {
        unlike = null;
        var name = new string((datum.Name ?? "").ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        if (name.StartsWith('d') && name.Length > 1 && (name[1..].StartsWith("wgs", StringComparison.Ordinal) || name[1..].StartsWith("china", StringComparison.Ordinal)))
            name = name[1..]; // ESRI's "D_" prefix
        var byCode = string.Equals(datum.Authority, "EPSG", StringComparison.OrdinalIgnoreCase) && datum.AuthorityCode is 6326 or 1043;
        var byName = name is "wgs1984" or "wgs84" or "worldgeodeticsystem1984" or "china2000" or "cgcs2000"
            or "chinageodeticcoordinatesystem2000";
        if (!byCode && !byName) return false;
        var e = datum.Ellipsoid;
        var semiMajorMetres = e.SemiMajorAxis * e.AxisUnit.MetersPerUnit;
        if (Math.Abs(semiMajorMetres - 6378137) > 0.5 || Math.Abs(e.InverseFlattening - Cgcs2000InverseFlattening) > 0.01)
            unlike = string.Create(CultureInfo.InvariantCulture,
                $"names the datum '{datum.Name}' but its ellipsoid '{e.Name}' (a = {semiMajorMetres} m, 1/f = {e.InverseFlattening}) is not the WGS84/CGCS2000 ellipsoid");
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
}
