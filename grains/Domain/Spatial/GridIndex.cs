using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;

namespace GridServer.Domain.Spatial;

/// <summary>Tuning of <see cref="GridIndex"/>.</summary>
public sealed record GridIndexOptions
{
    /// <summary>How many raster cells to lay per grid on average; more cells answer more points without a polygon test.</summary>
    public double CellsPerGrid { get; init; } = 24;

    /// <summary>Upper bound on the raster size, whatever the grid count.</summary>
    public int MaxCells { get; init; } = 1 << 25;
}

/// <summary>
/// An in-memory point-to-grid matcher that answers exactly as PostGIS <c>ST_Covers</c> plus the
/// tie-break rule: among the grids that cover a point (a point on a boundary counts), the one with the
/// lowest code in ordinal order wins — the same rule as the SQL function <c>gridserver.locate</c>.
/// </summary>
/// <remarks>
/// Coordinates are lon/lat degrees, EPSG:4326. The layout is a uniform raster over all grids. A cell that
/// no boundary passes through and that lies inside one grid answers directly; a cell that a boundary
/// touches lists its candidate grids, and each candidate is tested by ray crossing over only the edges of
/// its horizontal band. Every comparison is exact: the raster is conservative (a cell is "clean" only
/// when no edge's extent maps into it, using the same floor mapping as the lookup), and orientation signs
/// come from <see cref="Orientation2D"/>. Vertices are kept as doubles in one flat array: no NTS objects,
/// no per-grid allocations.
/// </remarks>
public sealed class GridIndex
{
    private const int Empty = -1;

    private readonly string[] _codes;        // grid id -> code; ids are in ordinal code order
    private readonly double[] _xy;           // all vertices, x0 y0 x1 y1 ... (rings closed)
    private readonly double[] _envelopes;    // grid id -> minX minY maxX maxY
    private readonly int[] _ringStarts;      // grid id -> first ring index; rings in _ringVertex
    private readonly int[] _ringVertex;      // ring index -> first vertex index (one extra at the end)
    private readonly int[] _bandHeader;      // grid id -> offset into _bandOffsets (bandCount + 1 entries)
    private readonly int[] _bandCount;
    private readonly double[] _bandInvHeight;
    private readonly int[] _bandOffsets;     // -> ranges of _bandEdges
    private readonly int[] _bandEdges;       // start vertex index of each edge in a band

    private readonly double _x0, _y0, _invCellW, _invCellH, _cellW, _cellH;
    private readonly int _nx, _ny;
    private readonly int[] _cells;           // -1 empty, >= 0 a grid id whose interior holds the cell, <= -2 a list at -(v + 2)
    private readonly int[] _lists;           // count, then (gridId << 1 | interior) in code order

    private GridIndex(string[] codes, double[] xy, double[] envelopes, int[] ringStarts, int[] ringVertex,
        int[] bandHeader, int[] bandCount, double[] bandInvHeight, int[] bandOffsets, int[] bandEdges,
        double x0, double y0, double cellW, double cellH, int nx, int ny, int[] cells, int[] lists)
    {
        _codes = codes; _xy = xy; _envelopes = envelopes; _ringStarts = ringStarts; _ringVertex = ringVertex;
        _bandHeader = bandHeader; _bandCount = bandCount; _bandInvHeight = bandInvHeight;
        _bandOffsets = bandOffsets; _bandEdges = bandEdges;
        _x0 = x0; _y0 = y0; _cellW = cellW; _cellH = cellH; _invCellW = 1 / cellW; _invCellH = 1 / cellH;
        _nx = nx; _ny = ny; _cells = cells; _lists = lists;
    }

    /// <summary>Number of grids indexed.</summary>
    public int Count => _codes.Length;

    /// <summary>Raster size and how many of its cells need a polygon test.</summary>
    public (int Cells, int ListedCells) RasterStats => (_cells.Length, _cells.Count(c => c <= -2));

    /// <summary>Bytes held by the index's arrays (codes counted at two bytes a character).</summary>
    public long ApproximateBytes =>
        (long)_xy.Length * 8 + _envelopes.Length * 8L + _bandInvHeight.Length * 8L
        + 4L * (_ringStarts.Length + _ringVertex.Length + _bandHeader.Length + _bandCount.Length
                + _bandOffsets.Length + _bandEdges.Length + _cells.Length + _lists.Length)
        + _codes.Sum(c => 24L + 2L * c.Length);

