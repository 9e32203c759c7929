using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GridServer.Tests.Support;

namespace GridServer.Tests.Silo;

/// <summary>
/// What a newcomer gets from the README's first command: the server's own build output, run with nothing set but its
/// ports. The normal build puts the four duty modules beside it as plugins, and its log at start is a few lines.
/// </summary>
public sealed partial class FirstRunTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly string BuiltServer = Path.Combine(SharedData.RepositoryRoot, "silo", "bin", Configuration, "net10.0", "GridServer.Silo.dll");

    [Fact]
    public async Task BuiltServer_WithNothingSet_LoadsTheFourDutyModulesAsPlugins_AndSaysSoInAFewLines()
    {
        Assert.True(File.Exists(BuiltServer), $"{BuiltServer} is missing: build the solution ({Configuration}) first");
        await using var server = SiloProcess.AsBuilt("first-run", BuiltServer);
        await Eventually.HoldsAsync("the server says where it serves", () =>
            server.Exited ? throw new InvalidOperationException($"the server exited:{Environment.NewLine}{server.Output}")
                : Task.FromResult(server.Output.Contains("GridServer is serving", StringComparison.Ordinal)), TimeSpan.FromMinutes(3));
        var log = server.Output;

        var key = OperatorKey().Match(log);
        Assert.True(key.Success, $"no operator key in the log:{Environment.NewLine}{log}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/plugins");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Groups[1].Value);
        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");

        // Loaded from the plugins folder beside the executable, as plugins: each in its folder, loaded, with its matters.
        Assert.Equal(Path.Combine(Path.GetDirectoryName(BuiltServer)!, "plugins"), body.GetProperty("directory").GetString());
        var modules = body.GetProperty("modules").EnumerateArray()
            .ToDictionary(m => m.GetProperty("folder").GetString()!, m => m.GetProperty("state").GetString());
        foreach (var module in new[] { "GridServer.Plugins.Parking", "GridServer.Plugins.Shopfront", "GridServer.Plugins.Dust", "GridServer.Plugins.Billboard" })
            Assert.True(modules.TryGetValue(module, out var state) && state == "loaded", $"{module}: {(state ?? "absent")}; modules: {body}");
        Assert.Equal(4, modules.Count);

        // A few readable lines: the key, the embedded default, the grids, the modules, where it serves. No option dump.
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList(); // the first is SiloProcess's header
        Assert.DoesNotContain(lines, l => l.Contains("Orleans.Configuration", StringComparison.Ordinal) || l.Contains("SiloOptionsLogger", StringComparison.Ordinal));
        // Counted by what the server says (Information); a warning a busy machine may add (Orleans' watchdog) is not its to count.
        var said = lines.Count(l => l.StartsWith("info:", StringComparison.Ordinal));
        Assert.True(said <= 10, $"{said} lines of Information at start:{Environment.NewLine}{log}");
        var summary = Assert.Single(lines, l => l.Contains("GridServer is serving", StringComparison.Ordinal));
        Assert.Contains($"http://127.0.0.1:{server.HttpPort}/console/", summary, StringComparison.Ordinal);
        Assert.Contains("3000 grids, 4 duty modules", summary, StringComparison.Ordinal);
        Assert.Contains("parking (违停)", summary, StringComparison.Ordinal);
    }

    [GeneratedRegex("the operator key of this run is (gs_[A-Za-z0-9_-]+)")]
    private static partial Regex OperatorKey();
}
