using System.Collections.Immutable;
using System.Text;
using GridServer.Abstractions.Reference;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Reference;

namespace GridServer.Tests.Reference;

public sealed class ReferenceImportTests
{
    internal static readonly ReferenceDataSet Shops = new("shops", "shops and their frontage zones", ReferenceShape.Area,
        [new("name", "the shop's name", Required: true), new("contact", "a phone number", Required: true), new("address", "where")]);

    internal static readonly ReferenceDataSet Permits = new("permits", "billboard permits", ReferenceShape.Point,
        [new("holder", "who holds it", Required: true), new("expires", "yyyy-MM-dd", Required: true)]);

    private static readonly ReferenceDataSet Codes = new("codes", "a list without shapes", ReferenceShape.None, [new("label", "a label")]);

    internal const string Square = "[[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.001],[120.0,30.0]]]";

    private static ParsedImport GeoJson(string json, ReferenceDataSet set, string? crs = null) => ReferenceImport.FromGeoJson(Encoding.UTF8.GetBytes(json), set, crs);

    private static string Feature(string properties, string? geometry) =>
        $$"""{"type":"Feature","properties":{{{properties}}},"geometry":{{geometry ?? "null"}}}""";

    private static string Collection(params string[] features) => $$"""{"type":"FeatureCollection","features":[{{string.Join(',', features)}}]}""";

    [Fact]
    public void GeoJson_AreaRecords_KeepKeyFieldsShapeAndAPointInside()
    {
        var parsed = GeoJson(Collection(Feature("""
            "key":"S-1","name":"张记小吃","contact":"13812345678","floor":3
            """, $$"""{"type":"Polygon","coordinates":{{Square}}}""")), Shops);

        Assert.Empty(parsed.Problems);
        var record = Assert.Single(parsed.Records);
        Assert.Equal("S-1", record.Key);
        Assert.Equal("张记小吃", record.Fields["name"]);
        Assert.False(record.Fields.ContainsKey("floor"));   // not declared: ignored, and said so
        Assert.Equal(["floor"], parsed.IgnoredFields.ToArray());
        Assert.StartsWith("POLYGON", record.Wkt, StringComparison.Ordinal);
        Assert.InRange(record.Lon!.Value, 120.0, 120.001);
        Assert.InRange(record.Lat!.Value, 30.0, 30.001);
    }

