using System.Text;

namespace GridServer.Domain.Tiles;

/// <summary>A tile's address in the Web Mercator tiling (XYZ, y from the north): zoom, column, row.</summary>
public readonly record struct TileAddress(int Z, int X, int Y)
{
    /// <summary>The deepest zoom served; grids of 10,000 m² are a few pixels wide at 12 and fill a screen at 18.</summary>
    public const int MaxZoom = 22;

    public bool IsValid => Z is >= 0 and <= MaxZoom && X >= 0 && Y >= 0 && X < 1 << Z && Y < 1 << Z;

    /// <summary>The tile's bounds in normalised Web Mercator units (0..1 from the west and from the north).</summary>
    public (double MinX, double MinY, double MaxX, double MaxY) Bounds
    {
        get
        {
            var size = 1.0 / (1 << Z);
            return (X * size, Y * size, (X + 1) * size, (Y + 1) * size);
        }
    }
}

/// <summary>Web Mercator in normalised units: the world is the square 0..1, x east, y south.</summary>
public static class WebMercator
{
    /// <summary>The latitude beyond which Web Mercator is cut off, degrees.</summary>
    public const double MaxLatitude = 85.05112878;

    /// <remarks>lon/lat in degrees (the coordinate system of the caller's choice, usually WGS84) to 0..1 units.</remarks>
    public static (double X, double Y) Project(double lon, double lat)
    {
        var clamped = Math.Clamp(lat, -MaxLatitude, MaxLatitude) * Math.PI / 180.0;
        var x = (lon + 180.0) / 360.0;
        var y = (1.0 - Math.Log(Math.Tan(clamped) + 1.0 / Math.Cos(clamped)) / Math.PI) / 2.0;
        return (x, y);
    }
}

/// <summary>
/// Writes one layer of a Mapbox Vector Tile (specification 2.1) with polygon features and string or integer
/// properties: the format MapLibre draws. Plain protobuf, no dependency.
/// </summary>
/// <remarks>
/// Coordinates are given in normalised Web Mercator units (<see cref="WebMercator"/>) and written in tile units of
/// <see cref="Extent"/> per tile side. Rings are snapped to whole units, repeated points dropped, and rings left with
/// fewer than three points or no area skipped: at low zoom a grid shrinks to the few units it covers, which is the
/// simplification the tile needs. Exterior rings are written with positive area in tile coordinates (clockwise on
/// screen), holes with negative, as the specification says; a polygon whose exterior vanished is left out whole.
/// </remarks>
public sealed class VectorTileLayerWriter
{
    public const int Extent = 4096;

    private readonly string _name;
    private readonly TileAddress _tile;
    private readonly List<byte[]> _features = [];
    private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<(bool IsString, string Text, long Number), int> _values = [];
    private readonly List<int> _geometry = [];
    private readonly List<int> _tags = [];
    private readonly List<(long X, long Y)> _ring = [];

    public VectorTileLayerWriter(string name, TileAddress tile)
    {
        _name = name;
        _tile = tile;
    }

    /// <summary>
    /// Points closer than this to the line their ring would take without them are dropped (Douglas-Peucker, in tile
    /// units of 1/4096 of a tile: 16 units are a pixel of a 256-pixel tile). 0 keeps every snapped point.
    /// </summary>
    public double SimplifyUnits { get; init; }

    /// <summary>How many features were written (a feature whose every ring vanished is not counted).</summary>
    public int FeatureCount { get; private set; }

