using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.TestImport;

namespace GridServer.Tests.Import;

public class GridImporterTests
{
    [Fact]
    public void Check_CleanTiling_AcceptsAllWithHierarchyFromCode()
    {
        var result = Check(Collection(("33030200100101", Square(0, 0)), ("33030200100102", Square(1, 0))));
        Assert.True(result.Accepted);
        Assert.Empty(result.Issues);
        var grid = Assert.Single(result.Grids, g => g.Code == "33030200100101");
        Assert.Equal("330302001", grid.StreetCode);
        Assert.Equal("330302001001", grid.CommunityCode);
        Assert.Equal("网格01", grid.Name);
        Assert.Equal(4326, grid.Boundary.SRID);
        // 0.001° × 0.001° at 28°N: about 98.3 m × 110.8 m.
        Assert.InRange(grid.AreaSquareMetres, 10_800, 11_000);
    }

    [Fact]
    public void Check_Overlap_RefusedNamingBothGridsAndArea()
    {
        var result = Check(Collection(("33030200100101", Square(0, 0)), ("33030200100102", Square(0.5, 0))));
        Assert.False(result.Accepted);
        var overlap = Assert.Single(result.Errors);
        Assert.Equal(ImportIssueKind.Overlap, overlap.Kind);
        Assert.Equal("33030200100101", overlap.Code);
        Assert.Contains("overlaps grid '33030200100102' (feature 1) by", overlap.Message);
        Assert.Contains("m²", overlap.Message);
        Assert.Contains("--allow-overlaps", overlap.Message);
    }

    [Fact]
    public void Check_OverlapAllowed_AcceptedWithWarningNamingTieBreak()
    {
        var result = Check(Collection(("33030200100101", Square(0, 0)), ("33030200100102", Square(0.5, 0))),
            new GridImportOptions { AllowOverlaps = true });
        Assert.True(result.Accepted);
        var warning = Assert.Single(result.Issues);
        Assert.False(warning.IsError);
        Assert.Contains("go to '33030200100101' (lowest code)", warning.Message);
    }

    [Fact]
    public void Check_GapInTiling_ReportedWithAreaAndPlace()
    {
        // A ring of 8 squares around an empty middle square.
        var squares = new List<(string, string)>();
        var n = 1;
        for (var x = 0; x < 3; x++)
            for (var y = 0; y < 3; y++)
                if (x != 1 || y != 1) squares.Add(($"330302001001{n++:D2}", Square(x, y)));
        var result = Check(Collection(squares.ToArray()));
        Assert.True(result.Accepted);
        var gap = Assert.Single(result.Gaps);
        Assert.InRange(gap.AreaSquareMetres, 10_000, 11_500);
        Assert.InRange(gap.Lon, 120.601, 120.602);
        Assert.Contains(result.Issues, i => i.Kind == ImportIssueKind.Gap && !i.IsError && i.Message.Contains("gap of"));
    }

    [Fact]
    public void Check_SelfIntersectingBowtie_RefusedWithPlace()
    {
        var bowtie = "[[[120.60,28.00],[120.61,28.01],[120.61,28.00],[120.60,28.01],[120.60,28.00]]]";
        var result = Check(Collection(("33030200100101", bowtie)));
        var error = Assert.Single(result.Errors);
        Assert.Equal(ImportIssueKind.InvalidGeometry, error.Kind);
        Assert.Equal(0, error.FeatureIndex);
        Assert.Contains("self-intersection at (120.6050000, 28.0050000)", error.Message);
    }

    [Fact]
    public void Check_UnclosedRing_RefusedWithBothEnds()
    {
        var open = "[[[120.60,28.00],[120.61,28.00],[120.61,28.01],[120.60,28.01],[120.60,28.001]]]";
        var error = Assert.Single(Check(Collection(("33030200100101", open))).Errors);
        Assert.Contains("not closed", error.Message);
        Assert.Contains("[120.6, 28.001]", error.Message);
    }

    [Fact]
    public void Check_TooShortRing_Refused()
    {
        var error = Assert.Single(Check(Collection(("33030200100101", "[[[120.60,28.00],[120.61,28.00],[120.60,28.00]]]"))).Errors);
        Assert.Contains("four or more positions", error.Message);
    }

    [Fact]
    public void Check_ProjectedCoordinatesWithoutCrs_RefusedWithHintToPassSrs()
    {
        var projected = "[[[500000,3100000],[500100,3100000],[500100,3100100],[500000,3100100],[500000,3100000]]]";
        var error = Assert.Single(Check(Collection(("33030200100101", projected))).Errors);
        Assert.Equal(ImportIssueKind.CoordinatesOutOfRange, error.Kind);
        Assert.Contains("(500000, 3100000)", error.Message);
        Assert.Contains("--srs EPSG:4549", error.Message);
    }

