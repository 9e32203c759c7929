using GridServer.Console.Tests.Support;
using Microsoft.Playwright;

namespace GridServer.Console.Tests;

/// <summary>
/// The evaluation page (考核评价) as the command center uses it: the period's figures and the ranking table, a number
/// clicked to its cases, the trend, the hot spots and the grids' scores on the map, another level chosen. Its case lies
/// in a grid no other console test uses.
/// </summary>
[Collection(ConsoleGroup.Name)]
public sealed class EvaluationPageTests(ConsoleServer server)
{
    private const string Grid = "33030200100105";

    [Fact]
    public async Task Dashboard_TableCountsTheCase_ANumberOpensItsCases_TheMapShowsHotSpots()
    {
        var caseId = await server.OpenCaseInAsync(Grid, "console-eval");
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.DispatcherKey, $"#/evaluation/grid/month/{today}");

        await tab.Page.WaitForSelectorAsync("#panel[data-ready=true]", new() { Timeout = 60_000 });
        await Assertions.Expect(tab.Page.Locator("#nav a[data-view=evaluation]")).ToHaveTextAsync("考核评价");
        var row = tab.Page.Locator("#eval-rows tbody tr", new() { HasText = Grid });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(tab.Page.Locator("#eval-summary .card[data-indicator=received] strong")).Not.ToHaveTextAsync("0");
        // Six periods in the trend, one bar each.
        await Assertions.Expect(tab.Page.Locator("#eval-chart rect")).ToHaveCountAsync(6);
        // The hot spots are drawn over the grids.
        Assert.True(int.Parse(await tab.Page.GetAttributeAsync("#panel", "data-hotspots") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await Assertions.Expect(tab.Page.Locator("#map")).ToHaveAttributeAsync("data-drawn-eval-hotspots", new System.Text.RegularExpressions.Regex("^[1-9]"),
            new() { Timeout = 30_000 });
        await tab.ScreenshotAsync("evaluation");

        // A number is its cases.
        await row.Locator($"button[data-trace='{Grid}|received']").ClickAsync();
        await Assertions.Expect(tab.Page.Locator("#eval-case-list")).ToContainTextAsync(caseId);

        // Another level: the URL says it, the table follows.
        await tab.Page.SelectOptionAsync("#eval-level", "street");
        await Assertions.Expect(tab.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/evaluation/street/month/"));
        await Assertions.Expect(tab.Page.Locator("#eval-rows tbody tr", new() { HasText = "330302001" })).ToHaveCountAsync(1);
        tab.AssertNoProblems();
    }
}
