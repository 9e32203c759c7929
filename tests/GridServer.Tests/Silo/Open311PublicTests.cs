using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using GridServer.Abstractions.Cases;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>Open311 with descriptions shown redacted, positions rounded to 3 decimals, and one private channel.</summary>
public sealed class RedactedOpen311Silo() : EmbeddedSiloWith(new()
{
    ["GridServer:Open311:RateLimit:PermitsPerMinute"] = "100000",
    ["GridServer:Open311:RateLimit:Burst"] = "1000",
    ["GridServer:Open311:Public:Description"] = "Redacted",
    ["GridServer:Open311:Public:PrivateChannels:0"] = PrivateChannel,
})
{
    public const string PrivateChannel = "hotline-with-callers";
}

/// <summary>Open311 as shipped: no description and a rounded position in public.</summary>
public sealed class DefaultOpen311Silo() : EmbeddedSiloWith([])
{
}

/// <summary>Open311 with its public search turned off and no position in public.</summary>
public sealed class ClosedOpen311Silo() : EmbeddedSiloWith(new()
{
    ["GridServer:Open311:Public:Search"] = "false",
    ["GridServer:Open311:Public:Position"] = "None",
})
{
}

/// <summary>
/// What Open311's anonymous reads show: only cases a public channel reported and did not keep private, their
/// descriptions as the bureau's setting says with phone and ID numbers masked (in JSON and XML), their positions
/// rounded or left out, never the address text or the media link; and the public search can be turned off.
/// </summary>
public sealed class Open311PublicTests(RedactedOpen311Silo redacted, DefaultOpen311Silo shipped, ClosedOpen311Silo closed)
    : IClassFixture<RedactedOpen311Silo>, IClassFixture<DefaultOpen311Silo>, IClassFixture<ClosedOpen311Silo>
{
    private const string Base = "/open311/v2";

    /// <summary>Descriptions with a citizen's phone or ID number written the many ways people write them; each has no other digit.</summary>
    public static TheoryData<string, string> PersonalNumbers => new()
    {
        { "王先生电话 13800138000 门口堆物", "13800138000" },
        { "王先生电话 138 0013 8000 门口堆物", "138 0013 8000" },
        { "王先生电话 138-0013-8000 门口堆物", "138-0013-8000" },
        { "王先生电话 +86 138 0013 8000 门口堆物", "138 0013 8000" },
        { "王先生电话１３８００１３８０００门口堆物", "１３８００１３８０００" },
        { "王先生电话 １３８　００１３　８０００ 门口堆物", "８０００" },
        { "王先生电话 一三八〇〇一三八〇〇〇 门口堆物", "一三八〇〇一三八〇〇〇" },
        { "座机 0577-88123456 转前台", "88123456" },
        { "座机 (0577) 8812 3456 转前台", "8812 3456" },
        { "身份证号 33030219900101123X 的店主", "33030219900101123X" },
        { "身份证号 330302 19900101 123x 的店主", "19900101" },
        { "身份证号３３０３０２１９９００１０１１２３Ｘ的店主", "１９９００１０１" },
    };

    private static async Task<string> ReportAsync(EmbeddedSiloWith silo, string channel, string description, bool? asksPrivate = null, string? address = null)
    {
        var key = await silo.Factory.IssueAsync("Reporter", channel);
        var fields = new List<KeyValuePair<string, string>>
        {
            new("api_key", key), new("service_code", "shopfront"), new("description", description),
            new("media_url", "https://example.org/photos/wang.jpg"),
        };
        if (address is null)
        {
            fields.Add(new("lat", "28.0012345"));
            fields.Add(new("long", "120.6501234"));
        }
        else
        {
            fields.Add(new("address_string", address));
        }
        if (asksPrivate is not null) fields.Add(new("public", asksPrivate.Value ? "false" : "true"));
        using var posted = await silo.Client.PostAsync($"{Base}/requests.json", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var answer = (await JsonOf(posted))[0];
        return (answer.TryGetProperty("service_request_id", out var id) ? id : answer.GetProperty("token")).GetString()!;
    }

    private static string NewChannel() => $"app-{Guid.NewGuid():N}"[..16];

    /// <summary>Every public read of one case: by id (JSON, XML), by id list (JSON, XML), the search (JSON, XML), the token.</summary>
    private static async Task<(HttpStatusCode Status, string Body)[]> ReadEverywhereAsync(EmbeddedSiloWith silo, string id)
    {
        var paths = new[]
        {
            $"/requests/{id}.json", $"/requests/{id}.xml", $"/requests.json?service_request_id={id}", $"/requests.xml?service_request_id={id}",
            "/requests.json?page_size=100", "/requests.xml?page_size=100", $"/tokens/{id}.json",
        };
        var answers = new List<(HttpStatusCode, string)>();
        foreach (var path in paths)
        {
            using var response = await silo.Client.GetAsync(Base + path);
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        return [.. answers];
    }

    /// <summary>Every string a JSON or XML answer carries, decoded (JSON escapes non-ASCII characters; XML entities).</summary>
    private static List<string> Strings(string body)
    {
        if (body.TrimStart().StartsWith('<'))
            return [.. XDocument.Parse(body).DescendantNodes().OfType<XText>().Select(t => t.Value)];
        var found = new List<string>();
        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String: found.Add(e.GetString()!); break;
                case JsonValueKind.Array: foreach (var i in e.EnumerateArray()) Walk(i); break;
                case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value); break;
            }
        }
        using var document = JsonDocument.Parse(body);
        Walk(document.RootElement);
        return found;
    }

    private static bool Listed(string body, string id) => Strings(body).Contains(id);

    [Theory]
    [MemberData(nameof(PersonalNumbers))]
    public async Task PublicReads_DescriptionWithAPhoneOrIdNumber_NumberMaskedInJsonAndXml_NothingElseLeaks(string description, string secret)
    {
        var id = await ReportAsync(redacted, NewChannel(), description);

        var answers = await ReadEverywhereAsync(redacted, id);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var expected = GridServer.Domain.Privacy.PersonalData.MaskNumbers(description);
        Assert.Contains("***", expected, StringComparison.Ordinal);
        foreach (var (_, body) in answers.SkipLast(1))
        {
            Assert.True(Listed(body, id), $"{id} not in {body}");
            var strings = Strings(body);
            Assert.Contains(expected, strings);
            Assert.DoesNotContain(strings, s => s.Contains(secret, StringComparison.Ordinal) || s.Contains("wang.jpg", StringComparison.Ordinal));
        }
        // The staff's view keeps the words as reported.
        using var @case = await redacted.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal(description, (await JsonOf(@case)).GetProperty("description").GetString());
    }

    [Fact]
    public async Task PublicReads_Position_RoundedToThreeDecimals_AddressAndMediaLeftOut()
    {
        var id = await ReportAsync(redacted, NewChannel(), "goods on the pavement");
        var deferred = await ReportAsync(redacted, NewChannel(), "goods on the pavement", address: "人民路 12 号 王家 电话 13800138000");

        using var response = await redacted.Client.GetAsync($"{Base}/requests.json?service_request_id={id},{deferred}");
        var requests = (await JsonOf(response)).EnumerateArray().ToDictionary(r => r.GetProperty("service_request_id").GetString()!);

        Assert.Equal((28.001, 120.65), (requests[id].GetProperty("lat").GetDouble(), requests[id].GetProperty("long").GetDouble()));
        Assert.All(requests.Values, r => Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (r.GetProperty("address").ValueKind, r.GetProperty("media_url").ValueKind)));
        Assert.DoesNotContain("人民路", requests[deferred].GetProperty("status_notes").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicReads_ByDefault_NoDescription_PositionRounded()
    {
        var id = await ReportAsync(shipped, NewChannel(), "王先生电话 138 0013 8000");

        using var response = await shipped.Client.GetAsync($"{Base}/requests/{id}.json");

        var request = (await JsonOf(response))[0];
        Assert.Equal(JsonValueKind.Null, request.GetProperty("description").ValueKind);
        Assert.Equal((28.001, 120.65), (request.GetProperty("lat").GetDouble(), request.GetProperty("long").GetDouble()));
    }

    [Fact]
    public async Task StaffEnteredCase_WithPersonalData_NeverInAnyPublicRead()
    {
        using var opened = await redacted.Dispatcher.PostAsJsonAsync("/api/cases",
            new { matter = "shopfront", lon = 120.65, lat = 28.0, reporterId = "hotline-note", description = "12345 热线：王先生 138 0013 8000" });
        var id = (await JsonOf(opened)).GetProperty("caseId").GetString()!;

        var answers = await ReadEverywhereAsync(redacted, id);

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound], new[] { answers[0].Status, answers[1].Status });
        Assert.Equal(HttpStatusCode.NotFound, answers[^1].Status);
        Assert.All(answers, a => Assert.False(a.Status == HttpStatusCode.OK && Listed(a.Body, id), $"{id} listed: {a.Body}"));
        // The same answer as an id that does not exist: probing tells nothing.
        using var unknown = await redacted.Client.GetAsync($"{Base}/requests/C-no-such-case.json");
        Assert.Equal(Strings(await unknown.Content.ReadAsStringAsync()).Single().Replace("C-no-such-case", id, StringComparison.Ordinal),
            Strings(answers[0].Body).Single());
    }

    [Fact]
    public async Task ReadsByMadeUpIds_WakeNoCase_AndAPublicCaseAmongThemIsListed()
    {
        var published = await ReportAsync(shipped, NewChannel(), "goods on the pavement", asksPrivate: false);
        var management = shipped.Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        async Task<int> CasesAwake() => (await management.GetSimpleGrainStatistics())
            .Where(s => s.GrainType.StartsWith("GridServer.Grains.Cases.CaseGrain,", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
        // The published case is read once, so that it is awake before the count is taken.
        using (var first = await shipped.Client.GetAsync($"{Base}/requests/{published}.json"))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = await CasesAwake();
        Assert.True(before >= 1, "the published case is awake");

        var madeUp = Enumerable.Range(0, 99).Select(_ => $"C-{Guid.NewGuid():N}").ToList();
        using var listed = await shipped.Client.GetAsync($"{Base}/requests.json?service_request_id={string.Join(',', madeUp.Append(published))}");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        using (var body = JsonDocument.Parse(await listed.Content.ReadAsStringAsync()))
            Assert.Equal([published], body.RootElement.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()).ToList());
        foreach (var id in madeUp.Take(5))
        {
            using var one = await shipped.Client.GetAsync($"{Base}/requests/{id}.json");
            using var token = await shipped.Client.GetAsync($"{Base}/tokens/{id}.json");
            Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (one.StatusCode, token.StatusCode));
        }
        Assert.True(await CasesAwake() <= before, "a made-up id woke a case");
    }

    [Fact]
    public async Task ReportAskingToStayPrivate_OrFromAPrivateChannel_NeverInAnyPublicRead()
    {
        var optedOut = await ReportAsync(redacted, NewChannel(), "goods on the pavement", asksPrivate: true);
        var hotline = await ReportAsync(redacted, RedactedOpen311Silo.PrivateChannel, "goods on the pavement");
        var published = await ReportAsync(redacted, NewChannel(), "goods on the pavement", asksPrivate: false);

        foreach (var id in new[] { optedOut, hotline })
        {
            var answers = await ReadEverywhereAsync(redacted, id);
            Assert.All(answers, a => Assert.False(a.Status == HttpStatusCode.OK && Listed(a.Body, id), $"{id} listed: {a.Body}"));
            using var @case = await redacted.Dispatcher.GetAsync($"/api/cases/{id}");
            Assert.False((await JsonOf(@case)).GetProperty("public").GetBoolean());
        }
        Assert.All(await ReadEverywhereAsync(redacted, published), a => Assert.Equal(HttpStatusCode.OK, a.Status));
    }

    [Fact]
    public async Task Report_PublicFieldNeitherTrueNorFalse_Is400()
    {
        var key = await redacted.Factory.IssueAsync("Reporter", NewChannel());
        using var posted = await redacted.Client.PostAsync($"{Base}/requests.json", new FormUrlEncodedContent(
        [
            new("api_key", key), new("service_code", "shopfront"), new("lat", "28.0"), new("long", "120.65"), new("public", "maybe"),
        ]));

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("'public' must be true or false", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaseGrain_OpenedWithoutAReportingChannel_IsNeverPublic_WhateverTheCallerSays()
    {
        var grains = redacted.Factory.Services.GetRequiredService<IGrainFactory>();
        var id = "C-" + Guid.NewGuid().ToString("N");

        var view = await grains.GetGrain<ICaseGrain>(id).OpenAsync(new CaseReport("shopfront", 120.65, 28.0, null, "sensor:S-1", "reading", Public: true));

        Assert.False(view.Public);
        using var response = await redacted.Client.GetAsync($"{Base}/requests/{id}.json");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PublicSearch_TurnedOff_Is403InOpen311sFormat_ReadsByIdStillAnswer_WithoutAPosition()
    {
        var id = await ReportAsync(closed, NewChannel(), "goods on the pavement");

        using var search = await closed.Client.GetAsync($"{Base}/requests.json");
        using var searchXml = await closed.Client.GetAsync($"{Base}/requests.xml?status=open");
        using var one = await closed.Client.GetAsync($"{Base}/requests/{id}.json");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (search.StatusCode, searchXml.StatusCode));
        Assert.Contains("searching the requests is turned off", (await JsonOf(search))[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("errors", XDocument.Parse(await searchXml.Content.ReadAsStringAsync()).Root!.Name.LocalName);
        var request = (await JsonOf(one))[0];
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (request.GetProperty("lat").ValueKind, request.GetProperty("long").ValueKind));
    }

    [Theory]
    [InlineData("GridServer:Open311:Public:Description", "Full", "GridServer:Open311:Public:Description is 'Full'; use None (no description in public) or Redacted")]
    [InlineData("GridServer:Open311:Public:Position", "Exact", "GridServer:Open311:Public:Position is 'Exact'; use Rounded")]
    [InlineData("GridServer:Open311:Public:PositionDecimals", "7", "GridServer:Open311:Public:PositionDecimals is 7; use 1 to 4")]
    public void Startup_BadPublicSetting_FailsNamingIt(string key, string value, string expected)
    {
        using var factory = new SiloFactory(new() { [key] = value });
        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var messages = new StringBuilder();
        for (Exception? e = failure; e is not null; e = e.InnerException) messages.AppendLine(e.Message);

        Assert.Contains(expected, messages.ToString(), StringComparison.Ordinal);
    }
}
