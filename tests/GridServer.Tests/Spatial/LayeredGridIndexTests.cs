using GridServer.Domain.Spatial;
using GridServer.Tests.Support;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;

namespace GridServer.Tests.Spatial;

public class LayeredGridIndexTests
{
    /// <summary>
    /// A base index plus redrawn, added and retired grids answers every point exactly as a fresh index of the
    /// current grids does: covered or not, which grid, and the nearest grid with its distance.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MatchAndNear_AfterRedrawsAdditionsAndRetirements_SameAsAFreshIndex(int seed)
    {
        var random = new Random(seed);
        var all = Tilings.Snapped.ToDictionary(g => g.Code, g => (Geometry)g.Boundary, StringComparer.Ordinal);
        var baseIndex = GridIndex.Build(all.Select(g => (g.Key, g.Value)));
        var current = new Dictionary<string, Geometry>(all, StringComparer.Ordinal);
        var changed = new Dictionary<string, Geometry>(StringComparer.Ordinal);
        var stale = new HashSet<string>(StringComparer.Ordinal);
        var codes = all.Keys.Order(StringComparer.Ordinal).ToList();
        for (var k = 0; k < 30; k++)
        {
            var code = codes[random.Next(codes.Count)];
            stale.Add(code);
            switch (random.Next(3))
            {
                case 0:   // retired: its area is no grid's now
                    current.Remove(code);
                    changed.Remove(code);
                    break;
                case 1:   // redrawn smaller
                    var shape = all[code];
                    var centre = shape.InteriorPoint.Coordinate;
                    var smaller = AffineTransformation.ScaleInstance(0.5, 0.5, centre.X, centre.Y).Transform(shape);
                    current[code] = changed[code] = smaller;
                    break;
                default:   // a new version of the same shape: stale in the base, served from the changes
                    current[code] = changed[code] = all[code];
                    break;
            }
        }
        // A new grid beyond the old district.
        var extra = new Polygon(new LinearRing([new(120.70, 28.10), new(120.701, 28.10), new(120.701, 28.101), new(120.70, 28.101), new(120.70, 28.10)]));
        current["A-NEW"] = changed["A-NEW"] = extra;

        var layered = new LayeredGridIndex(baseIndex, changed.Select(c => (c.Key, c.Value)), stale);
        var fresh = GridIndex.Build(current.Select(c => (c.Key, c.Value)));
        var extent = baseIndex.Codes.Count > 0 ? new Envelope(120.598, 120.702, 27.998, 28.102) : new Envelope();
        for (var i = 0; i < 20_000; i++)
        {
            var (x, y) = (extent.MinX + random.NextDouble() * extent.Width, extent.MinY + random.NextDouble() * extent.Height);
            if (i % 4 == 0)
            {
                // A vertex of some grid: exactly on boundaries, where ties are decided.
                var ring = all[codes[random.Next(codes.Count)]].Coordinates;
                var vertex = ring[random.Next(ring.Length)];
                (x, y) = (vertex.X, vertex.Y);
            }
            var expected = fresh.Match(x, y);
            var actual = layered.Match(x, y);
            Assert.True(expected.GridCode == actual.GridCode && expected.NearestGridCode == actual.NearestGridCode
                && Nullable.Equals(expected.DistanceMetres, actual.DistanceMetres),
                $"({x:R}, {y:R}): fresh {expected}, layered {actual}");
            // The grids an accuracy circle touches, too.
            if (i % 10 == 0)
                Assert.Equal(fresh.Near(x, y, 50), layered.Near(x, y, 50));
        }
    }
}
