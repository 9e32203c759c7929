using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Plugins;
using GridServer.Tests.Support;

namespace GridServer.Tests.Cluster;

/// <summary>
/// Reference data and repeat offences across real silo processes on PostgreSQL: a set imported through one silo is
/// served by the other (within its refresh period), and a shop's cases are counted whichever silo opened them.
/// </summary>
public sealed class ReferenceDataClusterTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [PostgisFact]
    public async Task ShopsImportedThroughOneSilo_RouteReportsOnTheOther_AndRepeatsCountAcrossSilos()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var plugins = PluginSilo.NewDirectory(("shopfront", "GridServer.Plugins.Shopfront"));
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Plugins:Directory"] = plugins,
        };
        var silos = Enumerable.Range(0, 2).Select(i => new SiloProcess($"ref-silo-{i}", settings)).ToArray();
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitHealthyAsync(Patience)));
            var grid = sample[7];
            var p = grid.Boundary.InteriorPoint;
            var (x0, y0, x1, y1) = (p.X - 0.0001, p.Y - 0.0001, p.X + 0.0001, p.Y + 0.0001);
            var shops = string.Create(CultureInfo.InvariantCulture, $$$"""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"key":"S-C1","name":"集群小店","contact":"13812345678"},"geometry":{"type":"Polygon","coordinates":[[[{{{x0}}},{{{y0}}}],[{{{x1}}},{{{y0}}}],[{{{x1}}},{{{y1}}}],[{{{x0}}},{{{y1}}}],[{{{x0}}},{{{y0}}}]]]}}]}""");
            await Eventually("the shopfront module loaded on the first silo", async () =>
            {
                using var sets = await silos[0].Operator.GetAsync("/api/reference");
                return sets.StatusCode == HttpStatusCode.OK && (await sets.Content.ReadAsStringAsync()).Contains("\"shops\"", StringComparison.Ordinal);
            });
            using (var imported = await silos[0].Operator.PutAsync("/api/reference/shops", new StringContent(shops, Encoding.UTF8, "application/geo+json")))
                Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

            // The other silo serves the set within its refresh period: a report there names the shop.
            var n = 0;
            string? first = null;
            await Eventually("the second silo routing to the imported shop", async () =>
            {
                var view = await OpenAsync(silos[1], p.X, p.Y, n++);
                if (view.TryGetProperty("party", out var party) && party.ValueKind == JsonValueKind.Object)
                {
                    first = view.GetProperty("caseId").GetString();
                    Assert.Equal(("shops", "S-C1", 1), (party.GetProperty("kind").GetString(), party.GetProperty("id").GetString(), party.GetProperty("repeatCount").GetInt32()));
                    return true;
                }
                return false;
            }, TimeSpan.FromSeconds(30));

            // The shop's next case, through the first silo: counted with the one the second silo opened.
            var second = await OpenAsync(silos[0], p.X, p.Y, n++);
            var named = second.GetProperty("party");
            Assert.Equal((2, true), (named.GetProperty("repeatCount").GetInt32(), named.GetProperty("escalated").GetBoolean()));
            Assert.NotEqual(first, second.GetProperty("caseId").GetString());
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
            Directory.Delete(plugins, recursive: true);
        }
    }

    private static async Task<JsonElement> OpenAsync(SiloProcess silo, double lon, double lat, int n)
    {
        using var response = await silo.Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "shopfront_goods", lon, lat, reporterId = $"citizen-{n}", description = $"goods outside {n}" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var body = JsonDocument.Parse(text);
        return body.RootElement.Clone();
    }

    private static Task Eventually(string what, Func<Task<bool>> condition, TimeSpan? within = null) =>
        Support.Eventually.HoldsAsync(what, condition, within ?? Patience);
}