    /// <summary>The codes of all grids, in ordinal order.</summary>
    public IReadOnlyList<string> Codes => _codes;

    /// <summary>Builds the index. Grids must be polygonal, non-empty, with distinct codes.</summary>
    public static GridIndex Build(IEnumerable<(string Code, Geometry Boundary)> grids, GridIndexOptions? options = null) =>
        GridIndexBuilder.Build(grids, options ?? new GridIndexOptions());

    internal static GridIndex Create(string[] codes, double[] xy, double[] envelopes, int[] ringStarts, int[] ringVertex,
        int[] bandHeader, int[] bandCount, double[] bandInvHeight, int[] bandOffsets, int[] bandEdges,
        double x0, double y0, double cellW, double cellH, int nx, int ny, int[] cells, int[] lists) =>
        new(codes, xy, envelopes, ringStarts, ringVertex, bandHeader, bandCount, bandInvHeight, bandOffsets, bandEdges,
            x0, y0, cellW, cellH, nx, ny, cells, lists);

    /// <summary>The code of the grid covering (lon, lat), or null. Never throws; NaN and out-of-range give null.</summary>
    public string? Locate(double lon, double lat) => Locate(lon, lat, null);

    /// <summary>As <see cref="Locate(double, double)"/>, passing over the grids <paramref name="skip"/> names (grids changed since the index was built).</summary>
    public string? Locate(double lon, double lat, Func<string, bool>? skip)
    {
        var cell = CellOf(lon, lat);
        if (cell < 0) return null;
        var v = _cells[cell];
        if (v >= 0) return skip is not null && skip(_codes[v]) ? null : _codes[v];
        if (v == Empty) return null;
        var offset = -(v + 2);
        var n = _lists[offset];
        for (var k = 1; k <= n; k++)
        {
            var entry = _lists[offset + k];
            var grid = entry >> 1;
            if (skip is not null && skip(_codes[grid])) continue;
            if ((entry & 1) == 1 || Covers(grid, lon, lat)) return _codes[grid];
        }
        return null;
    }

    /// <summary>
    /// The covering grid, or "no grid" with the nearest grid and its distance in metres (measured in a
    /// local tangent plane at the point). Invalid coordinates (NaN, infinite) give no grid and no nearest.
    /// </summary>
    public GridMatch Match(double lon, double lat) => Match(lon, lat, null);

    /// <summary>As <see cref="Match(double, double)"/>, passing over the grids <paramref name="skip"/> names.</summary>
    public GridMatch Match(double lon, double lat, Func<string, bool>? skip)
    {
        var code = Locate(lon, lat, skip);
        if (code is not null) return new GridMatch(code, null, null);
        if (_codes.Length == 0 || !double.IsFinite(lon) || !double.IsFinite(lat) || Math.Abs(lat) > 90)
            return GridMatch.NoGrids;
        return Nearest(lon, lat, skip);
    }

    /// <summary>The widest circle <see cref="Near"/> looks in: a position known no better than this says nothing about grids.</summary>
    public const double MaxNearMetres = 1000;

