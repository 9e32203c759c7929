using System.Buffers.Binary;
using System.Text;
using GridServer.Domain.Export;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Esri;
using NetTopologySuite.IO.Esri.Dbf;
using NetTopologySuite.IO.Esri.Dbf.Fields;
using NetTopologySuite.IO.Esri.Shapefiles.Writers;
using ProjNet.CoordinateSystems;

namespace GridServer.Tests.Import;

/// <summary>
/// Shapefile import and export. Every test writes its own files into a fresh temporary folder, with the
/// library's writer, our writer or raw bytes, and deletes it afterwards: no binary fixtures.
/// </summary>
public sealed class ShapefileTests : IDisposable
{
    private const string Street = "五马街道";
    private const string Community = "华盖社区";
    private const string GridName = "第01网格";

    private static readonly WKTReader Wkt = new();
    // Through the reader's own resolver, which registers the code-page provider that GBK needs.
    private static readonly Encoding Gbk = ShapefileEncodings.Resolve("GBK")!;

    private readonly string _dir = Directory.CreateTempSubdirectory("gridserver-shp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string file) => Path.Combine(_dir, file);

    // ---- encodings -------------------------------------------------------------------------------

    [Fact]
    public void ShapefileReader_Utf8WithCpg_ReadsNamesAndSaysFromCpg()
    {
        var shp = WriteOurs("grids");

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("UTF-8 (from .cpg)", data.Encoding);
        AssertChineseNames(data);
    }

    [Fact]
    public void ShapefileReader_Utf8WithoutCpg_DetectsUtf8()
    {
        var shp = WriteOurs("grids");
        File.Delete(PathOf("grids.cpg"));

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("UTF-8 (detected: valid UTF-8)", data.Encoding);
        AssertChineseNames(data);
    }

    [Fact]
    public void ShapefileReader_AsciiOnlyWithoutCpg_SaysPlainAscii()
    {
        var shp = WriteLibraryPolygons("grids", ShapefileEncodings.Utf8, ("33030200100101", "Grid 01", "Wuma", "Huagai"));
        File.Delete(PathOf("grids.cpg"));

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("UTF-8 (detected: the text is plain ASCII)", data.Encoding);
        Assert.Equal("Grid 01", data.Features[0].Attributes["name"]);
    }

    [Fact]
    public void ShapefileReader_GbkWithCpgGbk_ReadsChineseNames()
    {
        var shp = WriteGbk("grids");
        File.WriteAllText(PathOf("grids.cpg"), "GBK");

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("GBK (from .cpg)", data.Encoding);
        AssertChineseNames(data);
    }

    [Fact]
    public void ShapefileReader_GbkWithoutCpg_TakesLanguageDriverOfHeader()
    {
        // The library marks GBK tables with language driver 0x4D, as ArcGIS does.
        var shp = WriteGbk("grids");
        File.Delete(PathOf("grids.cpg"));
        Assert.Equal(0x4D, File.ReadAllBytes(PathOf("grids.dbf"))[29]);

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("GBK (from the .dbf language driver 0x4D: not valid UTF-8)", data.Encoding);
        AssertChineseNames(data);
    }

    [Fact]
    public void ShapefileReader_GbkWithoutCpgOrLanguageDriver_DetectsGbk()
    {
        var shp = WriteGbk("grids");
        File.Delete(PathOf("grids.cpg"));
        PatchByte(PathOf("grids.dbf"), 29, 0);

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("GBK (detected: not valid UTF-8)", data.Encoding);
        AssertChineseNames(data);
    }

    [Theory]
    [InlineData("UTF-8", "UTF-8 (from .cpg)", false)]
    [InlineData("UTF8", "UTF-8 (from .cpg \"UTF8\")", false)]
    [InlineData("65001", "UTF-8 (from .cpg \"65001\")", false)]
    [InlineData(" utf-8\r\n", "UTF-8 (from .cpg)", false)]
    [InlineData("GBK", "GBK (from .cpg)", true)]
    [InlineData("936", "GBK (from .cpg \"936\")", true)]
    [InlineData("CP936", "GBK (from .cpg \"CP936\")", true)]
    [InlineData("cp 936", "GBK (from .cpg \"cp 936\")", true)]
    [InlineData("GB2312", "GBK (from .cpg \"GB2312\")", true)]
    [InlineData("GB18030", "GB18030 (from .cpg)", true)]
    public void ShapefileReader_CpgSpellings_Understood(string cpg, string expected, bool gbkBytes)
    {
        var shp = gbkBytes ? WriteGbk("grids") : WriteOurs("grids");
        File.WriteAllText(PathOf("grids.cpg"), cpg);

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal(expected, data.Encoding);
        AssertChineseNames(data);
    }

    [Fact]
    public void ShapefileReader_UnrecognisedCpg_FallsBackToDetectionAndSaysSo()
    {
        var shp = WriteGbk("grids");
        File.WriteAllText(PathOf("grids.cpg"), "ANSI");
        PatchByte(PathOf("grids.dbf"), 29, 0);

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal("GBK (detected: not valid UTF-8; .cpg \"ANSI\" not recognised)", data.Encoding);
        AssertChineseNames(data);
    }

    [Fact]
    public void ShapefileReader_EncodingOption_OverridesWrongCpg()
    {
        var shp = WriteGbk("grids");
        File.WriteAllText(PathOf("grids.cpg"), "UTF-8");

        var trusted = ShapefileGridReader.Read(shp);
        var overridden = ShapefileGridReader.Read(shp, "cp936");

        Assert.StartsWith("UTF-8 (from .cpg; warning: the text is not valid UTF-8", trusted.Encoding, StringComparison.Ordinal);
        Assert.NotEqual(Street, trusted.Features[0].Attributes["street_nm"]);
        Assert.Equal("GBK (from the encoding option \"cp936\")", overridden.Encoding);
        AssertChineseNames(overridden);
    }

    [Fact]
    public void ShapefileReader_UnknownEncodingName_RefusedNamingIt()
    {
        var shp = WriteOurs("grids");

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp, "KLINGON-8"));

