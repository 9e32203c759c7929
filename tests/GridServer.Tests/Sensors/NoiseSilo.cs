using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GridServer.Abstractions.Sensors;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Sensors;

/// <summary>
/// A running server (the real host, in process) with the noise test module loaded as folder "noise", a sensor
/// gateway's Sensor credential, and helpers to post readings and read a subject. Shared by a test class: each test
/// uses sensors of its own (<see cref="NewSensor"/>), so no test sees another's subjects or cases.
/// </summary>
public sealed class NoiseSilo : IAsyncLifetime
{
    public const string Folder = "noise";

    private const string Module = "GridServer.TestModules.Sensors";

    public PluginSilo Silo { get; private set; } = null!;

    /// <summary>A sensor gateway: a reporting channel's credential.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await PluginSilo.StartAsync();
        Silo.Install(Module, Folder);
        await Silo.WaitForModuleAsync(Folder, ModuleState.Loaded);
        Gateway = await Silo.Server.AsAsync("Sensor", "gateway-noise");
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();

    public static string NewSensor() => $"N-{Guid.NewGuid():N}"[..14];

    /// <summary>One reading as the API takes it, at the sample grid (lon 120.65, lat 28.0).</summary>
    public static string Reading(string sensor, double db, DateTimeOffset at, string kind = "noise") =>
        $"{{\"sensorId\":\"{sensor}\",\"kind\":\"{kind}\",\"lon\":120.65,\"lat\":28.0,\"at\":\"{at.ToString("O", CultureInfo.InvariantCulture)}\",\"values\":{{\"level_db\":{db.ToString(CultureInfo.InvariantCulture)}}}}}";

    public static string Batch(params string[] readings) => $"{{\"readings\":[{string.Join(",", readings)}]}}";

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string body, HttpClient? client = null)
    {
        using var response = await (client ?? Gateway).PostAsync("/api/sensors/readings", new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await PluginSilo.JsonOf(response));
    }

    /// <summary>Posts a batch that must be taken; its answer.</summary>
    public async Task<JsonElement> TakenAsync(string body)
    {
        var (status, answer) = await PostAsync(body);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {answer}");
        return answer;
    }

    public ISensorSubjectGrain Subject(string sensor) =>
        Silo.Server.Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<ISensorSubjectGrain>(ISensorSubjectGrain.Key(Folder, "sensor:" + sensor));

    public async Task<JsonElement> CaseAsync(string id)
    {
        using var response = await Silo.Server.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await PluginSilo.JsonOf(response);
    }

    /// <summary>The notes of a case's timeline, oldest first.</summary>
    public async Task<List<string>> NotesAsync(string id) =>
        [.. (await CaseAsync(id)).GetProperty("timeline").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() == "Note").Select(e => e.GetProperty("note").GetString()!)];

    public static List<string> Opened(JsonElement answer) => [.. answer.GetProperty("casesOpened").EnumerateArray().Select(c => c.GetString()!)];
}