    /// <summary>
    /// The grids within <paramref name="metres"/> of a point (lon/lat, WGS84): the covering grid at distance 0, and every
    /// grid whose boundary lies that close (distances in a local tangent plane at the point), nearest first, then by code.
    /// What a position's accuracy circle touches: more than one grid means the report could lie in any of them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="metres"/> is negative, not finite, or above <see cref="MaxNearMetres"/>.</exception>
    public IReadOnlyList<(string Code, double DistanceMetres)> Near(double lon, double lat, double metres, Func<string, bool>? skip = null)
    {
        if (!double.IsFinite(metres) || metres < 0 || metres > MaxNearMetres)
            throw new ArgumentOutOfRangeException(nameof(metres), metres, $"a distance from 0 to {MaxNearMetres} m");
        if (_codes.Length == 0 || !double.IsFinite(lon) || !double.IsFinite(lat) || Math.Abs(lat) > 90) return [];
        var metric = LocalMetric.At(lat);
        var dLon = metres / metric.MetresPerDegreeLon;
        var dLat = metres / metric.MetresPerDegreeLat;
        var ix0 = (int)Math.Clamp(Math.Floor((lon - dLon - _x0) * _invCellW), 0, _nx - 1);
        var ix1 = (int)Math.Clamp(Math.Floor((lon + dLon - _x0) * _invCellW), 0, _nx - 1);
        var iy0 = (int)Math.Clamp(Math.Floor((lat - dLat - _y0) * _invCellH), 0, _ny - 1);
        var iy1 = (int)Math.Clamp(Math.Floor((lat + dLat - _y0) * _invCellH), 0, _ny - 1);
        // A circle wholly off the raster touches nothing.
        if (lon + dLon < _x0 || lat + dLat < _y0 || lon - dLon > _x0 + _nx * _cellW || lat - dLat > _y0 + _ny * _cellH) return [];
        var seen = new HashSet<int>();
        var found = new List<(string Code, double DistanceMetres)>();
        for (var iy = iy0; iy <= iy1; iy++)
        {
            for (var ix = ix0; ix <= ix1; ix++)
            {
                var v = _cells[iy * _nx + ix];
                if (v == Empty) continue;
                if (v >= 0) { Consider(v); continue; }
                var offset = -(v + 2);
                for (var k = 1; k <= _lists[offset]; k++) Consider(_lists[offset + k] >> 1);
            }
        }
        return [.. found.OrderBy(g => g.DistanceMetres).ThenBy(g => g.Code, StringComparer.Ordinal)];

        void Consider(int grid)
        {
            if (!seen.Add(grid) || (skip is not null && skip(_codes[grid]))) return;
            var d = Covers(grid, lon, lat) ? 0 : DistanceMetres(grid, lon, lat, metric);
            if (d <= metres) found.Add((_codes[grid], d));
        }
    }

    /// <summary>Exact closed point-in-polygon (boundary included) for one grid.</summary>
    internal bool Covers(int grid, double x, double y)
    {
        var env = grid * 4;
        if (x < _envelopes[env] || y < _envelopes[env + 1] || x > _envelopes[env + 2] || y > _envelopes[env + 3])
            return false;
        var header = _bandHeader[grid];
        var band = BandOf(y, _envelopes[env + 1], _bandInvHeight[grid], _bandCount[grid]);
        var start = _bandOffsets[header + band];
        var end = _bandOffsets[header + band + 1];
        var crossings = 0;
        var xy = _xy;
        for (var k = start; k < end; k++)
        {
            var i = _bandEdges[k] * 2;
            switch (RayCrossing(xy[i], xy[i + 1], xy[i + 2], xy[i + 3], x, y))
            {
                case CrossingResult.OnBoundary: return true;
                case CrossingResult.Crosses: crossings++; break;
            }
        }
        return (crossings & 1) == 1;
    }

    internal enum CrossingResult { None, Crosses, OnBoundary }

    /// <summary>
    /// One edge's contribution to a ray from (x, y) towards +x. Half-open in y so a ray through a
    /// vertex counts once; a point on the edge is reported as such.
    /// </summary>
    internal static CrossingResult RayCrossing(double x1, double y1, double x2, double y2, double x, double y)
    {
        if (x1 < x && x2 < x) return CrossingResult.None;
        if (x == x2 && y == y2) return CrossingResult.OnBoundary;
        if (y1 == y && y2 == y)
        {
            var min = Math.Min(x1, x2); var max = Math.Max(x1, x2);
            return x >= min && x <= max ? CrossingResult.OnBoundary : CrossingResult.None;
        }
        if ((y1 > y && y2 <= y) || (y2 > y && y1 <= y))
        {
            var orientation = Orientation2D.Sign(x1, y1, x2, y2, x, y);
            if (orientation == 0) return CrossingResult.OnBoundary;
            if (y2 < y1) orientation = -orientation;
            return orientation > 0 ? CrossingResult.Crosses : CrossingResult.None;
        }
        return CrossingResult.None;
    }

    internal static int BandOf(double y, double minY, double invHeight, int count)
    {
        var b = Math.Floor((y - minY) * invHeight);
        return b <= 0 ? 0 : b >= count - 1 ? count - 1 : (int)b;
    }

    /// <summary>Raster cell of a point, or -1 outside the raster. The builder uses the same mapping.</summary>
    private int CellOf(double x, double y)
    {
        var fx = Math.Floor((x - _x0) * _invCellW);
        var fy = Math.Floor((y - _y0) * _invCellH);
        if (!(fx >= 0 && fx < _nx && fy >= 0 && fy < _ny)) return -1;
        return (int)fy * _nx + (int)fx;
    }