        Assert.Contains("Unknown text encoding \"KLINGON-8\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("GBK", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GBK", 936)]
    [InlineData("gb2312", 936)]
    [InlineData("CP936", 936)]
    [InlineData("cp-936", 936)]
    [InlineData("windows-936", 936)]
    [InlineData("936", 936)]
    [InlineData("GB18030", 54936)]
    [InlineData("UTF8", 65001)]
    [InlineData("utf-8", 65001)]
    [InlineData("65001", 65001)]
    [InlineData("88591", 28591)]
    [InlineData("ISO 8859-1", 28591)]
    [InlineData("8859-15", 28605)]
    [InlineData("1252", 1252)]
    [InlineData("Big5", 950)]
    public void ShapefileEncodings_KnownName_ResolvesToCodePage(string name, int codePage) =>
        Assert.Equal(codePage, ShapefileEncodings.Resolve(name)?.CodePage);

    [Theory]
    [InlineData("ANSI")]
    [InlineData("SYSTEM")]
    [InlineData("")]
    [InlineData("KLINGON-8")]
    public void ShapefileEncodings_IndefiniteOrUnknownName_ResolvesToNull(string name) =>
        Assert.Null(ShapefileEncodings.Resolve(name));

    // ---- coordinate system -----------------------------------------------------------------------

    [Fact]
    public void ShapefileReader_WithPrj_DeclaresItsWkt()
    {
        var shp = WriteOurs("grids");

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal(ShapefileGridWriter.Wgs84Wkt, data.CrsDeclaration);
    }

    [Fact]
    public void ShapefileReader_WithoutPrj_DeclaresNothing()
    {
        var shp = WriteOurs("grids");
        File.Delete(PathOf("grids.prj"));

        var data = ShapefileGridReader.Read(shp);

        Assert.Null(data.CrsDeclaration);
    }

    // ---- damaged and wrong files -----------------------------------------------------------------

    [Fact]
    public void ShapefileReader_MissingDbf_RefusedNamingIt()
    {
        var shp = WriteOurs("grids");
        File.Delete(PathOf("grids.dbf"));

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(PathOf("grids.dbf") + " is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_MissingShx_RefusedNamingIt()
    {
        var shp = WriteOurs("grids");
        File.Delete(PathOf("grids.shx"));

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(PathOf("grids.shx") + " is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_MissingShp_RefusedNamingIt()
    {
        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(PathOf("nothing.shp")));

        Assert.Contains(PathOf("nothing.shp") + " does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_TruncatedShp_RefusedAsTruncated()
    {
        var shp = WriteOurs("grids");
        using (var file = File.OpenWrite(shp))
            file.SetLength(file.Length - 10);

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(shp + " is truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_ShpCutInsideHeader_RefusedAsTruncated()
    {
        var shp = WriteOurs("grids");
        using (var file = File.OpenWrite(shp))
            file.SetLength(60);

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(shp + " is truncated or not a shapefile: it has 60 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_CorruptShpHeader_RefusedNamingFileCode()
    {
        var shp = WriteOurs("grids");
        PatchByte(shp, 0, 0x50);

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(shp + " is not a shapefile main file, or its header is corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_TruncatedDbf_RefusedAsTruncated()
    {
        var shp = WriteOurs("grids");
        var dbf = PathOf("grids.dbf");
        using (var file = File.OpenWrite(dbf))
            file.SetLength(file.Length - 20);

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(dbf + " is truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_DbfOfAnotherSet_RefusedForRecordCounts()
    {
        var shp = WriteOurs("grids");
        WriteLibraryPolygons("other", ShapefileEncodings.Utf8, ("a", "a", "a", "a"), ("b", "b", "b", "b"), ("c", "c", "c", "c"));
        File.Copy(PathOf("other.dbf"), PathOf("grids.dbf"), overwrite: true);

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains("holds 4 shapes but", e.Message, StringComparison.Ordinal);
        Assert.Contains("holds 3 attribute records", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_PointShapefile_RefusedAsPoints()
    {
        var shp = PathOf("poi.shp");
        var code = new DbfCharacterField("code", 10);
        using (var writer = new ShapefilePointWriter(
            shp, new ShapefileWriterOptions(ShapeType.Point, code)))
        {
            code.StringValue = "p1";
            writer.Geometry = new Point(120.65, 28.01);
            writer.Write();
        }

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(shp + " holds points (Point), not polygons", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapefileReader_LineShapefile_RefusedAsLines()
    {
        var shp = PathOf("roads.shp");
        var code = new DbfCharacterField("code", 10);
        using (var writer = new ShapefilePolyLineWriter(shp, new ShapefileWriterOptions(ShapeType.PolyLine, code)))
        {
            code.StringValue = "r1";
            writer.Geometry = Wkt.Read("LINESTRING (120.65 28.01, 120.66 28.02)");
            writer.Write();
        }

        var e = Assert.Throws<GridFileException>(() => ShapefileGridReader.Read(shp));

        Assert.Contains(shp + " holds lines (PolyLine), not polygons", e.Message, StringComparison.Ordinal);
    }

    // ---- geometry --------------------------------------------------------------------------------

    [Fact]
    public void ShapefileReader_NullShape_KeepsFeatureWithoutGeometry()
    {
        var shp = PathOf("grids.shp");
        var code = new DbfCharacterField("code", 14);
        using (var writer = new ShapefilePolygonWriter(shp, new ShapefileWriterOptions(ShapeType.Polygon, code)))
        {
            code.StringValue = "33030200100101";
            writer.Geometry = Polygon.Empty;   // the library writes an empty geometry as a null shape
            writer.Write();
            code.StringValue = "33030200100102";
            writer.Geometry = Wkt.Read("POLYGON ((120.6 28, 120.601 28, 120.601 28.001, 120.6 28))");
            writer.Write();
        }

        var data = ShapefileGridReader.Read(shp);

        Assert.Equal(2, data.Features.Count);
        Assert.Null(data.Features[0].Geometry);
        Assert.Equal("feature has no geometry", data.Features[0].GeometryError);
        Assert.Equal("33030200100101", data.Features[0].Attributes["code"]);
        Assert.IsType<Polygon>(data.Features[1].Geometry);
        Assert.Null(data.Features[1].GeometryError);
    }

    [Fact]
    public void ShapefileReader_UnclosedRing_KeepsFeatureWithReason()
    {
        var shp = WriteRawPolygons("grids",
            [[(120.6, 28.0), (120.601, 28.0), (120.601, 28.001), (120.6, 28.001)]],
            [[(120.61, 28.0), (120.61, 28.001), (120.611, 28.001), (120.611, 28.0), (120.61, 28.0)]]);

        var data = ShapefileGridReader.Read(shp);

        Assert.Null(data.Features[0].Geometry);
        Assert.Equal("ring 1 of 1 is not closed: its first and last points differ", data.Features[0].GeometryError);
        Assert.NotNull(data.Features[1].Geometry);
    }

    [Fact]
    public void ShapefileReader_SelfIntersectingPolygon_KeptAsReadForTheChecks()
    {
        // The library's default (strict) mode would refuse the whole file for this one feature, and its
        // fixing modes would drop the ring without a word.
        var bowtie = Wkt.Read("POLYGON ((120.6 28, 120.601 28.001, 120.601 28, 120.6 28.001, 120.6 28))");
        ShapefileGridWriter.Write(PathOf("grids"), [Row("33030200100101", bowtie), .. SampleRows()]);

        var data = ShapefileGridReader.Read(PathOf("grids.shp"));

        Assert.Equal(5, data.Features.Count);
        Assert.Null(data.Features[0].GeometryError);
        var read = data.Features[0].Geometry!;
        Assert.False(read.IsValid);
        // A bowtie has no orientation (its signed area is 0), so the ring may come back reversed.
        Assert.True(read.Normalized().EqualsExact(bowtie.Normalized()) || read.Normalized().EqualsExact(bowtie.Reverse().Normalized()), $"got {read}");
    }

    [Fact]
    public void ShapefileReader_ShellCounterClockwise_NestsHoleByContainment()
    {
        // Against the specification: the shell counter-clockwise and the hole clockwise. Read by
        // orientation alone this would be two overlapping polygons.
        var shp = WriteRawPolygons("grids",
            [[
                [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)],
                [(2, 2), (2, 4), (4, 4), (4, 2), (2, 2)],
            ]]);

        var data = ShapefileGridReader.Read(shp);

        AssertSameShape("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 4, 2 2))", data.Features[0].Geometry);
    }

    [Fact]
    public void ShapefileReader_PathWithoutExtensionOrOfDbf_ReadsSameSet()
    {
        WriteOurs("grids");

        var byStem = ShapefileGridReader.Read(PathOf("grids"));
        var byDbf = ShapefileGridReader.Read(PathOf("grids.dbf"));

        Assert.Equal(4, byStem.Features.Count);
        Assert.Equal(4, byDbf.Features.Count);
        Assert.Equal(PathOf("grids"), byStem.FileName);
        AssertChineseNames(byDbf);
    }

    [Fact]
    public void ShapefileReader_UpperCaseExtensions_FindsEveryFile()
    {
        WriteOurs("grids");
        foreach (var extension in new[] { ".shp", ".shx", ".dbf", ".prj", ".cpg" })
            File.Move(PathOf("grids" + extension), PathOf("GRIDS" + extension.ToUpperInvariant()));

        var data = ShapefileGridReader.Read(PathOf("GRIDS.SHP"));

        Assert.Equal("UTF-8 (from .cpg)", data.Encoding);
        Assert.NotNull(data.CrsDeclaration);
        AssertChineseNames(data);
    }

    // ---- writer ----------------------------------------------------------------------------------

    [Fact]
    public void ShapefileRoundTrip_WriteThenRead_KeepsCodesNamesGeometryAreaAndVersion()
    {
        var rows = SampleRows();
        ShapefileGridWriter.Write(PathOf("grids.shp"), rows);

        var data = ShapefileGridReader.Read(PathOf("grids.shp"));

        Assert.Equal(rows.Count, data.Features.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, feature) = (rows[i], data.Features[i]);
            Assert.Equal(i, feature.Index);
            Assert.Equal(row.Code, feature.Attributes["code"]);
            Assert.Equal(row.Name, feature.Attributes["name"]);
            Assert.Equal(row.StreetCode, feature.Attributes["street_cd"]);
            Assert.Equal(row.StreetName, feature.Attributes["street_nm"]);
            Assert.Equal(row.CommunityCode, feature.Attributes["comm_cd"]);
            Assert.Equal(row.CommunityName, feature.Attributes["comm_nm"]);
            Assert.Equal(row.AreaSquareMetres, (double)feature.Attributes["area_m2"]!, 0.0005);
            Assert.Equal(row.Version, feature.Attributes["version"]);
            Assert.Equal(row.Boundary.GeometryType, feature.Geometry!.GeometryType);
            AssertSameShape(row.Boundary, feature.Geometry);
        }
    }

    [Fact]
    public void ShapefileWriter_RingsAnyOrientation_WritesShellsClockwiseHolesCounterClockwise()
    {
        // The shell is counter-clockwise and the hole clockwise in memory: the opposite of the file rule.
        var boundary = (Polygon)Wkt.Read(
            "POLYGON ((120.6 28, 120.61 28, 120.61 28.01, 120.6 28.01, 120.6 28), " +
            "(120.602 28.002, 120.602 28.004, 120.604 28.004, 120.604 28.002, 120.602 28.002))");
        Assert.True(boundary.Shell.IsCCW);
        ShapefileGridWriter.Write(PathOf("grids"), [Row("33030200100101", boundary)]);

        var rings = ReadRawRings(PathOf("grids.shp")).Single();

        Assert.Equal(2, rings.Count);
        Assert.True(SignedArea(rings[0]) < 0, "the shell is clockwise");
        Assert.True(SignedArea(rings[1]) > 0, "the hole is counter-clockwise");
    }

    [Fact]
    public void ShapefileWriter_Output_HasWgs84PrjUtf8CpgAndShortFieldNames()
    {
        var written = ShapefileGridWriter.Write(PathOf("grids.shp"), SampleRows());

        Assert.Equal(new[] { "grids.shp", "grids.shx", "grids.dbf", "grids.prj", "grids.cpg" }, written.Select(Path.GetFileName));
        Assert.All(written, f => Assert.True(File.Exists(f), f));
        Assert.Equal("UTF-8", File.ReadAllText(PathOf("grids.cpg")));
        var prj = File.ReadAllBytes(PathOf("grids.prj"));
        Assert.NotEqual(0xEF, prj[0]);   // no byte order mark
        var crs = (GeographicCoordinateSystem)new CoordinateSystemFactory().CreateFromWkt(Encoding.ASCII.GetString(prj));
        Assert.Equal("EPSG", crs.Authority);
        Assert.Equal(4326, crs.AuthorityCode);
        using var dbf = new DbfReader(PathOf("grids.dbf"));
        Assert.Equal(new[] { "code", "name", "street_cd", "street_nm", "comm_cd", "comm_nm", "area_m2", "version" }, dbf.Fields.Select(f => f.Name));
    }

    [Fact]
    public void ShapefileWriter_ProjectedCoordinates_RefusedBeforeWriting()
    {
        var boundary = Wkt.Read("POLYGON ((500000 3100000, 500100 3100000, 500100 3100100, 500000 3100000))");

        var e = Assert.Throws<ArgumentException>(() => ShapefileGridWriter.Write(PathOf("grids"), [Row("33030200100101", boundary)]));

        Assert.Contains("Grid 33030200100101", e.Message, StringComparison.Ordinal);
        Assert.Contains("EPSG:4326", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_dir));
    }

    [Fact]
    public void ShapefileWriter_PointBoundary_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ShapefileGridWriter.Write(PathOf("grids"), [Row("33030200100101", new Point(120.6, 28))]));

        Assert.Contains("the boundary is Point; only a Polygon or MultiPolygon can be written", e.Message, StringComparison.Ordinal);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static Grid Row(string code, Geometry boundary) =>
        Row(code, GridName, "330302001", Street, "330302001001", Community, 1234.5, 1, boundary);

    private static Grid Row(string code, string name, string? streetCode, string? street, string? communityCode, string? community,
        double areaSquareMetres, int version, Geometry boundary) =>
        new(code, name, streetCode, street, communityCode, community, boundary, areaSquareMetres, version, DateTimeOffset.UnixEpoch);

    /// <summary>A simple polygon, a polygon with a hole, a multipolygon, and a row without street or community.</summary>
    private static List<Grid> SampleRows() =>
    [
        Row("33030200100101", GridName, "330302001", Street, "330302001001", Community, 10234.125, 3,
            Wkt.Read("POLYGON ((120.6 28, 120.601 28, 120.601 28.001, 120.6 28.001, 120.6 28))")),
        Row("33030200100102", "第02网格", "330302001", Street, "330302001001", Community, 98765.4321, 1,
            Wkt.Read("POLYGON ((120.61 28, 120.62 28, 120.62 28.01, 120.61 28.01, 120.61 28), " +
                     "(120.612 28.002, 120.614 28.002, 120.614 28.004, 120.612 28.004, 120.612 28.002))")),
        Row("33030200100103", "第03网格（两片）", "330302001", Street, "330302001001", Community, 0.001, 12,
            Wkt.Read("MULTIPOLYGON (((120.63 28, 120.631 28, 120.631 28.001, 120.63 28)), " +
                     "((120.64 28, 120.641 28, 120.641 28.001, 120.64 28.001, 120.64 28)))")),
        Row("LC-0001", "Loose grid", null, null, null, null, 0, 0,
            Wkt.Read("POLYGON ((120.65 28, 120.651 28, 120.651 28.001, 120.65 28))")),
    ];

    private string WriteOurs(string stem)
    {
        var shp = PathOf(stem + ".shp");
        ShapefileGridWriter.Write(shp, SampleRows());
        return shp;
    }

    /// <summary>Grids written by the library in GBK; it names the encoding "GB2312" in the .cpg.</summary>
    private string WriteGbk(string stem)
    {
        var shp = WriteLibraryPolygons(stem, Gbk, ("33030200100101", GridName, Street, Community), ("33030200100102", "第02网格", Street, Community));
        Assert.Equal("GB2312", File.ReadAllText(PathOf(stem + ".cpg")));
        return shp;
    }

    private string WriteLibraryPolygons(string stem, Encoding encoding, params (string Code, string Name, string Street, string Community)[] rows)
    {
        var shp = PathOf(stem + ".shp");
        var code = new DbfCharacterField("code", 20);
        var name = new DbfCharacterField("name", 40);
        var street = new DbfCharacterField("street_nm", 40);
        var community = new DbfCharacterField("comm_nm", 40);
        var options = new ShapefileWriterOptions(ShapeType.Polygon, code, name, street, community) { Encoding = encoding };
        using var writer = new ShapefilePolygonWriter(shp, options);
        for (var i = 0; i < rows.Length; i++)
        {
            (code.StringValue, name.StringValue, street.StringValue, community.StringValue) = rows[i];
            writer.Geometry = Wkt.Read(FormattableString.Invariant(
                $"POLYGON ((120.6 {28 + i * 0.01}, 120.601 {28 + i * 0.01}, 120.601 {28.001 + i * 0.01}, 120.6 {28 + i * 0.01}))"));
            writer.Write();
        }
        return shp;
    }

    /// <summary>
    /// A polygon shapefile written byte by byte, rings exactly as given (the library's writer would fix
    /// their orientation), with a one-field UTF-8 .dbf.
    /// </summary>
    private string WriteRawPolygons(string stem, params (double X, double Y)[][][] records)
    {
        using var shp = new MemoryStream();
        using var shx = new MemoryStream();
        shp.Write(new byte[100]);
        shx.Write(new byte[100]);
        for (var r = 0; r < records.Length; r++)
        {
            var rings = records[r];
            var points = rings.SelectMany(p => p).ToArray();
            var content = new byte[44 + 4 * rings.Length + 16 * points.Length];
            var span = content.AsSpan();
            BinaryPrimitives.WriteInt32LittleEndian(span, 5);
            BinaryPrimitives.WriteDoubleLittleEndian(span[4..], points.Min(p => p.X));
            BinaryPrimitives.WriteDoubleLittleEndian(span[12..], points.Min(p => p.Y));
            BinaryPrimitives.WriteDoubleLittleEndian(span[20..], points.Max(p => p.X));
            BinaryPrimitives.WriteDoubleLittleEndian(span[28..], points.Max(p => p.Y));
            BinaryPrimitives.WriteInt32LittleEndian(span[36..], rings.Length);
            BinaryPrimitives.WriteInt32LittleEndian(span[40..], points.Length);
            var start = 0;
            for (var i = 0; i < rings.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[(44 + 4 * i)..], start);
                start += rings[i].Length;
            }
            for (var i = 0; i < points.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(span[(44 + 4 * rings.Length + 16 * i)..], points[i].X);
                BinaryPrimitives.WriteDoubleLittleEndian(span[(44 + 4 * rings.Length + 16 * i + 8)..], points[i].Y);
            }
            var recordHeader = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(recordHeader, r + 1);
            BinaryPrimitives.WriteInt32BigEndian(recordHeader.AsSpan(4), content.Length / 2);
            var index = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(index, (int)shp.Length / 2);
            BinaryPrimitives.WriteInt32BigEndian(index.AsSpan(4), content.Length / 2);
            shx.Write(index);
            shp.Write(recordHeader);
            shp.Write(content);
        }
        var all = records.SelectMany(r => r).SelectMany(p => p).ToArray();
        foreach (var file in new[] { shp, shx })
        {
            var header = file.GetBuffer().AsSpan(0, 100);
            BinaryPrimitives.WriteInt32BigEndian(header, 9994);
            BinaryPrimitives.WriteInt32BigEndian(header[24..], (int)file.Length / 2);
            BinaryPrimitives.WriteInt32LittleEndian(header[28..], 1000);
            BinaryPrimitives.WriteInt32LittleEndian(header[32..], 5);
            BinaryPrimitives.WriteDoubleLittleEndian(header[36..], all.Min(p => p.X));
            BinaryPrimitives.WriteDoubleLittleEndian(header[44..], all.Min(p => p.Y));
            BinaryPrimitives.WriteDoubleLittleEndian(header[52..], all.Max(p => p.X));
            BinaryPrimitives.WriteDoubleLittleEndian(header[60..], all.Max(p => p.Y));
        }
        File.WriteAllBytes(PathOf(stem + ".shp"), shp.ToArray());
        File.WriteAllBytes(PathOf(stem + ".shx"), shx.ToArray());

        var code = new DbfCharacterField("code", 14);
        using (var dbf = new DbfWriter(PathOf(stem + ".dbf"), [code], ShapefileEncodings.Utf8))
        {
            for (var r = 0; r < records.Length; r++)
            {
                code.StringValue = $"3303020010010{r + 1}";
                dbf.Write();
            }
        }
        return PathOf(stem + ".shp");
    }

    /// <summary>The rings of every polygon record of a .shp, as stored.</summary>
    private static List<List<(double X, double Y)[]>> ReadRawRings(string shp)
    {
        var bytes = File.ReadAllBytes(shp).AsSpan();
        var records = new List<List<(double X, double Y)[]>>();
        for (var at = 100; at < bytes.Length;)
        {
            var length = 2 * BinaryPrimitives.ReadInt32BigEndian(bytes[(at + 4)..]);
            var content = bytes.Slice(at + 8, length);
            var parts = BinaryPrimitives.ReadInt32LittleEndian(content[36..]);
            var points = BinaryPrimitives.ReadInt32LittleEndian(content[40..]);
            var rings = new List<(double X, double Y)[]>();
            for (var p = 0; p < parts; p++)
            {
                var from = BinaryPrimitives.ReadInt32LittleEndian(content[(44 + 4 * p)..]);
                var to = p + 1 < parts ? BinaryPrimitives.ReadInt32LittleEndian(content[(48 + 4 * p)..]) : points;
                var ring = new (double X, double Y)[to - from];
                for (var k = 0; k < ring.Length; k++)
                {
                    var xy = content[(44 + 4 * parts + 16 * (from + k))..];
                    ring[k] = (BinaryPrimitives.ReadDoubleLittleEndian(xy), BinaryPrimitives.ReadDoubleLittleEndian(xy[8..]));
                }
                rings.Add(ring);
            }
            records.Add(rings);
            at += 8 + length;
        }
        return records;
    }

    /// <summary>Shoelace area: positive for counter-clockwise rings.</summary>
    private static double SignedArea((double X, double Y)[] ring)
    {
        var sum = 0.0;
        for (var i = 0; i + 1 < ring.Length; i++)
            sum += ring[i].X * ring[i + 1].Y - ring[i + 1].X * ring[i].Y;
        return sum / 2;
    }

    private static void PatchByte(string path, long offset, byte value)
    {
        using var file = File.OpenWrite(path);
        file.Position = offset;
        file.WriteByte(value);
    }

    private static void AssertChineseNames(SourceDataset data)
    {
        var first = data.Features[0].Attributes;
        Assert.Equal("33030200100101", first["code"]);
        Assert.Equal(GridName, first["name"]);
        Assert.Equal(Street, first["street_nm"]);
        Assert.Equal(Community, first["comm_nm"]);
        Assert.Equal("第02网格", data.Features[1].Attributes["name"]);
    }

    private static void AssertSameShape(string expectedWkt, Geometry? actual) => AssertSameShape(Wkt.Read(expectedWkt), actual);

    private static void AssertSameShape(Geometry expected, Geometry? actual)
    {
        Assert.NotNull(actual);
        var (e, a) = (expected.Normalized(), actual.Normalized());
        Assert.True(e.EqualsExact(a), $"expected {e}, got {a}");
    }
}
