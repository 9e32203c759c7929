using System.Net;
using System.Reflection;
using System.Text.Json;
using GridServer.Silo.Plugins;
using GridServer.Tests.Silo;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Plugins;

/// <summary>
/// The embedded server with a plugins directory of its own (a fresh temporary folder, removed at the end), one Open311
/// api key, and helpers to drop module folders in, copy over and remove them while it runs, and to wait for the
/// server to see it. One per test: a test's modules never meet another's.
/// </summary>
public sealed class PluginSilo : IAsyncDisposable
{
    public const string ApiKey = "test-open311-plugins-0123456789";

    /// <summary>How long a test waits for the server to see a change it made (a bound, not an expectation: usually well under a second).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _root = Directory.CreateTempSubdirectory("gridserver-plugins-").FullName;

    private PluginSilo(Dictionary<string, string> extra)
    {
        Directory.CreateDirectory(PluginsDirectory);
        var settings = new Dictionary<string, string>(extra)
        {
            ["GridServer:Plugins:Directory"] = PluginsDirectory,
            ["GridServer:Open311:ApiKeys:0"] = ApiKey,
            ["GridServer:Open311:RateLimit:PermitsPerMinute"] = "100000",
            ["GridServer:Open311:RateLimit:Burst"] = "1000",
        };
        Server = new EmbeddedSiloWith(settings);
    }

    public EmbeddedSiloWith Server { get; }

    public string PluginsDirectory => Path.Combine(_root, "plugins");

    public ModuleRegistry Registry => Server.Factory.Services.GetRequiredService<ModuleRegistry>();

    /// <summary>Starts a server; <paramref name="extra"/> settings on top (e.g. <c>GridServer:Plugins:CallTimeout</c>).</summary>
    public static async Task<PluginSilo> StartAsync(Dictionary<string, string>? extra = null)
    {
        var silo = new PluginSilo(extra ?? []);
        await silo.Server.InitializeAsync();
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind harms nothing.
        }
    }

    /// <summary>The folder a module project was built into (see plugins/DutyModule.targets).</summary>
    public static string Built(string project)
    {
        var key = project.StartsWith("GridServer.TestModules.", StringComparison.Ordinal) ? "TestModules" : "DutyModules";
        var root = typeof(PluginSilo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var folder = Path.GetFullPath(Path.Combine(root, project));
        Assert.True(File.Exists(Path.Combine(folder, (project.StartsWith("GridServer.TestModules.Sample", StringComparison.Ordinal) ? "GridServer.Plugins.Sample" : project) + ".dll")),
            $"module {project} is not built into {folder}: build the solution (the test project builds its modules first)");
        return folder;
    }

    /// <summary>
    /// A new plugins directory for silo processes, holding the named built modules, each in the folder it is named by
    /// (<c>("parking", "GridServer.Plugins.Parking")</c>).
    /// </summary>
    public static string NewDirectory(params (string Folder, string Project)[] modules)
    {
        var plugins = Directory.CreateTempSubdirectory("gridserver-process-plugins-").FullName;
        foreach (var (folder, project) in modules) CopyFiles(Built(project), Path.Combine(plugins, folder));
        return plugins;
    }

    /// <summary>Drops a built module in as folder <paramref name="name"/>: copied beside the directory, then moved in whole.</summary>
    public void Install(string project, string name)
    {
        var staging = Path.Combine(_root, "staging-" + Guid.NewGuid().ToString("N"));
        CopyFiles(Built(project), staging);
        Directory.Move(staging, Path.Combine(PluginsDirectory, name));
    }

    /// <summary>Copies a built module's files over those of folder <paramref name="name"/>, as an operator deploying a new version does.</summary>
    public void CopyOver(string project, string name) => CopyFiles(Built(project), Path.Combine(PluginsDirectory, name));

    public void Remove(string name) => Directory.Delete(Path.Combine(PluginsDirectory, name), recursive: true);

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }

    /// <summary>Waits until the server's module snapshot satisfies the condition: woken by each new snapshot, bounded by <see cref="Patience"/>.</summary>
    public async Task<ModuleSnapshot> WaitForAsync(Func<ModuleSnapshot, bool> condition, string what)
    {
        using var bound = new CancellationTokenSource(Patience);
        while (true)
        {
            var snapshot = Registry.Current;
            if (condition(snapshot)) return snapshot;
            try
            {
                await Registry.WhenChangedAsync(snapshot.Revision, bound.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"waited {Patience.TotalSeconds:F0} s for {what}; the modules are: " +
                    string.Join("; ", Registry.Current.Modules.Select(m => $"{m.Folder} {m.State} {m.Version} {m.LastError}")));
            }
        }
    }

    /// <summary>Waits until folder <paramref name="name"/> is in the given state (and version, when given).</summary>
    public Task<ModuleSnapshot> WaitForModuleAsync(string name, ModuleState state, string? version = null) =>
        WaitForAsync(s => s.Modules.Any(m => m.Folder == name && m.State == state && (version is null || m.Version == version)),
            $"module folder '{name}' {state}{(version is null ? "" : " at version " + version)}");

    /// <summary>Posts an Open311 report at the sample grid; returns the status and the answer's JSON.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> ReportAsync(string serviceCode, params (string Name, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(
            new[] { ("api_key", ApiKey), ("service_code", serviceCode), ("lat", "28.0"), ("long", "120.65") }.Concat(fields)
                .Select(f => KeyValuePair.Create(f.Item1, f.Item2)));
        using var response = await Server.Client.PostAsync("/open311/v2/requests.json", content);
        return (response.StatusCode, await JsonOf(response));
    }

    /// <summary>The codes of <c>GET /open311/v2/services.json</c>.</summary>
    public async Task<List<string>> ServiceCodesAsync()
    {
        using var response = await Server.Client.GetAsync("/open311/v2/services.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response)).EnumerateArray().Select(s => s.GetProperty("service_code").GetString()!)];
    }

    /// <summary><c>GET /api/plugins</c> as the command center, and the entry of folder <paramref name="name"/>.</summary>
    public async Task<JsonElement> PluginAsync(string name)
    {
        using var response = await Server.Dispatcher.GetAsync("/api/plugins");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonOf(response);
        return body.GetProperty("modules").EnumerateArray().Single(m => m.GetProperty("folder").GetString() == name);
    }

    public static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}
