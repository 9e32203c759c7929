using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GridServer.Domain.Export;
using GridServer.Domain.Grids;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;
using NetTopologySuite.IO;

namespace GridServer.Tests.Silo;

/// <summary>
/// <c>POST /api/grids</c> with a zipped Shapefile, through the real host: a good set imports and is served; every
/// hostile or broken archive gets a problem naming what is wrong, and the grids stay as they were.
/// </summary>
public sealed class ShapefileUploadTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gridserver-upload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A set written by the project's own Shapefile writer: square grids of 0.001° side in a row from (lon, lat).</summary>
    private Dictionary<string, byte[]> ShapefileSet(string stem, double lon, double lat, params string[] codes)
    {
        var reader = new WKTReader();
        var grids = codes.Select((code, i) =>
        {
            var x = lon + i * 0.001;
            var boundary = reader.Read(FormattableString.Invariant(
                $"POLYGON(({x} {lat}, {x + 0.001} {lat}, {x + 0.001} {lat + 0.001}, {x} {lat + 0.001}, {x} {lat}))"));
            boundary.SRID = 4326;
            return new Grid(code, $"上传第{i + 1:D2}网格", null, null, null, null, boundary, 1.0, 1, DateTimeOffset.UnixEpoch);
        }).ToList();
        var files = ShapefileGridWriter.Write(Path.Combine(_dir, stem + ".shp"), grids);
        return files.ToDictionary(f => Path.GetFileName(f), f => File.ReadAllBytes(f));
    }

    private static byte[] Zip(IEnumerable<KeyValuePair<string, byte[]>> entries) => TestZip.Of(entries);

    private static ByteArrayContent Body(byte[] bytes, string? contentType = "application/zip")
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private async Task<string?> GridAt(double lon, double lat)
    {
        using var response = await silo.Operator.GetAsync(FormattableString.Invariant($"/api/grids/locate?lon={lon}&lat={lat}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        return body.TryGetProperty("gridCode", out var code) ? code.GetString() : null;
    }

    private async Task<int> GridCount()
    {
        using var health = await silo.Client.GetAsync("/health");
        var body = await JsonOf(health);
        return body.GetProperty("grids").GetInt32();
    }

    [Fact]
    public async Task Post_ZippedShapefile_ImportedAndLocated()
    {
        var set = ShapefileSet("grids", 121.2, 28.7, "33030299800101", "33030299800102");
        // The set sits in a folder, as archives made by hand often have it.
        var zip = Zip(set.Select(f => KeyValuePair.Create("export/" + f.Key, f.Value)));

        using var response = await silo.Operator.PostAsync("/api/grids", Body(zip));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await JsonOf(response)).GetProperty("added").GetInt32());
        Assert.Equal("33030299800101", await GridAt(121.2005, 28.7005));
        Assert.Equal("33030299800102", await GridAt(121.2015, 28.7005));
        using var grid = await silo.Operator.GetAsync("/api/grids/33030299800102");
        Assert.Equal("上传第02网格", (await JsonOf(grid)).GetProperty("properties").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Post_ZipWithoutContentType_DetectedBySignature()
    {
        var zip = Zip(ShapefileSet("plain", 121.3, 28.7, "33030299800201"));

        using var response = await silo.Operator.PostAsync("/api/grids", Body(zip, contentType: null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("33030299800201", await GridAt(121.3005, 28.7005));
    }

    [Fact]
    public async Task Post_ZipWithoutPrj_RefusedAskingForSrs_ImportedWithIt()
    {
        var set = ShapefileSet("noprj", 121.4, 28.7, "33030299800301");
        set.Remove("noprj.prj");
        var zip = Zip(set);

        using var refused = await silo.Operator.PostAsync("/api/grids", Body(zip));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("?srs=", (await JsonOf(refused)).GetProperty("detail").GetString());

        using var accepted = await silo.Operator.PostAsync("/api/grids?srs=wgs84", Body(zip));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("33030299800301", await GridAt(121.4005, 28.7005));
    }

    [Fact]
    public async Task Post_EntriesNamedToClimbOut_FlattenedIntoPrivateFolder_NothingWrittenOutside()
    {
        var marker = "gs-slip-" + Guid.NewGuid().ToString("N");
        var set = ShapefileSet(marker, 121.5, 28.7, "33030299800401");
        var entries = set.Select(f => KeyValuePair.Create("../../../../../tmp/" + f.Key, f.Value))
            .Append(KeyValuePair.Create($"/tmp/{marker}-absolute.txt", "x"u8.ToArray()))
            .Append(KeyValuePair.Create("../../etc/passwd", "root::0:0::/:/bin/sh"u8.ToArray()));

        using var response = await silo.Operator.PostAsync("/api/grids", Body(Zip(entries)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(Directory.GetFiles("/tmp", marker + "*"));
        Assert.Equal("33030299800401", await GridAt(121.5005, 28.7005));
    }

    [Fact]
    public async Task Post_ZipWithBowtieAndOverlap_FindingsDrawnLikeGeoJsons()
    {
        var reader = new WKTReader();
        Grid Grid(string code, string wkt)
        {
            var boundary = reader.Read(wkt);
            boundary.SRID = 4326;
            return new Grid(code, code, null, null, null, null, boundary, 1.0, 1, DateTimeOffset.UnixEpoch);
        }
        var bowtie = ShapefileGridWriter.Write(Path.Combine(_dir, "bowtie.shp"),
            [Grid("33030299800601", "POLYGON((121.7 28.7, 121.701 28.7, 121.701 28.701, 121.7 28.701, 121.7 28.7))"),
             Grid("33030299800602", "POLYGON((121.702 28.7, 121.703 28.701, 121.703 28.7, 121.702 28.701, 121.702 28.7))")]);
        var overlap = ShapefileGridWriter.Write(Path.Combine(_dir, "overlap.shp"),
            [Grid("33030299800701", "POLYGON((121.8 28.7, 121.802 28.7, 121.802 28.702, 121.8 28.702, 121.8 28.7))"),
             Grid("33030299800702", "POLYGON((121.801 28.7, 121.803 28.7, 121.803 28.702, 121.801 28.702, 121.801 28.7))")]);
        byte[] Zipped(IEnumerable<string> files) => Zip(files.Select(f => KeyValuePair.Create(Path.GetFileName(f), File.ReadAllBytes(f))));

        using var invalid = await silo.Operator.PostAsync("/api/grids?dryRun=true", Body(Zipped(bowtie)));
        using var overlapping = await silo.Operator.PostAsync("/api/grids?dryRun=true", Body(Zipped(overlap)));

        Assert.Equal((HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity), (invalid.StatusCode, overlapping.StatusCode));
        var ring = Assert.Single((await JsonOf(invalid)).GetProperty("findings").EnumerateArray());
        Assert.Equal(("InvalidGeometry", 1, "33030299800602"), (ring.GetProperty("kind").GetString(), ring.GetProperty("feature").GetInt32(), ring.GetProperty("code").GetString()));
        var crossing = ring.GetProperty("geometry").GetProperty("geometries").EnumerateArray().Single(g => g.GetProperty("type").GetString() == "Point").GetProperty("coordinates");
        Assert.Equal((121.7025, 28.7005), (Math.Round(crossing[0].GetDouble(), 6), Math.Round(crossing[1].GetDouble(), 6)));
        // The overlap, found by the directory's check of the converted set: the shared strip, 0.001° × 0.002°.
        var shared = Assert.Single((await JsonOf(overlapping)).GetProperty("findings").EnumerateArray());
        Assert.Equal(("Overlap", "33030299800701", "33030299800702"), (shared.GetProperty("kind").GetString(), shared.GetProperty("code").GetString(), shared.GetProperty("otherCode").GetString()));
        var corners = shared.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().Select(p => (Math.Round(p[0].GetDouble(), 6), Math.Round(p[1].GetDouble(), 6))).ToHashSet();
        Assert.Equal(new HashSet<(double, double)> { (121.801, 28.7), (121.802, 28.7), (121.802, 28.702), (121.801, 28.702) }, corners);
        Assert.Null(await GridAt(121.8005, 28.7005));
    }

    /// <summary>Each hostile or broken archive, with the status and a piece of the detail that names the problem.</summary>
    public static TheoryData<string, int, string> Hostile() => new()
    {
        { "no-shp", 400, "exactly one .shp (with its .shx and .dbf), holds 0" },
        { "two-shp", 400, "holds 2 (a.shp, b.shp)" },
        { "no-dbf", 400, "grids.dbf is missing" },
        { "no-shx", 400, "grids.shx is missing" },
        { "not-a-zip", 400, "upload.zip: not a readable zip archive" },
        { "truncated", 400, "upload.zip: not a readable zip archive" },
        { "zip-in-zip", 400, "holds another archive, 'inner/grids.zip'" },
        { "shp-is-a-zip", 400, "'grids.shp' is itself a zip archive" },
        { "bomb", 413, "expands to more than" },
        { "many-entries", 413, "lists 101 entries" },
        { "shapes-without-records", 400, "upload.zip!grids.shp holds 1 shapes but upload.zip!grids.dbf holds 2" },
        { "bad-code", 422, "upload.zip!grids.shp: error: feature 1 (ABC)" },
        { "unknown-encoding", 400, "Unknown text encoding \"klingon\"" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Post_HostileOrBrokenZip_ProblemNamingIt_NothingChanges(string kind, int status, string detail)
    {
        var before = await GridCount();
        var grids = ShapefileSet("grids", 121.6, 28.7, "33030299800501", "33030299800502");
        var query = "";
        byte[] zip;
        switch (kind)
        {
            case "no-shp": zip = Zip(grids.Where(f => !f.Key.EndsWith(".shp", StringComparison.Ordinal))); break;
            case "two-shp":
                zip = Zip(ShapefileSet("a", 121.6, 28.7, "33030299800501").Concat(ShapefileSet("b", 121.6, 28.7, "33030299800502")));
                break;
            case "no-dbf": zip = Zip(grids.Where(f => f.Key != "grids.dbf")); break;
            case "no-shx": zip = Zip(grids.Where(f => f.Key != "grids.shx")); break;
            case "not-a-zip": zip = "PK\u0003\u0004 this is no archive"u8.ToArray(); break;
            case "truncated": zip = Zip(grids)[..200]; break;
            case "zip-in-zip": zip = Zip([KeyValuePair.Create("inner/grids.zip", Zip(grids))]); break;
            case "shp-is-a-zip": zip = Zip(grids.Select(f => f.Key == "grids.shp" ? KeyValuePair.Create(f.Key, Zip(grids)) : f)); break;
            case "bomb": zip = ClaimHugeSize(Zip(grids)); break;
            case "many-entries":
                zip = Zip(grids.Concat(Enumerable.Range(0, 101 - grids.Count).Select(i => KeyValuePair.Create($"meta/{i}.xml", new byte[1]))));
                break;
            case "shapes-without-records":
                var one = ShapefileSet("one", 121.6, 28.7, "33030299800501");
                zip = Zip(grids.Select(f => f.Key is "grids.shp" or "grids.shx" ? KeyValuePair.Create(f.Key, one["one" + f.Key[5..]]) : f));
                break;
            case "bad-code": zip = Zip(ShapefileSet("grids", 121.6, 28.7, "33030299800501", "ABC")); break;
            case "unknown-encoding": zip = Zip(grids); query = "?encoding=klingon"; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        using var response = await silo.Operator.PostAsync("/api/grids" + query, Body(zip));

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await JsonOf(response);
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await GridAt(121.6005, 28.7005));
        Assert.Equal(before, await GridCount());
    }

    /// <summary>
    /// The archive with every entry's uncompressed size in the central directory set to 3.5 GiB, as a zip bomb
    /// declares it: refused before anything is inflated. (Archives that understate their sizes are stopped by
    /// counting the bytes really inflated; see GridFilesTests.)
    /// </summary>
    private static byte[] ClaimHugeSize(byte[] zip)
    {
        var patched = zip.ToArray();
        for (var i = 0; i + 46 <= patched.Length; i++)
        {
            if (BitConverter.ToUInt32(patched, i) != 0x02014b50) continue;
            BitConverter.TryWriteBytes(patched.AsSpan(i + 24, 4), 0xE0000000u);
        }
        return patched;
    }
}
