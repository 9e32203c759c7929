using GridServer.Notices;

namespace GridServer.Tests.Notices;

/// <summary>
/// Hostile templates. Each one is tried twice: as a file (refused at load, the error visible, the default
/// serving) and as a template that passes its check but turns hostile for one real case (the render falls back
/// to the default and says why). Each finishes because of a sandbox limit, never by a test's timer.
/// </summary>
public sealed class NoticeSandboxTests
{
    public static TheoryData<string, string, string> Hostile() => new()
    {
        { "endless loop", "{{ while true }}x{{ end }}", "iteration limit" },
        { "endless loop in eval_template", "{{ object.eval_template '{{ while true; end }}' }}", "iteration limit" },
        { "recursion", "{{ func f; f; end; f }}", "recursive depth limit" },
        { "recursion with argument", "{{ func f(n); ret f(n + 1); end; f 1 }}", "recursive depth limit" },
        { ".NET member of a string", "{{ case_id.GetType }}", "GetType" },
        { ".NET member of a time", "{{ accept_by.Ticks }}", "Ticks" },
        { "unknown member", "{{ case_id.secret }}", "secret" },
        { "unknown variable", "{{ reporter_phone }}", "reporter_phone" },
        { "a model object", "{{ model.case_id }}", "model" },
        { "the kind (an explicit interface member)", "{{ kind }}", "kind" },
        { "include up the tree", "{{ include '../../etc/passwd' }}", "refused" },
        { "include of an absolute path", "{{ include '/etc/passwd' }}", "refused" },
        { "include of a template beside it", "{{ include 'closure.scriban' }}", "refused" },
        { "megabytes of output", "{{ line = 'x' | string.pad_left 1000; for i in 1..999; line; end }}", "OutputLimit" },
        { "a string doubled past the limit", "{{ s = 'x'; for i in 1..40; s = s + s; end; s }}", "LimitToString" },
        { "a huge padding", "{{ 'x' | string.pad_left 100000000 }}", "LimitToString" },
        { "a regex bomb", "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' | regex.match '^(a+)+$' }}", "timed out" },
        { "overwriting the model", "{{ case_id = 'C-FORGED' }}", "case_id" },
        // The built-in functions are shared by every render: none may change them for the next.
        { "overwriting a built-in function", "{{ string.upcase = 'forged' }}", "upcase" },
        { "adding to a built-in module", "{{ string.forged = 1 }}", "accessing target" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileFile_AtLoad_IsRefusedWithItsPlace_AndTheDefaultServes(string what, string body, string expected)
    {
        using var folder = TemplateFolder.Empty();
        var path = folder.Write("dispatch.hostile.scriban", "第一行\n" + body);
        using var store = new NoticeTemplateStore(folder.Path, watch: false);
        var model = ((DispatchNotice)NoticeSamples.For(NoticeKind.Dispatch)[0]) with { Matter = "hostile" };

        var error = Assert.Single(store.Errors);
        Assert.Equal(path, error.Source);
        Assert.Equal(2, error.Line);
        Assert.True(error.Column >= 1, what);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        var notice = new NoticeRenderer(store).Render(model);
        Assert.Equal(store.BuiltIn(NoticeKind.Dispatch).Source, notice.Source);
        Assert.Null(notice.Error);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileForOneCase_AtRender_FallsBackToTheDefaultAndSaysWhy(string what, string body, string expected)
    {
        using var store = new NoticeTemplateStore(folder: null);
        // Harmless for the samples it is checked against; hostile for the one case that trips it.
        var source = "hostile-module/dispatch.scriban";
        Assert.Empty(store.Register(NoticeKind.Dispatch, "hostile", $"{{{{ if case_id == 'C-EVIL' }}}}{body}{{{{ end }}}}正常通知", source));
        var renderer = new NoticeRenderer(store);
        var evil = ((DispatchNotice)NoticeSamples.For(NoticeKind.Dispatch)[0]) with { CaseId = "C-EVIL", Matter = "hostile" };

        var notice = renderer.Render(evil);

        Assert.Equal(renderer.Render(evil with { Matter = "parking" }).Text, notice.Text);
        Assert.Equal(store.BuiltIn(NoticeKind.Dispatch).Source, notice.Source);
        var error = notice.Error;
        Assert.True(error is not null, what);
        Assert.Equal(source, error.Source);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(error, store.Resolve(NoticeKind.Dispatch, "hostile").LastRenderError);
        Assert.Equal("正常通知", renderer.Render(evil with { CaseId = "C-1" }).Text);
    }

    [Fact]
    public void Check_LoopWithoutLimit_EndsByTheTimeBudget()
    {
        var sandbox = new NoticeSandbox(new NoticeSandboxLimits { LoopLimit = 0, RenderBudget = TimeSpan.FromMilliseconds(200) });

        var (template, errors) = sandbox.Check(NoticeKind.Closure, "{{ while true; end }}", "closure.scriban");

        Assert.Null(template);
        Assert.Contains("time budget", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EvenTheBuiltInFails_GivesAPlainLineAndEveryError()
    {
        using var store = new NoticeTemplateStore(folder: null);
        var huge = ((ClosureNotice)NoticeSamples.For(NoticeKind.Closure)[0]) with { Note = new string('长', 20_000) };

        var notice = new NoticeRenderer(store).Render(huge);

        Assert.Equal(NoticeRenderer.PlainSource, notice.Source);
        Assert.Contains(huge.CaseId, notice.Text, StringComparison.Ordinal);
        Assert.Equal(store.BuiltIn(NoticeKind.Closure).Source, Assert.Single(notice.Errors).Source);
    }

    [Fact]
    public void Globals_AreTheModelsDeclaredPropertiesOnly()
    {
        var globals = NoticeSandbox.Globals(NoticeSamples.For(NoticeKind.AcceptWarning)[0]);

        Assert.Equal(
            ["accept_by", "case_id", "grid_code", "grid_name", "matter", "matter_name", "minutes_left", "officer_id", "squad_id"],
            globals.Keys.Order(StringComparer.Ordinal));
        Assert.IsType<DateTime>(globals["accept_by"]);
    }

    [Fact]
    public void BuiltIns_AfterATemplateTriedToChangeThem_StillWorkForTheNextRender()
    {
        using var store = new NoticeTemplateStore(folder: null);
        Assert.Empty(store.Register(NoticeKind.Dispatch, "upper", "{{ if case_id == 'C-EVIL' }}{{ string.upcase = 'forged' }}{{ end }}{{ case_id | string.upcase }}", "t"));
        var renderer = new NoticeRenderer(store);
        var sample = ((DispatchNotice)NoticeSamples.For(NoticeKind.Dispatch)[0]) with { Matter = "upper" };

        renderer.Render(sample with { CaseId = "C-EVIL" });

        Assert.Equal("C-LOWER", renderer.Render(sample with { CaseId = "c-lower" }).Text);
    }

    [Fact]
    public void Variables_AnotherTemplateSet_AreNotSeenByTheNextRender()
    {
        // Renders on one thread share one Scriban context between them: what a template assigns must end with its render.
        using var store = new NoticeTemplateStore(folder: null);
        Assert.Empty(store.Register(NoticeKind.Dispatch, "setter", "{{ leftover = 'from the last render' }}set", "setter.scriban"));
        Assert.Empty(store.Register(NoticeKind.Dispatch, "peeker", "{{ if case_id == 'C-PEEK' }}{{ leftover }}{{ end }}peeked", "peeker.scriban"));
        var renderer = new NoticeRenderer(store);
        var sample = (DispatchNotice)NoticeSamples.For(NoticeKind.Dispatch)[0];

        Assert.Equal("set", renderer.Render(sample with { Matter = "setter" }).Text);
        var peek = renderer.Render(sample with { Matter = "peeker", CaseId = "C-PEEK" });

        Assert.Equal("peeker.scriban", peek.Error?.Source);
        Assert.Contains("leftover", peek.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(store.BuiltIn(NoticeKind.Dispatch).Source, peek.Source);
    }

    [Fact]
    public void OutputLimit_CountsEachRenderAlone()
    {
        var sandbox = new NoticeSandbox(new NoticeSandboxLimits { OutputLimit = 100 });
        var (template, errors) = sandbox.Check(NoticeKind.Closure, "{{ for i in 1..6 }}0123456789{{ end }}", "closure.scriban");
        Assert.Empty(errors);

        // Twenty renders write 1,200 characters in all, each 60 under the limit of 100.
        var texts = Enumerable.Range(0, 20).Select(_ => sandbox.Render(template!, NoticeSamples.For(NoticeKind.Closure)[0])).ToList();

        Assert.All(texts, text => Assert.Equal(string.Concat(Enumerable.Repeat("0123456789", 6)), text));
    }
}