    [Fact]
    public void Check_DuplicateCode_NamesFirstFeature()
    {
        var result = Check(Collection(("33030200100101", Square(0, 0)), ("33030200100101", Square(1, 0))));
        var error = Assert.Single(result.Errors);
        Assert.Equal(ImportIssueKind.DuplicateCode, error.Kind);
        Assert.Equal(1, error.FeatureIndex);
        Assert.Contains("already used by feature 0", error.Message);
    }

    [Fact]
    public void Check_BadAndMissingCodes_ReportedPerFeature()
    {
        var json = Collection(("3303020010010", Square(0, 0)))
            .Replace("]}", ",{\"type\":\"Feature\",\"properties\":{\"id\":7},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" + Square(2, 0) + "}}]}");
        var result = Check(json);
        Assert.Equal(2, result.Errors.Count());
        Assert.Contains(result.Errors, e => e.Kind == ImportIssueKind.InvalidCode && e.Message.Contains("13 characters"));
        Assert.Contains(result.Errors, e => e.Kind == ImportIssueKind.MissingCode && e.Message.Contains("attributes: id") && e.Message.Contains("--code-field"));
    }

    [Fact]
    public void Check_FreeSchemeAndCodeField_UsesNamedAttribute()
    {
        var json = Collection(("LC-A1", Square(0, 0))).Replace("\"code\"", "\"GRID_ID\"");
        var result = Check(json, new GridImportOptions { CodeField = "GRID_ID", CodeScheme = GridCodeScheme.Free });
        Assert.True(result.Accepted);
        Assert.Equal("LC-A1", Assert.Single(result.Grids).Code);
        Assert.Null(result.Grids[0].StreetCode);
    }

    [Fact]
    public void Check_PointFeature_RefusedAsNotPolygonal()
    {
        var json = "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"33030200100101\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[120.6,28]}}]}";
        var error = Assert.Single(Check(json).Errors);
        Assert.Equal(ImportIssueKind.NotPolygonal, error.Kind);
        Assert.Contains("is a Point", error.Message);
    }

    [Fact]
    public void Check_SkipInvalid_AcceptsTheValidRest()
    {
        var json = Collection(("33030200100101", Square(0, 0)), ("bad", Square(1, 0)));
        Assert.False(Check(json).Accepted);
        var result = Check(json, new GridImportOptions { SkipInvalid = true });
        Assert.True(result.Accepted);
        Assert.Equal("33030200100101", Assert.Single(result.Grids).Code);
        Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "root of a GeoJSON document must be an object")]
    [InlineData("{\"type\":\"featurecollection\",\"features\":[]}", "must be written \"FeatureCollection\"")]
    [InlineData("{\"type\":\"FeatureCollection\"}", "needs a \"features\" member")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":null}]}", "no \"properties\" member")]
    [InlineData("{\"type\":\"FeatureCollection\",\"features\":[],\"crs\":{\"type\":\"link\"}}", "only a named \"crs\"")]
    public void Read_MalformedDocument_RefusedNamingFile(string json, string reason)
    {
        var e = Assert.Throws<GridFileException>(() => GeoJsonGridReader.Read(System.Text.Encoding.UTF8.GetBytes(json), "upload.geojson"));
        Assert.StartsWith("upload.geojson: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Read_CrsOnAFeature_RefusedNotIgnored()
    {
        var json = Collection(("33030200100101", Square(0, 0)))
            .Replace("{\"type\":\"Feature\",", "{\"type\":\"Feature\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4549\"}},");
        var e = Assert.Throws<GridFileException>(() => GeoJsonGridReader.Read(System.Text.Encoding.UTF8.GetBytes(json), "f.geojson"));
        Assert.Contains("only the root object may declare the coordinate system", e.Message);
    }

    [Theory]
    [InlineData("urn:ogc:def:crs:EPSG::4549", "EPSG:4549")]
    [InlineData("EPSG:4490", "EPSG:4490")]
    [InlineData("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326")]
    public void Read_OldCrsMember_Normalised(string name, string expected)
    {
        var json = "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"" + name + "\"}},\"features\":[]}";
        Assert.Equal(expected, GeoJsonGridReader.Read(System.Text.Encoding.UTF8.GetBytes(json), "f").CrsDeclaration);
    }

    [Fact]
    public void Read_HugeNumber_MarksFeatureInsteadOfCrashing()
    {
        var json = Collection(("33030200100101", "[[[1e999,28],[120.61,28],[120.61,28.01],[1e999,28]]]"));
        var error = Assert.Single(Check(json).Errors);
        Assert.Contains("too large", error.Message);
    }
}
