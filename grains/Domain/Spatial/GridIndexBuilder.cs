using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;

namespace GridServer.Domain.Spatial;

/// <summary>Lays out the flat arrays of a <see cref="GridIndex"/>.</summary>
internal static class GridIndexBuilder
{
    private const int EdgesPerBand = 4;

    public static GridIndex Build(IEnumerable<(string Code, Geometry Boundary)> input, GridIndexOptions options)
    {
        var grids = input.ToArray();
        Array.Sort(grids, (a, b) => GridCodes.Order.Compare(a.Code, b.Code));
        for (var i = 1; i < grids.Length; i++)
        {
            if (GridCodes.Order.Equals(grids[i - 1].Code, grids[i].Code))
                throw new ArgumentException($"grid code '{grids[i].Code}' occurs twice", nameof(input));
        }

        // 1. Flatten every ring of every grid into one coordinate array.
        var codes = new string[grids.Length];
        var xy = new List<double>();
        var ringStarts = new int[grids.Length];
        var ringVertex = new List<int>();
        var envelopes = new double[grids.Length * 4];
        for (var g = 0; g < grids.Length; g++)
        {
            var (code, boundary) = grids[g];
            codes[g] = code;
            ringStarts[g] = ringVertex.Count;
            var polygons = boundary switch
            {
                Polygon p => [p],
                MultiPolygon mp => mp.Geometries.Cast<Polygon>().ToArray(),
                _ => throw new ArgumentException($"grid '{code}' is a {boundary.GeometryType}, not a Polygon or MultiPolygon", nameof(input)),
            };
            if (boundary.IsEmpty) throw new ArgumentException($"grid '{code}' has an empty boundary", nameof(input));
            foreach (var polygon in polygons)
            {
                if (polygon.IsEmpty) continue;
                AddRing(polygon.ExteriorRing);
                foreach (var hole in polygon.InteriorRings) AddRing(hole);
            }
            var env = boundary.EnvelopeInternal;
            envelopes[g * 4] = env.MinX; envelopes[g * 4 + 1] = env.MinY;
            envelopes[g * 4 + 2] = env.MaxX; envelopes[g * 4 + 3] = env.MaxY;
        }
        ringVertex.Add(xy.Count / 2);
        var coords = xy.ToArray();
        var rings = ringVertex.ToArray();

        // 2. Horizontal bands per grid: each edge is listed in every band its y-extent maps to.
        var bandHeader = new int[grids.Length];
        var bandCount = new int[grids.Length];
        var bandInvHeight = new double[grids.Length];
        var bandOffsets = new List<int>();
        var bandEdges = new List<int>();
        var perBand = Array.Empty<List<int>>();
        for (var g = 0; g < grids.Length; g++)
        {
            var edges = EdgeCount(g);
            var count = Math.Max(1, edges / EdgesPerBand);
            var minY = envelopes[g * 4 + 1];
            var height = envelopes[g * 4 + 3] - minY;
            var inv = height > 0 ? count / height : 0;
            bandHeader[g] = bandOffsets.Count;
            bandCount[g] = count;
            bandInvHeight[g] = inv;
            if (perBand.Length < count) perBand = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
            for (var b = 0; b < count; b++) perBand[b].Clear();
            ForEachEdge(g, (v, x1, y1, x2, y2) =>
            {
                var b0 = GridIndex.BandOf(Math.Min(y1, y2), minY, inv, count);
                var b1 = GridIndex.BandOf(Math.Max(y1, y2), minY, inv, count);
                for (var b = b0; b <= b1; b++) perBand[b].Add(v);
            });
            for (var b = 0; b < count; b++)
            {
                bandOffsets.Add(bandEdges.Count);
                bandEdges.AddRange(perBand[b]);
            }
            bandOffsets.Add(bandEdges.Count);
        }

        // 3. The raster: roughly square cells in metres, about CellsPerGrid per grid.
        double x0 = 0, y0 = 0, cellW = 1, cellH = 1;
        int nx = 1, ny = 1;
        if (grids.Length > 0)
        {
            double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
            for (var g = 0; g < grids.Length; g++)
            {
                minX = Math.Min(minX, envelopes[g * 4]); minY = Math.Min(minY, envelopes[g * 4 + 1]);
                maxX = Math.Max(maxX, envelopes[g * 4 + 2]); maxY = Math.Max(maxY, envelopes[g * 4 + 3]);
            }
            var metric = LocalMetric.At(Math.Clamp((minY + maxY) / 2, -89, 89));
            var widthM = Math.Max((maxX - minX) * metric.MetresPerDegreeLon, 1e-3);
            var heightM = Math.Max((maxY - minY) * metric.MetresPerDegreeLat, 1e-3);
            var target = Math.Clamp(grids.Length * options.CellsPerGrid, 1, options.MaxCells);
            var side = Math.Sqrt(widthM * heightM / target);
            cellW = side / metric.MetresPerDegreeLon;
            cellH = side / metric.MetresPerDegreeLat;
            x0 = minX; y0 = minY;
            nx = (int)Math.Floor((maxX - x0) * (1 / cellW)) + 1;
            ny = (int)Math.Floor((maxY - y0) * (1 / cellH)) + 1;
            while ((long)nx * ny > options.MaxCells)
            {
                cellW *= 1.25; cellH *= 1.25;
                nx = (int)Math.Floor((maxX - x0) * (1 / cellW)) + 1;
                ny = (int)Math.Floor((maxY - y0) * (1 / cellH)) + 1;
            }
        }
        var invW = 1 / cellW;
        var invH = 1 / cellH;
        int CellX(double x) => Math.Clamp((int)Math.Floor((x - x0) * invW), 0, nx - 1);
        int CellY(double y) => Math.Clamp((int)Math.Floor((y - y0) * invH), 0, ny - 1);

        var entries = new List<ulong>();
        var marked = Array.Empty<bool>();
        for (var g = 0; g < grids.Length; g++)
        {
            var cx0 = CellX(envelopes[g * 4]); var cy0 = CellY(envelopes[g * 4 + 1]);
            var cx1 = CellX(envelopes[g * 4 + 2]); var cy1 = CellY(envelopes[g * 4 + 3]);
            var w = cx1 - cx0 + 1; var h = cy1 - cy0 + 1;
            if (marked.Length < w * h) marked = new bool[w * h];
            Array.Clear(marked, 0, w * h);

            // Mark every cell an edge may touch. Short edges: their extent's cells. Long edges: split into
            // pieces no longer than a cell, each padded far beyond rounding error, so no cell is missed.
            ForEachEdge(g, (_, x1, y1, x2, y2) =>
            {
                var spanX = Math.Abs(CellX(x2) - CellX(x1));
                var spanY = Math.Abs(CellY(y2) - CellY(y1));
                if (spanX <= 1 && spanY <= 1)
                {
                    Mark(Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2), 0);
                    return;
                }
                var pieces = 2 * (Math.Max(spanX, spanY) + 1);
                var pad = 1e-9 * (Math.Abs(x2 - x1) + Math.Abs(y2 - y1)) + 1e-12;
                for (var p = 0; p < pieces; p++)
                {
                    var t0 = (double)p / pieces; var t1 = (double)(p + 1) / pieces;
                    var ax = x1 + (x2 - x1) * t0; var ay = y1 + (y2 - y1) * t0;
                    var bx = p + 1 == pieces ? x2 : x1 + (x2 - x1) * t1;
                    var by = p + 1 == pieces ? y2 : y1 + (y2 - y1) * t1;
                    Mark(Math.Min(ax, bx), Math.Min(ay, by), Math.Max(ax, bx), Math.Max(ay, by), pad);
                }
            });

            // A run of unmarked cells along a row holds no boundary point, so the whole run is inside or
            // outside together: one point test per run, at the first cell's centre.
            for (var r = 0; r < h; r++)
            {
                var c = 0;
                while (c < w)
                {
                    if (marked[r * w + c])
                    {
                        entries.Add(Entry(r, c, interior: false));
                        c++;
                        continue;
                    }
                    var runStart = c;
                    while (c < w && !marked[r * w + c]) c++;
                    var px = x0 + (cx0 + runStart + 0.5) * cellW;
                    var py = y0 + (cy0 + r + 0.5) * cellH;
                    if (CoversSlow(g, px, py))
                    {
                        for (var k = runStart; k < c; k++) entries.Add(Entry(r, k, interior: true));
                    }
                }
            }

            void Mark(double minX, double minY, double maxX, double maxY, double pad)
            {
                var ax = CellX(minX - pad) - cx0; var bx = CellX(maxX + pad) - cx0;
                var ay = CellY(minY - pad) - cy0; var by = CellY(maxY + pad) - cy0;
                ax = Math.Max(ax, 0); ay = Math.Max(ay, 0); bx = Math.Min(bx, w - 1); by = Math.Min(by, h - 1);
                for (var yy = ay; yy <= by; yy++)
                    for (var xx = ax; xx <= bx; xx++) marked[yy * w + xx] = true;
            }

            ulong Entry(int row, int col, bool interior) =>
                ((ulong)(uint)((cy0 + row) * nx + cx0 + col) << 32) | (uint)((g << 1) | (interior ? 1 : 0));
        }

