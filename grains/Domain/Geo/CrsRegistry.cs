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
/// <item>Any other geographic or projected EPSG code, from the EPSG table shipped with the server (<see cref="EpsgTable"/>).</item>
/// <item>WKT, as in a .prj file: a PROJCS of any projection ProjNET supports (ESRI's "Gauss_Kruger" is read as
/// Transverse Mercator), or a GEOGCS, lon/lat in degrees from Greenwich.</item>
/// <item><c>local:NAME</c>: a <see cref="CrsDefinition"/> the bureau keeps (a base, its datum shift, a local grid's plane parameters).</item>
/// </list>
/// A datum other than WGS 84 and CGCS2000 reaches WGS 84 by its TOWGS84 parameters (declared in the WKT or the table,
/// or given by a definition: <see cref="HelmertShift"/>), or is taken as WGS 84 where it agrees within a metre or two
/// (NAD83, ETRS89, GDA94, …). Any other (Xi'an 1980, Beijing 1954 as ArcGIS writes it) is refused, naming what to give:
/// never converted with a zero shift, which would misplace it by up to a few hundred metres. Each resolved system says
/// how it was shifted and how accurately (<see cref="SourceCrs.Shift"/>).
/// </summary>
/// <remarks>
/// Built-in systems and those of the EPSG table are created once and cached; a WKT or a definition is parsed on every
/// call, so resolve once per file.
/// </remarks>
public static partial class CrsRegistry
{
    /// <summary>What the error messages list as accepted.</summary>
    public const string AcceptedSpecs =
        "use wgs84 (EPSG:4326), cgcs2000 (EPSG:4490), EPSG:4534-4554 (CGCS2000 3-degree Gauss-Kruger, CM 75E-135E), " +
        "any other geographic or projected EPSG code (e.g. EPSG:32650, EPSG:2263), EPSG:3857 (webmercator), " +
        "gcj02, bd09, local:NAME (a coordinate system the bureau defined), or the WKT text of a .prj file";

    private const double Cgcs2000InverseFlattening = 298.257222101;

    /// <summary>The geographic CGCS2000 system (EPSG:4490) as WKT.</summary>
    internal static readonly string Cgcs2000Geogcs = string.Create(CultureInfo.InvariantCulture,
        $"""GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,{Cgcs2000InverseFlattening},AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4490"]]""");

    private static readonly ConcurrentDictionary<string, SourceCrs> BuiltIns = new(StringComparer.Ordinal);

    /// <summary>Systems built from the EPSG table, once each.</summary>
    private static readonly ConcurrentDictionary<int, SourceCrs> FromTable = new();

