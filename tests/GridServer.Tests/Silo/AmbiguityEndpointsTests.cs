using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// Reports near a grid edge on the embedded server (the shipped sample's grids): a position with an accuracy whose
/// circle touches two grids is marked ambiguous with both, still dispatched by the exact rule; the command center moves
/// it with one call; evaluation counts it; bad accuracies are refused over the API and Open311.
/// </summary>
public sealed class AmbiguityEndpointsTests(Open311Silo silo) : IClassFixture<Open311Silo>
{
    /// <summary>Two grids of the sample and a vertex of their shared boundary, found through the API as a client would.</summary>
    private async Task<(string First, string Second, double Lon, double Lat, double InsideLon, double InsideLat)> NeighboursAsync()
    {
        using var response = await silo.Dispatcher.GetAsync("/api/grids?bbox=120.64,27.99,120.66,28.01");
        var features = (await JsonOf(response)).GetProperty("features").EnumerateArray().ToList();
        static IEnumerable<(double, double)> Vertices(JsonElement feature) =>
            feature.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().Select(c => (c[0].GetDouble(), c[1].GetDouble()));
        for (var i = 0; i < features.Count; i++)
        {
            var mine = Vertices(features[i]).ToHashSet();
            for (var j = i + 1; j < features.Count; j++)
            {
                if (Vertices(features[j]).FirstOrDefault(mine.Contains) is var (lon, lat) && lon != 0)
                {
                    var ring = Vertices(features[i]).ToList();
                    var (cx, cy) = (ring.Average(v => v.Item1), ring.Average(v => v.Item2));
                    return (features[i].GetProperty("properties").GetProperty("code").GetString()!, features[j].GetProperty("properties").GetProperty("code").GetString()!,
                        lon, lat, cx, cy);
                }
            }
        }
        throw new InvalidOperationException("the sample has no two grids sharing a vertex around 120.65, 28.0");
    }

    private async Task<JsonElement> OpenAsync(double lon, double lat, double? accuracy)
    {
        using var response = await silo.Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "litter", lon, lat, reporterId = "citizen-7", accuracy });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await JsonOf(response);
    }

    [Fact]
    public async Task ACircleOverTheEdge_MarksTheCaseWithBothGrids_TheCommandCenterMovesIt()
    {
        var (first, second, lon, lat, _, _) = await NeighboursAsync();
        await silo.StaffAsync(first);
        await silo.StaffAsync(second);

        var ambiguous = await OpenAsync(lon, lat, accuracy: 5);
        var candidates = ambiguous.GetProperty("candidateGrids").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains(first, candidates);
        Assert.Contains(second, candidates);
        Assert.Equal(5, ambiguous.GetProperty("accuracyMetres").GetDouble());
        // Dispatched by the exact rule all the same: the lowest code among the grids covering the point.
        var exact = ambiguous.GetProperty("gridCode").GetString()!;
        Assert.Equal(candidates.Order(StringComparer.Ordinal).First(), exact);

        var plain = await OpenAsync(lon, lat, accuracy: null);
        Assert.Equal(0, plain.GetProperty("candidateGrids").GetArrayLength());

        var id = ambiguous.GetProperty("caseId").GetString()!;
        var other = candidates.First(c => c != exact)!;
        using (var unknown = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/move", new { gridCode = "99999999999999" }))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        using (var none = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/move", new { note = "no grid" }))
            Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        var officer = await silo.AsAsync("Officer", "O-AMBIGUOUS");
        using (var asOfficer = await officer.PostAsJsonAsync($"/api/cases/{id}/move", new { gridCode = other }))
            Assert.Equal(HttpStatusCode.Forbidden, asOfficer.StatusCode);
        using var moved = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/move", new { gridCode = other, note = "the shop is across the street" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var movedView = await JsonOf(moved);
        Assert.Equal((other, "Dispatched"), (movedView.GetProperty("gridCode").GetString(), movedView.GetProperty("state").GetString()));

        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        using var table = await silo.Dispatcher.GetAsync($"/api/evaluation?level=grid&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
        var total = (await JsonOf(table)).GetProperty("total");
        Assert.Equal(1, total.GetProperty("ambiguous").GetInt32());
        Assert.Equal(0.5, total.GetProperty("ambiguousShare").GetDouble(), 6);
    }

    [Fact]
    public async Task ATightCircleInsideOneGrid_IsNotAmbiguous()
    {
        var (_, _, _, _, insideLon, insideLat) = await NeighboursAsync();
        var opened = await OpenAsync(insideLon, insideLat, accuracy: 0.5);
        Assert.Equal(0, opened.GetProperty("candidateGrids").GetArrayLength());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("10001")]
    [InlineData("1e309")]
    [InlineData("\"five\"")]
    public async Task ABadAccuracy_IsRefused_OverTheApi(string accuracy)
    {
        using var response = await silo.Dispatcher.PostAsync("/api/cases",
            JsonBody($"{{\"matter\":\"litter\",\"lon\":120.65,\"lat\":28.0,\"reporterId\":\"r\",\"accuracy\":{accuracy}}}"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Open311_TakesAccuracyAsAnExtension_AndRefusesNonsense()
    {
        var (first, second, lon, lat, _, _) = await NeighboursAsync();
        FormUrlEncodedContent Form(string accuracy) => new([
            KeyValuePair.Create("api_key", Open311Silo.ApiKey), KeyValuePair.Create("service_code", "shopfront"),
            KeyValuePair.Create("lat", lat.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            KeyValuePair.Create("long", lon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            KeyValuePair.Create("description", "goods on the pavement"), KeyValuePair.Create("accuracy", accuracy)]);
        foreach (var bad in new[] { "abc", "-3", "NaN", "Infinity", "20000" })
        {
            using var refused = await silo.Client.PostAsync("/open311/v2/requests.json", Form(bad));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        using var posted = await silo.Client.PostAsync("/open311/v2/requests.json", Form("8"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = (await JsonOf(posted))[0].GetProperty("service_request_id").GetString()!;
        var view = await JsonOf(await silo.Dispatcher.GetAsync($"/api/cases/{id}"));
        var candidates = view.GetProperty("candidateGrids").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains(first, candidates);
        Assert.Contains(second, candidates);
        // The public view says nothing of it.
        var publicView = await (await silo.Client.GetAsync($"/open311/v2/requests/{id}.json")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("candidate", publicView, StringComparison.OrdinalIgnoreCase);
    }
}
