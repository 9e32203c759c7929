using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;
using Json.Schema;

namespace GridServer.Tests.Silo;

/// <summary>
/// The embedded server with one Open311 api key configured, a rate limit these tests do not reach, and descriptions
/// shown in public with their numbers masked (docs/open311.md).
/// </summary>
public sealed class Open311Silo() : EmbeddedSiloWith(new()
{
    ["GridServer:Open311:ApiKeys:0"] = ApiKey,
    ["GridServer:Open311:Public:Description"] = "Redacted",
    ["GridServer:Open311:RateLimit:PermitsPerMinute"] = "100000",
    ["GridServer:Open311:RateLimit:Burst"] = "1000",
})
{
    public const string ApiKey = "test-open311-key-0123456789";
}

/// <summary>The embedded server with the default intake limit made small: 2 reports at once, then 1 a minute.</summary>
public sealed class ThrottledOpen311Silo() : EmbeddedSiloWith(new()
{
    ["GridServer:Open311:RateLimit:PermitsPerMinute"] = "1",
    ["GridServer:Open311:RateLimit:Burst"] = "2",
})
{
}

/// <summary>Open311 GeoReport v2 through the real host: the spec's resources in JSON and XML, refusals, and a report's way into the case loop.</summary>
public sealed class Open311Tests(Open311Silo silo, ThrottledOpen311Silo throttled) : IClassFixture<Open311Silo>, IClassFixture<ThrottledOpen311Silo>
{
    private const string Base = "/open311/v2";
    private const string Grid = "33030200200910";
    private HttpClient Client => silo.Client;

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    /// <summary>A valid report's fields; an extra field replaces the one of its name.</summary>
    private static (string, string)[] Report(params (string Name, string Value)[] extra) =>
    [
        .. new[] { ("api_key", Open311Silo.ApiKey), ("service_code", "shopfront"), ("lat", "28.0"), ("long", "120.65"), ("description", "goods on the pavement") }
            .Where(f => extra.All(e => e.Name != f.Item1)),
        .. extra,
    ];

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpContent content, string format = "json")
    {
        using var response = await Client.PostAsync($"{Base}/requests.{format}", content);
        return (response.StatusCode, await JsonOf(response));
    }

    private async Task<(HttpStatusCode Status, string Text)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(Base + path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>An Open311 error answer: the status, and the one error's code equal to it.</summary>
    private static string ErrorOf(HttpStatusCode expected, (HttpStatusCode Status, JsonElement Body) answer)
    {
        Assert.Equal(expected, answer.Status);
        var error = Assert.Single(answer.Body.EnumerateArray());
        Assert.Equal((int)expected, error.GetProperty("code").GetInt32());
        return error.GetProperty("description").GetString()!;
    }

    private async Task<string> OpenAsync(params (string, string)[] extra)
    {
        var (status, body) = await PostAsync(Form(Report(extra)));
        Assert.Equal(HttpStatusCode.Created, status);
        return body[0].GetProperty("service_request_id").GetString()!;
    }

    // --- the spec's schemas ---

    private static readonly Lazy<Dictionary<string, JsonSchema>> Schemas = new(() =>
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        // The referenced files first: a schema's $ref is resolved against those already registered.
        foreach (var name in new[] { "service.json", "request.json", "services.json", "requests.json", "service-definition.json" })
        {
            var path = SharedData.PathOf("open311-schemas", name);
            var schema = JsonSchema.FromFile(path, options, new Uri(path));
            options.SchemaRegistry.Register(schema);
            schemas[name] = schema;
        }
        return schemas;
    });

    private static void AssertValid(string schema, string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schemas.Value[schema].Evaluate(document.RootElement,
            new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(result.IsValid, $"{schema} refuses {json}\n{JsonSerializer.Serialize(result)}");
    }

    [SharedDataFact]
    public void Schemas_RefuseAnAnswerThatBreaksThem()
    {
        // The validator is not vacuous: the referenced request.json is applied, required fields and formats checked.
        using var missing = JsonDocument.Parse("""[{"service_request_id":"C-1","status":"open"}]""");
        using var badDate = JsonDocument.Parse("""[{"service_request_id":"C-1","status":"open","service_code":"dust","requested_datetime":"yesterday"}]""");
        var options = new EvaluationOptions { RequireFormatValidation = true };
        Assert.False(Schemas.Value["requests.json"].Evaluate(missing.RootElement, options).IsValid);
        Assert.False(Schemas.Value["requests.json"].Evaluate(badDate.RootElement, options).IsValid);
    }

    [SharedDataFact]
    public async Task JsonAnswers_OfEveryResource_ValidateAgainstTheOpen311Schemas()
    {
        AssertValid("services.json", (await GetAsync("/services.json")).Text);
        AssertValid("service-definition.json", (await GetAsync("/services/parking.json")).Text);
        AssertValid("service-definition.json", (await GetAsync("/services/dust.json")).Text);

        using var posted = await Client.PostAsync($"{Base}/requests.json", Form(Report(("media_url", "https://example.org/p/1.jpg"), ("address_string", "人民路 12 号"))));
        var postedText = await posted.Content.ReadAsStringAsync();
        AssertValid("requests.json", postedText);
        var id = JsonDocument.Parse(postedText).RootElement[0].GetProperty("service_request_id").GetString()!;
        var deferred = await OpenDeferredAsync();

        AssertValid("requests.json", (await GetAsync($"/requests/{id}.json")).Text);
        AssertValid("requests.json", (await GetAsync($"/requests/{deferred}.json")).Text);
        AssertValid("requests.json", (await GetAsync($"/requests.json?service_request_id={id},{deferred}")).Text);
    }

    // --- XML ---

    private static HashSet<string> JsonNames(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    private static HashSet<string> XmlNames(XElement element) => [.. element.Elements().Select(e => e.Name.LocalName)];

    /// <summary>Discovery names the endpoint, its formats, and what this server takes beyond GeoReport v2 (the media file first).</summary>
    [Fact]
    public async Task Discovery_NamesTheEndpointItsFormatsAndTheExtensions_InJsonAndXml()
    {
        var (status, text) = await GetAsync("/discovery.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var json = JsonDocument.Parse(text).RootElement;
        var endpoint = Assert.Single(json.GetProperty("endpoints").EnumerateArray());
        Assert.EndsWith("/open311/v2", endpoint.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Equal(["application/json", "text/xml"], endpoint.GetProperty("formats").EnumerateArray().Select(f => f.GetString()));
        var extensions = json.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.StartsWith("media: ", extensions[0], StringComparison.Ordinal);
        Assert.Contains("multipart/form-data", extensions[0], StringComparison.Ordinal);
        Assert.Contains("at most 20 MiB", extensions[0], StringComparison.Ordinal);
        Assert.Contains(extensions, e => e.StartsWith("crs: ", StringComparison.Ordinal));
        var xml = XDocument.Parse((await GetAsync("/discovery.xml")).Text).Root!;
        Assert.Equal("discovery", xml.Name.LocalName);
        Assert.Equal(extensions, xml.Element("extensions")!.Elements("extension").Select(e => e.Value));
        Assert.Equal(["application/json", "text/xml"], xml.Element("endpoints")!.Element("endpoint")!.Element("formats")!.Elements("format").Select(f => f.Value));
    }

    [Fact]
    public async Task XmlAnswers_Parse_AndCarryTheSameFieldsAsJson()
    {
        var id = await OpenAsync(("media_url", "https://example.org/p/2.jpg"));
        foreach (var (path, root, item) in new[] { ("/services", "services", "service"), ($"/requests/{id}", "service_requests", "request"), ($"/requests?service_request_id={id}", "service_requests", "request") })
        {
            var (jsonPath, xmlPath) = path.Contains('?', StringComparison.Ordinal)
                ? (path.Replace("?", ".json?", StringComparison.Ordinal), path.Replace("?", ".xml?", StringComparison.Ordinal)) : (path + ".json", path + ".xml");
            var json = JsonDocument.Parse((await GetAsync(jsonPath)).Text).RootElement;
            var (status, xmlText) = await GetAsync(xmlPath);
            Assert.Equal(HttpStatusCode.OK, status);
            var xml = XDocument.Parse(xmlText).Root!;
            Assert.Equal(root, xml.Name.LocalName);
            var items = xml.Elements(item).ToList();
            Assert.Equal(json.GetArrayLength(), items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                Assert.Equal(JsonNames(json[i]), XmlNames(items[i]));
                foreach (var property in json[i].EnumerateObject().Where(p => p.Value.ValueKind is JsonValueKind.String))
                    Assert.Equal(property.Value.GetString(), items[i].Element(property.Name)!.Value);
            }
        }
        var definition = XDocument.Parse((await GetAsync("/services/parking.xml")).Text).Root!;
        Assert.Equal("service_definition", definition.Name.LocalName);
        var attributes = definition.Element("attributes")!.Elements("attribute").ToList();
        Assert.Equal(["plate_number", "vehicle_type"], attributes.Select(a => a.Element("code")!.Value));
        Assert.Equal("true", attributes[0].Element("required")!.Value);
        Assert.Contains("car", attributes[1].Element("values")!.Elements("value").Select(v => v.Element("key")!.Value));

        using var posted = await Client.PostAsync($"{Base}/requests.xml", Form(Report()));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var answer = XDocument.Parse(await posted.Content.ReadAsStringAsync()).Root!.Element("request")!;
        Assert.StartsWith("C-", answer.Element("service_request_id")!.Value, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(answer.Element("service_notice")!.Value));

        using var refused = await Client.PostAsync($"{Base}/requests.xml", Form(("service_code", "parking")));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = XDocument.Parse(await refused.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(("errors", "403"), (error.Name.LocalName, error.Element("error")!.Element("code")!.Value));
    }

    [Fact]
    public async Task XmlAnswer_OfADescriptionWithControlCharacters_StillParses()
    {
        var id = await OpenAsync(("description", "bell\u0007 and form feed\u000C, 😀 kept"));
        var (status, text) = await GetAsync($"/requests/{id}.xml");
        Assert.Equal(HttpStatusCode.OK, status);
        var description = XDocument.Parse(text).Root!.Element("request")!.Element("description")!.Value;
        Assert.Equal("bell\uFFFD and form feed\uFFFD, 😀 kept", description);
        var json = JsonDocument.Parse((await GetAsync($"/requests/{id}.json")).Text).RootElement[0];
        Assert.Equal("bell\u0007 and form feed\u000C, 😀 kept", json.GetProperty("description").GetString());
    }

    // --- api_key ---

    [Fact]
    public async Task Post_WithoutOrWithBadApiKey_Is403()
    {
        ErrorOf(HttpStatusCode.Forbidden, await PostAsync(Form(("service_code", "shopfront"), ("lat", "28.0"), ("long", "120.65"))));
        ErrorOf(HttpStatusCode.Forbidden, await PostAsync(Form(("api_key", "not-the-key-at-all-000"), ("service_code", "shopfront"), ("lat", "28.0"), ("long", "120.65"))));
    }

    [Fact]
    public async Task Post_WithAStaffCredentialAsApiKey_Is403_NamingWhyItIsNoApiKey()
    {
        using var response = await Client.PostAsync($"{Base}/requests.json", Form(Report(("api_key", SiloFactory.DispatcherKey))));
        var description = ErrorOf(HttpStatusCode.Forbidden, (response.StatusCode, await JsonOf(response)));
        Assert.Contains("dispatcher's credential", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WithAReporterKeyIssuedAtRunTime_IsTaken_AndRevokingItStopsIt()
    {
        var secret = await throttled.Factory.IssueAsync("Reporter", "hotline-12345");
        using var accepted = await throttled.Client.PostAsync($"{Base}/requests.json", Form(Report(("api_key", secret))));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        using var list = await throttled.Operator.GetAsync("/api/credentials");
        var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Single(c => c.GetProperty("subject").GetString() == "hotline-12345");
        Assert.DoesNotContain(secret, listed.GetRawText(), StringComparison.Ordinal);
        using var revoke = await throttled.Operator.DeleteAsync($"/api/credentials/{listed.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        using var refused = await throttled.Client.PostAsync($"{Base}/requests.json", Form(Report(("api_key", secret))));
        ErrorOf(HttpStatusCode.Forbidden, (refused.StatusCode, await JsonOf(refused)));
    }

    [Fact]
    public async Task Post_PastTheKeysRateLimit_Is429WithRetryAfter_AnotherKeyIsNotSlowed()
    {
        var (first, second) = (await throttled.Factory.IssueAsync("Reporter", "app-a"), await throttled.Factory.IssueAsync("Reporter", "app-b"));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await throttled.Client.PostAsync($"{Base}/requests.json", Form(Report(("api_key", first))));
            statuses.Add(last.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, (HttpStatusCode)429], statuses);
        Assert.True(last!.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {last.Headers.RetryAfter}");
        var description = ErrorOf((HttpStatusCode)429, (last.StatusCode, await JsonOf(last)));
        Assert.Contains("at most 1 a minute", description, StringComparison.Ordinal);
        last.Dispose();
        using var other = await throttled.Client.PostAsync($"{Base}/requests.json", Form(Report(("api_key", second))));
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    // --- hostile and malformed input ---

    [Theory]
    [InlineData("120.65", "28.0", "swapped")]
    [InlineData("95", "120.65", "between -90 and 90")]
    [InlineData("28.0", "200", "between -180 and 180")]
    [InlineData("NaN", "120.65", "decimal number")]
    [InlineData("28.0", "Infinity", "decimal number")]
    [InlineData("28.0", "", "both")]
    public async Task Post_BadPosition_Is400_SayingWhy(string lat, string lon, string hint)
    {
        var fields = Report(("lat", lat), ("long", lon));
        Assert.Contains(hint, ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(fields))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NoPositionAndNoAddress_Is400()
    {
        var fields = Report().Where(f => f.Item1 is not ("lat" or "long")).ToArray();
        Assert.Contains("location is required", ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(fields))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownService_Is404ForItsDefinition_And400ForAReport()
    {
        var (status, text) = await GetAsync("/services/no-such-service.json");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, JsonDocument.Parse(text).RootElement[0].GetProperty("code").GetInt32());
        var fields = Report(("service_code", "no-such-service"));
        Assert.Contains("unknown service_code", ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(fields))), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/services.yaml")).Status);
    }

    [Fact]
    public async Task Post_ParkingAttributes_CheckedAgainstTheDefinition()
    {
        (string, string)[] Parking(params (string, string)[] attributes) =>
            Report([("service_code", "parking"), .. attributes]);

        Assert.Contains("attribute[plate_number] is required", ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(Parking()))), StringComparison.Ordinal);
        Assert.Contains("must be one of car", ErrorOf(HttpStatusCode.BadRequest,
            await PostAsync(Form(Parking(("attribute[plate_number]", "浙C12345"), ("attribute[vehicle_type]", "spaceship"))))), StringComparison.Ordinal);
        Assert.Contains("no attribute 'colour'", ErrorOf(HttpStatusCode.BadRequest,
            await PostAsync(Form(Parking(("attribute[plate_number]", "浙C12345"), ("attribute[colour]", "red"))))), StringComparison.Ordinal);
        ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(Parking(("attribute[plate_number]", new string('x', 501))))));

        var (status, body) = await PostAsync(Form(Parking(("attribute[plate_number]", "浙C12345"), ("attribute[vehicle_type]", "car"))));
        Assert.Equal(HttpStatusCode.Created, status);
        using var internalView = await silo.Dispatcher.GetAsync($"/api/cases/{body[0].GetProperty("service_request_id").GetString()}");
        var attributes = (await JsonOf(internalView)).GetProperty("attributes");
        Assert.Equal(("浙C12345", "car"), (attributes.GetProperty("plate_number").GetString(), attributes.GetProperty("vehicle_type").GetString()));
    }

    [Fact]
    public async Task Post_TenMegabyteDescription_Is413_AndOneCharacterTooLong_Is400()
    {
        using var huge = new StringContent("api_key=" + Open311Silo.ApiKey + "&service_code=dust&lat=28&long=120.65&description=" + new string('a', 10 * 1024 * 1024),
            Encoding.ASCII, "application/x-www-form-urlencoded");
        ErrorOf(HttpStatusCode.RequestEntityTooLarge, await PostAsync(huge));
        ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(Report(("description", new string('b', 4001))))));
    }

    [Theory]
    [InlineData("description=%ZZ")]
    [InlineData("description=%FF%FE")]
    [InlineData("description=%4")]
    public async Task Post_BadFormEncoding_Is400(string bad)
    {
        using var content = new StringContent($"api_key={Open311Silo.ApiKey}&service_code=dust&lat=28&long=120.65&{bad}", Encoding.ASCII, "application/x-www-form-urlencoded");
        Assert.Contains("form", ErrorOf(HttpStatusCode.BadRequest, await PostAsync(content)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NulOrLoneSurrogate_Is400()
    {
        ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(Report(("address_string", "a\0b")))));
        using var json = new StringContent($$"""{"api_key":"{{Open311Silo.ApiKey}}","service_code":"dust","lat":28,"long":120.65,"description":"x\ud800y"}""", Encoding.UTF8, "application/json");
        ErrorOf(HttpStatusCode.BadRequest, await PostAsync(json));
    }

    // --- idempotency and extensions ---

    [Fact]
    public async Task Post_RetriedWithTheSameKey_AnswersTheSameRequest_AndOpensNoSecondCase()
    {
        var key = $"app-{Guid.NewGuid():N}";
        var first = await PostAsync(Form(Report(("idempotency_key", key))));
        var again = await PostAsync(Form(Report(("idempotency_key", key))));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.Status, again.Status));
        var id = first.Body[0].GetProperty("service_request_id").GetString();
        Assert.Equal(id, again.Body[0].GetProperty("service_request_id").GetString());

        using var header = new HttpRequestMessage(HttpMethod.Post, $"{Base}/requests.json") { Content = Form(Report()) };
        header.Headers.Add("Idempotency-Key", key);
        using var byHeader = await Client.SendAsync(header);
        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);
        Assert.Equal(id, (await JsonOf(byHeader))[0].GetProperty("service_request_id").GetString());

        // One case, one report: its timeline starts once, however often the client retried.
        using var @case = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Single((await JsonOf(@case)).GetProperty("timeline").EnumerateArray(), e => e.GetProperty("action").GetString() == "Report");
    }

    [Fact]
    public async Task Post_Gcj02Position_IsConvertedToWgs84()
    {
        var id = await OpenAsync(("crs", "gcj02"));
        using var @case = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        var view = await JsonOf(@case);
        var (lat, lon) = (view.GetProperty("lat").GetDouble(), view.GetProperty("lon").GetDouble());
        Assert.Equal(GridServer.Domain.Geo.PointCrsExtensions.ToWgs84(GridServer.Domain.Geo.PointCrs.Gcj02, 120.65, 28.0), (lon, lat));
        Assert.InRange(Math.Abs(lat - 28.0) + Math.Abs(lon - 120.65), 0.001, 0.02);   // GCJ-02 is shifted by a few hundred metres
        // The public view gives the same WGS84 position, rounded to three decimals of a degree.
        var request = JsonDocument.Parse((await GetAsync($"/requests/{id}.json")).Text).RootElement[0];
        Assert.Equal((Math.Round(lon, 3), Math.Round(lat, 3)), (request.GetProperty("long").GetDouble(), request.GetProperty("lat").GetDouble()));
        ErrorOf(HttpStatusCode.BadRequest, await PostAsync(Form(Report(("crs", "utm")))));
    }

    [Fact]
    public async Task Post_Json_WithAttributeObject_OpensTheCase()
    {
        using var json = new StringContent($$$"""
            {"api_key":"{{{Open311Silo.ApiKey}}}","service_code":"parking","lat":28.0,"long":120.65,
             "attribute":{"plate_number":"浙C54321","vehicle_type":"truck"}}
            """, Encoding.UTF8, "application/json");
        var (status, body) = await PostAsync(json);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("parking", body[0].GetProperty("service_code").GetString());
    }

    // --- deferred reports, listing ---

    private async Task<string> OpenDeferredAsync()
    {
        var fields = Report(("address_string", "鹿城区人民路 12 号门口")).Where(f => f.Item1 is not ("lat" or "long")).ToArray();
        var (status, body) = await PostAsync(Form(fields));
        Assert.Equal(HttpStatusCode.Created, status);
        var token = body[0].GetProperty("token").GetString()!;
        Assert.False(body[0].TryGetProperty("service_request_id", out _));
        var (tokenStatus, tokenText) = await GetAsync($"/tokens/{token}.json");
        Assert.Equal(HttpStatusCode.OK, tokenStatus);
        return JsonDocument.Parse(tokenText).RootElement[0].GetProperty("service_request_id").GetString()!;
    }

    [Fact]
    public async Task Post_AddressOnly_AnswersAToken_TheCaseWaitsInTheCommandCenterQueue()
    {
        var id = await OpenDeferredAsync();
        var request = JsonDocument.Parse((await GetAsync($"/requests/{id}.json")).Text).RootElement[0];
        Assert.Equal(JsonValueKind.Null, request.GetProperty("lat").ValueKind);
        Assert.Equal(JsonValueKind.Null, request.GetProperty("address").ValueKind);   // the reporter's words for a place are not public
        // The reporter-status template, rendered as the case stands when read.
        var notes = request.GetProperty("status_notes").GetString()!;
        Assert.Contains($"（编号 {id}）已受理", notes, StringComparison.Ordinal);
        Assert.Contains("指挥中心正在确定位置", notes, StringComparison.Ordinal);
        using (var internalView = await silo.Dispatcher.GetAsync($"/api/cases/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, internalView.StatusCode);
            var @case = await JsonOf(internalView);
            Assert.Equal((JsonValueKind.Null, JsonValueKind.Null, "Registered"), (@case.GetProperty("lon").ValueKind, @case.GetProperty("gridCode").ValueKind, @case.GetProperty("state").GetString()));
            Assert.Equal("鹿城区人民路 12 号门口", @case.GetProperty("address").GetString());
            Assert.Equal("only an address was given, and no gazetteer is imported to place it", @case.GetProperty("queueReason").GetString());
        }
        using var queue = await silo.Dispatcher.GetAsync("/api/command-center/queue");
        Assert.Contains(id, (await JsonOf(queue)).EnumerateArray().Select(e => e.GetProperty("caseId").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/tokens/C-unknown.json")).Status);
    }

    [Fact]
    public async Task AddressOnly_LocatedByTheCommandCenter_IsDispatchedThere_AndShowsItsPosition()
    {
        var officerA = (await silo.StaffAsync(Grid)).A;
        var id = await OpenDeferredAsync();
        using (var bad = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/locate", new { lon = 28.0, lat = 120.65 }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var officer = await (await silo.AsAsync("Officer", "O-LOCATE")).PostAsJsonAsync($"/api/cases/{id}/locate", new { lon = 120.65, lat = 28.0 }))
            Assert.Equal(HttpStatusCode.Forbidden, officer.StatusCode);

        using var located = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/locate", new { lon = 120.65, lat = 28.0 });

        Assert.Equal(HttpStatusCode.OK, located.StatusCode);
        var @case = await JsonOf(located);
        Assert.Equal((Grid, 120.65, 28.0), (@case.GetProperty("gridCode").GetString(), @case.GetProperty("lon").GetDouble(), @case.GetProperty("lat").GetDouble()));
        Assert.Equal(("Dispatched", officerA), (@case.GetProperty("state").GetString(), @case.GetProperty("officerId").GetString()));
        var request = JsonDocument.Parse((await GetAsync($"/requests/{id}.json")).Text).RootElement[0];
        Assert.Equal((28.0, 120.65), (request.GetProperty("lat").GetDouble(), request.GetProperty("long").GetDouble()));
        using var queue = await silo.Dispatcher.GetAsync("/api/command-center/queue");
        Assert.DoesNotContain(id, (await JsonOf(queue)).EnumerateArray().Select(e => e.GetProperty("caseId").GetString()));
    }

    [Fact]
    public async Task GetRequests_ByIdsWithFilters_AndBySearchWithoutIds()
    {
        var shopfront = await OpenAsync();
        var parking = await OpenAsync(("service_code", "parking"), ("attribute[plate_number]", "浙C1"));
        var both = JsonDocument.Parse((await GetAsync($"/requests.json?service_request_id={shopfront},{parking},C-missing")).Text).RootElement;
        Assert.Equal([shopfront, parking], both.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()));
        var filtered = JsonDocument.Parse((await GetAsync($"/requests.json?service_request_id={shopfront},{parking}&service_code=parking&status=open")).Text).RootElement;
        Assert.Equal(parking, Assert.Single(filtered.EnumerateArray()).GetProperty("service_request_id").GetString());
        var closed = JsonDocument.Parse((await GetAsync($"/requests.json?service_request_id={shopfront}&status=closed")).Text).RootElement;
        Assert.Equal(0, closed.GetArrayLength());
        var paged = JsonDocument.Parse((await GetAsync($"/requests.json?service_request_id={shopfront},{parking}&page=2&page_size=1")).Text).RootElement;
        Assert.Equal(parking, Assert.Single(paged.EnumerateArray()).GetProperty("service_request_id").GetString());

        // Without ids: a search over all requests (the last 90 days by default), newest first.
        var (status, text) = await GetAsync("/requests.json?service_code=shopfront&status=open");
        Assert.Equal(HttpStatusCode.OK, status);
        var listed = JsonDocument.Parse(text).RootElement.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()).ToList();
        Assert.Contains(shopfront, listed);
        Assert.DoesNotContain(parking, listed);
        var (xmlStatus, xml) = await GetAsync("/requests.xml?service_code=parking&page_size=100");
        Assert.Equal(HttpStatusCode.OK, xmlStatus);
        Assert.Contains(parking, System.Xml.Linq.XDocument.Parse(xml).Descendants("service_request_id").Select(e => e.Value));
        var future = JsonDocument.Parse((await GetAsync("/requests.json?start_date=2099-01-01T00:00:00Z")).Text).RootElement;
        Assert.Equal(0, future.GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/requests.json?service_code=shopfront,parking")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/requests.json?start_date=2026-12-01T00:00:00Z&end_date=2026-11-01T00:00:00Z")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync($"/requests.json?service_request_id={shopfront}&start_date=yesterday")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/requests/C-missing.json")).Status);
    }

    // --- the whole flow ---

    [Fact]
    public async Task Flow_ReportInAStaffedGrid_IsOpen_WithTheSquadResponsible_AndTheAcceptDeadlineExpected()
    {
        var (a, _, squad) = await silo.StaffAsync(Grid);

        var id = await OpenAsync(("service_code", "parking"), ("attribute[plate_number]", "浙C99999"), ("media_url", "https://example.org/p/3.jpg"));
        var (status, text) = await GetAsync($"/requests/{id}.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var request = JsonDocument.Parse(text).RootElement[0];
        using var internalView = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        var @case = await JsonOf(internalView);
        Assert.Equal(("Dispatched", a), (@case.GetProperty("state").GetString(), @case.GetProperty("officerId").GetString()));

        Assert.Equal(("open", squad), (request.GetProperty("status").GetString(), request.GetProperty("agency_responsible").GetString()));
        Assert.Contains($"（编号 {id}）已派遣", request.GetProperty("status_notes").GetString(), StringComparison.Ordinal);
        Assert.Equal(@case.GetProperty("acceptBy").GetDateTimeOffset(), request.GetProperty("expected_datetime").GetDateTimeOffset());
        // The media link is not public (a photo shows faces and plates); the staff's view keeps it.
        Assert.Equal(("parking", "goods on the pavement", JsonValueKind.Null), (request.GetProperty("service_code").GetString(),
            request.GetProperty("description").GetString(), request.GetProperty("media_url").ValueKind));
        Assert.Equal("https://example.org/p/3.jpg", @case.GetProperty("mediaUrl").GetString());
        Assert.Equal((28.0, 120.65), (request.GetProperty("lat").GetDouble(), request.GetProperty("long").GetDouble()));
        Assert.True(request.GetProperty("requested_datetime").GetDateTimeOffset() <= request.GetProperty("updated_datetime").GetDateTimeOffset());
        // The public view names no officer and carries no internal note.
        Assert.DoesNotContain(a, text, StringComparison.Ordinal);
        Assert.DoesNotContain("registered from", text, StringComparison.Ordinal);
    }

    // --- status notes and the reporting channel's inbox ---

    [Fact]
    public async Task StatusNotes_JsonAndXml_TheReporterTemplateForTheCaseAsItStands_NoOfficer()
    {
        var (a, _, _) = await silo.StaffAsync(Grid);
        var id = await OpenAsync(("service_code", "parking"), ("attribute[plate_number]", "浙C12345"));

        var json = JsonDocument.Parse((await GetAsync($"/requests/{id}.json")).Text).RootElement[0].GetProperty("status_notes").GetString()!;
        var (xmlStatus, xmlText) = await GetAsync($"/requests.xml?service_request_id={id}");
        Assert.Equal(HttpStatusCode.OK, xmlStatus);
        var xml = XDocument.Parse(xmlText).Descendants("status_notes").Single().Value;

        Assert.Contains($"（编号 {id}）已派遣", json, StringComparison.Ordinal);
        Assert.Contains("预计", json, StringComparison.Ordinal);   // the accept deadline runs
        Assert.Equal(json, xml);
        Assert.DoesNotContain(a, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportingChannel_ReadsTheStatusOfItsOwnCases_NotAnotherChannels_NorWhatStaffWrote()
    {
        var (one, two) = ($"app-{Guid.NewGuid():N}"[..16], $"app-{Guid.NewGuid():N}"[..16]);
        var (keyOne, keyTwo) = (await silo.Factory.IssueAsync("Reporter", one), await silo.Factory.IssueAsync("Reporter", two));
        async Task<string> ReportAsync(string key)
        {
            // Address only: the case waits in the command center's queue, where a dispatcher may void it.
            var (status, body) = await PostAsync(Form(Report(("api_key", key), ("address_string", "鹿城区人民路 12 号门口"))
                .Where(f => f.Item1 is not ("lat" or "long")).ToArray()));
            Assert.Equal(HttpStatusCode.Created, status);
            return body[0].GetProperty("token").GetString()!;
        }
        var (mine, theirs) = (await ReportAsync(keyOne), await ReportAsync(keyTwo));
        foreach (var id in new[] { mine, theirs })
        {
            using var voided = await silo.Dispatcher.PostAsync($"/api/cases/{id}/actions",
                JsonBody(JsonSerializer.Serialize(new { action = "Void", note = "internal: duplicate of a hotline call" })));
            Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        }

        using var clientOne = silo.Factory.CreateClientWith(keyOne);
        var page = await InboxAsync(clientOne, "the first channel's inbox holds its notice");
        var notice = Assert.Single(page.GetProperty("notices").EnumerateArray());
        Assert.Equal(("reporter-status", "reporter:" + one, mine), (notice.GetProperty("kind").GetString(), notice.GetProperty("recipient").GetString(),
            notice.GetProperty("caseIds")[0].GetString()));
        var text = notice.GetProperty("text").GetString()!;
        Assert.Contains("不予立案", text, StringComparison.Ordinal);
        Assert.DoesNotContain("duplicate", text, StringComparison.Ordinal);
        Assert.Equal(0, notice.GetProperty("gridCodes").GetArrayLength());

        // The other channel's inbox holds its own case only, never this one.
        using var clientTwo = silo.Factory.CreateClientWith(keyTwo);
        page = await InboxAsync(clientTwo, "the second channel's inbox holds its notice");
        Assert.Equal([theirs], page.GetProperty("notices").EnumerateArray().Select(n => n.GetProperty("caseIds")[0].GetString()!).ToArray());
        // A reporter has no live stream.
        using var stream = await clientOne.GetAsync("/api/inbox/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, stream.StatusCode);
    }

    /// <summary>A reporting channel's inbox once it holds a notice.</summary>
    private static Task<JsonElement> InboxAsync(HttpClient client, string what) => Eventually.ValueAsync(what, async () =>
    {
        using var response = await client.GetAsync("/api/inbox?limit=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonOf(response);
    }, page => page.GetProperty("total").GetInt32() >= 1, poll: TimeSpan.FromMilliseconds(50));
}