    private static readonly Regex EsriGaussKruger =
        new(@"PROJECTION\s*\[\s*""Gauss_Kruger""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Resolves a spec; throws <see cref="CrsException"/> when it cannot be used.</summary>
    /// <param name="named">The bureau's named definitions (<c>local:NAME</c>), or null where there are none.</param>
    public static SourceCrs Resolve(string? spec, Func<string, CrsDefinition?>? named = null) =>
        TryResolve(spec, out var crs, out var error, out var inner, named) ? crs : throw new CrsException(error, inner);

    /// <summary>Resolves a spec; the error says what was given and what is accepted.</summary>
    public static bool TryResolve(string? spec, [NotNullWhen(true)] out SourceCrs? crs, [NotNullWhen(false)] out string? error,
        Func<string, CrsDefinition?>? named = null) =>
        TryResolve(spec, out crs, out error, out _, named);

    /// <summary>Builds a named definition: its base with its datum shift, then its plane similarity.</summary>
    public static bool TryResolve(CrsDefinition definition, [NotNullWhen(true)] out SourceCrs? crs, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(definition);
        crs = null;
        if (definition.Problems() is { Count: > 0 } problems)
        {
            error = $"coordinate system '{definition.Name}': {string.Join("; ", problems)}";
            return false;
        }
        var text = definition.Base.Trim();
        string wkt;
        int srid;
        if (text.Contains('[', StringComparison.Ordinal)) (wkt, srid) = (text, 0);
        else if (EpsgCode(text) is { } code && EpsgTable.Wkt(code) is { } fromTable) (wkt, srid) = (fromTable, code);
        else
        {
            error = $"coordinate system '{definition.Name}': its base '{Shorten(text)}' is neither an EPSG code of the table nor WKT";
            return false;
        }
        if (!TryFromWkt(wkt, out var baseCrs, out error, out _, srid, definition))
        {
            error = $"coordinate system '{definition.Name}': its base: {error}";
            return false;
        }
        if (definition.Plane is not { } plane)
        {
            crs = baseCrs;
            return true;
        }
        if (baseCrs.IsGeographic)
        {
            error = $"coordinate system '{definition.Name}': a plane similarity needs a projected base (metres), and '{baseCrs.Name}' is lon/lat";
            return false;
        }
        crs = new LocalPlaneCrs($"{definition.Name} (local grid on {baseCrs.Name})", baseCrs, plane)
        {
            Shift = string.Create(CultureInfo.InvariantCulture,
                $"{baseCrs.Shift ?? "no datum shift"}; then the bureau's 4 plane parameters (east {plane.East} m, north {plane.North} m, rotation {plane.RotationSeconds}\", scale {plane.ScalePpm} ppm): as accurate as those parameters, usually centimetres within the city they were fitted for"),
        };
        return true;
    }

    private static bool TryResolve(string? spec, [NotNullWhen(true)] out SourceCrs? crs,
        [NotNullWhen(false)] out string? error, out Exception? inner, Func<string, CrsDefinition?>? named)
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
        if (text.StartsWith(CrsDefinition.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = text[CrsDefinition.Prefix.Length..].Trim();
            if (named?.Invoke(name) is not { } definition)
            {
                error = named is null
                    ? $"'{Shorten(text)}' names a coordinate system the bureau defined, and there are none here; give an EPSG code or WKT"
                    : $"no coordinate system named '{Shorten(name)}' is defined; define it first (PUT /api/crs/{{name}}) or give an EPSG code or WKT";
                return false;
            }
            return TryResolve(definition, out crs, out error);
        }

        var key = Canonical(text);
        if (key is not null)
        {
            crs = BuiltIns.GetOrAdd(key, CreateBuiltIn);
            error = null;
            return true;
        }
        if (EpsgCode(text) is { } code)
        {
            if (FromTable.TryGetValue(code, out crs))
            {
                error = null;
                return true;
            }
            if (EpsgTable.Wkt(code) is not { } wkt)
            {
                error = $"'EPSG:{code}' is not in the EPSG table, which holds the register's geographic and projected systems; {AcceptedSpecs}";
                return false;
            }
            if (!TryFromWkt(wkt, out crs, out error, out inner, code))
            {
                error = $"'EPSG:{code}': {error}";
                return false;
            }
            crs = FromTable.GetOrAdd(code, crs);
            return true;
        }
        error = $"unknown coordinate system '{Shorten(text)}'; {AcceptedSpecs}";
        return false;
    }

    /// <summary>The number of an "EPSG:n" or bare "n" spec, or null.</summary>
    private static int? EpsgCode(string text)
    {
        var t = text.Trim();
        var digits = t.StartsWith("epsg:", StringComparison.OrdinalIgnoreCase) ? t[5..].Trim() : t;
        return digits.Length is > 0 and <= 6 && digits.All(char.IsAsciiDigit) ? int.Parse(digits, CultureInfo.InvariantCulture) : null;
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
        // The codes built in without the table; any other is read from it (EpsgTable).
        return EpsgCode(t) is int code and (4326 or 4490 or 3857 or (>= 4513 and <= 4554)) ? $"epsg:{code}" : null;
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
        [NotNullWhen(false)] out string? error, out Exception? inner, int tableCode = 0, CrsDefinition? definition = null)
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

        var srid = tableCode != 0 ? tableCode
            : parsed is not null && string.Equals(parsed.Authority, "EPSG", StringComparison.OrdinalIgnoreCase)
              && parsed.AuthorityCode is > 0 and <= int.MaxValue ? (int)parsed.AuthorityCode : 0;
        var geographic = parsed switch
        {
            ProjectedCoordinateSystem p => p.GeographicCoordinateSystem,
            GeographicCoordinateSystem g => g,
            _ => null,
        };
        if (geographic is null)
        {
            error = $"coordinate system '{Shorten(wkt)}' is {(parsed is null ? "empty" : $"a {parsed.GetType().Name}")}; " +
                "GridServer reads projected (PROJCS) or geographic (GEOGCS) systems";
            return false;
        }
        var name = tableCode != 0 ? $"{parsed!.Name} (EPSG:{tableCode})" : parsed!.Name;
        if (definition is { Plane: null }) name = $"{definition.Name} ({name})";
        if (!IsDegreesFromGreenwich(geographic, out error))
        {
            error = $"coordinate system '{parsed.Name}' {error}";
            return false;
        }
        var datum = geographic.HorizontalDatum;
        var ellipsoid = datum.Ellipsoid;
        var semiMajor = ellipsoid.SemiMajorAxis * ellipsoid.AxisUnit.MetersPerUnit;
        var onWgs84Ellipsoid = Math.Abs(semiMajor - 6378137) < 0.5 && Math.Abs(ellipsoid.InverseFlattening - Cgcs2000InverseFlattening) < 0.01;
        double[] parameters;
        string shift;
        if (definition?.ToWgs84 is { } given)
        {
            parameters = given;
            shift = $"datum {datum.Name} shifted to WGS 84 by the {given.Length} parameters of '{definition.Name}' (TOWGS84[{definition.ToWgs84Text()}]): " +
                "as accurate as those parameters (a surveying bureau's are usually within 0.1-1 m in its area); the conversion itself adds under 1 mm";
        }
        else if (IsWgs84Like(datum, out var unlike))
        {
            if (unlike is not null)
            {
                error = $"coordinate system '{parsed.Name}' {unlike}";
                return false;
            }
            return TryBuild(parsed, name, srid, null, null, out crs, out error, out inner);
        }
        else if (datum.Wgs84Parameters is { } declared)
        {
            parameters = [declared.Dx, declared.Dy, declared.Dz, declared.Ex, declared.Ey, declared.Ez, declared.Ppm];
            // The same bounds as a bureau's own: a WKT's TOWGS84 is no more trusted than what an operator types.
            if (new CrsDefinition("declared", "WKT", parameters).Problems().FirstOrDefault(p => p.StartsWith("toWgs84", StringComparison.Ordinal)) is { } outOfBounds)
            {
                error = $"coordinate system '{parsed.Name}' declares TOWGS84[{string.Join(",", parameters.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]: {outOfBounds[9..]}";
                return false;
            }
            shift = declared.HasZeroValuesOnly
                ? $"datum {datum.Name} taken as WGS 84, as its definition says (TOWGS84 of zeros): the two agree within about 1-2 m"
                : $"datum {datum.Name} shifted to WGS 84 by the parameters its definition gives (TOWGS84[{string.Join(",", parameters.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]): " +
                  "as accurate as those parameters (the EPSG register's are good to 1-10 m; for grids, ask the surveying bureau for its own and define them by name)";
        }
        else if (SameAsWgs84WithinMetres(datum))
        {
            parameters = [0, 0, 0];
            shift = $"datum {datum.Name} taken as WGS 84: the two agree within about 1-2 m";
        }
        else
        {
            error = $"coordinate system '{parsed.Name}' uses the datum '{datum.Name}', and nothing says how it reaches WGS 84: " +
                "its definition gives no TOWGS84 parameters and there is no single published shift for it. It is not converted with a " +
                "zero shift (that would misplace it by up to a few hundred metres): define it by name with the 3 or 7 parameters your " +
                "surveying bureau publishes (PUT /api/crs/{name} with base and toWgs84) and give local:NAME, or reproject the data to CGCS2000";
            return false;
        }
        // No shift on the WGS 84 ellipsoid needs no geocentric round: the ellipsoids differ by a tenth of a millimetre.
        var helmert = onWgs84Ellipsoid && parameters.All(v => v == 0) ? null : new HelmertShift(semiMajor, ellipsoid.InverseFlattening, parameters);
        return TryBuild(parsed, name, srid, helmert, shift, out crs, out error, out inner);
    }