    /// <summary>
    /// Writes one polygonal feature: <paramref name="polygons"/> is a list of polygons, each a list of rings (the
    /// first exterior), each ring a flat array x0,y0,x1,y1,… in normalised Web Mercator units.
    /// </summary>
    public void AddPolygons(IReadOnlyList<IReadOnlyList<double[]>> polygons, IReadOnlyList<KeyValuePair<string, object>> properties)
    {
        _geometry.Clear();
        var (minX, minY, _, _) = _tile.Bounds;
        var scale = (double)Extent * (1 << _tile.Z);
        long cursorX = 0, cursorY = 0;
        foreach (var polygon in polygons)
        {
            var start = _geometry.Count;
            var (savedX, savedY) = (cursorX, cursorY);
            for (var r = 0; r < polygon.Count; r++)
            {
                var exterior = r == 0;
                Snap(polygon[r], minX, minY, scale);
                if (_ring.Count < 3) { if (exterior) break; continue; }
                var area = SignedArea(_ring);
                if (area == 0) { if (exterior) break; continue; }
                if ((area > 0) != exterior) _ring.Reverse();
                _geometry.Add(Command(1, 1));
                _geometry.Add(ZigZag(_ring[0].X - cursorX));
                _geometry.Add(ZigZag(_ring[0].Y - cursorY));
                _geometry.Add(Command(2, _ring.Count - 1));
                for (var i = 1; i < _ring.Count; i++)
                {
                    _geometry.Add(ZigZag(_ring[i].X - _ring[i - 1].X));
                    _geometry.Add(ZigZag(_ring[i].Y - _ring[i - 1].Y));
                }
                _geometry.Add(Command(7, 1));
                (cursorX, cursorY) = _ring[^1];
            }
            // No exterior: the polygon is dropped with any hole written before the check (none: the exterior comes first).
            if (_geometry.Count == start) (cursorX, cursorY) = (savedX, savedY);
        }
        if (_geometry.Count == 0) return;

        _tags.Clear();
        foreach (var (key, value) in properties)
        {
            if (value is null) continue;
            _tags.Add(KeyIndex(key));
            _tags.Add(ValueIndex(value));
        }
        using var feature = new MemoryStream();
        WritePacked(feature, 2, _tags);
        WriteVarintField(feature, 3, 3);   // GeomType POLYGON
        WritePacked(feature, 4, _geometry);
        _features.Add(feature.ToArray());
        FeatureCount++;
    }

    /// <summary>The whole tile (this one layer) as bytes; empty when no feature was written (an empty tile).</summary>
    public byte[] ToTile()
    {
        if (FeatureCount == 0) return [];
        using var layer = new MemoryStream();
        WriteVarintField(layer, 15, 2);   // version
        WriteBytesField(layer, 1, Encoding.UTF8.GetBytes(_name));
        foreach (var feature in _features) WriteBytesField(layer, 2, feature);
        foreach (var key in _keys.OrderBy(k => k.Value)) WriteBytesField(layer, 3, Encoding.UTF8.GetBytes(key.Key));
        foreach (var value in _values.OrderBy(v => v.Value))
        {
            using var encoded = new MemoryStream();
            if (value.Key.IsString) WriteBytesField(encoded, 1, Encoding.UTF8.GetBytes(value.Key.Text));
            else if (value.Key.Number >= 0) WriteVarintField(encoded, 5, (ulong)value.Key.Number);   // uint_value
            else WriteVarintField(encoded, 6, (ulong)((value.Key.Number << 1) ^ (value.Key.Number >> 63)));   // sint_value
            WriteBytesField(layer, 4, encoded.ToArray());
        }
        WriteVarintField(layer, 5, Extent);
        using var tile = new MemoryStream();
        WriteBytesField(tile, 3, layer.ToArray());
        return tile.ToArray();
    }

    private void Snap(double[] ring, double minX, double minY, double scale)
    {
        _ring.Clear();
        var n = ring.Length / 2;
        // A closed ring repeats its first point last; the tile format closes rings with a command instead.
        if (n > 1 && ring[0] == ring[2 * n - 2] && ring[1] == ring[2 * n - 1]) n--;
        for (var i = 0; i < n; i++)
        {
            var x = (long)Math.Round((ring[2 * i] - minX) * scale);
            var y = (long)Math.Round((ring[2 * i + 1] - minY) * scale);
            if (_ring.Count > 0 && _ring[^1].X == x && _ring[^1].Y == y) continue;
            _ring.Add((x, y));
        }
        while (_ring.Count > 1 && _ring[^1] == _ring[0]) _ring.RemoveAt(_ring.Count - 1);
        if (SimplifyUnits > 0 && _ring.Count > 4) Simplify();
    }