    private GridMatch Nearest(double lon, double lat, Func<string, bool>? skip)
    {
        var metric = LocalMetric.At(lat);
        // Search rings of raster cells outwards from the cell nearest the point. A ring is skipped for good
        // once even its nearest cell lies further than the best grid found: every later ring is further still.
        var cx = (int)Math.Clamp(Math.Floor((lon - _x0) * _invCellW), 0, _nx - 1);
        var cy = (int)Math.Clamp(Math.Floor((lat - _y0) * _invCellH), 0, _ny - 1);
        var best = double.PositiveInfinity;
        var bestGrid = -1;
        var seen = new HashSet<int>();
        for (var ring = 0; ; ring++)
        {
            var bound = RingLowerBound(ring);
            if (double.IsPositiveInfinity(bound) || (bestGrid >= 0 && bound > best)) break;
            for (var iy = cy - ring; iy <= cy + ring; iy++)
            {
                if (iy < 0 || iy >= _ny) continue;
                var edgeRow = iy == cy - ring || iy == cy + ring;
                for (var ix = cx - ring; ix <= cx + ring; ix += edgeRow ? 1 : 2 * ring)
                {
                    if (ix >= 0 && ix < _nx) VisitCell(iy * _nx + ix);
                    if (ring == 0) break;
                }
            }
        }
        return bestGrid < 0 ? GridMatch.NoGrids : new GridMatch(null, _codes[bestGrid], best);

        void VisitCell(int cell)
        {
            var v = _cells[cell];
            if (v == Empty) return;
            if (v >= 0) { Consider(v); return; }
            var offset = -(v + 2);
            for (var k = 1; k <= _lists[offset]; k++) Consider(_lists[offset + k] >> 1);
        }

        // The distance from the point to the nearest cell of a ring (infinite when the ring has left the
        // raster), from the four sides of the ring clipped to the raster. Slightly lowered against rounding.
        double RingLowerBound(int ring)
        {
            int left = cx - ring, right = cx + ring, bottom = cy - ring, top = cy + ring;
            int l = Math.Max(left, 0), r = Math.Min(right, _nx - 1), b = Math.Max(bottom, 0), t = Math.Min(top, _ny - 1);
            var bound = double.PositiveInfinity;
            if (top < _ny) bound = Math.Min(bound, RectangleDistance(l, top, r, top));
            if (bottom >= 0) bound = Math.Min(bound, RectangleDistance(l, bottom, r, bottom));
            if (right < _nx) bound = Math.Min(bound, RectangleDistance(right, b, right, t));
            if (left >= 0) bound = Math.Min(bound, RectangleDistance(left, b, left, t));
            return double.IsPositiveInfinity(bound) ? bound : bound * (1 - 1e-9) - 1e-6;
        }

        double RectangleDistance(int ix0, int iy0, int ix1, int iy1)
        {
            var minX = _x0 + ix0 * _cellW; var maxX = _x0 + (ix1 + 1) * _cellW;
            var minY = _y0 + iy0 * _cellH; var maxY = _y0 + (iy1 + 1) * _cellH;
            var dx = Math.Max(0, Math.Max(minX - lon, lon - maxX)) * metric.MetresPerDegreeLon;
            var dy = Math.Max(0, Math.Max(minY - lat, lat - maxY)) * metric.MetresPerDegreeLat;
            return Math.Sqrt(dx * dx + dy * dy);
        }

        void Consider(int grid)
        {
            if (!seen.Add(grid) || (skip is not null && skip(_codes[grid]))) return;
            var d = DistanceMetres(grid, lon, lat, metric);
            if (d < best || (d == best && grid < bestGrid)) { best = d; bestGrid = grid; }
        }
    }

    private double DistanceMetres(int grid, double x, double y, LocalMetric metric)
    {
        var min = double.PositiveInfinity;
        var ringEnd = grid + 1 < _ringStarts.Length ? _ringStarts[grid + 1] : _ringVertex.Length - 1;
        for (var r = _ringStarts[grid]; r < ringEnd; r++)
        {
            for (var v = _ringVertex[r]; v < _ringVertex[r + 1] - 1; v++)
            {
                var i = v * 2;
                min = Math.Min(min, metric.PointSegmentDistance(x, y, _xy[i], _xy[i + 1], _xy[i + 2], _xy[i + 3]));
            }
        }
        return min;
    }
}