    /// <summary>The system through its projection (ProjNET) to lon/lat on its datum, then the datum's shift, if any.</summary>
    private static bool TryBuild(CoordinateSystem parsed, string name, int srid, HelmertShift? helmert, string? shift,
        [NotNullWhen(true)] out SourceCrs? crs, [NotNullWhen(false)] out string? error, out Exception? inner)
    {
        crs = null;
        error = null;
        inner = null;
        try
        {
            SourceCrs onOwnDatum = parsed is ProjectedCoordinateSystem projected ? FromProjected(projected, name, srid) : new SameAsWgs84Crs(name, srid);
            crs = helmert is null
                ? (shift is null ? onOwnDatum : parsed is ProjectedCoordinateSystem p ? FromProjected(p, name, srid, shift) : new SameAsWgs84Crs(name, srid) { Shift = shift })
                : new DatumShiftCrs(name, srid, onOwnDatum, helmert) { Shift = shift };
            if (Probe(crs, ProbePoint(parsed)) is not { } unusable) return true;
            crs = null;
            error = $"cannot use the coordinate system '{parsed.Name}': {unusable}";
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The projection's parameters are checked only when ProjNET builds the transform.
            inner = e;
            error = $"cannot use the coordinate system '{parsed.Name}': {e.Message}";
            return false;
        }
    }