    /// <summary>Douglas-Peucker over the closed ring, split at its first point and the point farthest from it.</summary>
    private void Simplify()
    {
        var keep = new bool[_ring.Count];
        var far = 0;
        for (var i = 1; i < _ring.Count; i++)
            if (Distance2(_ring[i], _ring[0]) > Distance2(_ring[far], _ring[0])) far = i;
        keep[0] = keep[far] = true;
        var stack = new Stack<(int From, int To)>();
        stack.Push((0, far));
        stack.Push((far, _ring.Count));
        var tolerance2 = SimplifyUnits * SimplifyUnits;
        while (stack.Count > 0)
        {
            var (from, to) = stack.Pop();
            var a = _ring[from];
            var b = _ring[to % _ring.Count];
            var (worst, worstDistance) = (-1, tolerance2);
            for (var i = from + 1; i < to; i++)
            {
                var d = SegmentDistance2(_ring[i], a, b);
                if (d > worstDistance) (worst, worstDistance) = (i, d);
            }
            if (worst < 0) continue;
            keep[worst] = true;
            stack.Push((from, worst));
            stack.Push((worst, to));
        }
        var kept = _ring.Where((_, i) => keep[i]).ToList();
        _ring.Clear();
        _ring.AddRange(kept);
    }

    private static double Distance2((long X, long Y) p, (long X, long Y) q) => (double)(p.X - q.X) * (p.X - q.X) + (double)(p.Y - q.Y) * (p.Y - q.Y);

    private static double SegmentDistance2((long X, long Y) p, (long X, long Y) a, (long X, long Y) b)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y;
        var length2 = dx * dx + dy * dy;
        var t = length2 == 0 ? 0 : Math.Clamp(((p.X - a.X) * dx + (p.Y - a.Y) * dy) / length2, 0, 1);
        double ex = a.X + t * dx - p.X, ey = a.Y + t * dy - p.Y;
        return ex * ex + ey * ey;
    }

    private static long SignedArea(List<(long X, long Y)> ring)
    {
        long twice = 0;
        for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++) twice += ring[j].X * ring[i].Y - ring[i].X * ring[j].Y;
        return twice;
    }

    private int KeyIndex(string key)
    {
        if (!_keys.TryGetValue(key, out var index)) _keys[key] = index = _keys.Count;
        return index;
    }

    private int ValueIndex(object value)
    {
        var key = value switch
        {
            string s => (true, s, 0L),
            int i => (false, "", i),
            long l => (false, "", l),
            _ => (true, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "", 0L),
        };
        if (!_values.TryGetValue(key, out var index)) _values[key] = index = _values.Count;
        return index;
    }

    private static int Command(int id, int count) => (id & 0x7) | (count << 3);

    private static int ZigZag(long n) => (int)((n << 1) ^ (n >> 63));

    private static void WriteVarint(Stream stream, ulong value)
    {
        Span<byte> buffer = stackalloc byte[10];
        var i = 0;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[i++] = (byte)value;
        stream.Write(buffer[..i]);
    }

    private static void WriteVarintField(Stream stream, int field, ulong value)
    {
        WriteVarint(stream, (ulong)(field << 3));
        WriteVarint(stream, value);
    }

    private static void WriteBytesField(Stream stream, int field, byte[] bytes)
    {
        WriteVarint(stream, (ulong)((field << 3) | 2));
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WritePacked(Stream stream, int field, List<int> values)
    {
        if (values.Count == 0) return;
        using var packed = new MemoryStream();
        foreach (var v in values) WriteVarint(packed, (uint)v);
        WriteBytesField(stream, field, packed.ToArray());
    }
}
