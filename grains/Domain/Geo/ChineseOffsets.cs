namespace GridServer.Domain.Geo;

/// <summary>
/// The Chinese offset systems used by web maps and phones in China: GCJ-02 ("Mars coordinates": Amap,
/// Tencent, WeChat) and BD-09 (Baidu). They are not EPSG coordinate systems but published obfuscation
/// formulas applied to WGS84 lon/lat; both shift a position by up to several hundred metres.
/// </summary>
/// <remarks>
/// <para>All coordinates are lon/lat in degrees: WGS84 (EPSG:4326), GCJ-02 or BD-09 as the method names say.</para>
/// <para>GCJ-02 is the published formula on the Krasovsky ellipsoid (a = 6378245 m, e² = 0.00669342162296594323);
/// outside the bounding box of China (lon 72.004–137.8347, lat 0.8293–55.8271) it is the identity, as every
/// Chinese map provider does it. BD-09 is computed from GCJ-02 everywhere.</para>
/// <para>The inverses (<see cref="Gcj02ToWgs84"/>, <see cref="Bd09ToGcj02"/>) are not the crude closed-form
/// approximations in circulation (errors of metres): they iterate <c>x ← x − (forward(x) − target)</c>, a
/// contraction because each offset changes by a few thousandths (GCJ-02) or hundredths (BD-09) of any step,
/// until the forward of the result reproduces the input within 1e-9° in lon and lat (0.11 mm of latitude), at
/// most 30 times; in China it takes at most 4 corrections (<c>Inverses_ManyRandomPointsInChina_ConvergeInFewSteps</c>).</para>
/// <para>The stop test bounds the error, so the error is about that tolerance. Measured by
/// <c>ChineseOffsetsTests.RoundTrips_ManyRandomPointsInChina_StayBelowStatedAccuracy</c> over 200,000 random
/// points in China, the largest round-trip error is 0.149 mm for WGS84→GCJ-02→WGS84 and GCJ-02→WGS84→GCJ-02,
/// 0.142 mm for GCJ-02↔BD-09, and 0.248 mm (0.231 mm the other way) for WGS84→BD-09→WGS84, two inverses in a
/// row. The bound promised is <see cref="RoundTripAccuracyMetres"/>, 0.3 mm.</para>
/// <para>Within a few hundred metres of the bounding box's edge the GCJ-02 forward jumps (identity on one side,
/// offset on the other), so a GCJ-02 position there may have no WGS84 preimage; the inverse then returns its
/// last iterate after 30 steps. No city lies there.</para>
/// </remarks>
public static class ChineseOffsets
{
    /// <summary>The round-trip accuracy this class promises, in metres (see remarks).</summary>
    public const double RoundTripAccuracyMetres = 0.0003;

    private const double KrasovskyA = 6378245.0;
    private const double KrasovskyE2 = 0.00669342162296594323;

    private const double ToleranceDegrees = 1e-9;
    private const int MaxIterations = 30;

    // BD-09 rotates and scales around the origin with a wobble of period 360/3000 degrees.
    private const double BdWobble = Math.PI * 3000.0 / 180.0;
    private const double BdShiftLon = 0.0065;
    private const double BdShiftLat = 0.006;

    /// <summary>True when GCJ-02 leaves the position unchanged: outside the bounding box of China.</summary>
    public static bool IsOutsideChina(double lon, double lat) =>
        lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;

    /// <summary>WGS84 lon/lat (degrees) to GCJ-02 lon/lat (degrees). Identity outside China.</summary>
    public static (double Lon, double Lat) Wgs84ToGcj02(double lon, double lat)
    {
        if (IsOutsideChina(lon, lat))
            return (lon, lat);

        var x = lon - 105.0;
        var y = lat - 35.0;
        var shiftNorth = LatitudeSeries(x, y); // in metres on the Krasovsky ellipsoid
        var shiftEast = LongitudeSeries(x, y);

        var phi = lat * (Math.PI / 180.0);
        var sin = Math.Sin(phi);
        var w = 1.0 - KrasovskyE2 * sin * sin;
        var sqrtW = Math.Sqrt(w);
        var meridionalRadius = KrasovskyA * (1.0 - KrasovskyE2) / (w * sqrtW);
        var parallelRadius = KrasovskyA / sqrtW * Math.Cos(phi);

        var dLat = shiftNorth * 180.0 / (meridionalRadius * Math.PI);
        var dLon = shiftEast * 180.0 / (parallelRadius * Math.PI);
        return (lon + dLon, lat + dLat);
    }

