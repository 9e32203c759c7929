using System.Net;
using GridServer.Console.Tests.Support;
using Microsoft.Playwright;

namespace GridServer.Console.Tests;

/// <summary>
/// A server configured with a GCJ-02 basemap (as AMap's or Tencent's tiles are drawn), served here by a small tile
/// server of the test's own on loopback: the console must draw the grids shifted so that a known WGS84 point is
/// shown, pointed at and clicked where the basemap has it, and the basemap's host must never get the key.
/// </summary>
public sealed class Gcj02BasemapServer : ConsoleServer
{
    // A 1×1 PNG: what the basemap draws does not matter here, only that it is asked for.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
    private readonly HttpListener _tiles = new();
    private readonly List<(string Url, string? Authorization)> _requests = [];
    private readonly int _tilePort = FreePort();

    public Gcj02BasemapServer()
    {
        _tiles.Prefixes.Add($"http://127.0.0.1:{_tilePort}/");
        _tiles.Start();
        _ = Task.Run(ServeAsync);
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GridServer:Console:Basemap:Url"] = $"http://127.0.0.1:{_tilePort}/{{z}}/{{x}}/{{y}}.png",
        ["GridServer:Console:Basemap:Crs"] = "gcj02",
        ["GridServer:Console:Basemap:Attribution"] = "test basemap",
    };

    public IReadOnlyList<(string Url, string? Authorization)> TileRequests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    private async Task ServeAsync()
    {
        while (_tiles.IsListening)
        {
            HttpListenerContext context;
            try { context = await _tiles.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
            lock (_requests) _requests.Add((context.Request.RawUrl ?? "", context.Request.Headers["Authorization"]));
            context.Response.ContentType = "image/png";
            context.Response.Headers["Access-Control-Allow-Origin"] = "*";
            await context.Response.OutputStream.WriteAsync(Png);
            context.Response.Close();
        }
    }

    public override async Task DisposeAsync()
    {
        _tiles.Stop();
        _tiles.Close();
        await base.DisposeAsync();
    }
}

public sealed class Gcj02BasemapTests(Gcj02BasemapServer server) : IClassFixture<Gcj02BasemapServer>
{
    /// <summary>A known WGS84 point inside grid 33030200200910 (the README's example).</summary>
    private const double KnownLon = 120.65, KnownLat = 28.0;

    [Fact]
    public async Task Gcj02Basemap_KnownPoint_IsShownAndClickedOnItsGrid_AndTheBasemapNeverGetsTheKey()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey);
        await tab.Page.FillAsync("#search", "33030200200910");
        await tab.Page.Locator("#search-results button").First.ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#card-code")).ToHaveTextAsync("33030200200910");
        await tab.WaitForGridsAsync(4);
        await tab.GoAsync("#/map");
        await tab.Page.WaitForSelectorAsync("#search");

        // Where the status bar (WGS84, shifted back from the map's GCJ-02) puts the known point on screen.
        var box = (await tab.Page.Locator("#map").BoundingBoxAsync())!;
        var (ax, ay) = (box.X + box.Width / 2 - 100, box.Y + box.Height / 2 - 100);
        var a = await tab.PositionAtAsync(ax, ay);
        var b = await tab.PositionAtAsync(ax + 200, ay + 200);
        var x = ax + (KnownLon - a.Lon) / (b.Lon - a.Lon) * 200;
        var y = ay + (KnownLat - a.Lat) / (b.Lat - a.Lat) * 200;
        var shown = await tab.PositionAtAsync(x, y);
        Assert.True(Math.Abs(shown.Lon - KnownLon) < 2e-5 && Math.Abs(shown.Lat - KnownLat) < 2e-5, $"the status bar says {shown} at the known point");

        // The grid drawn there (from tiles the server shifted to GCJ-02) is the grid the API locates the point in.
        await tab.Page.Mouse.ClickAsync((float)x, (float)y);
        await Assertions.Expect(tab.Page.Locator("#card-code")).ToHaveTextAsync("33030200200910");
        var tiles = tab.Requests.Where(u => u.Contains("/api/tiles/grids/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(tiles);
        Assert.All(tiles, t => Assert.Contains("crs=gcj02", t, StringComparison.Ordinal));
        await tab.ScreenshotAsync("gcj02-basemap");

        Assert.NotEmpty(server.TileRequests);
        Assert.All(server.TileRequests, r => Assert.Null(r.Authorization));
        tab.AssertNoProblems();
    }
}
