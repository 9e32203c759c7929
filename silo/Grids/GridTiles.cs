using System.Collections.Concurrent;
using GridServer.Domain.Access;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Tiles;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace GridServer.Silo.Grids;

/// <summary>
/// The grids this silo serves as Mapbox vector tiles (layer <c>grids</c>), straight from the in-memory catalog, so the
/// console draws every grid of a city without a database and without shipping one large document.
/// </summary>
/// <remarks>
/// Per catalog revision and map coordinate system the grids are projected once to Web Mercator and put in an STRtree;
/// tiles are cut from it and kept (up to <see cref="MaxCachedTiles"/>) until the revision changes. Over a GCJ-02
/// basemap the boundaries are shifted to GCJ-02 here, with the server's own <see cref="ChineseOffsets"/>, so that they
/// line up with the basemap's streets. Features carry code, street and community codes and <c>street_idx</c>/
/// <c>community_idx</c> (the rank of the code among the district's, for colouring); from zoom <see cref="NamesFromZoom"/>
/// also the grid's, street's and community's names. Boundaries are simplified by a quarter pixel: a district's
/// tile at zoom 11 holds 12,000 grids.
/// </remarks>
public sealed class GridTileSource(GridCatalog catalog)
{
    public const int MaxCachedTiles = 4096;

    /// <summary>Names (grid, street, community) travel in tiles from this zoom, where labels show them; below it a grid is a few pixels.</summary>
    public const int NamesFromZoom = 15;

    /// <summary>The simplification tolerance in tile units (16 to a pixel).</summary>
    public const double SimplifyUnits = 4;

    /// <summary>Features whose box reaches this far past a tile (in tile units of 4096) are drawn in it, so edges meet across tiles.</summary>
    private const double BufferUnits = 64;

    private sealed record Entry(Grid Grid, IReadOnlyList<IReadOnlyList<double[]>> Polygons, int StreetIndex, int CommunityIndex);

    private sealed record Prepared(long Revision, DateTimeOffset LoadedAt, STRtree<Entry> Tree);

    private readonly object _gate = new();
    private readonly Dictionary<PointCrs, Prepared> _prepared = [];
    private readonly ConcurrentDictionary<(long, DateTimeOffset, PointCrs, int, int, int), Cut> _tiles = new();

    /// <summary>A tile as cut, and its gzip form made on the first request that accepts it (then kept with it).</summary>
    private sealed class Cut(byte[] raw)
    {
        private byte[]? _gzip;

        public byte[] Raw => raw;

        public byte[] Gzip => _gzip ??= Compress(raw);
    }

    /// <summary>One tile; only the grids <paramref name="only"/> names when given (a liaison's), uncached then.</summary>
    public byte[] Tile(TileAddress address, PointCrs crs, IReadOnlySet<string>? only = null) => CutTile(address, crs, only).Raw;

    /// <summary>
    /// One tile gzip-compressed (RFC 1952), for a client that accepts it; <c>Gzipped</c> false when the tile is empty (an
    /// empty body needs no compression, and gzip would make it 20 bytes). A cached tile is compressed once.
    /// </summary>
    public (byte[] Bytes, bool Gzipped) GzipTile(TileAddress address, PointCrs crs, IReadOnlySet<string>? only = null)
    {
        var cut = CutTile(address, crs, only);
        return cut.Raw.Length == 0 ? (cut.Raw, false) : (cut.Gzip, true);
    }

    /// <summary>
    /// Gzip at the fastest level: a cold tile is compressed while the browser waits, and the fastest level already
    /// takes the 50,000-grid district's tiles from 2.93 MB to 1.01 MB (docs/benchmarks.md).
    /// </summary>
    internal static byte[] Compress(byte[] raw)
    {
        using var output = new MemoryStream(raw.Length / 3 + 64);
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return output.ToArray();
    }

    private Cut CutTile(TileAddress address, PointCrs crs, IReadOnlySet<string>? only)
    {
        var prepared = Prepare(crs);
        var key = (prepared.Revision, prepared.LoadedAt, crs, address.Z, address.X, address.Y);
        if (only is null && _tiles.TryGetValue(key, out var cached)) return cached;
        var (minX, minY, maxX, maxY) = address.Bounds;
        var buffer = BufferUnits / VectorTileLayerWriter.Extent / (1 << address.Z);
        var hits = prepared.Tree.Query(new Envelope(minX - buffer, maxX + buffer, minY - buffer, maxY + buffer));
        // A quarter of a pixel is the most any border moves by the simplification: invisible at every zoom.
        var layer = new VectorTileLayerWriter("grids", address) { SimplifyUnits = SimplifyUnits };
        var named = address.Z >= NamesFromZoom;
        foreach (var entry in hits.OrderBy(e => e.Grid.Code, StringComparer.Ordinal))
        {
            if (only is not null && !only.Contains(entry.Grid.Code)) continue;
            var g = entry.Grid;
            List<KeyValuePair<string, object>> properties =
            [
                new("code", g.Code), new("street", g.StreetCode ?? ""), new("community", g.CommunityCode ?? ""),
                new("street_idx", entry.StreetIndex), new("community_idx", entry.CommunityIndex),
            ];
            if (named)
            {
                properties.Add(new("name", g.Name));
                properties.Add(new("street_name", g.StreetName ?? ""));
                properties.Add(new("community_name", g.CommunityName ?? ""));
            }
            layer.AddPolygons(entry.Polygons, properties);
        }
        var tile = new Cut(layer.ToTile());
        if (only is null)
        {
            if (_tiles.Count >= MaxCachedTiles) _tiles.Clear();
            _tiles[key] = tile;
        }
        return tile;
    }

