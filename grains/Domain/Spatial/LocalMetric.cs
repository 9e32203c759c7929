namespace GridServer.Domain.Spatial;

/// <summary>
/// Metres per degree of longitude and latitude on the WGS84 ellipsoid at one latitude: a local
/// tangent-plane frame for short distances (relative error below 1e-4 within 10 km).
/// </summary>
public readonly record struct LocalMetric(double MetresPerDegreeLon, double MetresPerDegreeLat)
{
    private const double A = 6378137.0;
    private const double E2 = 0.00669437999014; // first eccentricity squared of WGS84

    public static LocalMetric At(double latitudeDegrees)
    {
        var phi = double.DegreesToRadians(latitudeDegrees);
        var sin = Math.Sin(phi);
        var w = 1 - E2 * sin * sin;
        var n = A / Math.Sqrt(w);                 // prime-vertical radius of curvature
        var m = A * (1 - E2) / (w * Math.Sqrt(w)); // meridional radius of curvature
        var perRadianToPerDegree = Math.PI / 180;
        return new LocalMetric(n * Math.Cos(phi) * perRadianToPerDegree, m * perRadianToPerDegree);
    }

    /// <summary>Distance in metres from (px, py) to the segment (ax, ay)-(bx, by), all lon/lat degrees.</summary>
    public double PointSegmentDistance(double px, double py, double ax, double ay, double bx, double by)
    {
        var ux = (ax - px) * MetresPerDegreeLon; var uy = (ay - py) * MetresPerDegreeLat;
        var vx = (bx - px) * MetresPerDegreeLon; var vy = (by - py) * MetresPerDegreeLat;
        var dx = vx - ux; var dy = vy - uy;
        var len2 = dx * dx + dy * dy;
        var t = len2 == 0 ? 0 : Math.Clamp(-(ux * dx + uy * dy) / len2, 0, 1);
        var cx = ux + t * dx; var cy = uy + t * dy;
        return Math.Sqrt(cx * cx + cy * cy);
    }
}
