using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace GridServer.Console.Tests.Support;

/// <summary>One browser tab on the console, with what it logged: script errors and CSP refusals fail the test.</summary>
public sealed partial class ConsolePage : IAsyncDisposable
{
    private readonly ConsoleServer _server;
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];

    public IPage Page { get; }

    public ConsolePage(ConsoleServer server, IBrowserContext context, IPage page)
    {
        _server = server;
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            // A refused API call is logged by the browser as "Failed to load resource: … 4xx": the tests provoke those.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) lock (_problems) _problems.Add(message.Text);
        };
        page.PageError += (_, error) => { lock (_problems) _problems.Add(error); };
        // Also the requests of MapLibre's worker (tiles), which the page's own resource timing does not list.
        page.Request += (_, request) => { lock (_requests) _requests.Add(request.Url); };
    }

    private readonly List<string> _requests = [];

    /// <summary>Every URL the tab asked for so far.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    /// <summary>Script errors and Content-Security-Policy refusals seen so far.</summary>
    public IReadOnlyList<string> Problems
    {
        get { lock (_problems) return [.. _problems]; }
    }

    public async Task GotoAsync(string hash = "")
    {
        await Page.GotoAsync(new Uri(_server.BaseUrl, "/console/" + hash).ToString());
    }

    /// <summary>Signs in with a key as a person does, and waits for the map.</summary>
    public async Task SignInAsync(string key, string hash = "#/map")
    {
        await GotoAsync(hash);
        await Page.FillAsync("#key", key);
        await Page.ClickAsync("#signin button[type=submit]");
        await Page.WaitForSelectorAsync("#map[data-ready=true]");
    }

    public async Task GoAsync(string hash) => await Page.EvaluateAsync("h => { location.hash = h; }", hash);

    /// <summary>Waits until the map is still and draws at least this many grids.</summary>
    public async Task WaitForGridsAsync(int atLeast)
    {
        await Wait.UntilAsync($"the map draws {atLeast} grids", async () =>
        {
            var drawn = await Page.GetAttributeAsync("#map", "data-rendered-grids");
            return int.TryParse(drawn, CultureInfo.InvariantCulture, out var n) && n >= atLeast;
        }, TimeSpan.FromSeconds(60));
    }

    /// <summary>The WGS84 position under a screen point, as the console's status bar shows it.</summary>
    public async Task<(double Lon, double Lat)> PositionAtAsync(double x, double y)
    {
        await Page.Mouse.MoveAsync((float)x, (float)y);
        await Page.Mouse.MoveAsync((float)x, (float)y + 1);
        await Page.Mouse.MoveAsync((float)x, (float)y);
        var text = await Page.TextContentAsync("#cursor") ?? "";
        var m = Coordinates().Match(text);
        Assert.True(m.Success, $"the status bar shows no position: '{text}'");
        return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleServer.Screenshots, name + ".png") });

    public void AssertNoProblems() => Assert.True(Problems.Count == 0, "the page logged: " + string.Join("\n", Problems));

    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    [GeneratedRegex(@"(-?\d+\.\d+), (-?\d+\.\d+) \(WGS84\)")]
    private static partial Regex Coordinates();
}
