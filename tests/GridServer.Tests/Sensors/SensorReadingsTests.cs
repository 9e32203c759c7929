using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Sensors;

/// <summary>
/// <c>POST /api/sensors/readings</c> against a running server with the noise test module: one case per episode across
/// batches, notes on it, a batch sent again changing nothing, an ended case starting a new episode, the module's
/// re-check, and batches refused whole.
/// </summary>
public sealed class SensorReadingsTests(NoiseSilo noise) : IClassFixture<NoiseSilo>
{
    private static DateTimeOffset Ago(int seconds) => DateTimeOffset.UtcNow.AddSeconds(-seconds);

    [Fact]
    public async Task Readings_LoudOverSeveralBatchesThenQuiet_OneCaseWithNotes_NextLoudOpensAnother()
    {
        var sensor = NoiseSilo.NewSensor();
        var first = await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 82, Ago(50)), NoiseSilo.Reading("unwatched-" + sensor, 99, Ago(50))));
        var id = Assert.Single(NoiseSilo.Opened(first));
        Assert.Equal((1, 1, 1, 0), (first.GetProperty("taken").GetInt32(), first.GetProperty("unwatched").GetInt32(), first.GetProperty("subjects").GetInt32(), first.GetProperty("notesAdded").GetInt32()));

        var second = await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 85, Ago(40))));
        Assert.Empty(NoiseSilo.Opened(second));
        Assert.Equal(1, second.GetProperty("notesAdded").GetInt32());
        var quiet = await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 60, Ago(30))));
        Assert.Empty(NoiseSilo.Opened(quiet));

        var opened = await noise.CaseAsync(id);
        Assert.Equal("noise-test", opened.GetProperty("matter").GetString());
        Assert.Equal("33030200200910", opened.GetProperty("gridCode").GetString());
        Assert.Contains("noise 82 dB at sensor " + sensor, opened.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(["still 85 dB", "back to 60 dB"], await noise.NotesAsync(id));
        Assert.Null((await noise.Subject(sensor).GetAsync()).EpisodeCaseId);

        var again = await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 91, Ago(20))));
        var next = Assert.Single(NoiseSilo.Opened(again));
        Assert.NotEqual(id, next);
        Assert.Equal(["still 85 dB", "back to 60 dB"], await noise.NotesAsync(id));
    }

    [Fact]
    public async Task Readings_SameBatchSentAgain_NotCountedTwice_NoSecondCaseOrNote()
    {
        var sensor = NoiseSilo.NewSensor();
        var batch = NoiseSilo.Batch(NoiseSilo.Reading(sensor, 75, Ago(30)), NoiseSilo.Reading(sensor, 78, Ago(20)), NoiseSilo.Reading(sensor, 80, Ago(10)));
        var first = await noise.TakenAsync(batch);
        var id = Assert.Single(NoiseSilo.Opened(first));
        Assert.Equal(3, first.GetProperty("taken").GetInt32());

        var resent = await noise.TakenAsync(batch);
        Assert.Equal((0, 3, 0), (resent.GetProperty("taken").GetInt32(), resent.GetProperty("duplicates").GetInt32(), resent.GetProperty("notesAdded").GetInt32()));
        Assert.Empty(NoiseSilo.Opened(resent));
        var subject = await noise.Subject(sensor).GetAsync();
        Assert.Equal((3, id, 1, "1"), (subject.Readings, subject.EpisodeCaseId, subject.Episodes, subject.Memo));
        Assert.Empty(await noise.NotesAsync(id));
    }

    [Fact]
    public async Task Episode_ItsCaseVoided_NextLoudReadingOpensANewCase()
    {
        var sensor = NoiseSilo.NewSensor();
        var id = Assert.Single(NoiseSilo.Opened(await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 88, Ago(30))))));
        using (var voided = await noise.Silo.Server.Dispatcher.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Void", note = "a test sensor" }))
            Assert.True(voided.StatusCode == HttpStatusCode.OK, $"{voided.StatusCode} {await voided.Content.ReadAsStringAsync()}");

        // Still loud: without the ended case this would be a note; the episode is over, so it opens a new case.
        var loud = await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 89, Ago(20))));
        var next = Assert.Single(NoiseSilo.Opened(loud));
        Assert.NotEqual(id, next);
        Assert.Equal(0, loud.GetProperty("notesAdded").GetInt32());
        var subject = await noise.Subject(sensor).GetAsync();
        Assert.Equal((next, 2), (subject.EpisodeCaseId, subject.Episodes));
    }

    [Fact]
    public async Task Recheck_AskedForByTheModule_NotesTheCase_AndStopsWhenNoneIsAskedAgain()
    {
        var sensor = NoiseSilo.NewSensor();
        var before = DateTimeOffset.UtcNow;
        var id = Assert.Single(NoiseSilo.Opened(await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 80, Ago(10))))));
        var grain = noise.Subject(sensor);
        var asked = (await grain.GetAsync()).RecheckAt;
        Assert.NotNull(asked);
        Assert.InRange(asked.Value, before.AddMinutes(10), DateTimeOffset.UtcNow.AddMinutes(10));

        // What the reminder calls when it is due.
        var recheck = await grain.RecheckAsync();
        Assert.Equal((true, 1, (string?)null), (recheck.Evaluated, recheck.NotesAdded, recheck.OpenedCaseId));
        Assert.Equal(["re-checked: no new reading"], await noise.NotesAsync(id));
        var after = await grain.GetAsync();
        Assert.Equal((null, id, "2"), (after.RecheckAt, after.EpisodeCaseId, after.Memo));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "{\"sensorId\":\"S\",\"kind\":\"noise\",\"lon\":120.65,\"lat\":28.0,\"at\":\"2026-01-01T00:00:00Z\",\"values\":{\"level_db\":\"NaN\"}}", "readings[1].values.level_db" },
        { "{\"sensorId\":\"S\",\"kind\":\"noise\",\"lon\":\"NaN\",\"lat\":28.0,\"at\":\"2026-01-01T00:00:00Z\",\"values\":{\"level_db\":1}}", "readings[1].lon" },
        { "{\"sensorId\":\"S\",\"kind\":\"dust\",\"lon\":120.65,\"lat\":28.0,\"at\":\"2026-01-01T00:00:00Z\",\"values\":{\"level_db\":1}}", "readings[1].kind: no loaded module takes readings of kind 'dust'" },
        { "{\"kind\":\"noise\",\"lon\":120.65,\"lat\":28.0,\"at\":\"2026-01-01T00:00:00Z\",\"values\":{\"level_db\":1}}", "readings[1].sensorId" },
        { "{\"sensorId\":\"S\",\"kind\":\"noise\",\"lon\":120.65,\"lat\":28.0,\"at\":\"2999-01-01T00:00:00Z\",\"values\":{\"level_db\":1}}", "readings[1].at" },
        { "{\"sensorId\":\"S\",\"kind\":\"noise\",\"lon\":120.65,\"lat\":95,\"at\":\"2026-01-01T00:00:00Z\",\"values\":{\"level_db\":1}}", "readings[1].lat" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Batch_OneReadingMalformed_RefusedWhole_NamingIt_NothingTaken(string bad, string problem)
    {
        var sensor = NoiseSilo.NewSensor();
        var (status, body) = await noise.PostAsync($"{{\"readings\":[{NoiseSilo.Reading(sensor, 90, Ago(10))},{bad}]}}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(body.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith(problem, StringComparison.Ordinal));
        Assert.Equal(0, (await noise.Subject(sensor).GetAsync()).Readings);
    }

    [Fact]
    public async Task Batch_5001Readings_RefusedWhole()
    {
        var sensor = NoiseSilo.NewSensor();
        var at = Ago(600);
        var (status, body) = await noise.PostAsync(NoiseSilo.Batch([.. Enumerable.Range(0, 5_001).Select(i => NoiseSilo.Reading(sensor, 50, at.AddMilliseconds(i)))]));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 5000 a batch", Assert.Single(body.GetProperty("problems").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await noise.Subject(sensor).GetAsync()).Readings);
    }

    [Fact]
    public async Task Batch_5000Readings_TakenWhole()
    {
        var at = Ago(600);
        var sensors = Enumerable.Range(0, 50).Select(_ => NoiseSilo.NewSensor()).ToList();
        var answer = await noise.TakenAsync(NoiseSilo.Batch([.. Enumerable.Range(0, 5_000).Select(i => NoiseSilo.Reading(sensors[i % 50], 50, at.AddMilliseconds(i)))]));
        Assert.Equal((5_000, 5_000, 50), (answer.GetProperty("readings").GetInt32(), answer.GetProperty("taken").GetInt32(), answer.GetProperty("subjects").GetInt32()));
        Assert.Equal(100, (await noise.Subject(sensors[7]).GetAsync()).Readings);
    }

    [Fact]
    public async Task Batch_ModuleFailsToNameSubjects_503NamingIt_NothingTaken()
    {
        var sensor = NoiseSilo.NewSensor();
        var (status, body) = await noise.PostAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 90, Ago(10)), NoiseSilo.Reading("explode", 90, Ago(10))));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(NoiseSilo.Folder, body.GetProperty("module").GetString());
        Assert.Contains("cannot name this sensor", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await noise.Subject(sensor).GetAsync()).Readings);
        // The module was not faulted by one failure: the next batch is taken.
        Assert.Single(NoiseSilo.Opened(await noise.TakenAsync(NoiseSilo.Batch(NoiseSilo.Reading(sensor, 90, Ago(5))))));
    }

    [Fact]
    public async Task Batch_NotJson_Refused()
    {
        var (status, body) = await noise.PostAsync("{\"readings\":[");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(JsonValueKind.String, body.GetProperty("detail").ValueKind);
    }
}

