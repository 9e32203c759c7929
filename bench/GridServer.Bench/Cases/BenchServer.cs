using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using GridServer.Storage.Cases;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Bench.Cases;

/// <summary>
/// The real server, built by <see cref="SiloHost.Build"/> exactly as the executable builds it, hosted in this process
/// on free loopback ports: Orleans silo and gateway, and Kestrel for HTTP. Callers reach it the way the server's own
/// HTTP handlers do (<see cref="IGrainFactory"/> from its services), or over HTTP on loopback.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    /// <summary>The matter of every report; it has the default limits but for accepting (an hour, see <see cref="StartAsync"/>).</summary>
    public const string Matter = "parking";

    /// <summary>Officer ids start with this; the squad leaders' do not, so a case escalated to a leader counts as wrong.</summary>
    private const string OfficerPrefix = "O-BENCH-";

    /// <summary>On duty around the clock, every day (local time UTC+8): every case goes to its grid's A officer.</summary>
    private static readonly RosterView Always =
        new([.. Enum.GetValues<DayOfWeek>().Select(d => new WeeklyShiftView(d, new TimeOnly(0, 0), new TimeOnly(0, 0)))], [], 480);

    private readonly WebApplication _app;

    private BenchServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        Services = app.Services;
        Grains = app.Services.GetRequiredService<IGrainFactory>();
        Catalog = app.Services.GetRequiredService<GridCatalog>();
        // Connections are opened as the callers need them: one per caller, as each keeps one request in flight.
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = baseAddress };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DispatcherKey);
        OperatorHttp = new HttpClient { BaseAddress = baseAddress };
        PublicHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = baseAddress };
        OperatorHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorKey);
    }

    /// <summary>The bench server's credentials (it runs on loopback for the length of a run).</summary>
    private const string OperatorKey = "bench-operator-key-0123456789";
    private const string DispatcherKey = "bench-dispatcher-key-0123456789";

    /// <summary>A sensor gateway's key (role Sensor), for <c>POST /api/sensors/readings</c>.</summary>
    public const string SensorKey = "bench-sensor-gateway-key-0123456789";

    /// <summary>The server's services, as its own handlers see them.</summary>
    public IServiceProvider Services { get; }

    public IGrainFactory Grains { get; }

    /// <summary>
    /// The case store's group commit so far: batches committed and case steps they held (PostgreSQL); null for the
    /// in-memory store, which has no commits.
    /// </summary>
    public (long Batches, long Writes)? CaseStoreCommitted =>
        Services.GetRequiredService<ICaseStore>() is PostgisCaseStore store ? store.Committed : null;

    public GridCatalog Catalog { get; }

    /// <summary>A client with the command center's credential (opens cases).</summary>
    public HttpClient Http { get; }

    /// <summary>A client with the operator's credential (redraws grids).</summary>
    public HttpClient OperatorHttp { get; }

    /// <summary>A client with no credential, as a citizens' channel calls Open311 (its api_key is in the form).</summary>
    public HttpClient PublicHttp { get; }

    /// <summary>Builds and starts the server: embedded default when <paramref name="postgres"/> is null, else PostgreSQL.</summary>
    /// <param name="settings">More settings on top of the benchmark's, as <c>Section:Key=value</c>.</param>
    public static async Task<BenchServer> StartAsync(string? postgres, IEnumerable<string>? settings = null)
    {
        var (siloPort, httpPort) = FreePorts();
        var args = new List<string>
        {
            "--urls", $"http://127.0.0.1:{httpPort}",
            $"--{OrleansOptions.Section}:SiloPort={siloPort}",
            // The server's Information logs (a line per request) would be work the deployed server does not do at
            // its usual level either; warnings (a failed projection write, say) still show.
            "--Logging:LogLevel:Default=Warning",
            // Accept within an hour instead of 10 minutes: the first deadline warning then falls due 48 minutes after
            // a case opens, after any run, so a run measures opening cases and nothing else. Opening does the same
            // work with either limit (the reminder is written either way).
            $"--{CaseOptions.Section}:Default:AcceptWithin=01:00:00",
            $"--GridServer:Auth:OperatorKey={OperatorKey}",
            $"--GridServer:Auth:Keys:0:Key={DispatcherKey}",
            "--GridServer:Auth:Keys:0:Role=Dispatcher",
            "--GridServer:Auth:Keys:0:Subject=bench-dispatcher",
            $"--GridServer:Auth:Keys:1:Key={SensorKey}",
            "--GridServer:Auth:Keys:1:Role=Sensor",
            "--GridServer:Auth:Keys:1:Subject=bench-gateway",
        };
        if (postgres is not null)
        {
            args.Add($"--{StorageOptions.Section}:Provider=PostgreSQL");
            args.Add($"--{StorageOptions.Section}:ConnectionString={postgres}");
            // Silos in this process on loopback, as the earlier figures were measured; a deployed cluster runs mutual TLS.
            args.Add($"--{ClusterTlsOptions.Section}:AllowPlainText=true");
        }
        args.AddRange((settings ?? []).Select(setting => "--" + setting));
        var app = SiloHost.Build([.. args]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new BenchServer(app, new Uri($"http://127.0.0.1:{httpPort}"));
    }

    /// <summary>
    /// Staffs every grid: grids in consecutive code order go to the squads in equal blocks, and to officer pairs
    /// (A, B) likewise; every officer and every squad leader is on an all-week roster.
    /// </summary>
    public async Task StaffAsync(IReadOnlyList<string> gridCodes, int squadCount, int officerCount, int concurrency)
    {
        var squads = Enumerable.Range(1, squadCount).Select(s => string.Create(CultureInfo.InvariantCulture, $"SQ-BENCH-{s:D3}")).ToArray();
        var leaders = Enumerable.Range(1, squadCount).Select(s => string.Create(CultureInfo.InvariantCulture, $"L-BENCH-{s:D3}")).ToArray();
        var officers = Enumerable.Range(1, officerCount).Select(o => string.Create(CultureInfo.InvariantCulture, $"{OfficerPrefix}{o:D5}")).ToArray();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency };
        await Parallel.ForEachAsync(officers.Concat(leaders), parallel,
            async (id, _) => await Grains.GetGrain<IOfficerGrain>(id).SetRosterAsync(Always));
        await Parallel.ForEachAsync(Enumerable.Range(0, squadCount), parallel,
            async (s, _) => await Grains.GetGrain<ISquadGrain>(squads[s]).SetLeaderAsync(leaders[s]));
        var pairs = officerCount / 2;
        await Parallel.ForEachAsync(Enumerable.Range(0, gridCodes.Count), parallel, async (i, _) =>
        {
            var squad = squads[(int)((long)i * squadCount / gridCodes.Count)];
            var pair = (int)((long)i * pairs / gridCodes.Count);
            await Grains.GetGrain<IGridCellGrain>(gridCodes[i])
                .AssignAsync(new GridAssignment(gridCodes[i], squad, officers[2 * pair], officers[2 * pair + 1]));
        });
    }

    /// <summary>
    /// Opens a case as the HTTP handler does, minus HTTP: the report's grid from the server's catalog, then
    /// <see cref="ICaseGrain.OpenAsync"/>. Null when the case came back dispatched to an officer, else what was wrong.
    /// </summary>
    public async Task<string?> OpenByGrainAsync(string caseId, double lon, double lat)
    {
        var grid = Catalog.Match(lon, lat).GridCode;
        var view = await Grains.GetGrain<ICaseGrain>(caseId).OpenAsync(new CaseReport(Matter, lon, lat, grid, "bench-reporter", "benchmark report"));
        return Wrong(view.State.ToString(), view.OfficerId, view.GridCode);
    }

    /// <summary>Opens a case with <c>POST /api/cases</c>; null when the answer is 201 with the case dispatched to an officer.</summary>
    public async Task<string?> OpenByHttpAsync(double lon, double lat)
    {
        using var response = await Http.PostAsJsonAsync("/api/cases", new OpenCaseBody(Matter, lon, lat, "bench-reporter", "benchmark report"));
        if (response.StatusCode != HttpStatusCode.Created)
        {
            var body = await response.Content.ReadAsStringAsync();
            return $"HTTP {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] : body)}";
        }
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var root = json.RootElement;
        return Wrong(Text(root, "state"), Text(root, "officerId"), Text(root, "gridCode"));

        static string? Text(JsonElement e, string name) =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
    }

    /// <summary>Null when the case is Dispatched to a benchmark officer in its grid, else what is wrong; asked of the case's grain.</summary>
    public async Task<string?> CheckDispatchedAsync(string caseId)
    {
        var view = await Grains.GetGrain<ICaseGrain>(caseId).GetAsync();
        return view is null ? "no such case" : Wrong(view.State.ToString(), view.OfficerId, view.GridCode);
    }

    private static string? Wrong(string? state, string? officerId, string? gridCode) =>
        state == "Dispatched" && officerId?.StartsWith(OfficerPrefix, StringComparison.Ordinal) == true && gridCode is not null
            ? null
            : $"answer: state {state ?? "none"}, officer {officerId ?? "none"}, grid {gridCode ?? "none"}";

    /// <summary>The managed heap after a full, compacting collection, in MiB: what the process keeps.</summary>
    public static double HeapKeptMiB()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
    }

    /// <summary>
    /// What <paramref name="reports"/> reports left in the process: the heap kept now against <paramref name="before"/>
    /// (<see cref="HeapKeptMiB"/> before them), and how many case grains are activated.
    /// </summary>
    public async Task<string> MemoryKeptAsync(double before, int reports)
    {
        var cases = (await Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics())
            .Where(s => s.GrainType.StartsWith(typeof(GridServer.Grains.Cases.CaseGrain).FullName + ",", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
        var after = HeapKeptMiB();
        return string.Create(CultureInfo.InvariantCulture,
            $"memory kept: managed heap {before:N0} MiB before the reports and {after:N0} MiB after {reports:N0} of them (full collections), {(after - before) * 1048576 / reports / 1024:0.00} KiB a report; {cases:N0} case grains activated");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        OperatorHttp.Dispose();
        PublicHttp.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Two loopback ports that were free just now, different (held open together while chosen).</summary>
    private static (int Silo, int Http) FreePorts()
    {
        var listeners = Enumerable.Range(0, 2).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var l in listeners) l.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return (ports[0], ports[1]);
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    /// <summary>The JSON body of <c>POST /api/cases</c> (camelCase on the wire).</summary>
    private sealed record OpenCaseBody(string Matter, double Lon, double Lat, string ReporterId, string Description);
}
