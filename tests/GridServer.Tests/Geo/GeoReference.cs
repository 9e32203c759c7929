using FsCheck;
using FsCheck.Fluent;

namespace GridServer.Tests.Geo;

/// <summary>
/// Independent reference values for the coordinate tests: numerical integration over the ellipsoid's radii of
/// curvature, and Krüger's n-series for Transverse Mercator (accurate to micrometres within 4° of the central
/// meridian), written from the textbook formulas, sharing no code with the domain or ProjNET.
/// </summary>
public static class GeoReference
{
    public const double Cgcs2000A = 6378137.0;
    public const double Cgcs2000InverseFlattening = 298.257222101;
    public const double Wgs84InverseFlattening = 298.257223563;

    /// <summary>Uniform doubles in [min, max] with 2^30 steps.</summary>
    public static Gen<double> Uniform(double min, double max) =>
        from k in Gen.Choose(0, 1 << 30)
        select min + (max - min) * k / (1 << 30);

    /// <summary>Distance in metres between two nearby lon/lat points (degrees), in the local tangent plane.</summary>
    public static double Metres(double lon1, double lat1, double lon2, double lat2)
    {
        var phi = double.DegreesToRadians((lat1 + lat2) / 2);
        var (m, n) = Radii(phi, Cgcs2000A, Cgcs2000InverseFlattening);
        var dx = double.DegreesToRadians(lon2 - lon1) * n * Math.Cos(phi);
        var dy = double.DegreesToRadians(lat2 - lat1) * m;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    /// <summary>Meridional (M) and prime-vertical (N) radii of curvature in metres at latitude phi (radians).</summary>
    public static (double M, double N) Radii(double phi, double a, double inverseFlattening)
    {
        var f = 1 / inverseFlattening;
        var e2 = f * (2 - f);
        var s = Math.Sin(phi);
        var w = 1 - e2 * s * s;
        return (a * (1 - e2) / (w * Math.Sqrt(w)), a / Math.Sqrt(w));
    }

    /// <summary>Length in metres of the meridian from the equator to a latitude (degrees): Simpson's rule over M(φ).</summary>
    public static double MeridianArcMetres(double latDegrees, double a, double inverseFlattening) =>
        Simpson(phi => Radii(phi, a, inverseFlattening).M, 0, double.DegreesToRadians(latDegrees), 20_000);

    /// <summary>
    /// Area in m² of the ellipsoidal quadrilateral between two meridians and two parallels (degrees):
    /// Δλ · ∫ M(φ) N(φ) cos φ dφ, by Simpson's rule.
    /// </summary>
    public static double QuadrilateralAreaSquareMetres(double lon0, double lat0, double lon1, double lat1,
        double a = Cgcs2000A, double inverseFlattening = Wgs84InverseFlattening)
    {
        var integral = Simpson(phi =>
        {
            var (m, n) = Radii(phi, a, inverseFlattening);
            return m * n * Math.Cos(phi);
        }, double.DegreesToRadians(lat0), double.DegreesToRadians(lat1), 2_000);
        return double.DegreesToRadians(lon1 - lon0) * integral;
    }

    /// <summary>
    /// Transverse Mercator by Krüger's series in n = f/(2−f) to fourth order (Karney 2011, eqs. 7–11):
    /// conformal latitude, then the complex series ξ + iη = ξ' + iη' + Σ αj sin(2j(ξ' + iη')).
    /// </summary>
    public static (double Easting, double Northing) KrugerTransverseMercator(double lon, double lat, double centralMeridian,
        double falseEasting, double a = Cgcs2000A, double inverseFlattening = Cgcs2000InverseFlattening, double k0 = 1)
    {
        var f = 1 / inverseFlattening;
        var e = Math.Sqrt(f * (2 - f));
        var n = f / (2 - f);
        double n2 = n * n, n3 = n2 * n, n4 = n3 * n;
        var rectifyingRadius = a / (1 + n) * (1 + n2 / 4 + n4 / 64);
        double[] alpha =
        [
            n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180,
            13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440,
            61 * n3 / 240 - 103 * n4 / 140,
            49561 * n4 / 161280,
        ];
        var phi = double.DegreesToRadians(lat);
        var lambda = double.DegreesToRadians(lon - centralMeridian);
        var t = Math.Sinh(Math.Atanh(Math.Sin(phi)) - e * Math.Atanh(e * Math.Sin(phi)));
        var xiPrime = Math.Atan2(t, Math.Cos(lambda));
        var etaPrime = Math.Atanh(Math.Sin(lambda) / Math.Sqrt(1 + t * t));
        double xi = xiPrime, eta = etaPrime;
        for (var j = 1; j <= alpha.Length; j++)
        {
            xi += alpha[j - 1] * Math.Sin(2 * j * xiPrime) * Math.Cosh(2 * j * etaPrime);
            eta += alpha[j - 1] * Math.Cos(2 * j * xiPrime) * Math.Sinh(2 * j * etaPrime);
        }
        return (falseEasting + k0 * rectifyingRadius * eta, k0 * rectifyingRadius * xi);
    }

    /// <summary>Central meridian (degrees) of a CGCS2000 3-degree Gauss-Krüger EPSG code, 4513–4554.</summary>
    public static double CentralMeridian(int code) => code >= 4534 ? 75 + 3 * (code - 4534) : 3 * (code - 4488);

    /// <summary>False easting (metres) of a CGCS2000 3-degree Gauss-Krüger EPSG code, 4513–4554.</summary>
    public static double FalseEasting(int code) => code >= 4534 ? 500_000 : (code - 4488) * 1_000_000 + 500_000;

    private static double Simpson(Func<double, double> f, double from, double to, int intervals)
    {
        var h = (to - from) / intervals;
        var sum = f(from) + f(to);
        for (var i = 1; i < intervals; i++)
            sum += f(from + i * h) * (i % 2 == 1 ? 4 : 2);
        return sum * h / 3;
    }
}
