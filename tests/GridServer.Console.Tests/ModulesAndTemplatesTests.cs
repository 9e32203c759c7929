using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Console.Tests.Support;
using Microsoft.Playwright;

namespace GridServer.Console.Tests;

/// <summary>
/// The pages for uploaded duty modules and edited notice templates, driven as an operator does: a signed package
/// uploaded, a newer one, a tampered one refused, a rollback, disable and remove; a template saved with an error
/// (shown at its line and column), then fixed, previewed, versioned and rolled back. The API proves each effect.
/// </summary>
[Collection(ConsoleGroup.Name)]
public sealed class ModulesAndTemplatesTests(ConsoleServer server)
{
    private const string Module = "GridServer.Plugins.Sample";

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await server.Operator.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>
    /// The upload's answer comes once the package is read, checked against the module contract and stored: on a busy
    /// two-core machine (CI) that outlasted the default 30 s once, so the page is given longer.
    /// </summary>
    private static readonly LocatorAssertionsToContainTextOptions Answered = new() { Timeout = 120_000 };

    private static async Task UploadThroughPageAsync(ConsolePage tab, string fileName, byte[] package, string signature)
    {
        await tab.Page.SetInputFilesAsync("#pkg-file", new FilePayload { Name = fileName, MimeType = "application/zip", Buffer = package });
        await tab.Page.FillAsync("#pkg-signature", signature);
        await tab.Page.ClickAsync("#pkg-upload");
    }