        // 4. Cells: a clean cell inside exactly one grid holds its id; any other non-empty cell a list.
        var sorted = entries.ToArray();
        entries.Clear();
        Array.Sort(sorted);
        var cells = new int[nx * ny];
        Array.Fill(cells, -1);
        var lists = new List<int>();
        for (var i = 0; i < sorted.Length;)
        {
            var cell = (int)(sorted[i] >> 32);
            var j = i;
            while (j < sorted.Length && (int)(sorted[j] >> 32) == cell) j++;
            var first = (int)(uint)sorted[i];
            if (j - i == 1 && (first & 1) == 1)
            {
                cells[cell] = first >> 1;
            }
            else
            {
                cells[cell] = -(lists.Count + 2);
                lists.Add(j - i);
                for (var k = i; k < j; k++) lists.Add((int)(uint)sorted[k]);
            }
            i = j;
        }

        return GridIndex.Create(codes, coords, envelopes, ringStarts, rings, bandHeader, bandCount, bandInvHeight,
            bandOffsets.ToArray(), bandEdges.ToArray(), x0, y0, cellW, cellH, nx, ny, cells, lists.ToArray());

        void AddRing(LineString ring)
        {
            if (ring.IsEmpty) return;
            ringVertex.Add(xy.Count / 2);
            var seq = ring.CoordinateSequence;
            for (var i = 0; i < seq.Count; i++)
            {
                xy.Add(seq.GetX(i));
                xy.Add(seq.GetY(i));
            }
            // Rings from NTS are closed; close defensively so every ring ends on its first vertex.
            if (seq.GetX(0) != seq.GetX(seq.Count - 1) || seq.GetY(0) != seq.GetY(seq.Count - 1))
            {
                xy.Add(seq.GetX(0));
                xy.Add(seq.GetY(0));
            }
        }

        int RingEnd(int g) => g + 1 < ringStarts.Length ? ringStarts[g + 1] : rings.Length - 1;

        int EdgeCount(int g)
        {
            var n = 0;
            for (var r = ringStarts[g]; r < RingEnd(g); r++) n += rings[r + 1] - rings[r] - 1;
            return n;
        }

        void ForEachEdge(int g, Action<int, double, double, double, double> action)
        {
            for (var r = ringStarts[g]; r < RingEnd(g); r++)
            {
                for (var v = rings[r]; v < rings[r + 1] - 1; v++)
                    action(v, coords[v * 2], coords[v * 2 + 1], coords[v * 2 + 2], coords[v * 2 + 3]);
            }
        }

        bool CoversSlow(int g, double x, double y)
        {
            var crossings = 0;
            var onBoundary = false;
            ForEachEdge(g, (_, x1, y1, x2, y2) =>
            {
                switch (GridIndex.RayCrossing(x1, y1, x2, y2, x, y))
                {
                    case GridIndex.CrossingResult.OnBoundary: onBoundary = true; break;
                    case GridIndex.CrossingResult.Crosses: crossings++; break;
                }
            });
            return onBoundary || (crossings & 1) == 1;
        }
    }
}
