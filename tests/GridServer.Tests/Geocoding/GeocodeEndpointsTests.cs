using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Silo;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Geocoding;

/// <summary>The embedded server with a reporting channel's key, for tests that import a gazetteer of their own.</summary>
public sealed class GazetteerSilo() : EmbeddedSiloWith(new() { ["GridServer:Open311:ApiKeys:0"] = ApiKey })
{
    public const string ApiKey = "test-gazetteer-key-0123456789";
}

/// <summary>
/// The gazetteer through the real host: imported as a bureau sends it (CSV in GBK or UTF-8, GeoJSON), matched by
/// <c>/api/geocode</c>, and used at intake: a report with only an address is placed and dispatched when the match is
/// sure, and otherwise waits in the command-center queue with the candidates. Broken and hostile files are refused
/// naming the problem, and the gazetteer served stays as it was.
/// </summary>
public sealed class GeocodeEndpointsTests(GazetteerSilo silo, EmbeddedSilo bare, PostgisDatabase database)
    : IClassFixture<GazetteerSilo>, IClassFixture<EmbeddedSilo>, IClassFixture<PostgisDatabase>
{
    private const string Grid = "33030200200910";   // covers 120.6501, 28.0002 in the sample district

    /// <summary>Door plates, a building and a road, with the same road name in another district (MP-6).</summary>
    internal const string Sample = """
        id,address,lon,lat,kind
        MP-1,浙江省温州市鹿城区五马街道解放北路12号,120.6501,28.0002,门牌
        MP-2,浙江省温州市鹿城区五马街道解放北路14号,120.6503,28.0004,门牌
        MP-3,浙江省温州市鹿城区五马街道解放北路13号,120.6499,28.0001,门牌
        MP-4,浙江省温州市鹿城区松台街道信河街88号,120.6455,28.0120,门牌
        MP-5,浙江省温州市鹿城区松台街道信河街88号3幢,120.6456,28.0121,楼栋
        MP-6,浙江省温州市瓯海区新桥街道解放北路12号,120.6100,27.9700,门牌
        MP-7,鹿城区五马,120.6510,28.0010,地名
        """;

    private static ByteArrayContent Csv(string text, string encoding = "utf-8", string? charset = null)
    {
        var content = new ByteArrayContent(Encoding.GetEncoding(encoding).GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal)));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = charset };
        return content;
    }

    private async Task<JsonElement> ImportSampleAsync()
    {
        using var put = await silo.Operator.PutAsync("/api/gazetteer", Csv(Sample, "GBK"));
        var body = await JsonOf(put);
        Assert.True(put.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private async Task<JsonElement> GeocodeAsync(string q, HttpClient? client = null)
    {
        using var response = await (client ?? silo.Dispatcher).GetAsync("/api/geocode?q=" + Uri.EscapeDataString(q));
        var body = await JsonOf(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private async Task<long> VersionAsync() => (await JsonOf(await silo.Operator.GetAsync("/api/gazetteer"))).GetProperty("version").GetInt64();

    [Fact]
    public async Task Import_GbkCsvWithoutCharset_ReadAsGbk_NamesTheEntriesItCannotRead_AndMatches()
    {
        var body = await ImportSampleAsync();

        Assert.Equal(7, body.GetProperty("entries").GetInt32());
        Assert.StartsWith("GB18030", body.GetProperty("encoding").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, body.GetProperty("unreadable").GetInt32());   // 鹿城区五马: a place name with no road
        Assert.Equal("MP-7", body.GetProperty("unreadableExamples")[0].GetProperty("id").GetString());
        Assert.Equal(["kind"], body.GetProperty("ignoredFields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(body.GetProperty("version").GetInt64(), body.GetProperty("servedVersion").GetInt64());

        var match = await GeocodeAsync("鹿城区解放北路十二号门口");
        Assert.True(match.GetProperty("confident").GetBoolean(), match.ToString());
        var best = match.GetProperty("candidates")[0];
        Assert.Equal(("MP-1", Grid), (best.GetProperty("id").GetString(), best.GetProperty("gridCode").GetString()));
        Assert.Equal("12", match.GetProperty("normalized").GetProperty("number").GetString());
    }

    [Fact]
    public async Task Geocode_SameRoadInTwoDistricts_WithoutTheDistrict_IsNotSure_AndListsBoth()
    {
        await ImportSampleAsync();

        var match = await GeocodeAsync("解放北路１２号");

        Assert.False(match.GetProperty("confident").GetBoolean());
        var ids = match.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(["MP-1", "MP-6"], ids.Take(2).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Geocode_ABuildingBesideItsDoorPlate_IsSure()
    {
        await ImportSampleAsync();

        var match = await GeocodeAsync("信河街88号三幢");

        Assert.True(match.GetProperty("confident").GetBoolean(), match.ToString());
        Assert.Equal("MP-5", match.GetProperty("candidates")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Import_Utf8GeoJsonInCgcs2000_AndAUtf8CsvWithCharset_BothServed()
    {
        const string geojson = """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","id":"POI-1","properties":{"id":"POI-1","address":"鹿城区五马街道公园路5号"},"geometry":{"type":"Point","coordinates":[120.6520,28.0050]}}]}
            """;
        using (var put = await silo.Operator.PutAsync("/api/gazetteer?crs=EPSG:4490", new StringContent(geojson, Encoding.UTF8, "application/geo+json")))
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var fromGeoJson = await GeocodeAsync("公园路5号");
        Assert.Equal("POI-1", fromGeoJson.GetProperty("candidates")[0].GetProperty("id").GetString());

        using (var put = await silo.Operator.PutAsync("/api/gazetteer", Csv(Sample, "utf-8", "utf-8")))
        {
            var body = await JsonOf(put);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("UTF-8 (as named)", body.GetProperty("encoding").GetString());
        }
        var replaced = await GeocodeAsync("公园路5号");
        Assert.Empty(replaced.GetProperty("candidates").EnumerateArray());   // an import replaces the gazetteer whole
    }

    [Theory]
    [InlineData("id,name,lon,lat\nA,解放北路1号,120.65,28.0\n", null, 422, "'address' is required")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,abc,28.0\n", null, 422, "lon 'abc' is not a number")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,500,28.0\n", null, 422, "coordinates must be longitude -180..180")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,120.65,28.0\nA,解放北路2号,120.65,28.0\n", null, 422, "is also the key of record 1")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,,\n", null, 422, "a point is required")]
    [InlineData("id,address,lon,lat\n", null, 422, "holds no entries")]
    [InlineData("id,address,lon,lat\nA,\"解放北路1号,120.65,28.0\n", null, 400, "a quoted field is not closed")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,120.65\n", null, 400, "data row 1 has 3 columns; the header has 4")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,120.65,28.0\n", "klingon", 400, "unknown encoding 'klingon'")]
    [InlineData("id,address,lon,lat\nA,解放北路1号,120.65,28.0\n", "ascii", 400, "the body is not")]
    public async Task Import_BrokenCsv_RefusedNamingTheProblem_TheGazetteerServedStays(string csv, string? encoding, int status, string expected)
    {
        await ImportSampleAsync();
        var before = await VersionAsync();

        using var response = await silo.Operator.PutAsync("/api/gazetteer" + (encoding is null ? "" : "?encoding=" + encoding), Csv(csv));
        var problem = await JsonOf(response);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await VersionAsync());
        Assert.Equal("MP-1", (await GeocodeAsync("鹿城区解放北路12号")).GetProperty("candidates")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Import_HostileInput_RefusedWithoutEchoingIt_NothingStored()
    {
        await ImportSampleAsync();
        var before = await VersionAsync();
        var huge = new string('路', 3000);

        using var longAddress = await silo.Operator.PutAsync("/api/gazetteer", Csv($"id,address,lon,lat\nA,{huge},120.65,28.0\n"));
        using var control = await silo.Operator.PutAsync("/api/gazetteer", Csv("id,address,lon,lat\nA,解放北路\u00011号,120.65,28.0\n"));
        using var notJson = await silo.Operator.PutAsync("/api/gazetteer", new StringContent("{\"type\":\"FeatureCollection\",", Encoding.UTF8, "application/json"));
        using var wrongType = await silo.Operator.PutAsync("/api/gazetteer", new StringContent("<addresses/>", Encoding.UTF8, "application/xml"));
        using var empty = await silo.Operator.PutAsync("/api/gazetteer", Csv(""));
        using var polygon = await silo.Operator.PutAsync("/api/gazetteer", Csv("id,address,wkt\nA,解放北路1号,\"POLYGON((120 28,120.1 28,120.1 28.1,120 28))\"\n"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, longAddress.StatusCode);
        Assert.DoesNotContain(huge, await longAddress.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, control.StatusCode);
        Assert.Contains("control characters", await control.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, polygon.StatusCode);
        Assert.Contains("Polygon given; this set's records are points", await polygon.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task Import_AQuoteLeftOpen_DoesNotReadTheFileIntoOneField()
    {
        var body = "id,address,lon,lat\nA,\"" + new string('路', 6 * 1024 * 1024) + "\n";   // 18 MiB of UTF-8 after the open quote

        using var response = await silo.Operator.PutAsync("/api/gazetteer", Csv(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("a record is longer than 16 MiB; is a quote left open?", (await JsonOf(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_DryRun_ChecksAndCountsOnly()
    {
        await ImportSampleAsync();
        var before = await VersionAsync();

        using var response = await silo.Operator.PutAsync("/api/gazetteer?dryRun=true", Csv("id,address,lon,lat\nB,公园路9号,120.65,28.0\n"));
        var body = await JsonOf(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("dryRun").GetBoolean());
        Assert.Equal(1, body.GetProperty("entries").GetInt32());
        Assert.Equal(before, await VersionAsync());
        Assert.Empty((await GeocodeAsync("公园路9号")).GetProperty("candidates").EnumerateArray());
    }

    [Fact]
    public async Task Aliases_AnOldStreetName_FindsTheEntryUnderItsNewName()
    {
        await ImportSampleAsync();
        Assert.Empty((await GeocodeAsync("鹿城区北大街12号")).GetProperty("candidates").EnumerateArray());

        using (var put = await silo.Operator.PutAsync("/api/gazetteer/aliases", JsonBody("""{"北大街":"解放北路"}""")))
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var match = await GeocodeAsync("鹿城区北大街12号");
        Assert.True(match.GetProperty("confident").GetBoolean(), match.ToString());
        Assert.Equal("MP-1", match.GetProperty("candidates")[0].GetProperty("id").GetString());

        using (var put = await silo.Operator.PutAsync("/api/gazetteer/aliases", Csv("alias,name\n府前街,信河街\n", "GBK")))
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var aliases = await JsonOf(await silo.Dispatcher.GetAsync("/api/gazetteer/aliases"));
        Assert.Equal("信河街", aliases.GetProperty("aliases").GetProperty("府前街").GetString());
        Assert.False(aliases.GetProperty("aliases").TryGetProperty("北大街", out _));   // replaced whole
        Assert.Equal(7, (await JsonOf(await silo.Operator.GetAsync("/api/gazetteer"))).GetProperty("entries").GetInt32());   // the entries stay
    }

    [Theory]
    [InlineData("""{"解放北路":"解放北路"}""", "application/json", 422, "the alias is the name itself")]
    [InlineData("""{"北大街":""}""", "application/json", 422, "give both the alias and the name")]
    [InlineData("""{"北大街":7}""", "application/json", 422, "give both the alias and the name")]
    [InlineData("""["北大街"]""", "application/json", 400, "not a JSON object")]
    [InlineData("old,new\n北大街,解放北路\n", "text/csv", 400, "header row must be: alias,name")]
    [InlineData("alias,name\n\"北大街\u0007\",解放北路\n", "text/csv", 422, "control characters")]
    [InlineData("<aliases/>", "application/xml", 400, "neither JSON")]
    public async Task Aliases_Broken_RefusedNamingTheProblem_NothingStored(string body, string type, int status, string expected)
    {
        await ImportSampleAsync();
        var before = await VersionAsync();

        using var response = await silo.Operator.PutAsync("/api/gazetteer/aliases", new StringContent(body, Encoding.UTF8, type));
        var problem = await JsonOf(response);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await VersionAsync());
    }

    [Theory]
    [InlineData("", "give the address to match as ?q=")]
    [InlineData("q=%20", "give the address to match as ?q=")]
    [InlineData("q=解放北路&limit=0", "limit is 1 to 5")]
    [InlineData("q=解放北路&limit=6", "limit is 1 to 5")]
    public async Task Geocode_BadQuery_400SayingWhy(string query, string expected)
    {
        using var response = await silo.Dispatcher.GetAsync("/api/geocode?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await JsonOf(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Geocode_TooLong_RefusedWithoutEchoingIt()
    {
        var huge = new string('街', 201);

        using var response = await silo.Dispatcher.GetAsync("/api/geocode?q=" + Uri.EscapeDataString(huge));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(huge, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Geocode_WithoutAGazetteer_409SaysHowToImportOne()
    {
        using var response = await bare.Dispatcher.GetAsync("/api/geocode?q=" + Uri.EscapeDataString("解放北路12号"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("PUT /api/gazetteer", (await JsonOf(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_OperatorImports_DispatcherReadsAndMatches_OthersMayNot()
    {
        var officer = await silo.AsAsync("officer", "O-GEO");

        using var dispatcherImport = await silo.Dispatcher.PutAsync("/api/gazetteer", Csv(Sample));
        using var dispatcherAliases = await silo.Dispatcher.PutAsync("/api/gazetteer/aliases", JsonBody("""{"北大街":"解放北路"}"""));
        using var officerGeocode = await officer.GetAsync("/api/geocode?q=x");
        using var anonymous = await silo.Client.GetAsync("/api/geocode?q=x");

        Assert.Equal(HttpStatusCode.Forbidden, dispatcherImport.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, dispatcherAliases.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, officerGeocode.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    // --- intake ---

    private async Task<JsonElement> ReportAsync(string address)
    {
        var form = new FormUrlEncodedContent([
            KeyValuePair.Create("api_key", GazetteerSilo.ApiKey), KeyValuePair.Create("service_code", "shopfront"),
            KeyValuePair.Create("address_string", address), KeyValuePair.Create("description", "goods on the pavement")]);
        using var response = await silo.Client.PostAsync("/open311/v2/requests.json", form);
        var body = await JsonOf(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return body[0];
    }

    private async Task<JsonElement> CaseAsync(string id) => await JsonOf(await silo.Dispatcher.GetAsync($"/api/cases/{id}"));

    [Fact]
    public async Task Intake_AddressOnly_SureMatch_PlacedInItsGrid_AndTheTimelineSaysFromWhichEntry()
    {
        await ImportSampleAsync();

        var answer = await ReportAsync("温州市鹿城区解放北路12号门口");

        var id = answer.GetProperty("service_request_id").GetString()!;   // placed at once: no token to wait on
        Assert.Equal((28.0002, 120.6501), (answer.GetProperty("lat").GetDouble(), answer.GetProperty("long").GetDouble()));
        var @case = await CaseAsync(id);
        Assert.Equal(Grid, @case.GetProperty("gridCode").GetString());
        Assert.True(@case.GetProperty("geocode").GetProperty("located").GetBoolean());
        Assert.Equal("MP-1", @case.GetProperty("geocode").GetProperty("candidates")[0].GetProperty("entryId").GetString());
        Assert.Contains(@case.GetProperty("timeline").EnumerateArray(),
            e => e.GetProperty("note").GetString() is { } note && note.Contains("placed from its address at gazetteer entry MP-1", StringComparison.Ordinal));
        Assert.DoesNotContain("only an address", @case.GetProperty("queueReason").GetString() ?? "", StringComparison.Ordinal);
    }

    /// <summary>A hotline desk enters a call as staff: the address alone, placed by the gazetteer as a channel's report is.</summary>
    [Fact]
    public async Task StaffReport_AddressOnly_PlacedByTheGazetteer()
    {
        await ImportSampleAsync();

        using var response = await silo.Dispatcher.PostAsync("/api/cases",
            JsonBody("""{"matter":"shopfront","address":"鹿城区解放北路12号门口","description":"热线来电","reporterId":"hotline-0301"}"""));
        var @case = await JsonOf(response);
        var tooLong = await silo.Dispatcher.PostAsync("/api/cases", JsonBody($$"""{"matter":"shopfront","address":"{{new string('路', 501)}}"}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal((Grid, 120.6501), (@case.GetProperty("gridCode").GetString(), @case.GetProperty("lon").GetDouble()));
        Assert.Equal("鹿城区解放北路12号门口", @case.GetProperty("address").GetString());
        Assert.True(@case.GetProperty("geocode").GetProperty("located").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        tooLong.Dispose();
    }

    [Fact]
    public async Task Intake_AddressOnly_NotSure_WaitsInTheQueueWithTheCandidates_ThenADispatcherPlacesIt()
    {
        await ImportSampleAsync();

        var answer = await ReportAsync("解放北路12号");

        var token = answer.GetProperty("token").GetString()!;
        var id = (await JsonOf(await silo.Client.GetAsync($"/open311/v2/tokens/{token}.json")))[0].GetProperty("service_request_id").GetString()!;
        var @case = await CaseAsync(id);
        Assert.Equal(JsonValueKind.Null, @case.GetProperty("gridCode").ValueKind);
        Assert.Contains("candidates are not a sure match", @case.GetProperty("queueReason").GetString(), StringComparison.Ordinal);
        var geocode = @case.GetProperty("geocode");
        Assert.False(geocode.GetProperty("located").GetBoolean());
        var chosen = geocode.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("entryId").GetString() == "MP-1");
        Assert.Equal(Grid, chosen.GetProperty("gridCode").GetString());
        using var queue = await silo.Dispatcher.GetAsync("/api/command-center/queue");
        Assert.Contains(id, (await JsonOf(queue)).EnumerateArray().Select(e => e.GetProperty("caseId").GetString()));

        using var located = await silo.Dispatcher.PostAsync($"/api/cases/{id}/locate",
            JsonBody(FormattableString.Invariant($$"""{"lon":{{chosen.GetProperty("lon").GetDouble()}},"lat":{{chosen.GetProperty("lat").GetDouble()}}}""")));
        Assert.True(located.IsSuccessStatusCode || located.StatusCode == HttpStatusCode.Conflict, await located.Content.ReadAsStringAsync());
        Assert.Equal(Grid, (await CaseAsync(id)).GetProperty("gridCode").GetString());
    }

    /// <summary>Kept in PostgreSQL: a new server serves the same gazetteer, and the cases keep what it made of their addresses.</summary>
    [PostgisFact]
    public async Task Postgres_GazetteerAndTheCasesGeocodesOutliveTheServer()
    {
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Open311:ApiKeys:0"] = GazetteerSilo.ApiKey,
        };
        string placed, queued;
        long version;
        await using (var first = new SiloFactory(settings))
        {
            using var client = first.CreateOperatorClient();
            using (var put = await client.PutAsync("/api/gazetteer", Csv(Sample, "GBK")))
            {
                var body = await JsonOf(put);
                Assert.True(put.StatusCode == HttpStatusCode.OK, body.ToString());
                version = body.GetProperty("version").GetInt64();
            }
            using (var put = await client.PutAsync("/api/gazetteer/aliases", JsonBody("""{"北大街":"解放北路"}""")))
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            using var open311 = first.CreateClient();
            async Task<JsonElement> Report(string address)
            {
                using var response = await open311.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent([
                    KeyValuePair.Create("api_key", GazetteerSilo.ApiKey), KeyValuePair.Create("service_code", "shopfront"),
                    KeyValuePair.Create("address_string", address)]));
                var body = await JsonOf(response);
                Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
                return body[0];
            }
            placed = (await Report("鹿城区北大街12号")).GetProperty("service_request_id").GetString()!;
            var token = (await Report("解放北路12号")).GetProperty("token").GetString()!;
            queued = (await JsonOf(await open311.GetAsync($"/open311/v2/tokens/{token}.json")))[0].GetProperty("service_request_id").GetString()!;
        }
        await using (var second = new SiloFactory(settings))
        {
            using var client = second.CreateOperatorClient();
            using var dispatcher = second.CreateDispatcherClient();
            var summary = await JsonOf(await client.GetAsync("/api/gazetteer"));
            Assert.Equal((version + 1, 7, 1), (summary.GetProperty("version").GetInt64(), summary.GetProperty("entries").GetInt32(), summary.GetProperty("aliases").GetInt32()));
            var match = await JsonOf(await dispatcher.GetAsync("/api/geocode?q=" + Uri.EscapeDataString("鹿城区北大街12号")));
            Assert.Equal("MP-1", match.GetProperty("candidates")[0].GetProperty("id").GetString());

            var placedCase = await JsonOf(await dispatcher.GetAsync($"/api/cases/{placed}"));
            Assert.Equal((120.6501, 28.0002), (placedCase.GetProperty("lon").GetDouble(), placedCase.GetProperty("lat").GetDouble()));   // no grids in this database
            Assert.True(placedCase.GetProperty("geocode").GetProperty("located").GetBoolean());
            Assert.Equal("MP-1", placedCase.GetProperty("geocode").GetProperty("candidates")[0].GetProperty("entryId").GetString());
            var queuedCase = await JsonOf(await dispatcher.GetAsync($"/api/cases/{queued}"));
            Assert.False(queuedCase.GetProperty("geocode").GetProperty("located").GetBoolean());
            Assert.True(queuedCase.GetProperty("geocode").GetProperty("candidates").GetArrayLength() >= 2);
            Assert.Contains("not a sure match", queuedCase.GetProperty("queueReason").GetString(), StringComparison.Ordinal);
        }
    }
}