    /// <summary>
    /// Why a built system cannot be used, or null: a point where it should work (its projection's origin) must go out
    /// and come back. A WKT that parses can still describe nothing (a scale factor or unit of 0, an ellipsoid of no
    /// size): its conversions give infinities or throw, found here rather than in the middle of an import.
    /// </summary>
    internal static string? Probe(SourceCrs crs, (double Lon, double Lat) at)
    {
        try
        {
            var (x, y) = crs.FromWgs84(at.Lon, at.Lat);
            if (!double.IsFinite(x) || !double.IsFinite(y))
                return string.Create(CultureInfo.InvariantCulture, $"lon/lat ({at.Lon}, {at.Lat}), where it should work, gives no coordinates (a scale, unit or ellipsoid of no size?)");
            var (lon, lat) = crs.ToWgs84(x, y);
            return double.IsFinite(lon) && double.IsFinite(lat) && Math.Abs(lon - at.Lon) < 1e-6 && Math.Abs(lat - at.Lat) < 1e-6 ? null
                : string.Create(CultureInfo.InvariantCulture, $"lon/lat ({at.Lon}, {at.Lat}) does not come back from its own coordinates ({x}, {y}): the parameters describe no usable projection");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"its conversions fail ({e.Message})";
        }
    }

    /// <summary>Where a system should work: its projection's origin (central meridian, latitude of origin), else 0°, 0°, kept within ±80° of latitude.</summary>
    private static (double Lon, double Lat) ProbePoint(CoordinateSystem parsed)
    {
        if (parsed is not ProjectedCoordinateSystem projected) return (0, 0);
        double? Parameter(params string[] names)
        {
            foreach (var name in names)
            {
                for (var i = 0; i < projected.Projection.NumParameters; i++)
                {
                    var parameter = projected.Projection.GetParameter(i);
                    if (string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase) && double.IsFinite(parameter.Value)) return parameter.Value;
                }
            }
            return null;
        }
        var lon = Parameter("central_meridian", "longitude_of_center", "longitude_of_origin") ?? 0;
        var lat = Parameter("latitude_of_origin", "latitude_of_center", "standard_parallel_1") ?? 0;
        return (Math.Clamp(lon, -180, 180), Math.Clamp(lat, -80, 80));
    }

    /// <summary>
    /// Transforms between the projection and lon/lat in degrees on the system's own datum, which is then taken as
    /// WGS84: asking ProjNET for WGS84 itself would, for a CGCS2000 system, make it look for a datum shift between
    /// two datums it sees as different. Both directions are built here, once: ProjNET's <c>Inverse()</c> caches
    /// lazily and <c>Invert()</c> turns a transform around in place, neither safe on a shared transform.
    /// </summary>
    private static ProjNetCrs FromProjected(ProjectedCoordinateSystem projected, string name, int srid, string? shift = null)
    {
        var lonLat = new CoordinateSystemFactory().CreateGeographicCoordinateSystem(
            "lon/lat degrees", AngularUnit.Degrees, projected.GeographicCoordinateSystem.HorizontalDatum, PrimeMeridian.Greenwich,
            new AxisInfo("Lon", AxisOrientationEnum.East), new AxisInfo("Lat", AxisOrientationEnum.North));
        var transforms = new CoordinateTransformationFactory();
        var toWgs84 = transforms.CreateFromCoordinateSystems(projected, lonLat).MathTransform;
        var fromWgs84 = transforms.CreateFromCoordinateSystems(lonLat, projected).MathTransform;
        return new ProjNetCrs(name, srid, toWgs84, fromWgs84) { Shift = shift };
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
