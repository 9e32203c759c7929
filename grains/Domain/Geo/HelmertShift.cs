namespace GridServer.Domain.Geo;

/// <summary>
/// A datum shift to WGS 84 by a 3- or 7-parameter Helmert transform on geocentric coordinates, as WKT's TOWGS84 and
/// PROJ's +towgs84 define it (position-vector rotations, small-angle form): lon/lat on the source ellipsoid (height 0)
/// → geocentric → shifted → lon/lat on WGS 84. Written here rather than taken from ProjNET, whose geocentric-to-
/// geodetic step is off by millimetres (measured against PROJ in DatumShiftTests); this one iterates to well under a
/// micrometre.
/// </summary>
internal sealed class HelmertShift
{
    private const double Wgs84A = 6378137, Wgs84F = 1 / 298.257223563;
    private const double ArcSecond = Math.PI / (180 * 3600);

    private readonly double _a, _e2;
    private readonly double _dx, _dy, _dz, _m;
    private readonly double[,] _r;   // forward rotation (with the scale applied separately)
    private readonly double[,] _ri;  // its exact inverse

    /// <param name="semiMajor">The source ellipsoid's semi-major axis, metres.</param>
    /// <param name="inverseFlattening">The source ellipsoid's 1/f.</param>
    /// <param name="parameters">dx, dy, dz (m) and optionally rx, ry, rz (arc-seconds) and ds (ppm).</param>
    public HelmertShift(double semiMajor, double inverseFlattening, IReadOnlyList<double> parameters)
    {
        _a = semiMajor;
        var f = 1 / inverseFlattening;
        _e2 = f * (2 - f);
        (_dx, _dy, _dz) = (parameters[0], parameters[1], parameters[2]);
        var (rx, ry, rz, ds) = parameters.Count >= 7
            ? (parameters[3] * ArcSecond, parameters[4] * ArcSecond, parameters[5] * ArcSecond, parameters[6])
            : (0d, 0d, 0d, 0d);
        _m = 1 + ds * 1e-6;
        _r = new[,] { { 1, -rz, ry }, { rz, 1, -rx }, { -ry, rx, 1 } };
        _ri = Invert(_r);
    }

    /// <summary>Lon/lat (degrees) on the source datum to WGS 84.</summary>
    public (double Lon, double Lat) ToWgs84(double lon, double lat)
    {
        var (x, y, z) = Geocentric(lon, lat, _a, _e2);
        var (sx, sy, sz) = Apply(_r, x, y, z);
        return Geodetic(_dx + _m * sx, _dy + _m * sy, _dz + _m * sz, Wgs84A, Wgs84F * (2 - Wgs84F));
    }

    /// <summary>WGS 84 lon/lat (degrees) to the source datum.</summary>
    public (double Lon, double Lat) FromWgs84(double lon, double lat)
    {
        var (x, y, z) = Geocentric(lon, lat, Wgs84A, Wgs84F * (2 - Wgs84F));
        var (sx, sy, sz) = Apply(_ri, (x - _dx) / _m, (y - _dy) / _m, (z - _dz) / _m);
        return Geodetic(sx, sy, sz, _a, _e2);
    }

    private static (double X, double Y, double Z) Geocentric(double lonDegrees, double latDegrees, double a, double e2)
    {
        var (sinLat, cosLat) = Math.SinCos(double.DegreesToRadians(latDegrees));
        var (sinLon, cosLon) = Math.SinCos(double.DegreesToRadians(lonDegrees));
        var n = a / Math.Sqrt(1 - e2 * sinLat * sinLat);
        return (n * cosLat * cosLon, n * cosLat * sinLon, n * (1 - e2) * sinLat);
    }

    /// <summary>Geocentric to lon/lat (degrees), the height dropped: latitude by fixed-point iteration to 1e-14 rad.</summary>
    private static (double Lon, double Lat) Geodetic(double x, double y, double z, double a, double e2)
    {
        var p = Math.Sqrt(x * x + y * y);
        var lat = Math.Atan2(z, p * (1 - e2));
        for (var i = 0; i < 20; i++)
        {
            var sin = Math.Sin(lat);
            var n = a / Math.Sqrt(1 - e2 * sin * sin);
            var next = Math.Atan2(z + e2 * n * sin, p);
            var done = Math.Abs(next - lat) < 1e-14;
            lat = next;
            if (done) break;
        }
        return (double.RadiansToDegrees(Math.Atan2(y, x)), double.RadiansToDegrees(lat));
    }

    private static (double, double, double) Apply(double[,] m, double x, double y, double z) =>
        (m[0, 0] * x + m[0, 1] * y + m[0, 2] * z, m[1, 0] * x + m[1, 1] * y + m[1, 2] * z, m[2, 0] * x + m[2, 1] * y + m[2, 2] * z);

    private static double[,] Invert(double[,] m)
    {
        var det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]) + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        var inv = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                // Cofactor of (j, i) over the determinant: the adjugate's (i, j).
                int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
                inv[i, j] = (m[r0, c0] * m[r1, c1] - m[r0, c1] * m[r1, c0]) / det;
            }
        }
        return inv;
    }
}

/// <summary>
/// A system whose datum reaches WGS 84 by a <see cref="HelmertShift"/>: its own coordinates to lon/lat on its datum
/// (<paramref name="onOwnDatum"/>: the projection, or nothing for lon/lat), then the shift. The way back is refined
/// until it undoes the way there: a 2D shift drops the height, so the plain inverse misses by up to a millimetre.
/// </summary>
internal sealed class DatumShiftCrs(string name, int srid, SourceCrs onOwnDatum, HelmertShift shift)
    : SourceCrs(name, srid, onOwnDatum.IsGeographic)
{
    private protected override void ToWgs84Core(ref double x, ref double y)
    {
        var (lon, lat) = onOwnDatum.ToWgs84(x, y);
        (x, y) = shift.ToWgs84(lon, lat);
    }

    private protected override void FromWgs84Core(ref double lon, ref double lat)
    {
        var (tx, ty) = Back(lon, lat);
        var (x, y) = (tx, ty);
        for (var i = 0; i < 3; i++)
        {
            // Step by what the way back makes of the miss: converges at once, the two ways being near inverses.
            var (reachedLon, reachedLat) = (x, y);
            ToWgs84Core(ref reachedLon, ref reachedLat);
            var (bx, by) = Back(reachedLon, reachedLat);
            (x, y) = (x + (tx - bx), y + (ty - by));
        }
        (lon, lat) = (x, y);
    }

    private (double X, double Y) Back(double lon, double lat)
    {
        var (ownLon, ownLat) = shift.FromWgs84(lon, lat);
        return onOwnDatum.FromWgs84(ownLon, ownLat);
    }
}