    /// <summary>GCJ-02 lon/lat (degrees) to WGS84 lon/lat (degrees), by iterating the forward formula.</summary>
    public static (double Lon, double Lat) Gcj02ToWgs84(double lon, double lat)
    {
        if (IsOutsideChina(lon, lat))
            return (lon, lat);
        return Invert(Wgs84ToGcj02, lon, lat, out _);
    }

    /// <summary>GCJ-02 lon/lat (degrees) to BD-09 lon/lat (degrees).</summary>
    public static (double Lon, double Lat) Gcj02ToBd09(double lon, double lat)
    {
        var z = Math.Sqrt(lon * lon + lat * lat) + 0.00002 * Math.Sin(lat * BdWobble);
        var theta = Math.Atan2(lat, lon) + 0.000003 * Math.Cos(lon * BdWobble);
        return (z * Math.Cos(theta) + BdShiftLon, z * Math.Sin(theta) + BdShiftLat);
    }

    /// <summary>BD-09 lon/lat (degrees) to GCJ-02 lon/lat (degrees), by iterating the forward formula.</summary>
    public static (double Lon, double Lat) Bd09ToGcj02(double lon, double lat) => Invert(Gcj02ToBd09, lon, lat, out _);

    /// <summary>WGS84 lon/lat (degrees) to BD-09 lon/lat (degrees), through GCJ-02.</summary>
    public static (double Lon, double Lat) Wgs84ToBd09(double lon, double lat)
    {
        var (gLon, gLat) = Wgs84ToGcj02(lon, lat);
        return Gcj02ToBd09(gLon, gLat);
    }

    /// <summary>BD-09 lon/lat (degrees) to WGS84 lon/lat (degrees), through GCJ-02.</summary>
    public static (double Lon, double Lat) Bd09ToWgs84(double lon, double lat)
    {
        var (gLon, gLat) = Bd09ToGcj02(lon, lat);
        return Gcj02ToWgs84(gLon, gLat);
    }

    /// <summary>
    /// Solves forward(x) = target by x ← x − (forward(x) − target), starting from the target: both offsets are
    /// near-translations whose change over any step is a few percent of the step, so every iteration gains
    /// one and a half digits or more.
    /// </summary>
    /// <param name="steps">How many corrections were applied (0 when the target is its own preimage).</param>
    internal static (double Lon, double Lat) Invert(Func<double, double, (double Lon, double Lat)> forward,
        double lon, double lat, out int steps)
    {
        steps = 0;
        if (!double.IsFinite(lon) || !double.IsFinite(lat))
            return (double.NaN, double.NaN);
        var x = lon;
        var y = lat;
        for (; steps < MaxIterations; steps++)
        {
            var (fx, fy) = forward(x, y);
            var dx = fx - lon;
            var dy = fy - lat;
            if (Math.Abs(dx) <= ToleranceDegrees && Math.Abs(dy) <= ToleranceDegrees)
                break;
            x -= dx;
            y -= dy;
        }
        return (x, y);
    }

    // The two published GCJ-02 series, of (lon − 105°, lat − 35°); each gives a shift in metres.
    private static double LatitudeSeries(double x, double y)
    {
        var s = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.Sqrt(Math.Abs(x));
        s += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        s += (20.0 * Math.Sin(y * Math.PI) + 40.0 * Math.Sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
        s += (160.0 * Math.Sin(y / 12.0 * Math.PI) + 320.0 * Math.Sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
        return s;
    }

    private static double LongitudeSeries(double x, double y)
    {
        var s = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.Sqrt(Math.Abs(x));
        s += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        s += (20.0 * Math.Sin(x * Math.PI) + 40.0 * Math.Sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
        s += (150.0 * Math.Sin(x / 12.0 * Math.PI) + 300.0 * Math.Sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
        return s;
    }
}