    [Fact]
    public void GeoJson_EveryBadRecordIsNamed_AndNoneIsTaken()
    {
        var polygon = $$"""{"type":"Polygon","coordinates":{{Square}}}""";
        var bowtie = """{"type":"Polygon","coordinates":[[[120,30],[120.001,30.001],[120.001,30],[120,30.001],[120,30]]]}""";
        var parsed = GeoJson(Collection(
            Feature("\"key\":\"S-1\",\"name\":\"a\",\"contact\":\"1\"", polygon),
            Feature("\"name\":\"no key\",\"contact\":\"1\"", polygon),                                  // 2: no key
            Feature("\"key\":\"S-1\",\"name\":\"twice\",\"contact\":\"1\"", polygon),                    // 3: key again
            Feature("\"key\":\"S-4\",\"contact\":\"1\"", polygon),                                      // 4: name missing
            Feature("\"key\":\"S-5\",\"name\":\"point\",\"contact\":\"1\"", """{"type":"Point","coordinates":[120,30]}"""), // 5: not an area
            Feature("\"key\":\"S-6\",\"name\":\"bowtie\",\"contact\":\"1\"", bowtie),                   // 6: invalid area
            Feature("\"key\":\"S-7\",\"name\":\"far\",\"contact\":\"1\"", """{"type":"Polygon","coordinates":[[[500,30],[501,30],[501,31],[500,30]]]}"""), // 7: not lon/lat
            Feature($"\"key\":\"S-8\",\"name\":\"{new string('x', 3000)}\",\"contact\":\"1\"", polygon), // 8: too long
            Feature("\"key\":\"S-9\",\"name\":\"bell\\u0007\",\"contact\":\"1\"", polygon),             // 9: control character
            Feature("\"key\":\"S-10\",\"name\":\"none\",\"contact\":\"1\"", null)), Shops);              // 10: no shape

        Assert.Single(parsed.Records);
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9, 10], parsed.Problems.Select(p => p.Record).Distinct());
        Assert.Contains(parsed.Problems, p => p.Record == 3 && p.Message.Contains("also the key of record 1", StringComparison.Ordinal));
        Assert.Contains(parsed.Problems, p => p.Record == 4 && p.Field == "name");
        Assert.Contains(parsed.Problems, p => p.Record == 6 && p.Message.Contains("not a valid area", StringComparison.Ordinal));
        Assert.StartsWith($"{parsed.Problems.Length} problems; nothing was stored. record 2 key: every record needs its key", ReferenceImport.Summary(parsed.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"type":"FeatureCollection"}""")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}""")]
    public void GeoJson_UnreadableDocument_IsRefusedWithWhere(string json) =>
        Assert.StartsWith("the body", Assert.Throws<ReferenceImportException>(() => GeoJson(json, Shops)).Message, StringComparison.Ordinal);

    [Fact]
    public void GeoJson_InAProjectedSystem_IsConvertedToLonLat()
    {
        // CGCS2000 3-degree Gauss-Kruger, central meridian 120°E (EPSG:4549): x 500000 is on the meridian.
        var parsed = GeoJson(Collection(Feature("\"key\":\"P-1\",\"holder\":\"某公司\",\"expires\":\"2027-01-01\"",
            """{"type":"Point","coordinates":[500000,3320000]}""")), Permits, "EPSG:4549");

        var record = Assert.Single(parsed.Records);
        Assert.Equal(120.0, record.Lon!.Value, 6);
        Assert.InRange(record.Lat!.Value, 29.9, 30.1);
    }

    [Fact]
    public void Csv_PointsFromLonLatColumns_AreasFromWkt()
    {
        var points = ReferenceImport.FromCsv("\uFEFFkey,holder,expires,lon,lat\nP-1,某公司,2027-01-01,120.5,30.25\n\nP-2,\"Comma, Ltd\",2026-01-01,120.6,30.3\n", Permits, null);
        Assert.Empty(points.Problems);
        Assert.Equal(["P-1", "P-2"], points.Records.Select(r => r.Key));
        Assert.Equal("Comma, Ltd", points.Records[1].Fields["holder"]);
        Assert.Equal((120.5, 30.25), (points.Records[0].Lon!.Value, points.Records[0].Lat!.Value));

        var areas = ReferenceImport.FromCsv("id,name,contact,wkt\nS-1,a,1,\"POLYGON((120 30,120.001 30,120.001 30.001,120 30.001,120 30))\"\n", Shops, null);
        Assert.Empty(areas.Problems);
        Assert.Equal("S-1", Assert.Single(areas.Records).Key);
    }

    [Fact]
    public void Csv_BadRows_AreNamed()
    {
        var parsed = ReferenceImport.FromCsv(
            "key,holder,expires,lon,lat,wkt\n" +
            "P-1,a,2027-01-01,abc,30,\n" +          // lon not a number
            "P-2,a,2027-01-01,120,,\n" +            // lat missing
            "P-3,a,2027-01-01,120,30,POINT(1 2)\n" + // both
            "P-4,a,2027-01-01,,,POINT(120 30\n" +   // broken WKT
            "P-5,a,2027-01-01,,,\n", Permits, null);  // no shape
        Assert.Empty(parsed.Records);
        Assert.Equal([1, 2, 3, 4, 5], parsed.Problems.Select(p => p.Record));
        Assert.All(parsed.Problems, p => Assert.Equal("geometry", p.Field));
    }

    [Theory]
    [InlineData("")]
    [InlineData("key,key\nA,B\n")]
    [InlineData("key,holder\nA\n")]
    [InlineData("key,holder\n\"A,b\n")]
    public void Csv_UnreadableText_IsRefused(string text) =>
        Assert.Throws<ReferenceImportException>(() => ReferenceImport.FromCsv(text, Permits, null));

    [Fact]
    public void SetWithoutShapes_RefusesAShape()
    {
        var parsed = ReferenceImport.FromCsv("key,label,lon,lat\nA,x,120,30\nB,y,,\n", Codes, null);
        Assert.Equal(["B"], parsed.Records.Select(r => r.Key));
        Assert.Equal("geometry", Assert.Single(parsed.Problems).Field);
    }

    [Fact]
    public void UnknownCoordinateSystem_IsRefused() =>
        Assert.Contains("coordinate system", Assert.Throws<ReferenceImportException>(() => ReferenceImport.FromCsv("key\nA\n", Codes, "EPSG:99999")).Message, StringComparison.Ordinal);
}
