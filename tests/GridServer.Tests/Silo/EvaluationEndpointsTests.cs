using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using GridServer.Silo.Evaluation;
using GridServer.Silo.Grids;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// 考核评价 over HTTP on the embedded server: a grid's cases driven through the loop, then read back as JSON, as CSV (read
/// with the server's own RFC 4180 reader, not the library that wrote it) and as XLSX (read with the Open XML SDK); the
/// cases behind a figure; what bad requests get. The class has its own server: every case in it is this class's.
/// </summary>
public sealed class EvaluationEndpointsTests(EvaluationEndpointsTests.Server silo) : IClassFixture<EvaluationEndpointsTests.Server>
{
    public sealed class Server : EmbeddedSiloWith
    {
        private readonly Lazy<Task<(string Closed, string Open, string Dispatched, Staff Staff)>> _cases;

        public Server() : base([]) => _cases = new(OpenCasesAsync);

        /// <summary>In <see cref="Grid"/>: one case closed on time, one left open; one dispatched by hand by a dispatcher named like a formula.</summary>
        public Task<(string Closed, string Open, string Dispatched, Staff Staff)> CasesAsync() => _cases.Value;

        private async Task<(string Closed, string Open, string Dispatched, Staff Staff)> OpenCasesAsync()
        {
            var staff = await this.StaffAsync(Grid);
            var officer = await AsAsync("Officer", staff.A);
            var closed = await OpenAsync(120.65, 28.0);
            foreach (var (action, actor, note) in new[] { ("Accept", officer, (string?)null), ("StartHandling", officer, null),
                         ("GiveFinalFeedback", officer, "towed"), ("StartVerification", Dispatcher, null), ("PassVerification", Dispatcher, null), ("Close", Dispatcher, null) })
            {
                using var step = await actor.PostAsJsonAsync($"/api/cases/{closed}/actions", new { action, note });
                Assert.Equal(HttpStatusCode.OK, step.StatusCode);
            }
            var open = await OpenAsync(120.65, 28.0);
            var queued = await OpenAsync(121.5, 28.0);    // in no grid: waits for a dispatcher
            var formula = await AsAsync("Dispatcher", "=1+2");
            using (var dispatched = await formula.PostAsJsonAsync($"/api/cases/{queued}/dispatch", new { gridCode = Grid }))
                Assert.Equal(HttpStatusCode.OK, dispatched.StatusCode);
            return (closed, open, queued, staff);
        }

