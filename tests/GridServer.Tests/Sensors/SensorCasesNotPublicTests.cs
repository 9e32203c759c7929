using System.Net;
using GridServer.Tests.Plugins;

namespace GridServer.Tests.Sensors;

/// <summary>Cases a sensor's readings or a module's scheduled check opened are the bureau's own: Open311's public reads never show them.</summary>
public sealed class SensorCasesNotPublicTests(NoiseSilo noise) : IClassFixture<NoiseSilo>
{
    [Fact]
    public async Task SensorAndCheckCases_NeverInOpen311PublicReads()
    {
        var reading = await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(NoiseSilo.NewSensor(), 90, DateTimeOffset.UtcNow.AddSeconds(-5))));
        using var check = await noise.Silo.Server.Operator.PostAsync($"/api/plugins/{NoiseSilo.Folder}/check", null);
        var ids = NoiseSilo.Opened(reading)
            .Concat((await PluginSilo.JsonOf(check)).GetProperty("opened").EnumerateArray().Select(o => o.GetString()!)).ToList();
        Assert.Equal(3, ids.Count);

        using var search = await noise.Silo.Server.Client.GetAsync("/open311/v2/requests.json?page_size=100");
        var listed = await search.Content.ReadAsStringAsync();
        foreach (var id in ids)
        {
            await noise.CaseAsync(id);   // the case is there, for staff
            using var one = await noise.Silo.Server.Client.GetAsync($"/open311/v2/requests/{id}.json");
            using var token = await noise.Silo.Server.Client.GetAsync($"/open311/v2/tokens/{id}.xml");
            Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (one.StatusCode, token.StatusCode));
            Assert.DoesNotContain(id, listed, StringComparison.Ordinal);
        }
    }
}
