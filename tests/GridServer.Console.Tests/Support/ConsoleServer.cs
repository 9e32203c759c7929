using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace GridServer.Console.Tests.Support;

/// <summary>
/// The silo as its own process on free loopback ports (the embedded default: the shipped sample district, state in
/// memory), with an operator and a dispatcher key from configuration, and one headless Chromium (Debian's, at
/// /usr/bin/chromium) shared by the tests of the collection. Each test opens its own browser context. The server
/// loads one duty module (shops' frontage zones) from a private copy of its folder, and allows webhooks to loopback
/// in plain http (the tests' receivers listen there).
/// </summary>
public class ConsoleServer : IAsyncLifetime, IDisposable
{
    public const string OperatorKey = "console-test-operator-key-0123456789";
    public const string DispatcherKey = "console-test-dispatcher-key-0123456789";

    /// <summary>The flags this machine needs: root (no sandbox), no GPU, and no calls home (the network is closed).</summary>
    public static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    /// <summary>The release desk's signing key, made for this test run (never written anywhere); the server trusts its public half.</summary>
    private static readonly ECDsa ReleaseKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A package's detached signature as the release desk makes it (DER ECDSA over its SHA-256), base64.</summary>
    public static string Sign(byte[] package) =>
        Convert.ToBase64String(ReleaseKey.SignData(package, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    /// <summary>A zip of a built module's folder (<c>GridServer.Plugins.Sample</c>, <c>GridServer.TestModules.SampleV2</c>), files at the top.</summary>
    public static byte[] PackageOf(string project)
    {
        var key = project.StartsWith("GridServer.TestModules.", StringComparison.Ordinal) ? "TestModules" : "DutyModules";
        var folder = Path.Combine(typeof(ConsoleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!, project);
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                using var entry = zip.CreateEntry(Path.GetFileName(file)).Open();
                using var source = File.OpenRead(file);
                source.CopyTo(entry);
            }
        }
        return buffer.ToArray();
    }

    private readonly StringBuilder _output = new();
    private Process? _process;
    private IPlaywright? _playwright;

    public int HttpPort { get; } = FreePort();
    public Uri BaseUrl => new($"http://127.0.0.1:{HttpPort}");
    public IBrowser Browser { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>Settings beyond the defaults, as command-line arguments (GridServer:…=value).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public static string Screenshots => typeof(ConsoleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Screenshots").Value!;

    public static string DutyModules => typeof(ConsoleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DutyModules").Value!;

    private readonly string _plugins = Directory.CreateTempSubdirectory("gridserver-console-plugins-").FullName;

    public static string ConsoleSources => typeof(ConsoleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ConsoleSources").Value!;

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GridServer.Silo.dll"));
        var settings = new Dictionary<string, string>(Settings)
        {
            ["urls"] = BaseUrl.ToString().TrimEnd('/'),
            ["GridServer:Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["GridServer:Auth:OperatorKey"] = OperatorKey,
            ["GridServer:Auth:Keys:0:Key"] = DispatcherKey,
            ["GridServer:Auth:Keys:0:Role"] = "Dispatcher",
            ["GridServer:Auth:Keys:0:Subject"] = "D-CONSOLE",
            ["GridServer:Plugins:TrustedKeys:0:Name"] = "console test release desk",
            ["GridServer:Plugins:TrustedKeys:0:PublicKey"] = ReleaseKey.ExportSubjectPublicKeyInfoPem(),
            ["Logging:LogLevel:Default"] = "Warning",
            ["GridServer:Plugins:Directory"] = _plugins,
            ["GridServer:Webhooks:AllowPrivateAddresses"] = "true",
            ["GridServer:Webhooks:AllowPlainHttp"] = "true",
            // A liaison's alerts go out a second after their case, not five minutes: the live inbox is seen arriving.
            ["GridServer:Notices:LiaisonBatchInterval"] = "00:00:01",
            // The credentials page's button opens Orleans' dashboard.
            ["GridServer:Dashboard:Enabled"] = "true",
        };
        // A copy: the server watches its plugins directory, and a build may write the original meanwhile.
        CopyFolder(Path.Combine(DutyModules, "GridServer.Plugins.Shopfront"), Path.Combine(_plugins, "GridServer.Plugins.Shopfront"));
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Anonymous = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        Operator = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        Operator.DefaultRequestHeaders.Authorization = new("Bearer", OperatorKey);
        await Wait.UntilAsync("the server answers /health", async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Output}");
            try { return (await Anonymous.GetAsync("/health")).IsSuccessStatusCode; } catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(120));
        _playwright = await Playwright.CreateAsync();
        // Expectations wait as long as actions do: 5 s (Playwright's default) is outlasted on a busy two-core machine.
        Assertions.SetDefaultExpectTimeout(30_000);
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>Opens a case in the middle of a grid as the dispatcher, through the API; its id.</summary>
    public async Task<string> OpenCaseInAsync(string grid, string reporterId = "console-test")
    {
        using var shape = System.Text.Json.JsonDocument.Parse(await Operator.GetStringAsync($"/api/grids/{grid}"));
        var ring = shape.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().ToList();
        var (lon, lat) = (ring.Average(p => p[0].GetDouble()), ring.Average(p => p[1].GetDouble()));
        using var dispatcher = new HttpClient { BaseAddress = BaseUrl };
        dispatcher.DefaultRequestHeaders.Authorization = new("Bearer", DispatcherKey);
        using var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(dispatcher, "/api/cases",
            new { matter = "shopfront_goods", lon, lat, reporterId });
        response.EnsureSuccessStatusCode();
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("caseId").GetString()!;
    }

    public void Dispose()
    {
        _process?.Dispose();
        Operator?.Dispose();
        Anonymous?.Dispose();
        GC.SuppressFinalize(this);
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit();
        Directory.Delete(_plugins, recursive: true);
    }

    private static void CopyFolder(string from, string to)
    {
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"the duty module was not built: {from}");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A credential issued by the operator over the API: its secret.</summary>
    public async Task<string> IssueAsync(string role, string subject)
    {
        using var response = await Operator.PostAsJsonAsync("/api/credentials", new { role, subject });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("secret").GetString()!;
    }

    /// <summary>A browser page (1280×800 unless a phone's size is asked for, Chinese, in UTC so the console must format for Asia/Shanghai itself) that records script errors and CSP violations.</summary>
    public async Task<ConsolePage> OpenAsync(int width = 1280, int height = 800, bool mobile = false, Geolocation? position = null)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height }, IsMobile = mobile, HasTouch = mobile, DeviceScaleFactor = mobile ? 2 : 1,
            Locale = "zh-CN", TimezoneId = "UTC",
            Geolocation = position, Permissions = position is null ? null : ["geolocation"],
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        return new ConsolePage(this, context, page);
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 100_000) _output.Remove(0, _output.Length - 100_000);
        }
    }

    protected static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleGroup : ICollectionFixture<ConsoleServer>
{
    public const string Name = "console";
}
