using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;
using GridServer.SampleData;
using NetTopologySuite.Geometries;

namespace GridServer.Bench;

/// <summary>One benchmark grid: its CJ/T 213 code and its boundary (lon/lat, EPSG:4326).</summary>
internal sealed record BenchGrid(string Code, Polygon Boundary);

/// <summary>The generated tiling, its grids sorted by code in ordinal order (grid id = position).</summary>
internal sealed class Workload
{
    /// <summary>County of the generated codes (Wenzhou, Lucheng district).</summary>
    public const string County = "330302";

    private Workload(TilingSpec spec, BenchGrid[] grids, Envelope extent)
    {
        Spec = spec;
        Grids = grids;
        Extent = extent;
    }

    public TilingSpec Spec { get; }

    /// <summary>Sorted by code, ordinal: a grid's position is its id in every method.</summary>
    public IReadOnlyList<BenchGrid> Grids { get; }

    /// <summary>Envelope of all grids, degrees.</summary>
    public Envelope Extent { get; }

    /// <summary>Vertices of one grid's ring, the closing one not counted.</summary>
    public int VerticesPerGrid => 4 * (Spec.PointsPerSide + 1);

    /// <summary>Generates the tiling: columns × rows near the asked grid count, 100 m grids, coordinates rounded to 1e-7°.</summary>
    public static Workload Create(BenchOptions options)
    {
        var columns = Math.Max(1, (int)Math.Round(Math.Sqrt(options.Grids * 1.25)));
        var rows = Math.Max(1, (int)Math.Round(options.Grids / (double)columns));
        var spec = new TilingSpec(120.55, 27.95, columns, rows, 100, options.PointsPerSide, options.Seed, Decimals: 7);
        var cells = TilingGenerator.Generate(spec);
        var grids = new BenchGrid[cells.Count];
        var extent = new Envelope();
        for (var i = 0; i < cells.Count; i++)
        {
            grids[i] = new BenchGrid(CodeOf(cells[i].Column, cells[i].Row, columns), cells[i].Boundary);
            extent.ExpandToInclude(cells[i].Boundary.EnvelopeInternal);
        }
        Array.Sort(grids, (a, b) => GridCodes.Order.Compare(a.Code, b.Code));
        return new Workload(spec, grids, extent);
    }

    /// <summary>
    /// Codes laid out as a district would be: a community is a block of 10 × 5 grids (sequence 01-50),
    /// a street a block of 10 × 10 communities. So code order is not the raster order of the tiling.
    /// </summary>
    private static string CodeOf(int column, int row, int columns)
    {
        var streetsPerRow = (columns + 99) / 100;
        var street = row / 50 * streetsPerRow + column / 100 + 1;
        var community = row % 50 / 5 * 10 + column % 100 / 10 + 1;
        var sequence = row % 5 * 10 + column % 10 + 1;
        return CjT213Code.Create(County, street, community, sequence).Value;
    }

    /// <summary>Uniform random points over <see cref="Extent"/>; some fall outside the ragged outline ("no grid").</summary>
    public void FillPoints(double[] xs, double[] ys, int seed)
    {
        // Random(int) is the seeded legacy generator: the same sequence on every machine and runtime.
        var random = new Random(unchecked(seed * 7919 + 1));
        for (var i = 0; i < xs.Length; i++)
        {
            xs[i] = Extent.MinX + random.NextDouble() * Extent.Width;
            ys[i] = Extent.MinY + random.NextDouble() * Extent.Height;
        }
    }

    /// <summary>Planar area in square metres in a local tangent plane at the grid's centre (not in degrees).</summary>
    public static double AreaSquareMetres(Polygon polygon)
    {
        var env = polygon.EnvelopeInternal;
        var metric = LocalMetric.At((env.MinY + env.MaxY) / 2);
        return Math.Abs(RingArea(polygon.ExteriorRing)) - polygon.InteriorRings.Sum(r => Math.Abs(RingArea(r)));

        double RingArea(LineString ring)
        {
            var seq = ring.CoordinateSequence;
            double ox = seq.GetX(0), oy = seq.GetY(0), twice = 0;
            for (var i = 0; i + 1 < seq.Count; i++)
            {
                var x1 = (seq.GetX(i) - ox) * metric.MetresPerDegreeLon; var y1 = (seq.GetY(i) - oy) * metric.MetresPerDegreeLat;
                var x2 = (seq.GetX(i + 1) - ox) * metric.MetresPerDegreeLon; var y2 = (seq.GetY(i + 1) - oy) * metric.MetresPerDegreeLat;
                twice += x1 * y2 - x2 * y1;
            }
            return twice / 2;
        }
    }
}
