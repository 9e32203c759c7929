using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GridServer.Tests.Support;

/// <summary>
/// The server as its own operating-system process (<c>dotnet GridServer.Silo.dll</c> from the test's output folder),
/// on free loopback ports, with the given <c>GridServer:*</c> settings as command-line arguments (a PostgreSQL silo
/// with the test cluster's TLS unless they say otherwise). Killed with
/// SIGKILL on <see cref="Kill"/> and on dispose; its output is kept for the failure message.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public string Name { get; }
    public int HttpPort { get; }
    public int SiloPort { get; }
    /// <summary>The gateway port the settings opened, or 0 (none).</summary>
    public int GatewayPort { get; }
    public HttpClient Client { get; }

    /// <param name="environment">Environment variables of the process beyond the test's own (what one machine of a cluster lacks or has).</param>
    public SiloProcess(string name, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string>? environment = null)
        : this(name, Path.Combine(AppContext.BaseDirectory, "GridServer.Silo.dll"), TestSettings(settings), environment, FreePorts.Next(), FreePorts.Next())
    {
    }

    private SiloProcess(string name, string dll, Func<int, int, Dictionary<string, string>> settings, IReadOnlyDictionary<string, string>? environment, int httpPort, int siloPort)
    {
        Name = name;
        HttpPort = httpPort;
        SiloPort = siloPort;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        var all = settings(HttpPort, SiloPort);
        // A gateway only when the test opens one (its port then comes from the settings).
        if (all.TryGetValue("GridServer:Orleans:GatewayPort", out var gateway)) GatewayPort = int.Parse(gateway, CultureInfo.InvariantCulture);
        foreach (var (key, value) in all) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>()) start.Environment[variable] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Operator = new HttpClient { BaseAddress = Client.BaseAddress, Timeout = Client.Timeout };
        Operator.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloFactory.OperatorKey);
        Dispatcher = new HttpClient { BaseAddress = Client.BaseAddress, Timeout = Client.Timeout };
        Dispatcher.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloFactory.DispatcherKey);
    }

    /// <summary>
    /// The server as the README's first command runs it: the given build output's <c>GridServer.Silo.dll</c>, from
    /// its own folder, with nothing set but its ports (no keys, no log levels, no TLS). <see cref="Operator"/> carries
    /// no key the server knows: read the run's key from <see cref="Output"/>.
    /// </summary>
    public static SiloProcess AsBuilt(string name, string dll) =>
        new(name, dll, (http, silo) => new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{http}",
            ["GridServer:Orleans:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
        }, null, FreePorts.Next(), FreePorts.Next());

    private static Func<int, int, Dictionary<string, string>> TestSettings(IReadOnlyDictionary<string, string> settings) => (http, silo) =>
    {
        var all = new Dictionary<string, string>(TestCertificates.WithClusterTls(settings))
        {
            ["urls"] = $"http://127.0.0.1:{http}",
            ["GridServer:Orleans:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        all.TryAdd("GridServer:Auth:OperatorKey", SiloFactory.OperatorKey);
        all.TryAdd("GridServer:Auth:Keys:99:Key", SiloFactory.DispatcherKey);
        all.TryAdd("GridServer:Auth:Keys:99:Role", "Dispatcher");
        all.TryAdd("GridServer:Auth:Keys:99:Subject", SiloFactory.DispatcherId);
        return all;
    };

    /// <summary>A client with the operator's credential.</summary>
    public HttpClient Operator { get; }

    /// <summary>A client with the command center's credential.</summary>
    public HttpClient Dispatcher { get; }

    public bool Exited => _process.HasExited;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output) return $"--- {Name} (pid {_process.Id}) ---{Environment.NewLine}{_output}";
        }
    }

    /// <summary>Waits until <c>/health</c> answers 200; fails with the process's output if it exits or takes too long.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}{Environment.NewLine}{Output}");
            try
            {
                using var response = await Client.GetAsync("/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} was not healthy within {timeout}{Environment.NewLine}{Output}");
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster, as when a machine loses power.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        Client.Dispose();
        Operator.Dispose();
        Dispatcher.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            // The last 200 kB are enough to see why it failed.
            if (_output.Length > 200_000) _output.Remove(0, _output.Length - 200_000);
        }
    }
}
