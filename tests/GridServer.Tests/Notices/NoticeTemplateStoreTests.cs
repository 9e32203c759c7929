using GridServer.Notices;

namespace GridServer.Tests.Notices;

public sealed class NoticeTemplateStoreTests
{
    private static readonly DispatchNotice Parking = (DispatchNotice)NoticeSamples.For(NoticeKind.Dispatch)[0];
    private static readonly DispatchNotice Dust = Parking with { Matter = "dust", MatterName = "工地扬尘" };

    [Fact]
    public void Load_SyntaxError_NamesFileLineAndColumn()
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        var path = folder.Write("closure.scriban", "结案\n案件 {{ for x in }}");

        using var store = new NoticeTemplateStore(folder.Path, watch: false);

        var error = store.Errors[0];
        Assert.Equal((path, 2, 16), (error.Source, error.Line, error.Column));
        Assert.StartsWith($"{path}(2,16): ", error.ToString(), StringComparison.Ordinal);
        Assert.Same(store.BuiltIn(NoticeKind.Closure), store.Default(NoticeKind.Closure));
    }

    [Fact]
    public void Load_UnknownVariableInABranchTheSparseSampleTakes_IsReported()
    {
        using var folder = TemplateFolder.Empty();
        var path = folder.Write("dispatch.scriban", "{{ if address }}{{ address }}{{ else }}\n  {{ adress_text }}{{ end }}");

        using var store = new NoticeTemplateStore(folder.Path, watch: false);

        var error = Assert.Single(store.Errors);
        Assert.Equal((path, 2, 6), (error.Source, error.Line, error.Column));
        Assert.Contains("adress_text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileNameOfNoKind_IsReportedAndIgnored()
    {
        using var folder = TemplateFolder.Empty();
        var path = folder.Write("dispach.scriban", "{{ case_id }}");
        folder.Write("dispatch.Parking.scriban", "{{ case_id }}");

        using var store = new NoticeTemplateStore(folder.Path, watch: false);

        Assert.Equal(2, store.Errors.Length);
        Assert.Contains(store.Errors, e => e.Source == path && e.Message.Contains("accept-warning", StringComparison.Ordinal));
        Assert.All(NoticeKinds.All, kind => Assert.Same(store.BuiltIn(kind), store.Resolve(kind, "parking")));
    }

    [Fact]
    public void MatterFile_WinsOverTheDefault_ForItsMatterOnly()
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        var path = folder.Write("dispatch.parking.scriban", "违停派遣 {{ case_id }}");
        using var store = new NoticeTemplateStore(folder.Path, watch: false);
        var renderer = new NoticeRenderer(store);

        Assert.Equal(new NoticeRendering($"违停派遣 {Parking.CaseId}", path, []), renderer.Render(Parking) with { Errors = [] });
        Assert.Equal(Path.Combine(folder.Path, "dispatch.scriban"), renderer.Render(Dust).Source);
    }

    [Fact]
    public void BrokenMatterFile_FallsBackToTheDefault_WithTheErrorVisible()
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        var path = folder.Write("dispatch.parking.scriban", "{{ case_id }}\n{{ plate_number }}");
        using var store = new NoticeTemplateStore(folder.Path, watch: false);

        var notice = new NoticeRenderer(store).Render(Parking);

        Assert.Equal(Path.Combine(folder.Path, "dispatch.scriban"), notice.Source);
        Assert.Equal((path, 2), (store.Errors.Single().Source, store.Errors.Single().Line));
    }

    [Fact]
    public void Reload_BadChange_KeepsTheLastGoodVersion_UntilFixed()
    {
        using var folder = TemplateFolder.Empty();
        var path = folder.Write("dispatch.parking.scriban", "第一版 {{ case_id }}");
        using var store = new NoticeTemplateStore(folder.Path, watch: false);

        folder.Write("dispatch.parking.scriban", "第二版 {{ for x in }}");
        store.Reload();

        Assert.Equal("第一版 {{ case_id }}", store.Resolve(NoticeKind.Dispatch, "parking").Text);
        Assert.NotEmpty(store.Errors);
        Assert.All(store.Errors, e => Assert.Equal(path, e.Source));

        folder.Write("dispatch.parking.scriban", "第三版 {{ case_id }}");
        store.Reload();

        Assert.Equal("第三版 {{ case_id }}", store.Resolve(NoticeKind.Dispatch, "parking").Text);
        Assert.Empty(store.Errors);
    }

    [Fact]
    public void Reload_DeletedOverride_FallsBackToTheDefault()
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        folder.Write("dispatch.parking.scriban", "违停派遣 {{ case_id }}");
        using var store = new NoticeTemplateStore(folder.Path, watch: false);

        folder.Delete("dispatch.parking.scriban");
        store.Reload();

        Assert.Equal(NoticeTemplateOrigin.DefaultFile, store.Resolve(NoticeKind.Dispatch, "parking").Origin);
    }

    [Fact]
    public async Task Watch_ChangedFile_IsSwappedIn_AndABadChangeShowsItsError()
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        using var store = new NoticeTemplateStore(folder.Path, watch: true);

        folder.Write("dispatch.parking.scriban", "热更新 {{ case_id }}");
        await UntilAsync(store, () => store.Resolve(NoticeKind.Dispatch, "parking").Text == "热更新 {{ case_id }}");
        Assert.Equal($"热更新 {Parking.CaseId}", new NoticeRenderer(store).Render(Parking).Text);

        var path = folder.Write("dispatch.parking.scriban", "坏的 {{ case_id.nope }}");
        await UntilAsync(store, () => store.Errors.Any(e => e.Source == path));
        Assert.Equal("热更新 {{ case_id }}", store.Resolve(NoticeKind.Dispatch, "parking").Text);

        folder.Delete("dispatch.parking.scriban");
        await UntilAsync(store, () => store.Resolve(NoticeKind.Dispatch, "parking").Origin == NoticeTemplateOrigin.DefaultFile);
        Assert.Empty(store.Errors);
    }

    [Fact]
    public void Module_Registered_ServesItsMatter_AndAFileOfTheBureauWins()
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        using var store = new NoticeTemplateStore(folder.Path, watch: false);
        var renderer = new NoticeRenderer(store);

        Assert.Empty(store.Register(NoticeKind.Dispatch, "dust", "扬尘模块 {{ case_id }}", "dust-module/dispatch.scriban"));
        Assert.Equal("dust-module/dispatch.scriban", renderer.Render(Dust).Source);

        var bureau = folder.Write("dispatch.dust.scriban", "局里的 {{ case_id }}");
        store.Reload();
        Assert.Equal(bureau, renderer.Render(Dust).Source);

        folder.Delete("dispatch.dust.scriban");
        store.Reload();
        store.Unregister("dust");
        Assert.Equal(NoticeTemplateOrigin.DefaultFile, store.Resolve(NoticeKind.Dispatch, "dust").Origin);
    }

    [Fact]
    public void Module_BrokenTemplate_IsRefused_ThePreviousStays_AndTheErrorNamesItsSource()
    {
        using var store = new NoticeTemplateStore(folder: null);
        store.Register(NoticeKind.Closure, "dust", "好的 {{ case_id }}", "dust-module/closure.scriban");

        var errors = store.Register(NoticeKind.Closure, "dust", "坏的\n{{ site_id }}", "dust-module/closure.scriban");

        Assert.Equal(("dust-module/closure.scriban", 2, 4), (errors.Single().Source, errors.Single().Line, errors.Single().Column));
        Assert.Equal(errors.Single(), store.Errors.Single());
        Assert.Equal("好的 {{ case_id }}", store.Resolve(NoticeKind.Closure, "dust").Text);
        store.Unregister("dust");
        Assert.Empty(store.Errors);
    }

    /// <summary>Waits for the store's next reloads until the condition holds; bounded, so a lost event fails the test instead of hanging it.</summary>
    private static async Task UntilAsync(NoticeTemplateStore store, Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var seen = store.Revision;
            if (condition()) return;
            await store.WaitForChangeAsync(seen, bound.Token);
        }
    }
}
