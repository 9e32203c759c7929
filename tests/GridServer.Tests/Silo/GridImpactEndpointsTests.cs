using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// Grid changes and their impact over HTTP on the embedded server: dry runs, re-routing open cases, split and merge.
/// Each test draws its own grids in empty ground east of the sample, so none sees another's cases.
/// </summary>
public sealed class GridImpactEndpointsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private HttpClient Operator => silo.Operator;

    private static string I(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A box in lon/lat degrees as GeoJSON Polygon coordinates.</summary>
    private static string Box(double lon0, double lat0, double lon1, double lat1) =>
        $"[[[{I(lon0)},{I(lat0)}],[{I(lon1)},{I(lat0)}],[{I(lon1)},{I(lat1)}],[{I(lon0)},{I(lat1)}],[{I(lon0)},{I(lat0)}]]]";

    private static string Feature(string code, string coordinates) =>
        $"{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{code}\",\"name\":\"网格{code[^4..]}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":{coordinates}}}}}";

    private static string Collection(params string[] features) => $"{{\"type\":\"FeatureCollection\",\"features\":[{string.Join(",", features)}]}}";

    /// <summary>Two new grids side by side, west and east of <paramref name="lon"/> + 0.001, at latitude 28.6.</summary>
    private async Task<(string West, string East)> PairAsync(string prefix, double lon)
    {
        var (west, east) = (prefix + "01", prefix + "02");
        using var response = await Operator.PostAsync("/api/grids", JsonBody(Collection(
            Feature(west, Box(lon, 28.6, lon + 0.001, 28.601)), Feature(east, Box(lon + 0.001, 28.6, lon + 0.002, 28.601)))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (west, east);
    }

    private async Task<(string A, string Squad)> StaffAsync(string grid)
    {
        var staff = await silo.StaffAsync(grid);
        return (staff.A, staff.Squad);
    }

    private async Task<string> OpenAsync(double lon, double lat)
    {
        using var response = await silo.Dispatcher.PostAsync("/api/cases", JsonBody($"{{\"matter\":\"parking\",\"lon\":{I(lon)},\"lat\":{I(lat)},\"reporterId\":\"citizen-9\"}}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonOf(response)).GetProperty("caseId").GetString()!;
    }

    private async Task<JsonElement> CaseAsync(string id)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        return await JsonOf(response);
    }

    private static JsonElement CaseIn(JsonElement answer, string id) =>
        Assert.Single(answer.GetProperty("cases").EnumerateArray(), c => c.GetProperty("caseId").GetString() == id);

    [Fact]
    public async Task BorderMoved_PreviewListsCaseAndTransfer_ApplyWithReroute_CaseDispatchedToNeighbour()
    {
        const double lon = 121.30;
        var (west, east) = await PairAsync("330302998101", lon);
        var eastPeople = await StaffAsync(east);
        var id = await OpenAsync(lon + 0.00095, 28.6005);   // in the west grid, 0.00005° from the border
        Assert.Equal(west, (await CaseAsync(id)).GetProperty("gridCode").GetString());
        var moved = Collection(Feature(west, Box(lon, 28.6, lon + 0.0009, 28.601)), Feature(east, Box(lon + 0.0009, 28.6, lon + 0.002, 28.601)));

        using (var preview = await Operator.PostAsync("/api/grids?dryRun=true", JsonBody(moved)))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            var body = await JsonOf(preview);
            Assert.True(body.GetProperty("dryRun").GetBoolean());
            Assert.Equal(2, body.GetProperty("changed").GetInt32());
            var transfer = Assert.Single(body.GetProperty("transfers").EnumerateArray());
            Assert.Equal((west, east), (transfer.GetProperty("fromGrid").GetString(), transfer.GetProperty("toGrid").GetString()));
            Assert.InRange(transfer.GetProperty("areaM2").GetDouble(), 900, 1200);   // 0.0001° × 0.001° at 28.6°N: about 1,090 m²
            Assert.Equal("Polygon", transfer.GetProperty("geometry").GetProperty("type").GetString());
            var listed = CaseIn(body, id);
            Assert.Equal((west, east, JsonValueKind.Null), (listed.GetProperty("fromGrid").GetString(), listed.GetProperty("toGrid").GetString(), listed.GetProperty("outcome").ValueKind));
        }
        // Nothing was stored by the preview.
        Assert.Equal(west, (await CaseAsync(id)).GetProperty("gridCode").GetString());
        using (var locate = await Operator.GetAsync($"/api/grids/locate?lon={I(lon + 0.00095)}&lat=28.6005"))
            Assert.Equal(west, (await JsonOf(locate)).GetProperty("gridCode").GetString());

        using var apply = await Operator.PostAsync("/api/grids?rerouteOpenCases=true", JsonBody(moved));

        Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
        var rerouted = CaseIn(await JsonOf(apply), id);
        Assert.Equal(("re-routed", east, eastPeople.A), (rerouted.GetProperty("outcome").GetString(), rerouted.GetProperty("toGrid").GetString(), rerouted.GetProperty("officerId").GetString()));
        var after = await CaseAsync(id);
        Assert.Equal((east, eastPeople.A, eastPeople.Squad, "Dispatched"), (after.GetProperty("gridCode").GetString(), after.GetProperty("officerId").GetString(),
            after.GetProperty("squadId").GetString(), after.GetProperty("state").GetString()));
        using var westCases = await Operator.GetAsync($"/api/grids/{west}/responsibility");
        Assert.DoesNotContain(id, (await JsonOf(westCases)).GetProperty("openCases").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Redraw_WithoutReroute_CaseListedNotRerouted_StaysWithItsGrid_InHandCaseTransferredWhenAsked()
    {
        const double lon = 121.31;
        var (west, east) = await PairAsync("330302998102", lon);
        var westPeople = await StaffAsync(west);
        var eastPeople = await StaffAsync(east);
        var id = await OpenAsync(lon + 0.0015, 28.6005);   // in the east grid
        var eastOfficer = await silo.AsAsync("Officer", eastPeople.A);
        using (var accept = await eastOfficer.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Accept" }))
            Assert.Equal(HttpStatusCode.OK, accept.StatusCode);

        // The east grid shrinks: its west half is left to no grid.
        using (var shrink = await Operator.PutAsync($"/api/grids/{east}", JsonBody($"{{\"type\":\"Polygon\",\"coordinates\":{Box(lon + 0.0018, 28.6, lon + 0.002, 28.601)}}}")))
        {
            Assert.Equal(HttpStatusCode.OK, shrink.StatusCode);
            var listed = CaseIn(await JsonOf(shrink), id);
            Assert.Equal(("not re-routed", JsonValueKind.Null), (listed.GetProperty("outcome").GetString(), listed.GetProperty("toGrid").ValueKind));
        }
        Assert.Equal(east, (await CaseAsync(id)).GetProperty("gridCode").GetString());

        // The west grid grows over the case (still the east grid's, not re-routed): with re-routing the accepted case passes to
        // the west grid's officer, still accepted.
        using var grow = await Operator.PutAsync($"/api/grids/{west}?rerouteOpenCases=true", JsonBody($"{{\"type\":\"Polygon\",\"coordinates\":{Box(lon, 28.6, lon + 0.0018, 28.601)}}}"));

        Assert.Equal(HttpStatusCode.OK, grow.StatusCode);
        var moved = CaseIn(await JsonOf(grow), id);
        Assert.Equal(("re-routed", east, west), (moved.GetProperty("outcome").GetString(), moved.GetProperty("fromGrid").GetString(), moved.GetProperty("toGrid").GetString()));
        var after = await CaseAsync(id);
        Assert.Equal((west, westPeople.A, "Accepted"), (after.GetProperty("gridCode").GetString(), after.GetProperty("officerId").GetString(), after.GetProperty("state").GetString()));
        Assert.Equal("Transfer", after.GetProperty("timeline").EnumerateArray().Last().GetProperty("action").GetString());
    }

    [Fact]
    public async Task Split_PartsCoverTheGrid_OldRetires_PartsInheritPeople_CaseGoesToItsPart()
    {
        const double lon = 121.32;
        var (grid, _) = await PairAsync("330302998103", lon);
        var people = await StaffAsync(grid);
        var id = await OpenAsync(lon + 0.0008, 28.6005);   // in the east half of the grid
        var (westPart, eastPart) = ("33030299810311", "33030299810312");
        var parts = Collection(Feature(westPart, Box(lon, 28.6, lon + 0.0005, 28.601)), Feature(eastPart, Box(lon + 0.0005, 28.6, lon + 0.001, 28.601)));

        using (var preview = await Operator.PostAsync($"/api/grids/{grid}/split?dryRun=true", JsonBody(parts)))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            var body = await JsonOf(preview);
            Assert.Equal((2, grid), (body.GetProperty("added").GetInt32(), body.GetProperty("retired")[0].GetString()));
            Assert.Equal(eastPart, CaseIn(body, id).GetProperty("toGrid").GetString());
        }

        using var split = await Operator.PostAsync($"/api/grids/{grid}/split", JsonBody(parts));

        Assert.Equal(HttpStatusCode.OK, split.StatusCode);
        var answer = await JsonOf(split);
        Assert.Equal(grid, Assert.Single(answer.GetProperty("retired").EnumerateArray()).GetString());
        Assert.Equal("re-routed", CaseIn(answer, id).GetProperty("outcome").GetString());
        using (var old = await Operator.GetAsync($"/api/grids/{grid}"))
            Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        var after = await CaseAsync(id);
        Assert.Equal((eastPart, people.A, people.Squad), (after.GetProperty("gridCode").GetString(), after.GetProperty("officerId").GetString(), after.GetProperty("squadId").GetString()));
        using var inherited = await Operator.GetAsync($"/api/grids/{westPart}/responsibility");
        Assert.Equal(people.Squad, (await JsonOf(inherited)).GetProperty("squadId").GetString());
    }

    [Fact]
    public async Task Split_Refusals_UncoveredAreaUnknownGridNotACollectionBadJsonOverlappingParts()
    {
        const double lon = 121.33;
        var (grid, neighbour) = await PairAsync("330302998104", lon);

        using (var gap = await Operator.PostAsync($"/api/grids/{grid}/split", JsonBody(Collection(
                   Feature("33030299810411", Box(lon, 28.6, lon + 0.0004, 28.601)), Feature("33030299810412", Box(lon + 0.0005, 28.6, lon + 0.001, 28.601))))))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, gap.StatusCode);
            Assert.Contains($"m² of grid '{grid}' uncovered", (await JsonOf(gap)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var overNeighbour = await Operator.PostAsync($"/api/grids/{grid}/split", JsonBody(Collection(
                   Feature("33030299810411", Box(lon, 28.6, lon + 0.0005, 28.601)), Feature("33030299810412", Box(lon + 0.0005, 28.6, lon + 0.0015, 28.601))))))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, overNeighbour.StatusCode);
            Assert.Contains($"overlaps neighbouring grid '{neighbour}'", (await JsonOf(overNeighbour)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var unknown = await Operator.PostAsync("/api/grids/33030299899999/split", JsonBody(Collection())))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var notCollection = await Operator.PostAsync($"/api/grids/{grid}/split", JsonBody($"{{\"type\":\"Polygon\",\"coordinates\":{Box(lon, 28.6, lon + 0.001, 28.601)}}}")))
            Assert.Equal(("Not a FeatureCollection", HttpStatusCode.BadRequest), ((await JsonOf(notCollection)).GetProperty("title").GetString(), notCollection.StatusCode));
        using (var bad = await Operator.PostAsync($"/api/grids/{grid}/split", JsonBody("{\"type\":")))
            Assert.Equal(("Not valid JSON", HttpStatusCode.BadRequest), ((await JsonOf(bad)).GetProperty("title").GetString(), bad.StatusCode));
        using (var selfIntersecting = await Operator.PostAsync($"/api/grids/{grid}/split", JsonBody(Collection(
                   Feature("33030299810411", $"[[[{I(lon)},28.6],[{I(lon + 0.0005)},28.601],[{I(lon + 0.0005)},28.6],[{I(lon)},28.601],[{I(lon)},28.6]]]"),
                   Feature("33030299810412", Box(lon + 0.0005, 28.6, lon + 0.001, 28.601))))))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, selfIntersecting.StatusCode);
            Assert.Contains("invalid geometry", (await JsonOf(selfIntersecting)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using var still = await Operator.GetAsync($"/api/grids/{grid}");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task Merge_IntoOneOfThem_OtherRetires_CaseMovesToMergedGrid_Refusals()
    {
        const double lon = 121.34;
        var (west, east) = await PairAsync("330302998105", lon);
        var westPeople = await StaffAsync(west);
        var id = await OpenAsync(lon + 0.0015, 28.6005);   // in the east grid

        using (var apart = await Operator.PostAsJsonAsync("/api/grids/merge", new { codes = new[] { west, "33030200200910" }, into = new { code = west } }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, apart.StatusCode);
            Assert.Contains("do not form one piece", (await JsonOf(apart)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var unknown = await Operator.PostAsJsonAsync("/api/grids/merge", new { codes = new[] { west, "33030299899999" }, into = new { code = west } }))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var bad = await Operator.PostAsync("/api/grids/merge", JsonBody("{\"codes\":[")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var noInto = await Operator.PostAsJsonAsync("/api/grids/merge", new { codes = new[] { west, east } }))
            Assert.Equal(HttpStatusCode.BadRequest, noInto.StatusCode);

        using var merge = await Operator.PostAsJsonAsync("/api/grids/merge", new { codes = new[] { west, east }, into = new { code = west, name = "合并网格" } });

        Assert.Equal(HttpStatusCode.OK, merge.StatusCode);
        var answer = await JsonOf(merge);
        Assert.Equal(east, Assert.Single(answer.GetProperty("retired").EnumerateArray()).GetString());
        Assert.Equal("re-routed", CaseIn(answer, id).GetProperty("outcome").GetString());
        var after = await CaseAsync(id);
        Assert.Equal((west, westPeople.A), (after.GetProperty("gridCode").GetString(), after.GetProperty("officerId").GetString()));
        using var merged = await Operator.GetAsync($"/api/grids/{west}");
        Assert.Equal("合并网格", (await JsonOf(merged)).GetProperty("properties").GetProperty("name").GetString());
        using var located = await Operator.GetAsync($"/api/grids/locate?lon={I(lon + 0.0015)}&lat=28.6005");
        Assert.Equal(west, (await JsonOf(located)).GetProperty("gridCode").GetString());
    }

    [Fact]
    public async Task Preview_OverNeighbour_Same422AsApply_MarkedDryRun()
    {
        const double lon = 121.35;
        var (west, east) = await PairAsync("330302998106", lon);

        using var preview = await Operator.PutAsync($"/api/grids/{west}?dryRun=true", JsonBody($"{{\"type\":\"Polygon\",\"coordinates\":{Box(lon, 28.6, lon + 0.0015, 28.601)}}}"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, preview.StatusCode);
        var problem = await JsonOf(preview);
        Assert.True(problem.GetProperty("dryRun").GetBoolean());
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains($"overlaps neighbouring grid '{east}'", StringComparison.Ordinal));
    }
}