    /// <summary>Waits until this server runs the uploaded module at <paramref name="version"/>, as the catalog's per-silo list says.</summary>
    private async Task RunsAsync(string version) =>
        await Wait.UntilAsync($"the silo running {Module} {version}", async () =>
        {
            using var response = await server.Operator.GetAsync($"/api/plugins/packages/{Module}");
            if (response.StatusCode != HttpStatusCode.OK) return false;
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return body.RootElement.GetProperty("silos").EnumerateArray().All(s => s.GetProperty("version").GetString() == version);
        }, TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Packages_SignedUploadThenNewer_TamperedRefused_RollbackDisableRemove_AllThroughThePage()
    {
        var v1 = ConsoleServer.PackageOf("GridServer.Plugins.Sample");
        var v2 = ConsoleServer.PackageOf("GridServer.TestModules.SampleV2");
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/modules");

        await UploadThroughPageAsync(tab, "sample-1.0.0.zip", v1, ConsoleServer.Sign(v1));
        await Assertions.Expect(tab.Page.Locator("#pkg-uploaded")).ToContainTextAsync($"{Module} 1.0.0", Answered);
        await RunsAsync("1.0.0");
        await UploadThroughPageAsync(tab, "sample-2.0.0.zip", v2, ConsoleServer.Sign(v2));
        await Assertions.Expect(tab.Page.Locator("#pkg-uploaded")).ToContainTextAsync($"{Module} 2.0.0", Answered);
        await RunsAsync("2.0.0");

        // A package changed after signing: refused, said so on the page, and the catalog is as it was.
        var revision = (await GetAsync("/api/plugins/packages")).GetProperty("revision").GetInt64();
        var tampered = (byte[])v1.Clone();
        tampered[tampered.Length / 2] ^= 0x20;
        await UploadThroughPageAsync(tab, "sample-tampered.zip", tampered, ConsoleServer.Sign(v1));
        await Assertions.Expect(tab.Page.Locator("#pkg-refused")).ToContainTextAsync("signature", Answered);
        Assert.Equal(revision, (await GetAsync("/api/plugins/packages")).GetProperty("revision").GetInt64());

        // The module's page: both versions, the silo on 2.0.0; roll back to 1.0.0 with one click.
        await tab.Page.ClickAsync($"#packages-table a[data-module='{Module}']");
        var versions = tab.Page.Locator("#versions-table tbody tr");
        await Assertions.Expect(versions).ToHaveCountAsync(2);
        await Assertions.Expect(tab.Page.Locator("#silos-table tbody")).ToContainTextAsync("2.0.0");
        await Assertions.Expect(tab.Page.Locator("#silos-table tbody")).ToContainTextAsync("已加载");
        await tab.ScreenshotAsync("module-package");
        await tab.Page.ClickAsync("#versions-table button[data-activate='1.0.0']");
        await Assertions.Expect(tab.Page.Locator("#package-done")).ToBeVisibleAsync();
        Assert.Equal("1.0.0", (await GetAsync($"/api/plugins/packages/{Module}")).GetProperty("activeVersion").GetString());
        await RunsAsync("1.0.0");

        // Disabled, then removed: the API no longer knows it.
        await tab.Page.ClickAsync("#pkg-disable");
        await Assertions.Expect(tab.Page.Locator("#package-active")).ToHaveTextAsync("已停用");
        Assert.Equal(JsonValueKind.Null, (await GetAsync($"/api/plugins/packages/{Module}")).GetProperty("activeVersion").ValueKind);
        await tab.Page.ClickAsync("#pkg-remove");
        await Assertions.Expect(tab.Page.Locator("#packages")).ToBeVisibleAsync();
        Assert.EndsWith("#/modules", tab.Page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await tab.Page.Locator($"#packages-table a[data-module='{Module}']").CountAsync());
        using (var gone = await server.Operator.GetAsync($"/api/plugins/packages/{Module}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task TemplateEditor_ShownOnlyOnceItsTextHasCome_SoNothingTypedIsOverwritten()
    {
        var name = "dispatch.console" + Guid.NewGuid().ToString("N")[..8];
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/templates");
        await tab.Page.RouteAsync($"**/api/templates/{name}", async route =>
        {
            held.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });
        await tab.GoAsync($"#/templates/{name}");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // While the template is on its way there is nothing to type into.
        Assert.Equal(0, await tab.Page.Locator("#template-text").CountAsync());
        release.SetResult();
        var text = tab.Page.Locator("#template-text");
        await Assertions.Expect(text).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("派遣"));
        await text.FillAsync("【输入】{{ case_id }}");
        await tab.Page.WaitForSelectorAsync("body[data-routing=idle]");
        await Assertions.Expect(text).ToHaveValueAsync("【输入】{{ case_id }}");
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Template_ErrorShownAtLineAndColumn_ThenSavedPreviewedVersionedRolledBackAndReverted()
    {
        var matter = "console" + Guid.NewGuid().ToString("N")[..8];
        var name = $"dispatch.{matter}";
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.OperatorKey, "#/templates");
        await Assertions.Expect(tab.Page.Locator("#templates-table a[data-template='dispatch']")).ToBeVisibleAsync();
        await tab.Page.SelectOptionAsync("#tpl-kind", "dispatch");
        await tab.Page.FillAsync("#tpl-matter", matter);
        await tab.Page.ClickAsync("#tpl-new button[type=submit]");
        var text = tab.Page.Locator("#template-text");
        await Assertions.Expect(text).ToBeVisibleAsync();

        // A syntax error on line 2: refused, shown at its line and column; a click puts the cursor there.
        await text.FillAsync("第一行 {{ case_id }}\n第二行 {{ if }}");
        await tab.Page.ClickAsync("#template-save");
        var error = tab.Page.Locator("#template-errors li").First;
        await Assertions.Expect(error).ToContainTextAsync("第 2 行");
        await tab.ScreenshotAsync("template-error");
        await error.Locator("button").ClickAsync();
        Assert.Equal(2, await tab.Page.EvaluateAsync<int>("() => { const t = document.getElementById('template-text'); return t.value.slice(0, t.selectionStart).split('\\n').length; }"));
        Assert.Empty((await GetAsync($"/api/templates/{name}")).GetProperty("versions").EnumerateArray());

        // Fixed and saved with a note: version 1, by the operator, serving.
        await text.FillAsync("【控制台一】{{ case_id }} {{ matter_name }}");
        await tab.Page.FillAsync("#template-note", "第一版");
        await tab.Page.ClickAsync("#template-save");
        await Assertions.Expect(tab.Page.Locator("#template-done")).ToContainTextAsync("版本 1");
        await Assertions.Expect(tab.Page.Locator("#template-active")).ToHaveTextAsync("1");
        var saved = await GetAsync($"/api/templates/{name}");
        Assert.Equal(("operator", "第一版"), (saved.GetProperty("versions")[0].GetProperty("author").GetString(), saved.GetProperty("versions")[0].GetProperty("note").GetString()));

        // Previewed against the sample cases.
        await tab.Page.ClickAsync("#template-preview-button");
        await Assertions.Expect(tab.Page.Locator("#template-preview pre").First).ToContainTextAsync("【控制台一】");

        // Version 2, then a rollback to 1 from the versions table.
        await text.FillAsync("【控制台二】{{ case_id }}");
        await tab.Page.ClickAsync("#template-save");
        await Assertions.Expect(tab.Page.Locator("#template-active")).ToHaveTextAsync("2");
        await tab.Page.ClickAsync("#versions-table button[data-activate='1']");
        await Assertions.Expect(tab.Page.Locator("#template-active")).ToHaveTextAsync("1");
        await Assertions.Expect(text).ToHaveValueAsync("【控制台一】{{ case_id }} {{ matter_name }}");
        await tab.ScreenshotAsync("template-versions");
        Assert.Equal($"api:{name}@v1", (await GetAsync($"/api/templates/{name}")).GetProperty("summary").GetProperty("servedBy").GetProperty("source").GetString());

        // Back to the shipped default.
        await tab.Page.ClickAsync("#template-revert");
        await Assertions.Expect(tab.Page.Locator("#template-served")).Not.ToContainTextAsync("api:");
        Assert.Equal(JsonValueKind.Null, (await GetAsync($"/api/templates/{name}")).GetProperty("summary").GetProperty("activeVersion").ValueKind);
        tab.AssertNoProblems();
    }

    [Fact]
    public async Task Template_Dispatcher_ReadsAndPreviews_ButCannotSave()
    {
        await using var tab = await server.OpenAsync();
        await tab.SignInAsync(ConsoleServer.DispatcherKey, "#/templates/closure");
        await Assertions.Expect(tab.Page.Locator("#template-text")).ToHaveAttributeAsync("readonly", "");
        Assert.Equal(0, await tab.Page.Locator("#template-save, #template-revert").CountAsync());
        await tab.Page.ClickAsync("#template-preview-button");
        await Assertions.Expect(tab.Page.Locator("#template-preview pre").First).ToContainTextAsync("结案");
        using var put = await server.Anonymous.PutAsJsonAsync("/api/templates/closure", new { text = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        tab.AssertNoProblems();
    }
}