    private Prepared Prepare(PointCrs crs)
    {
        var revision = catalog.Revision;
        var loadedAt = catalog.LoadedAt;
        lock (_gate)
        {
            if (_prepared.TryGetValue(crs, out var ready) && ready.Revision == revision && ready.LoadedAt == loadedAt) return ready;
            var grids = catalog.All().ToList();
            var streets = Ranks(grids.Select(g => g.StreetCode));
            var communities = Ranks(grids.Select(g => g.CommunityCode));
            var tree = new STRtree<Entry>();
            foreach (var grid in grids)
            {
                var polygons = new List<IReadOnlyList<double[]>>();
                var envelope = new Envelope();
                for (var p = 0; p < grid.Boundary.NumGeometries; p++)
                {
                    var polygon = (Polygon)grid.Boundary.GetGeometryN(p);
                    var rings = new List<double[]> { Project(polygon.ExteriorRing.Coordinates, crs, envelope) };
                    foreach (var hole in polygon.InteriorRings) rings.Add(Project(hole.Coordinates, crs, envelope));
                    polygons.Add(rings);
                }
                tree.Insert(envelope, new Entry(grid, polygons,
                    streets.GetValueOrDefault(grid.StreetCode ?? ""), communities.GetValueOrDefault(grid.CommunityCode ?? "")));
            }
            tree.Build();
            _prepared.Clear();   // one revision at a time: the other coordinate system is prepared again when asked
            _tiles.Clear();
            return _prepared[crs] = new Prepared(revision, loadedAt, tree);
        }
    }

    private static Dictionary<string, int> Ranks(IEnumerable<string?> codes) =>
        codes.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((code, i) => (code, i)).ToDictionary(p => p.code, p => p.i, StringComparer.Ordinal);

    private static double[] Project(Coordinate[] ring, PointCrs crs, Envelope envelope)
    {
        var flat = new double[ring.Length * 2];
        for (var i = 0; i < ring.Length; i++)
        {
            var (lon, lat) = crs == PointCrs.Gcj02 ? ChineseOffsets.Wgs84ToGcj02(ring[i].X, ring[i].Y) : (ring[i].X, ring[i].Y);
            var (x, y) = WebMercator.Project(lon, lat);
            flat[2 * i] = x;
            flat[2 * i + 1] = y;
            envelope.ExpandToInclude(x, y);
        }
        return flat;
    }
}

/// <summary>HTTP face of the grid tiles.</summary>
public static class GridTileEndpoints
{
    public const string ContentType = "application/vnd.mapbox-vector-tile";

    public static IEndpointRouteBuilder MapGridTileEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tiles/grids/{z:int}/{x:int}/{y:int}", Tile).RequireRoles(GridEndpoints.Readers).WithTags("Grids")
            .WithSummary("The grids as a Mapbox vector tile (layer 'grids'); ?crs=gcj02 shifts them for a GCJ-02 basemap. A liaison's tiles hold their grids only.");
        return app;
    }

    internal static async Task<IResult> Tile(int z, int x, int y, string? crs, HttpContext context, GridTileSource tiles, Scopes scopes)
    {
        var address = new TileAddress(z, x, y);
        if (!address.IsValid) return Problems.Of(404, "No such tile", $"tile {z}/{x}/{y} does not exist (zoom 0-{TileAddress.MaxZoom}, x and y below 2^zoom)");
        if (!PointCrsExtensions.TryParse(crs ?? "wgs84", out var mapCrs, out var error) || mapCrs == PointCrs.Bd09)
            return Problems.Of(400, "Unknown coordinate system", error ?? "tiles are served in wgs84 (also cgcs2000) or gcj02");
        if (mapCrs == PointCrs.Cgcs2000) mapCrs = PointCrs.Wgs84;
        var caller = context.RequiredCaller();
        var only = caller.Role == Role.Liaison ? scopes.WatchedGrids(await scopes.LiaisonAsync(caller.Subject)) : null;
        // The same URL answers gzip or not by the request's Accept-Encoding: caches must key on it.
        context.Response.Headers.Vary = "Accept-Encoding";
        // The console puts the grid revision in the tile URL, so a cached tile is never stale.
        context.Response.Headers.CacheControl = "private, max-age=300";
        if (!AcceptsGzip(context.Request)) return Results.Bytes(tiles.Tile(address, mapCrs, only), ContentType);
        var (bytes, gzipped) = tiles.GzipTile(address, mapCrs, only);
        if (gzipped) context.Response.Headers.ContentEncoding = "gzip";
        return Results.Bytes(bytes, ContentType);
    }

    /// <summary>
    /// Whether the request's Accept-Encoding takes gzip (RFC 9110 §12.5.3): named, or by <c>*</c>, with a quality above
    /// zero; <c>gzip;q=0</c> refuses it even beside <c>*</c>.
    /// </summary>
    internal static bool AcceptsGzip(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        double? gzip = null, any = null;
        foreach (var coding in accepted)
        {
            var quality = coding.Quality ?? 1;
            if (coding.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Value.Equals("x-gzip", StringComparison.OrdinalIgnoreCase)) gzip = Math.Max(gzip ?? 0, quality);
            else if (coding.Value.Equals("*", StringComparison.Ordinal)) any = quality;
        }
        return (gzip ?? any ?? 0) > 0;
    }
}
