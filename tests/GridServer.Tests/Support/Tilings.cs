using GridServer.SampleData;
using NetTopologySuite.Geometries;

namespace GridServer.Tests.Support;

/// <summary>Generated tilings shared by tests (each test reads them, none changes them).</summary>
public static class Tilings
{
    /// <summary>
    /// 20 × 20 irregular grids of about 100 m, 52 vertices each, coordinates snapped to 2^-24 degrees so
    /// that edge midpoints are representable exactly and lie exactly on their edge.
    /// </summary>
    public static readonly IReadOnlyList<(string Code, Polygon Boundary)> Snapped =
        Codes(TilingGenerator.Generate(new TilingSpec(120.60, 28.00, 20, 20, 100, 12, Seed: 7, SnapExponent: 24)));

    public static IReadOnlyList<(string Code, Polygon Boundary)> Codes(IEnumerable<GeneratedCell> cells) =>
        cells.Select(c => ($"G{c.Row:D3}{c.Column:D3}", c.Boundary)).ToList();

    /// <summary>The lowest code among the grids whose NTS geometry covers the point: the brute-force reference.</summary>
    public static string? BruteForce(IEnumerable<(string Code, Polygon Boundary)> grids, double x, double y)
    {
        var point = new Point(x, y);
        return grids
            .Where(g => g.Boundary.EnvelopeInternal.Covers(x, y) && g.Boundary.Covers(point))
            .Select(g => g.Code)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