/// <summary>A sensor module removed while its subjects have an open episode.</summary>
public sealed class SensorModuleGoneTests
{
    [Fact]
    public async Task ModuleRemoved_ReCheckKeepsItsReadings_EvaluatesNothing_AndItsKindIsRefused()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.TestModules.Sensors", NoiseSilo.Folder);
        await silo.WaitForModuleAsync(NoiseSilo.Folder, GridServer.Silo.Plugins.ModuleState.Loaded);
        var gateway = await silo.Server.AsAsync("Sensor", "gateway-gone");
        var sensor = NoiseSilo.NewSensor();
        using (var taken = await gateway.PostAsync("/api/sensors/readings", new StringContent(
                   NoiseSilo.Batch(NoiseSilo.Reading(sensor, 90, DateTimeOffset.UtcNow.AddSeconds(-5))), System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);

        silo.Remove(NoiseSilo.Folder);
        await silo.WaitForAsync(s => s.Modules.IsEmpty, "the module to be unloaded");

        var grain = silo.Server.Factory.Services.GetRequiredService<IGrainFactory>()
            .GetGrain<GridServer.Abstractions.Sensors.ISensorSubjectGrain>(GridServer.Abstractions.Sensors.ISensorSubjectGrain.Key(NoiseSilo.Folder, "sensor:" + sensor));
        var recheck = await grain.RecheckAsync();
        Assert.False(recheck.Evaluated);
        Assert.Contains("not loaded", recheck.Error, StringComparison.Ordinal);
        var subject = await grain.GetAsync();
        Assert.Equal(1, subject.Readings);
        Assert.NotNull(subject.EpisodeCaseId);

        using var refused = await gateway.PostAsync("/api/sensors/readings", new StringContent(
            NoiseSilo.Batch(NoiseSilo.Reading(sensor, 90, DateTimeOffset.UtcNow.AddSeconds(-1))), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("no loaded module takes readings of kind 'noise'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