        private async Task<string> OpenAsync(double lon, double lat)
        {
            using var response = await Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "parking", lon, lat, reporterId = "citizen-1" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await JsonOf(response)).GetProperty("caseId").GetString()!;
        }
    }

    private const string Grid = "33030200200910";

    private static readonly JsonSerializerOptions GeoJsonOptions = new() { Converters = { new NetTopologySuite.IO.Converters.GeoJsonConverterFactory() } };

    /// <summary>Yesterday to tomorrow in the bureau's calendar: today's cases, whatever the hour.</summary>
    private static string Around()
    {
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        return $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
    }

    private async Task<JsonElement> TableAsync(string level)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation?level={level}&{Around()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonOf(response);
    }

    /// <summary>The cells of a workbook's one sheet as text, read with the Open XML SDK (not the library that wrote it).</summary>
    private static List<List<string>> SheetRows(byte[] xlsx)
    {
        using var stream = new MemoryStream(xlsx);
        using var document = SpreadsheetDocument.Open(stream, false);
        var workbook = document.WorkbookPart!;
        var strings = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(s => s.InnerText).ToList() ?? [];
        var sheet = workbook.WorksheetParts.Single().Worksheet.GetFirstChild<SheetData>()!;
        string Text(Cell c) => c.DataType?.Value == CellValues.SharedString ? strings[int.Parse(c.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture)]
            : c.DataType?.Value == CellValues.InlineString ? c.InlineString!.InnerText : c.CellValue?.Text ?? "";
        return [.. sheet.Elements<Row>().Select(r => r.Elements<Cell>().Select(Text).ToList())];
    }

    /// <summary>The records of a CSV answer, read with the server's own RFC 4180 reader, the byte-order mark checked and dropped.</summary>
    private static List<List<string>> CsvRecords(byte[] bytes)
    {
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        using var reader = new StringReader(Encoding.UTF8.GetString(bytes[3..]));
        var records = new List<List<string>>();
        foreach (var line in Csv.Read(reader))
        {
            Assert.Null(line.Error);
            if (!line.Blank) records.Add([.. line.Fields]);
        }
        return records;
    }

    private static JsonElement RowOf(JsonElement table, string code) =>
        Assert.Single(table.GetProperty("rows").EnumerateArray(), r => r.GetProperty("code").GetString() == code);

    [Fact]
    public async Task Json_GridAndOfficerRows_CountTheLoop()
    {
        var cases = await silo.CasesAsync();

        var grid = RowOf(await TableAsync("grid"), Grid);
        Assert.Equal((3, 3, 3, 1, 1), (grid.GetProperty("received").GetInt32(), grid.GetProperty("registered").GetInt32(),
            grid.GetProperty("dispatched").GetInt32(), grid.GetProperty("closed").GetInt32(), grid.GetProperty("closedOnTime").GetInt32()));
        // Nothing is late yet: the closed case is the only one due, and it closed on time.
        Assert.Equal((1, 1.0, 1.0), (grid.GetProperty("due").GetInt32(), grid.GetProperty("closureRate").GetDouble(), grid.GetProperty("onTimeRate").GetDouble()));
        Assert.Equal(1, grid.GetProperty("rank").GetInt32());
        Assert.Equal(JsonValueKind.Number, grid.GetProperty("score").ValueKind);

        var officer = RowOf(await TableAsync("officer"), cases.Staff.A);
        Assert.Equal(3, officer.GetProperty("received").GetInt32());
        var dispatchers = (await TableAsync("dispatcher")).GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("code").GetString()).ToHashSet();
        Assert.Equal(["system", "=1+2"], dispatchers);
        Assert.Equal(3, (await TableAsync("street")).GetProperty("total").GetProperty("received").GetInt32());
    }

    [Fact]
    public async Task Trace_ListsTheCasesBehindAFigure()
    {
        var cases = await silo.CasesAsync();

        using var closed = await silo.Dispatcher.GetAsync($"/api/evaluation/cases?level=grid&unit={Grid}&indicator=closedOnTime&{Around()}");
        var answer = await JsonOf(closed);
        Assert.Equal((1, "按期结案数"), (answer.GetProperty("total").GetInt32(), answer.GetProperty("indicatorName").GetString()));
        Assert.Equal(cases.Closed, Assert.Single(answer.GetProperty("cases").EnumerateArray()).GetProperty("caseId").GetString());

        using var received = await silo.Dispatcher.GetAsync($"/api/evaluation/cases?level=officer&unit={cases.Staff.A}&indicator=received&{Around()}&limit=2");
        var page = await JsonOf(received);
        Assert.Equal((3, 2), (page.GetProperty("total").GetInt32(), page.GetProperty("cases").GetArrayLength()));
    }

    [Fact]
    public async Task Csv_IsUtf8WithABom_ReadBackByAnRfc4180Reader_FormulasEscaped()
    {
        await silo.CasesAsync();
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation?level=dispatcher&format=csv&{Around()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var records = CsvRecords(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(EvaluationEndpoints.Columns, records[0].Select(h => h.TrimStart('\uFEFF')));
        var byCode = records.Skip(1).ToDictionary(r => r[0], r => r);
        // A dispatcher's name a spreadsheet would run as a formula is written as text.
        Assert.True(byCode.ContainsKey("'=1+2"), string.Join(" | ", byCode.Keys));
        var received = records[0].IndexOf("received");
        Assert.Equal("3", byCode["total"][received]);

        using var chinese = await silo.Dispatcher.GetAsync($"/api/evaluation?level=grid&format=csv&headers=zh&{Around()}");
        var header = (await chinese.Content.ReadAsStringAsync()).Split("\r\n")[0].TrimStart('\uFEFF');
        Assert.StartsWith("编码,名称,受理数,立案数,派遣数,应结案数,结案数,按期结案数", header);
    }

    [Fact]
    public async Task Xlsx_ReadBackWithTheOpenXmlSdk_HoldsTheSameTable()
    {
        await silo.CasesAsync();
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation?level=grid&format=xlsx&{Around()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = SheetRows(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(EvaluationEndpoints.Columns, rows[0]);
        var grid = Assert.Single(rows, r => r[0] == Grid);
        Assert.Equal("3", grid[rows[0].IndexOf("received")]);
        Assert.Equal("1", grid[rows[0].IndexOf("closedOnTime")]);
        Assert.Equal("total", rows[^1][0]);
    }

    [Fact]
    public async Task GeoJson_EveryGridWithItsIndicators_ReadBackByNetTopologySuite()
    {
        await silo.CasesAsync();
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation?level=grid&format=geojson&{Around()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);

        var collection = JsonSerializer.Deserialize<NetTopologySuite.Features.FeatureCollection>(await response.Content.ReadAsStreamAsync(), GeoJsonOptions)!;
        // The shipped sample's 3,000 grids, each a polygon with its row; those without a case have zero counts.
        Assert.Equal(3000, collection.Count);
        Assert.All(collection, f => Assert.True(f.Geometry is NetTopologySuite.Geometries.Polygon or NetTopologySuite.Geometries.MultiPolygon && f.Geometry.IsValid));
        var ours = Assert.Single(collection, f => (string)f.Attributes["code"] == Grid);
        Assert.Equal((3L, 1L), (Convert.ToInt64(ours.Attributes["received"], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(ours.Attributes["closedOnTime"], System.Globalization.CultureInfo.InvariantCulture)));
        var quiet = collection.First(f => (string)f.Attributes["code"] != Grid);
        Assert.Equal(0L, Convert.ToInt64(quiet.Attributes["received"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(quiet.Attributes["closureRate"]);

        using var officers = await silo.Dispatcher.GetAsync($"/api/evaluation?level=officer&format=geojson&{Around()}");
        Assert.Equal(HttpStatusCode.BadRequest, officers.StatusCode);
    }

    [Theory]
    [InlineData("community")]
    [InlineData("street")]
    public async Task GeoJson_CommunitiesAndStreets_AreTheUnionsOfTheirGrids_WithTheirIndicators(string level)
    {
        await silo.CasesAsync();
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation?level={level}&format=geojson&{Around()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var collection = JsonSerializer.Deserialize<NetTopologySuite.Features.FeatureCollection>(await response.Content.ReadAsStreamAsync(), GeoJsonOptions)!;

        var grids = silo.Factory.Services.GetRequiredService<GridCatalog>().All().ToList();
        var unitOf = level == "community" ? (Func<GridServer.Domain.Grids.Grid, string?>)(g => g.CommunityCode) : g => g.StreetCode;
        var units = grids.GroupBy(unitOf).Where(g => g.Key is not null).ToDictionary(g => g.Key!, g => g.ToList());
        Assert.Equal(units.Count, collection.Count);
        foreach (var feature in collection)
        {
            var members = units[(string)feature.Attributes["code"]];
            Assert.True(feature.Geometry.IsValid);
            // The outline covers each of its grids, and its area is theirs added up (they tile it).
            Assert.All(members, g => Assert.True(feature.Geometry.Buffer(1e-9).Covers(g.Boundary)));
            Assert.Equal(members.Sum(g => g.Boundary.Area), feature.Geometry.Area, members.Sum(g => g.Boundary.Area) * 1e-6);
        }
        var ours = grids.Single(g => g.Code == Grid);
        var mine = Assert.Single(collection, f => (string)f.Attributes["code"] == unitOf(ours));
        Assert.Equal(3L, Convert.ToInt64(mine.Attributes["received"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Density_CountsEveryLocatedCaseInOneHexagon_ReadBackByNetTopologySuite()
    {
        await silo.CasesAsync();
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation/density?size=100&{Around()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var collection = JsonSerializer.Deserialize<NetTopologySuite.Features.FeatureCollection>(await response.Content.ReadAsStreamAsync(), GeoJsonOptions)!;
        // Two cases at one point, one (dispatched by hand from the queue) far away: two hexagons, each holding its points.
        Assert.Equal([2L, 1L], collection.Select(f => Convert.ToInt64(f.Attributes["count"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(collection[0].Geometry.Covers(new NetTopologySuite.Geometries.Point(120.65, 28.0)));
        Assert.True(collection[1].Geometry.Covers(new NetTopologySuite.Geometries.Point(121.5, 28.0)));
        Assert.All(collection, f => Assert.Equal(7, f.Geometry.NumPoints));

        using var parking = await silo.Dispatcher.GetAsync($"/api/evaluation/density?matter=litter&{Around()}");
        Assert.Empty(JsonSerializer.Deserialize<NetTopologySuite.Features.FeatureCollection>(await parking.Content.ReadAsStreamAsync(), GeoJsonOptions)!);
        foreach (var bad in new[] { "size=5", "size=9000", "size=abc", "size=NaN" })
        {
            using var refused = await silo.Dispatcher.GetAsync($"/api/evaluation/density?{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
    }

    [Fact]
    public async Task CaseLists_AsCsvAndXlsx_HoldEveryTracedCase()
    {
        var (closed, open, dispatched, _) = await silo.CasesAsync();
        using var csv = await silo.Dispatcher.GetAsync($"/api/evaluation/cases?level=grid&unit={Grid}&indicator=received&format=csv&headers=zh&{Around()}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var records = CsvRecords(await csv.Content.ReadAsByteArrayAsync());
        Assert.Equal(["案件编号", "问题类型", "状态", "网格", "责任队伍", "网格员", "上报渠道", "上报时间", "结案时间"], records[0]);
        Assert.Equal(new[] { closed, open, dispatched }.Order(), records.Skip(1).Select(r => r[0]).Order());
        var closedRow = records.Single(r => r[0] == closed);
        Assert.Equal(("Closed", Grid), (closedRow[2], closedRow[3]));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", closedRow[8]);

        using var xlsx = await silo.Dispatcher.GetAsync($"/api/evaluation/cases?level=grid&unit={Grid}&indicator=closed&format=xlsx&{Around()}");
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        var rows = SheetRows(await xlsx.Content.ReadAsByteArrayAsync());
        Assert.Equal("caseId", rows[0][0]);
        Assert.Equal(closed, Assert.Single(rows.Skip(1))[0]);

        using var bad = await silo.Dispatcher.GetAsync($"/api/evaluation/cases?indicator=closed&format=pdf&{Around()}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Names_ChannelsAndMatters_AreShownAsTheServerKnowsThem()
    {
        await silo.CasesAsync();
        var channels = await TableAsync("channel");
        Assert.Equal(GridServer.Notices.Bulletins.StaffChannel, RowOf(channels, "staff").GetProperty("name").GetString());
        var matters = await TableAsync("matter");
        Assert.NotEqual("parking", RowOf(matters, "parking").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Bulletin_IsAPrintablePageOfTheFigures_FromTheTemplateTheBureauEdits()
    {
        await silo.CasesAsync();
        using (var page = await silo.Dispatcher.GetAsync($"/api/evaluation/bulletin?{Around()}"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("本期共受理案件 3 件", html, StringComparison.Ordinal);
            Assert.Contains("城市管理案件通报", html, StringComparison.Ordinal);
        }
        using (var download = await silo.Dispatcher.GetAsync($"/api/evaluation/bulletin?download=true&{Around()}"))
            Assert.EndsWith(".html", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName, StringComparison.Ordinal);

        using (var looping = await silo.Operator.PutAsync("/api/templates/bulletin", new StringContent("{{ for i in 1..1000000 }}x{{ end }}", Encoding.UTF8, "text/plain")))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, looping.StatusCode);
        using (var saved = await silo.Operator.PutAsync("/api/templates/bulletin", new StringContent("<p>{{ title }}：受理 {{ total.received }} 件</p>", Encoding.UTF8, "text/plain")))
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        try
        {
            using var edited = await silo.Dispatcher.GetAsync($"/api/evaluation/bulletin?{Around()}");
            Assert.EndsWith("：受理 3 件</p>", await edited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            using var reverted = await silo.Operator.DeleteAsync("/api/templates/bulletin");
            Assert.True(reverted.IsSuccessStatusCode);
        }
    }

    [Theory]
    [InlineData("level=planet", HttpStatusCode.BadRequest, "not one of grid")]
    [InlineData("level=grid&format=pdf", HttpStatusCode.BadRequest, "not one of json")]
    [InlineData("period=fortnight", HttpStatusCode.BadRequest, "not one of day")]
    [InlineData("from=2026-11-30&to=2026-11-01", HttpStatusCode.BadRequest, "must come after")]
    [InlineData("level=grid&level=street", HttpStatusCode.BadRequest, "more than once")]
    [InlineData("level=1", HttpStatusCode.BadRequest, "not one of grid")]
    public async Task BadTableRequests_AreRefusedSayingWhy(string query, HttpStatusCode status, string expected)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation?{query}");
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("indicator=closureRate", "a rate's cases are those of closed and of due")]
    [InlineData("indicator=happiness", "not a counted indicator")]
    [InlineData("level=grid", "Missing indicator")]
    [InlineData("indicator=closed&limit=5000", "limit must be")]
    [InlineData("indicator=closed&offset=-1", "limit must be")]
    public async Task BadTraceRequests_AreRefusedSayingWhy(string query, string expected)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/evaluation/cases?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OnlyOperatorsAndTheCommandCenterReadEvaluation()
    {
        using (var asOperator = await silo.Operator.GetAsync("/api/evaluation/indicators"))
            Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);
        var officer = await silo.AsAsync("Officer", "O-EVAL");
        using (var asOfficer = await officer.GetAsync("/api/evaluation?level=officer"))
            Assert.Equal(HttpStatusCode.Forbidden, asOfficer.StatusCode);
        using (var anonymous = await silo.Client.GetAsync("/api/evaluation/cases?indicator=closed"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var definitions = await JsonOf(await silo.Dispatcher.GetAsync("/api/evaluation/indicators"));
        Assert.Contains(definitions.GetProperty("rates").EnumerateArray(), r => r.GetProperty("name").GetString() == "onTimeRate" && r.GetProperty("chineseName").GetString() == "按期结案率");
    }
}
