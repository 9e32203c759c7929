using GridServer.Domain.Spatial;
using NetTopologySuite.Geometries;

namespace GridServer.SampleData;

/// <summary>What tiling to generate.</summary>
/// <param name="OriginLon">South-west corner, degrees (EPSG:4326).</param>
/// <param name="OriginLat">South-west corner, degrees (EPSG:4326).</param>
/// <param name="Columns">Grids west to east.</param>
/// <param name="Rows">Grids south to north.</param>
/// <param name="CellMetres">Nominal grid side in metres.</param>
/// <param name="PointsPerSide">Extra vertices on each of a grid's four sides (a grid has 4 × (n + 1) vertices).</param>
/// <param name="Seed">Same seed, same tiling, on every machine.</param>
/// <param name="Decimals">Round coordinates to this many decimals (null: keep full precision).</param>
/// <param name="SnapExponent">Snap coordinates to multiples of 2^-n degrees (exact midpoints, exact predicates); null: no snapping.</param>
public sealed record TilingSpec(
    double OriginLon, double OriginLat, int Columns, int Rows, double CellMetres, int PointsPerSide, int Seed,
    int? Decimals = null, int? SnapExponent = null);

/// <summary>One generated grid: its column and row in the tiling and its boundary.</summary>
public sealed record GeneratedCell(int Column, int Row, Polygon Boundary);

/// <summary>
/// Generates irregular polygons that tile a rectangle-ish area exactly: neighbours share every vertex of
/// their common side, so there are no gaps and no overlaps. Corners are jittered and sides wiggle.
/// </summary>
public static class TilingGenerator
{
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    public static IReadOnlyList<GeneratedCell> Generate(TilingSpec spec)
    {
        var metric = LocalMetric.At(spec.OriginLat);
        var s = spec.CellMetres;
        var nodes = new (double X, double Y)[spec.Columns + 1, spec.Rows + 1];
        for (var i = 0; i <= spec.Columns; i++)
        {
            for (var j = 0; j <= spec.Rows; j++)
            {
                var rnd = new Random(Hash(spec.Seed, 0, i, j));
                nodes[i, j] = (i * s + (rnd.NextDouble() - 0.5) * 0.36 * s, j * s + (rnd.NextDouble() - 0.5) * 0.36 * s);
            }
        }

        // Sides are computed once, in metres, then turned into degrees, so both neighbours get identical doubles.
        var horizontal = new Coordinate[spec.Columns, spec.Rows + 1][];
        var vertical = new Coordinate[spec.Columns + 1, spec.Rows][];
        for (var i = 0; i < spec.Columns; i++)
            for (var j = 0; j <= spec.Rows; j++)
                horizontal[i, j] = Side(nodes[i, j], nodes[i + 1, j], Hash(spec.Seed, 1, i, j));
        for (var i = 0; i <= spec.Columns; i++)
            for (var j = 0; j < spec.Rows; j++)
                vertical[i, j] = Side(nodes[i, j], nodes[i, j + 1], Hash(spec.Seed, 2, i, j));

        var cells = new List<GeneratedCell>(spec.Columns * spec.Rows);
        for (var j = 0; j < spec.Rows; j++)
        {
            for (var i = 0; i < spec.Columns; i++)
            {
                // Counter-clockwise: south side west→east, east side south→north, north side east→west, west side north→south.
                var ring = new List<Coordinate>();
                ring.AddRange(horizontal[i, j][..^1]);
                ring.AddRange(vertical[i + 1, j][..^1]);
                ring.AddRange(horizontal[i, j + 1].Reverse().SkipLast(1));
                ring.AddRange(vertical[i, j].Reverse().SkipLast(1));
                ring.Add(ring[0].Copy());
                cells.Add(new GeneratedCell(i, j, Factory.CreatePolygon(ring.ToArray())));
            }
        }
        return cells;

        Coordinate[] Side((double X, double Y) a, (double X, double Y) b, int seed)
        {
            var rnd = new Random(seed);
            var n = spec.PointsPerSide;
            var dx = b.X - a.X; var dy = b.Y - a.Y;
            var length = Math.Sqrt(dx * dx + dy * dy);
            var (nx, ny) = (-dy / length, dx / length);
            var amplitude = 0.05 * length;
            var f1 = 1 + rnd.Next(3); var f2 = 2 + rnd.Next(4);
            var p1 = rnd.NextDouble() * 2 * Math.PI; var p2 = rnd.NextDouble() * 2 * Math.PI;
            var w1 = rnd.NextDouble() - 0.5; var w2 = (rnd.NextDouble() - 0.5) * 0.5;
            var points = new Coordinate[n + 2];
            for (var k = 0; k <= n + 1; k++)
            {
                var t = (double)k / (n + 1);
                var envelope = Math.Sin(Math.PI * t);
                var offset = amplitude * envelope * (w1 * Math.Sin(f1 * Math.PI * t + p1) + w2 * Math.Sin(f2 * Math.PI * t + p2));
                var x = k == 0 ? a.X : k == n + 1 ? b.X : a.X + dx * t + nx * offset;
                var y = k == 0 ? a.Y : k == n + 1 ? b.Y : a.Y + dy * t + ny * offset;
                points[k] = new Coordinate(Degrees(spec.OriginLon + x / metric.MetresPerDegreeLon),
                                           Degrees(spec.OriginLat + y / metric.MetresPerDegreeLat));
            }
            return points;
        }

        double Degrees(double v)
        {
            if (spec.SnapExponent is { } e) v = Math.Round(Math.ScaleB(v, e)) * Math.ScaleB(1.0, -e);
            if (spec.Decimals is { } d) v = Math.Round(v, d);
            return v;
        }
    }

    private static int Hash(int seed, int kind, int i, int j)
    {
        unchecked
        {
            var h = (uint)seed * 0x9E3779B1u;
            h ^= (uint)kind * 0x85EBCA77u; h = (h << 13) | (h >> 19);
            h ^= (uint)i * 0xC2B2AE3Du; h = (h << 11) | (h >> 21);
            h ^= (uint)j * 0x27D4EB2Fu; h *= 0x165667B1u;
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
