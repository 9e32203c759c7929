using System.Net;
using GridServer.Silo.Plugins;
using GridServer.Tests.Sensors;

using GridServer.Tests.Support;

namespace GridServer.Tests.Plugins;

/// <summary>A module's scheduled check in a running server: scheduled when the module loads, run on demand, each finding opening its case once.</summary>
public sealed class ScheduledCheckTests(NoiseSilo noise) : IClassFixture<NoiseSilo>
{
    [Fact]
    public async Task ScheduledCheck_RunTwice_EachFindingOpensItsCaseOnce_ScheduledAndListedWithItsLastRun()
    {
        using var first = await noise.Silo.Server.Operator.PostAsync($"/api/plugins/{NoiseSilo.Folder}/check", null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var run = await PluginSilo.JsonOf(first);
        var opened = run.GetProperty("opened").EnumerateArray().Select(o => o.GetString()!).ToList();
        Assert.Equal((2, 2), (run.GetProperty("findings").GetInt32(), opened.Count));
        Assert.Equal(opened.Order(StringComparer.Ordinal), new[] { CheckRunner.CaseId(NoiseSilo.Folder, "loudspeaker:L-1"), CheckRunner.CaseId(NoiseSilo.Folder, "loudspeaker:L-2") }.Order(StringComparer.Ordinal));
        foreach (var id in opened)
        {
            var opened1 = await noise.CaseAsync(id);
            Assert.Equal(("noise-test", "33030200200910"), (opened1.GetProperty("matter").GetString(), opened1.GetProperty("gridCode").GetString()));
        }

        using var second = await noise.Silo.Server.Operator.PostAsync($"/api/plugins/{NoiseSilo.Folder}/check", null);
        var again = await PluginSilo.JsonOf(second);
        Assert.Equal((2, 0), (again.GetProperty("findings").GetInt32(), again.GetProperty("opened").GetArrayLength()));

        // Scheduled when the module loaded (once the silo started: polled with a bound, not a wait for the clock), and
        // listed with its last run.
        await Eventually.HoldsAsync("the check is scheduled", async () =>
        {
            using var listed = await noise.Silo.Server.Dispatcher.GetAsync("/api/plugins/checks");
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            var check = Assert.Single((await PluginSilo.JsonOf(listed)).EnumerateArray());
            Assert.Equal((NoiseSilo.Folder, "01:00:00"), (check.GetProperty("folder").GetString(), check.GetProperty("checkEvery").GetString()));
            Assert.Equal((2, 0), (check.GetProperty("lastRun").GetProperty("findings").GetInt32(), check.GetProperty("lastRun").GetProperty("opened").GetArrayLength()));
            return check.GetProperty("scheduled").GetBoolean();
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task ScheduledCheck_NoSuchModule_404()
    {
        using var response = await noise.Silo.Server.Operator.PostAsync("/api/plugins/nothing-here/check", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
