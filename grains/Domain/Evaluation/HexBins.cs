using GridServer.Domain.Spatial;
using NetTopologySuite.Geometries;

namespace GridServer.Domain.Evaluation;

/// <summary>One hexagon of a density map: its axial coordinates, its outline in lon/lat, and how many points fell in it.</summary>
public sealed record HexBin(int Q, int R, Polygon Outline, long Count);

/// <summary>
/// Point density as hexagonal bins (hot spots of cases): flat-topped hexagons of a given size, in metres, laid in a local
/// tangent plane at an origin, one of whose hexagons is centred on it (the city's middle: a city spans a few tens of
/// kilometres, over which the plane's scale errs below a percent). With the same origin, two periods are binned into the
/// same hexagons and can be compared. Every located point falls in exactly one hexagon; only hexagons with points are answered.
/// </summary>
public static class HexBins
{
    /// <summary>The smallest hexagon (its centre to a corner): smaller bins only draw the points again.</summary>
    public const double MinSizeMetres = 10;

    /// <summary>The largest hexagon: larger ones say nothing of where in a district cases gather.</summary>
    public const double MaxSizeMetres = 5000;

    private static readonly GeometryFactory LonLat = new(new PrecisionModel(), 4326);

    /// <summary>The bins of the located points (NaN positions are skipped), densest first, then by position.</summary>
    /// <param name="origin">Where the lattice is anchored (a hexagon's centre); null: the middle of the points' extent.</param>
    public static IReadOnlyList<HexBin> Of(IEnumerable<(double Lon, double Lat)> points, double sizeMetres, (double Lon, double Lat)? origin = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(sizeMetres >= MinSizeMetres && sizeMetres <= MaxSizeMetres))
            throw new ArgumentOutOfRangeException(nameof(sizeMetres), sizeMetres, $"a hexagon's size lies from {MinSizeMetres} to {MaxSizeMetres} metres");
        var located = points.Where(p => double.IsFinite(p.Lon) && double.IsFinite(p.Lat) && Math.Abs(p.Lat) < 85).ToList();
        if (located.Count == 0) return [];
        var (lon0, lat0) = origin ?? ((located.Min(p => p.Lon) + located.Max(p => p.Lon)) / 2, (located.Min(p => p.Lat) + located.Max(p => p.Lat)) / 2);
        var metric = LocalMetric.At(lat0);
        var counts = new Dictionary<(int Q, int R), long>();
        foreach (var (lon, lat) in located)
        {
            var cell = Cell((lon - lon0) * metric.MetresPerDegreeLon, (lat - lat0) * metric.MetresPerDegreeLat, sizeMetres);
            counts[cell] = counts.GetValueOrDefault(cell) + 1;
        }
        return [.. counts
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key.Q).ThenBy(c => c.Key.R)
            .Select(c => new HexBin(c.Key.Q, c.Key.R, Outline(c.Key.Q, c.Key.R, sizeMetres, lon0, lat0, metric), c.Value))];
    }

    /// <summary>The hexagon (axial q, r) holding the plane point (x, y), metres: the nearest centre, by cube rounding.</summary>
    internal static (int Q, int R) Cell(double x, double y, double size)
    {
        var q = 2.0 / 3 * x / size;
        var r = (-1.0 / 3 * x + Math.Sqrt(3) / 3 * y) / size;
        var s = -q - r;
        var (rq, rr, rs) = (Math.Round(q), Math.Round(r), Math.Round(s));
        var (dq, dr, ds) = (Math.Abs(rq - q), Math.Abs(rr - r), Math.Abs(rs - s));
        if (dq > dr && dq > ds) rq = -rr - rs;
        else if (dr > ds) rr = -rq - rs;
        return ((int)rq, (int)rr);
    }

    /// <summary>The centre of hexagon (q, r) in the plane, metres.</summary>
    internal static (double X, double Y) Centre(int q, int r, double size) => (size * 1.5 * q, size * Math.Sqrt(3) * (r + q / 2.0));

    private static Polygon Outline(int q, int r, double size, double lon0, double lat0, LocalMetric metric)
    {
        var (cx, cy) = Centre(q, r, size);
        var ring = new Coordinate[7];
        for (var i = 0; i < 6; i++)
        {
            // Counter-clockwise from the east corner (RFC 7946: exterior rings counter-clockwise).
            var angle = Math.PI / 3 * i;
            ring[i] = new Coordinate(lon0 + (cx + size * Math.Cos(angle)) / metric.MetresPerDegreeLon, lat0 + (cy + size * Math.Sin(angle)) / metric.MetresPerDegreeLat);
        }
        ring[6] = ring[0].Copy();
        return LonLat.CreatePolygon(ring);
    }
}
