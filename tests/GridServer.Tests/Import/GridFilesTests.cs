using System.IO.Compression;
using GridServer.Domain.Export;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using NetTopologySuite.IO;

namespace GridServer.Tests.Import;

/// <summary>The one entry for grid files: format by extension, CRS resolution, zipped Shapefiles.</summary>
public sealed class GridFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gridserver-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteShapefile(string stem)
    {
        var polygon = new WKTReader().Read("POLYGON((120.60 28.00, 120.61 28.00, 120.61 28.01, 120.60 28.01, 120.60 28.00))");
        polygon.SRID = 4326;
        var path = Path.Combine(_dir, stem + ".shp");
        ShapefileGridWriter.Write(path, [new Grid("33030200100101", "华盖社区第01网格", null, null, null, null, polygon, 1.0, 1, DateTimeOffset.UnixEpoch)]);
        return path;
    }

    private string Zip(string name, params string[] files)
    {
        var zipPath = Path.Combine(_dir, name);
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var f in files) zip.CreateEntryFromFile(f, "data/" + Path.GetFileName(f));
        return zipPath;
    }

    [Fact]
    public void Check_ZippedShapefile_ReadsAndImports()
    {
        var shp = WriteShapefile("grids");
        var stem = Path.ChangeExtension(shp, null);
        var zip = Zip("upload.zip", [.. new[] { ".shp", ".shx", ".dbf", ".prj", ".cpg" }.Select(e => stem + e)]);
        var (result, dataset, crs) = GridFiles.Check(zip, new GridImportOptions(), null, null, TimeProvider.System);
        Assert.True(result.Accepted);
        Assert.Equal("华盖社区第01网格", Assert.Single(result.Grids).Name);
        Assert.EndsWith("upload.zip!grids.shp", dataset.FileName, StringComparison.Ordinal);
        Assert.Equal(4326, crs.Srid);
    }

    [Fact]
    public void Read_ZipWithTwoShapefiles_RefusedSayingExactlyOne()
    {
        var a = Path.ChangeExtension(WriteShapefile("a"), null);
        var b = Path.ChangeExtension(WriteShapefile("b"), null);
        var zip = Zip("two.zip", a + ".shp", a + ".shx", a + ".dbf", b + ".shp", b + ".shx", b + ".dbf");
        var e = Assert.Throws<GridFileException>(() => GridFiles.Read(zip));
        Assert.Contains("exactly one .shp", e.Message);
        Assert.Contains("holds 2", e.Message);
    }

    [Fact]
    public void Read_ZipEntriesWithSameNameInTwoFolders_Refused()
    {
        var stem = Path.ChangeExtension(WriteShapefile("dup"), null);
        var zipPath = Path.Combine(_dir, "dup.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            foreach (var e in new[] { ".shp", ".shx", ".dbf" }) zip.CreateEntryFromFile(stem + e, "a/grids" + e);
            zip.CreateEntryFromFile(stem + ".dbf", "b/grids.dbf");
        }
        var error = Assert.Throws<GridFileException>(() => GridFiles.Read(zipPath));
        Assert.Contains("two files named 'grids.dbf'", error.Message);
    }

    [Fact]
    public void Read_ZipDeclaringMoreThanLimit_RefusedBeforeInflating()
    {
        var stem = Path.ChangeExtension(WriteShapefile("big"), null);
        var zip = Zip("big.zip", stem + ".shp", stem + ".shx", stem + ".dbf");
        var error = Assert.Throws<GridFileTooLargeException>(() => GridFiles.Read(zip, maxExpandedBytes: 100));
        Assert.Contains("expands to more than 100 bytes", error.Message);
    }

    [Fact]
    public void Read_ZipUnderstatingItsSizes_Refused()
    {
        var stem = Path.ChangeExtension(WriteShapefile("liar"), null);
        var zip = Zip("liar.zip", stem + ".shp", stem + ".shx", stem + ".dbf");
        // Every entry claims one byte in the central directory, as an archive built to slip past a size check would.
        var bytes = File.ReadAllBytes(zip);
        for (var i = 0; i + 46 <= bytes.Length; i++)
        {
            if (BitConverter.ToUInt32(bytes, i) == 0x02014b50) BitConverter.TryWriteBytes(bytes.AsSpan(i + 24, 4), 1u);
        }
        File.WriteAllBytes(zip, bytes);
        // System.IO.Compression inflates an entry no further than its declared size, so the set comes out cut short
        // and the Shapefile reader refuses it, naming the file in the archive; the reader's own count of the bytes
        // inflated stands behind that limit.
        var error = Assert.ThrowsAny<GridFileException>(() => GridFiles.Read(zip, maxExpandedBytes: 150));
        Assert.StartsWith(zip + "!liar.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ZipWithTooManyEntries_Refused()
    {
        var stem = Path.ChangeExtension(WriteShapefile("many"), null);
        var zipPath = Path.Combine(_dir, "many.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            foreach (var e in new[] { ".shp", ".shx", ".dbf" }) zip.CreateEntryFromFile(stem + e, "many" + e);
            for (var i = 0; i < ZippedShapefileReader.MaxEntries; i++) zip.CreateEntry($"meta/{i}.xml");
        }
        var error = Assert.Throws<GridFileTooLargeException>(() => GridFiles.Read(zipPath));
        Assert.Contains($"lists {ZippedShapefileReader.MaxEntries + 3} entries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAZip_RefusedNamingFile()
    {
        var path = Path.Combine(_dir, "fake.zip");
        File.WriteAllText(path, "this is not an archive");
        var e = Assert.Throws<GridFileException>(() => GridFiles.Read(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a readable zip archive", e.Message);
    }

    [Fact]
    public void Read_ZipEntryClimbingOutOfFolder_StaysInsideTemporaryFolder()
    {
        var stem = Path.ChangeExtension(WriteShapefile("evil"), null);
        var zipPath = Path.Combine(_dir, "slip.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            foreach (var e in new[] { ".shp", ".shx", ".dbf", ".prj" }) zip.CreateEntryFromFile(stem + e, "../../../tmp/slipped" + e);
        }
        var dataset = GridFiles.Read(zipPath);
        Assert.Single(dataset.Features);
        Assert.False(File.Exists("/tmp/slipped.shp"));
    }

    [Fact]
    public void Read_UnknownExtensionOrMissingFile_RefusedWithWhatIsSupported()
    {
        var txt = Path.Combine(_dir, "grids.txt");
        File.WriteAllText(txt, "x");
        Assert.Contains(".geojson or .json", Assert.Throws<GridFileException>(() => GridFiles.Read(txt)).Message);
        Assert.Contains("no such file", Assert.Throws<GridFileException>(() => GridFiles.Read(Path.Combine(_dir, "none.geojson"))).Message);
    }

    [Fact]
    public void ResolveCrs_ShapefileWithoutPrj_RefusedAskingForSrs_UnlessGiven()
    {
        var shp = WriteShapefile("noprj");
        File.Delete(Path.ChangeExtension(shp, ".prj"));
        var dataset = GridFiles.Read(shp);
        var e = Assert.Throws<GridFileException>(() => GridFiles.ResolveCrs(dataset, null));
        Assert.Contains("declares no coordinate system", e.Message);
        Assert.Contains("--srs", e.Message);
        Assert.Equal(4549, GridFiles.ResolveCrs(dataset, "EPSG:4549").Srid);
    }

    [Fact]
    public void ResolveCrs_UnknownSrsOption_RefusedNamingOption()
    {
        var dataset = new SourceDataset("grids.geojson", [], null);
        var e = Assert.Throws<GridFileException>(() => GridFiles.ResolveCrs(dataset, "EPSG:9999"));
        Assert.Contains("--srs", e.Message);
        Assert.Contains("EPSG:9999", e.Message);
    }

    [Fact]
    public void Check_GaussKrugerGeoJsonWithCrsMember_ConvertedToLonLat()
    {
        // A 100 m square in EPSG:4549 (CGCS2000 / 3-degree GK CM 120E) near Wenzhou.
        var json = """
            {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},
             "features":[{"type":"Feature","properties":{"code":"33030200100101"},"geometry":{"type":"Polygon",
             "coordinates":[[[563000,3097000],[563100,3097000],[563100,3097100],[563000,3097100],[563000,3097000]]]}}]}
            """;
        var path = Path.Combine(_dir, "gk.geojson");
        File.WriteAllText(path, json);
        var (result, _, crs) = GridFiles.Check(path, new GridImportOptions(), null, null, TimeProvider.System);
        Assert.True(result.Accepted, string.Join("; ", result.Issues));
        Assert.Equal(4549, crs.Srid);
        var grid = Assert.Single(result.Grids);
        Assert.InRange(grid.Boundary.EnvelopeInternal.MinX, 120.63, 120.65);
        Assert.InRange(grid.Boundary.EnvelopeInternal.MinY, 27.98, 28.0);
        Assert.InRange(grid.AreaSquareMetres, 9_990, 10_010);
    }
}
