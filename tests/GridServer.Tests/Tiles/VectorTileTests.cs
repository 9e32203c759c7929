using System.Net;
using System.Text;
using GridServer.Domain.Tiles;
using GridServer.Tests.Silo;

namespace GridServer.Tests.Tiles;

/// <summary>The vector tiles the console draws: the encoding (read back with a small protobuf reader) and the route.</summary>
public sealed class VectorTileTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    /// <summary>A tile over the shipped sample district (Lucheng, Wenzhou), zoom 14.</summary>
    private const string DistrictTile = "/api/tiles/grids/14/13682/6863";

    [Fact]
    public void Layer_OneSquare_WritesClockwiseExteriorWithPropertiesAndExtent()
    {
        var tile = new TileAddress(0, 0, 0);
        var layer = new VectorTileLayerWriter("grids", tile);
        // A square in the middle of the world given counter-clockwise on screen (x east, y south): written reversed.
        double[] ring = [0.25, 0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25, 0.75];
        layer.AddPolygons([[ring]], [new("code", "33030200200910"), new("street_idx", 3)]);
        var decoded = Decode(layer.ToTile());
        Assert.Equal("grids", decoded.Name);
        Assert.Equal(4096, decoded.Extent);
        Assert.Equal(["code", "street_idx"], decoded.Keys);
        Assert.Contains("33030200200910", decoded.StringValues);
        var feature = Assert.Single(decoded.Features);
        Assert.Equal(3, feature.Type);
        var points = Points(feature.Geometry);
        Assert.Equal([(1024, 1024), (3072, 1024), (3072, 3072), (1024, 3072)], points);
        Assert.True(Area2(points) > 0, "an exterior ring has positive area in tile coordinates");
    }

    [Fact]
    public void Layer_Simplified_DropsPointsWithinToleranceAndKeepsCorners()
    {
        var layer = new VectorTileLayerWriter("grids", new TileAddress(0, 0, 0)) { SimplifyUnits = 4 };
        const double u = 1.0 / 4096;
        // A square with a point 2 units off its bottom side (dropped) and one 40 units off its right side (kept).
        double[] ring = [0.25, 0.75, 0.5, 0.75 + 2 * u, 0.75, 0.75, 0.75 + 40 * u, 0.5, 0.75, 0.25, 0.25, 0.25, 0.25, 0.75];
        layer.AddPolygons([[ring]], [new("code", "x")]);
        var points = Points(Decode(layer.ToTile()).Features.Single().Geometry);
        Assert.Equal(5, points.Count);
        Assert.Contains((3072 + 40, 2048), points);
        Assert.DoesNotContain((2048, 3072 + 2), points);
    }

    [Fact]
    public void Layer_PolygonSmallerThanAUnit_IsLeftOut()
    {
        var layer = new VectorTileLayerWriter("grids", new TileAddress(0, 0, 0));
        double[] tiny = [0.5, 0.5, 0.50000001, 0.5, 0.50000001, 0.50000001, 0.5, 0.5];
        layer.AddPolygons([[tiny]], [new("code", "x")]);
        Assert.Equal(0, layer.FeatureCount);
        Assert.Empty(layer.ToTile());
    }

    [Fact]
    public async Task Route_DistrictTile_HoldsItsGrids()
    {
        using var response = await silo.Operator.GetAsync(DistrictTile);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.mapbox-vector-tile", response.Content.Headers.ContentType?.MediaType);
        var decoded = Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.True(decoded.Features.Count > 100, $"{decoded.Features.Count} grids in the district's tile");
        Assert.Contains("33030200200910", decoded.StringValues);
    }

    [Fact]
    public async Task Route_Liaison_GetsOnlyTheirGrids()
    {
        (await silo.Operator.PutAsync("/api/liaisons/L-TILES/grids/33030200200910", null)).EnsureSuccessStatusCode();
        var liaison = await silo.AsAsync("Liaison", "L-TILES");
        var decoded = Decode(await liaison.GetByteArrayAsync(DistrictTile));
        Assert.Single(decoded.Features);
        Assert.Contains("33030200200910", decoded.StringValues);
    }

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("gzip, deflate, br, zstd", true)]
    [InlineData("*", true)]
    [InlineData("br", false)]
    [InlineData("gzip;q=0, *", false)]
    [InlineData("identity", false)]
    public async Task Route_AcceptEncoding_GzipWhenAccepted_SameTileUnpacked(string acceptEncoding, bool gzipped)
    {
        var plain = await silo.Operator.GetByteArrayAsync(DistrictTile);
        using var request = new HttpRequestMessage(HttpMethod.Get, DistrictTile);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);

        using var response = await silo.Operator.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(gzipped, response.Content.Headers.ContentEncoding.Contains("gzip"));
        if (!gzipped)
        {
            Assert.Equal(plain, body);
            return;
        }
        using var unpacked = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress)) gzip.CopyTo(unpacked);
        Assert.Equal(plain, unpacked.ToArray());
        Assert.True(body.Length < plain.Length / 2, $"{body.Length} bytes gzipped of {plain.Length}");
    }

    [Fact]
    public async Task Route_EmptyTileAcceptingGzip_SentEmptyAndPlain()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tiles/grids/14/0/0");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");

        using var response = await silo.Operator.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/api/tiles/grids/23/0/0")]
    [InlineData("/api/tiles/grids/2/4/0")]
    public async Task Route_TileOutsideTheTiling_Is404(string path)
    {
        using var response = await silo.Operator.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Route_Gcj02_ShiftsTheGridsAgainstWgs84()
    {
        var wgs = Decode(await silo.Operator.GetByteArrayAsync(DistrictTile));
        var gcj = Decode(await silo.Operator.GetByteArrayAsync(DistrictTile + "?crs=gcj02"));
        // Over Wenzhou GCJ-02 lies about 400 m east and 370 m south of WGS84: a different set of grids reaches the tile.
        Assert.NotEqual(wgs.Features.Select(f => string.Join(',', f.Geometry)), gcj.Features.Select(f => string.Join(',', f.Geometry)));
    }

    internal sealed record DecodedFeature(int Type, List<uint> Tags, List<uint> Geometry);

    internal sealed record DecodedLayer(string Name, int Extent, List<string> Keys, List<string> StringValues, List<DecodedFeature> Features);

    /// <summary>Reads the one layer of a tile: enough of protobuf for what the writer writes.</summary>
    internal static DecodedLayer Decode(byte[] tile)
    {
        var layer = new DecodedLayer("", 0, [], [], []);
        if (tile.Length == 0) return layer;
        var (field, bytes) = Fields(tile).Single();
        Assert.Equal(3, field);
        var name = ""; var extent = 0;
        foreach (var (f, value) in Fields(bytes))
        {
            switch (f)
            {
                case 1: name = Encoding.UTF8.GetString(value); break;
                case 2:
                    var feature = new DecodedFeature(0, [], []);
                    var type = 0;
                    foreach (var (ff, fv) in Fields(value))
                    {
                        if (ff == 2) feature.Tags.AddRange(Packed(fv));
                        else if (ff == 3) type = (int)Varint(fv, 0).Value;
                        else if (ff == 4) feature.Geometry.AddRange(Packed(fv));
                    }
                    layer.Features.Add(feature with { Type = type });
                    break;
                case 3: layer.Keys.Add(Encoding.UTF8.GetString(value)); break;
                case 4:
                    foreach (var (vf, vv) in Fields(value)) if (vf == 1) layer.StringValues.Add(Encoding.UTF8.GetString(vv));
                    break;
                case 5: extent = (int)Varint(value, 0).Value; break;
            }
        }
        return layer with { Name = name, Extent = extent };
    }

    /// <summary>Fields of a message: length-delimited ones with their bytes, varints as their encoded bytes.</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var i = 0;
        while (i < message.Length)
        {
            var (key, next) = Varint(message, i);
            i = next;
            var field = (int)(key >> 3);
            if ((key & 7) == 2)
            {
                var (length, start) = Varint(message, i);
                yield return (field, message[start..(start + (int)length)]);
                i = start + (int)length;
            }
            else
            {
                var (_, end) = Varint(message, i);
                yield return (field, message[i..end]);
                i = end;
            }
        }
    }

    private static (ulong Value, int Next) Varint(byte[] b, int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var x = b[i++];
            value |= (ulong)(x & 0x7f) << shift;
            if (x < 0x80) return (value, i);
        }
    }

    private static IEnumerable<uint> Packed(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length;)
        {
            var (v, next) = Varint(bytes, i);
            i = next;
            yield return (uint)v;
        }
    }

    /// <summary>The points of a one-ring polygon geometry (MoveTo, LineTo, ClosePath), in tile units.</summary>
    private static List<(int X, int Y)> Points(List<uint> geometry)
    {
        var points = new List<(int, int)>();
        int x = 0, y = 0, i = 0;
        static int Zig(uint n) => (int)(n >> 1) ^ -(int)(n & 1);
        while (i < geometry.Count)
        {
            var command = geometry[i++];
            var (id, count) = (command & 7, command >> 3);
            if (id == 7) continue;
            for (var k = 0; k < count; k++)
            {
                x += Zig(geometry[i++]);
                y += Zig(geometry[i++]);
                points.Add((x, y));
            }
        }
        return points;
    }

    private static long Area2(List<(int X, int Y)> ring)
    {
        long a = 0;
        for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++) a += (long)ring[j].X * ring[i].Y - (long)ring[i].X * ring[j].Y;
        return a;
    }
}
