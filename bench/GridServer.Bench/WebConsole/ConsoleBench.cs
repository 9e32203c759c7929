using System.Diagnostics;
using System.Globalization;
using System.Text;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using Microsoft.Playwright;

namespace GridServer.Bench.WebConsole;

/// <summary>
/// The web console's map at a city's scale: a generated district of about 50,000 grids served by the silo (its own
/// process, embedded default: the tiles come from the in-memory index), drawn by headless Debian Chromium. Measures
/// the time from opening the page to the first complete render (MapLibre idle: every tile loaded and drawn) of the
/// whole district and then of one street, frame times while panning (dragged with the mouse), and the tiles'
/// sizes and counts as the browser fetched them.
/// </summary>
internal static class ConsoleBench
{
    public const string Usage = """
        GridServer.Bench console [--grids 50000] [--runs 3] [--vertices 6]
          --grids N      about N grids (columns 5:4 to rows; default 50000)
          --runs N       page loads measured (default 3; the first meets a server whose tile cache is cold)
          --vertices N   extra vertices on each side of a grid (default 6: 28 vertices, as the shipped sample)
        """;

    private const string Key = "bench-operator-key-0123456789";

    public static int Run(string[] args)
    {
        int grids = 50_000, runs = 3, vertices = 6;
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--grids": grids = Next(); break;
                case "--runs": runs = Next(); break;
                case "--vertices": vertices = Next(); break;
                case "--help": System.Console.WriteLine(Usage); return 0;
                default: System.Console.Error.WriteLine($"unknown option {args[i]}\n{Usage}"); return 2;
            }
        }
        return RunAsync(grids, runs, vertices).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int size, int runs, int vertices)
    {
        System.Console.WriteLine($"machine: {Environment.ProcessorCount} cores; .NET {Environment.Version}; chromium {ChromiumVersion()}; load average {LoadAverage()}");
        var folder = Directory.CreateTempSubdirectory("gridserver-console-bench");
        try
        {
            var file = Path.Combine(folder.FullName, "district.geojson");
            var district = District(size, vertices);
            await using (var stream = File.Create(file)) GeoJsonGridWriter.Write(stream, district);
            System.Console.WriteLine($"district: {district.Count:N0} grids, {district.Sum(g => g.Boundary.NumPoints):N0} vertices; as one GeoJSON document {new FileInfo(file).Length / 1e6:F1} MB");

            using var server = await SiloProcess.StartAsync(file);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = "/usr/bin/chromium", Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var street = district.GroupBy(g => g.StreetCode).OrderBy(g => g.Key, StringComparer.Ordinal).Skip(district.Select(g => g.StreetCode).Distinct().Count() / 2).First();
            var streetName = street.First().StreetName!;
            for (var run = 1; run <= runs; run++)
            {
                await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
                await context.AddInitScriptAsync($"sessionStorage.setItem('gridserver.key', '{Key}')");
                var page = await context.NewPageAsync();
                // MapLibre fetches tiles from its worker, out of the page's resource timing: the network events see them.
                var tiles = new List<Tile>();
                page.RequestFinished += async (_, request) =>
                {
                    if (!request.Url.Contains("/api/tiles/", StringComparison.Ordinal)) return;
                    var sizes = await request.SizesAsync();
                    // Sent: the body as it crossed the wire (gzip when the server compressed it); unpacked: as MapLibre read it.
                    var response = await request.ResponseAsync();
                    var unpacked = response is null ? 0 : (await response.BodyAsync()).Length;
                    lock (tiles) tiles.Add(new Tile(request.Url, sizes.ResponseBodySize, unpacked, response?.Headers.GetValueOrDefault("content-encoding") ?? "identity", request.Timing.ResponseEnd));
                };
                await page.GotoAsync($"{server.BaseUrl}/console/#/map");
                System.Console.WriteLine($"run {run}{(run == 1 ? " (the server's tile cache cold)" : "")}; load average {LoadAverage()}:");
                var districtMs = await IdleAfterAsync(page, 0);
                var drawn = await page.GetAttributeAsync("#map", "data-rendered-grids");
                var districtTiles = Snapshot(tiles);
                System.Console.WriteLine($"  whole district: first complete render {districtMs:F0} ms after the page opened; {drawn} grids drawn; {Describe(districtTiles)}");
                System.Console.WriteLine($"  pan over the district: {await PanAsync(page)}");

                await page.FillAsync("#search", streetName);
                var button = page.Locator("#search-streets button", new() { HasText = street.Key! }).First;
                await button.WaitForAsync();
                var t0 = await page.EvaluateAsync<double>("() => performance.now()");
                await button.ClickAsync();
                var streetMs = await IdleAfterAsync(page, t0) - t0;
                var streetDrawn = await page.GetAttributeAsync("#map", "data-rendered-grids");
                var allTiles = Snapshot(tiles);
                System.Console.WriteLine($"  street {streetName} ({street.Count():N0} grids): complete render {streetMs:F0} ms after the click; {streetDrawn} grids drawn; {Describe(allTiles.Skip(districtTiles.Count).ToList())}");
                System.Console.WriteLine($"  pan over the street: {await PanAsync(page)}");

                // The renderer's own floor on this machine: the same pan where no grid is (a degree east of the district).
                t0 = await page.EvaluateAsync<double>("() => performance.now()");
                await page.EvaluateAsync("h => { location.hash = h; }", "#/map/12/122.5/28.2");
                await IdleAfterAsync(page, t0);
                System.Console.WriteLine($"  pan where no grid is (the renderer alone): {await PanAsync(page)}");
            }
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Waits (bounded) until the map has become still after <paramref name="after"/> ms; returns when (ms since the page began).</summary>
    private static async Task<double> IdleAfterAsync(IPage page, double after)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (DateTime.UtcNow < until)
        {
            var idle = await page.EvaluateAsync<string?>("() => document.getElementById('map')?.dataset.idleAt ?? null");
            if (idle is not null && double.Parse(idle, CultureInfo.InvariantCulture) > after) return double.Parse(idle, CultureInfo.InvariantCulture);
            await Task.Delay(50);
        }
        throw new TimeoutException("the map did not become still within 5 minutes");
    }

    private sealed record Tile(string Url, double Bytes, double Unpacked, string Encoding, double Ms);


    private static List<Tile> Snapshot(List<Tile> tiles)
    {
        lock (tiles) return [.. tiles];
    }

    private static string Describe(List<Tile> tiles)
    {
        if (tiles.Count == 0) return "no tile fetched";
        var zooms = string.Join(", ", tiles.Select(t => t.Url.Split("/api/tiles/grids/")[1].Split('/')[0]).Distinct());
        var sizes = tiles.Select(t => t.Bytes).Order().ToList();
        var unpacked = tiles.Select(t => t.Unpacked).Order().ToList();
        var encodings = string.Join("/", tiles.Select(t => t.Encoding).Distinct());
        var times = tiles.Select(t => t.Ms).Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{tiles.Count} tiles (zoom {zooms}), sent {sizes.Sum() / 1e6:F2} MB in all ({encodings}), median {sizes[sizes.Count / 2] / 1e3:F0} kB, largest {sizes[^1] / 1e3:F0} kB; unpacked {unpacked.Sum() / 1e6:F2} MB, largest {unpacked[^1] / 1e3:F0} kB; request to last byte median {times[times.Count / 2]:F0} ms, slowest {times[^1]:F0} ms");
    }

    /// <summary>
    /// Drags the map 600 px right and 300 px down with the mouse in 12 moves, recording every animation frame meanwhile.
    /// (Each move is delivered once the page took the last, so a slow renderer makes the pan slow, not shorter.)
    /// </summary>
    private static async Task<string> PanAsync(IPage page)
    {
        var box = (await page.Locator("#map").BoundingBoxAsync())!;
        var (x, y) = (box.X + box.Width / 2 - 300, box.Y + box.Height / 2 - 150);
        await page.EvaluateAsync("""
            () => { window.__frames = []; let last = performance.now(); window.__recording = true;
              addEventListener('mousemove', () => { window.__lastMove = performance.now(); }, { capture: true });
              const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
              requestAnimationFrame(tick); }
            """);
        await page.Mouse.MoveAsync((float)x, (float)y);
        await page.Mouse.DownAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= 12; i++) await page.Mouse.MoveAsync((float)(x + 50 * i), (float)(y + 25 * i));
        await page.Mouse.UpAsync();
        var panMs = clock.Elapsed.TotalMilliseconds;
        var frames = (await page.EvaluateAsync<double[]>("() => { window.__recording = false; return window.__frames.slice(1); }")).Order().ToList();
        // Still again after the last move the page saw (a still moment read after the mouse-up could come too late to see).
        await IdleAfterAsync(page, await page.EvaluateAsync<double>("() => window.__lastMove"));
        if (frames.Count == 0) return "no frame drawn";
        double P(double q) => frames[Math.Min(frames.Count - 1, (int)(q * frames.Count))];
        return string.Create(CultureInfo.InvariantCulture,
            $"{frames.Count} frames in {panMs:F0} ms; frame time median {P(0.5):F1} ms, p95 {P(0.95):F1} ms, max {frames[^1]:F1} ms; {frames.Count(f => f > 50)} frames over 50 ms");
    }

    /// <summary>About <paramref name="size"/> grids of ~100 m in blocks of streets (50 × 25 grids) and communities (5 × 5), CJ/T 213 codes.</summary>
    private static List<Grid> District(int size, int vertices)
    {
        var rows = Math.Max(25, (int)Math.Round(Math.Sqrt(size * 4.0 / 5.0) / 25) * 25);
        var columns = Math.Max(50, (int)Math.Round((double)size / rows / 50) * 50);
        var cells = TilingGenerator.Generate(new TilingSpec(120.50, 27.90, columns, rows, 100, vertices, Seed: 50_000, Decimals: 7));
        var now = DateTimeOffset.UtcNow;
        return cells.Select(cell =>
        {
            var street = (cell.Row / 25) * (columns / 50) + cell.Column / 50 + 1;
            var community = (cell.Row % 25 / 5) * 10 + cell.Column % 50 / 5 + 1;
            var sequence = (cell.Row % 5) * 5 + cell.Column % 5 + 1;
            var code = CjT213Code.Create("330302", street, community, sequence);
            return new Grid(code.Value, $"第{street}街道{community}社区{sequence:D2}网格", code.StreetCode, $"第{street}街道", code.CommunityCode,
                $"第{street}街道{community}社区", cell.Boundary, GridArea.AreaSquareMetres(cell.Boundary), 1, now);
        }).OrderBy(g => g.Code, StringComparer.Ordinal).ToList();
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string ChromiumVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("/usr/bin/chromium", "--version") { RedirectStandardOutput = true })!;
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found at /usr/bin/chromium";
        }
    }

    /// <summary>The silo as its own process on free ports, serving the district file embedded.</summary>
    private sealed class SiloProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public string BaseUrl { get; }

        private SiloProcess(string file)
        {
            var port = FreePort();
            BaseUrl = $"http://127.0.0.1:{port}";
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "GridServer.Silo.dll"), $"--urls={BaseUrl}", $"--GridServer:Storage:GridsFile={file}",
                $"--GridServer:Auth:OperatorKey={Key}", $"--GridServer:Orleans:SiloPort={FreePort()}",
                "--Logging:LogLevel:Default=Warning",
            }) start.ArgumentList.Add(arg);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public static async Task<SiloProcess> StartAsync(string file)
        {
            var silo = new SiloProcess(file);
            using var http = new HttpClient();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                if (silo._process.HasExited) throw new InvalidOperationException($"the server exited:\n{silo._output}");
                try
                {
                    if ((await http.GetAsync($"{silo.BaseUrl}/health")).IsSuccessStatusCode)
                    {
                        System.Console.WriteLine($"server: ready in {clock.Elapsed.TotalSeconds:F1} s (index built, district loaded)");
                        return silo;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                await Task.Delay(250);
            }
            throw new TimeoutException($"the server was not ready within 5 minutes:\n{silo._output}");
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }

        private static int FreePort()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
