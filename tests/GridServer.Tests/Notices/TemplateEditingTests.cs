using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Silo;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Notices;

/// <summary>
/// Notice templates edited through <c>/api/templates</c> on one server (the embedded default: versions in memory): checked
/// on save with line and column, versioned with author and time, previewed against the sample cases, rolled back, and
/// hostile texts refused by the sandbox before anything is stored. Each test edits a matter of its own, so no test sees
/// another's versions.
/// </summary>
public sealed class TemplateEditingTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private static string NewMatter() => "t" + Guid.NewGuid().ToString("N")[..12];

    private async Task<(HttpStatusCode Status, JsonElement Body)> SaveAsync(string name, string text, string? note = null, HttpClient? client = null)
    {
        using var response = note is null
            ? await (client ?? silo.Operator).PutAsync($"/api/templates/{name}", new StringContent(text, Encoding.UTF8, "text/plain"))
            : await (client ?? silo.Operator).PutAsJsonAsync($"/api/templates/{name}", new { text, note });
        return (response.StatusCode, await JsonOf(response));
    }

    private async Task<JsonElement> GetAsync(string name)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/templates/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonOf(response);
    }

    private static string Source(JsonElement template) => template.GetProperty("summary").GetProperty("servedBy").GetProperty("source").GetString()!;

    [Fact]
    public async Task Save_ValidText_IsVersionOneWithAuthorAndTime_AndServesAtOnce()
    {
        var name = $"dispatch.{NewMatter()}";
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var (status, body) = await SaveAsync(name, "派遣 {{ case_id }} · {{ matter_name }}", note: "第一版");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        var template = await GetAsync(name);
        Assert.Equal("派遣 {{ case_id }} · {{ matter_name }}", template.GetProperty("text").GetString());
        Assert.Equal($"api:{name}@v1", Source(template));
        Assert.Equal("MatterEdited", template.GetProperty("summary").GetProperty("servedBy").GetProperty("origin").GetString());
        var version = Assert.Single(template.GetProperty("versions").EnumerateArray().ToArray());
        Assert.Equal(("operator", "第一版"), (version.GetProperty("author").GetString(), version.GetProperty("note").GetString()));
        Assert.InRange(version.GetProperty("savedAt").GetDateTimeOffset(), before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Contains(template.GetProperty("history").EnumerateArray(), h => h.GetProperty("action").GetString() == "save" && h.GetProperty("actor").GetString() == "operator");
    }

    [Fact]
    public async Task Save_SyntaxErrorOnLineThree_Refused422WithLineAndColumn_NothingStored()
    {
        var name = $"dispatch.{NewMatter()}";

        var (status, body) = await SaveAsync(name, "第一行\n第二行 {{ case_id }}\n第三行 {{ if }}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = body.GetProperty("errors")[0];
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.True(error.GetProperty("column").GetInt32() >= 5, body.ToString());
        Assert.StartsWith($"{name}(3,", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var template = await GetAsync(name);
        Assert.Empty(template.GetProperty("versions").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, template.GetProperty("summary").GetProperty("activeVersion").ValueKind);
    }

    public static TheoryData<string, string> Hostile() => new()
    {
        { "{{ while true }}x{{ end }}", "iteration limit" },
        { "{{ func f; f; end; f }}", "recursive depth limit" },
        { "{{ case_id.GetType }}", "GetType" },
        { "{{ accept_by.Ticks }}", "Ticks" },
        { "{{ include '/etc/passwd' }}", "refused" },
        { "{{ object.eval_template '{{ while true; end }}' }}", "iteration limit" },
        { "{{ s = 'x'; for i in 1..40; s = s + s; end; s }}", "LimitToString" },
        { "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' | regex.match '^(a+)+$' }}", "timed out" },
        { "{{ reporter_phone }}", "reporter_phone" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Save_HostileTemplate_RefusedBySandbox_NothingStored(string text, string expected)
    {
        var name = $"dispatch.{NewMatter()}";

        var (status, body) = await SaveAsync(name, "第一行\n" + text);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = body.GetProperty("errors")[0];
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Empty((await GetAsync(name)).GetProperty("versions").EnumerateArray());
    }

    [Fact]
    public async Task Save_TextOverTheLimit_Refused413_AndEmptyText400()
    {
        var name = $"dispatch.{NewMatter()}";

        var (huge, _) = await SaveAsync(name, new string('长', 30_000));
        var (empty, _) = await SaveAsync(name, "   ");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge);
        Assert.Equal(HttpStatusCode.BadRequest, empty);
        Assert.Empty((await GetAsync(name)).GetProperty("versions").EnumerateArray());
    }

    [Theory]
    [InlineData("no-such-kind")]
    [InlineData("dispatch.UPPER")]
    [InlineData("dispatch.a.b")]
    [InlineData("..%2F..%2Fetc")]
    public async Task Save_UnknownName_404NamingTheKinds(string name)
    {
        var (status, body) = await SaveAsync(name, "{{ case_id }}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("dispatch", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatcher_CannotSave_403()
    {
        var (status, _) = await SaveAsync($"dispatch.{NewMatter()}", "{{ case_id }}", client: silo.Dispatcher);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Preview_UnsavedText_RendersEverySampleCaseWithTheMatter_StoresNothing()
    {
        var matter = NewMatter();
        var name = $"dispatch.{matter}";

        using var response = await silo.Dispatcher.PostAsync($"/api/templates/{name}/preview", new StringContent("案件 {{ case_id }} 事项 {{ matter }}", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var notices = (await JsonOf(response)).GetProperty("notices").EnumerateArray().ToList();
        Assert.NotEmpty(notices);
        Assert.All(notices, n => Assert.Equal($"案件 {n.GetProperty("sampleCase").GetString()} 事项 {matter}", n.GetProperty("text").GetString()));
        Assert.Empty((await GetAsync(name)).GetProperty("versions").EnumerateArray());
    }

    [Fact]
    public async Task Preview_BrokenText_422WithLineAndColumn_AndWithoutText_RendersWhatServes()
    {
        var name = $"closure.{NewMatter()}";

        using var broken = await silo.Operator.PostAsJsonAsync($"/api/templates/{name}/preview", new { text = "好\n{{ case_id | }}" });
        using var serving = await silo.Operator.PostAsync($"/api/templates/{name}/preview", null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        Assert.Equal(2, (await JsonOf(broken)).GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal(HttpStatusCode.OK, serving.StatusCode);
        Assert.Contains("结案", (await JsonOf(serving)).GetProperty("notices")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_SecondSaveServes_ActivateFirstRollsBack_RevertServesTheDefaultAgain()
    {
        var name = $"dispatch.{NewMatter()}";
        Assert.Equal(HttpStatusCode.Created, (await SaveAsync(name, "一 {{ case_id }}")).Status);
        Assert.Equal(HttpStatusCode.Created, (await SaveAsync(name, "二 {{ case_id }}", note: "改正")).Status);
        Assert.Equal($"api:{name}@v2", Source(await GetAsync(name)));

        using (var rollback = await silo.Operator.PostAsJsonAsync($"/api/templates/{name}/activate", new { version = 1 }))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            Assert.True((await JsonOf(rollback)).GetProperty("changed").GetBoolean());
        }
        var template = await GetAsync(name);
        Assert.Equal(("一 {{ case_id }}", $"api:{name}@v1", 1), (template.GetProperty("text").GetString(), Source(template), template.GetProperty("summary").GetProperty("activeVersion").GetInt32()));
        using (var old = await silo.Dispatcher.GetAsync($"/api/templates/{name}/versions/2"))
            Assert.Equal("二 {{ case_id }}", (await JsonOf(old)).GetProperty("text").GetString());
        using (var missing = await silo.Operator.PostAsJsonAsync($"/api/templates/{name}/activate", new { version = 9 }))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using (var revert = await silo.Operator.DeleteAsync($"/api/templates/{name}"))
            Assert.Equal(HttpStatusCode.OK, revert.StatusCode);
        template = await GetAsync(name);
        Assert.DoesNotContain("api:", Source(template), StringComparison.Ordinal);
        Assert.Equal(2, template.GetProperty("versions").GetArrayLength());
        Assert.Equal(["save", "save", "activate", "revert"],
            template.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()).Reverse());
    }

    [Fact]
    public async Task EditedParkingDispatch_ReachesTheOfficersInbox_AndAfterRevertTheShippedTemplateDoes()
    {
        const string grid = "33030200200911";
        var staff = await silo.StaffAsync(grid);
        var officer = await silo.AsAsync("Officer", staff.A);
        Assert.Equal(HttpStatusCode.Created, (await SaveAsync("dispatch.parking", "【编辑版】{{ case_id }} 请于 {{ accept_by | date.to_string '%H:%M' }} 前接单")).Status);
        try
        {
            var edited = await OpenAndReadDispatchAsync(grid, officer);
            Assert.StartsWith("【编辑版】", edited, StringComparison.Ordinal);
        }
        finally
        {
            using var revert = await silo.Operator.DeleteAsync("/api/templates/dispatch.parking");
            Assert.Equal(HttpStatusCode.OK, revert.StatusCode);
        }
        var shipped = await OpenAndReadDispatchAsync(grid, officer);
        Assert.StartsWith("【派遣】", shipped, StringComparison.Ordinal);
    }

    /// <summary>Opens a parking case in the grid and reads its dispatch notice's text from the officer's inbox.</summary>
    private async Task<string> OpenAndReadDispatchAsync(string grid, HttpClient officer)
    {
        using var grids = await silo.Operator.GetAsync($"/api/grids/{grid}");
        var ring = (await JsonOf(grids)).GetProperty("geometry").GetProperty("coordinates")[0];
        var (lon, lat) = (ring.EnumerateArray().Average(p => p[0].GetDouble()), ring.EnumerateArray().Average(p => p[1].GetDouble()));
        using var opened = await silo.Dispatcher.PostAsync("/api/cases", JsonBody(JsonSerializer.Serialize(new { matter = "parking", lon, lat, reporterId = "r" })));
        var caseId = (await JsonOf(opened)).GetProperty("caseId").GetString()!;
        string? text = null;
        await Eventually.HoldsAsync($"the dispatch notice of {caseId} in the officer's inbox", async () =>
        {
            using var response = await officer.GetAsync("/api/inbox?limit=100");
            var notice = (await JsonOf(response)).GetProperty("notices").EnumerateArray()
                .FirstOrDefault(n => n.GetProperty("kind").GetString() == "dispatch" && n.GetProperty("text").GetString()!.Contains(caseId, StringComparison.Ordinal));
            text = notice.ValueKind == JsonValueKind.Object ? notice.GetProperty("text").GetString() : null;
            return text is not null;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        return text!;
    }

    [Fact]
    public async Task List_NamesEveryKindsDefault_AndSavedMatters()
    {
        var name = $"escalation.{NewMatter()}";
        Assert.Equal(HttpStatusCode.Created, (await SaveAsync(name, "督办 {{ case_id }}")).Status);

        using var response = await silo.Dispatcher.GetAsync("/api/templates");

        var names = (await JsonOf(response)).GetProperty("templates").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("dispatch", names);
        Assert.Contains("party-notice", names);
        Assert.Contains(name, names);
    }
}
