using System.Reflection;
using System.Text.RegularExpressions;
using GridServer.Notices;

namespace GridServer.Tests.Notices;

public sealed class NoticeDefaultTemplateTests
{
    public static TheoryData<NoticeKind> Kinds() => [.. NoticeKinds.All];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ShippedDefault_EverySampleOfItsKind_RendersWithoutFallback(NoticeKind kind)
    {
        using var folder = TemplateFolder.WithShippedDefaults();
        using var store = new NoticeTemplateStore(folder.Path, watch: false);
        var renderer = new NoticeRenderer(store);

        Assert.Empty(store.Errors);
        Assert.Equal(NoticeTemplateOrigin.DefaultFile, store.Resolve(kind, "parking").Origin);
        foreach (var sample in NoticeSamples.For(kind))
        {
            var notice = renderer.Render(sample);
            Assert.Null(notice.Error);
            Assert.Equal(Path.Combine(folder.Path, NoticeKinds.FileStem(kind) + ".scriban"), notice.Source);
            Assert.Contains(sample.CaseId, notice.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("{{", notice.Text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BuiltIn_IsTheShippedFile_AndRendersEverySample(NoticeKind kind)
    {
        using var store = new NoticeTemplateStore(folder: null);
        var shipped = File.ReadAllText(Path.Combine(TemplateFolder.Shipped, NoticeKinds.FileStem(kind) + ".scriban"));

        Assert.Equal(shipped, store.BuiltIn(kind).Text);
        Assert.Same(store.BuiltIn(kind), store.Resolve(kind, "parking"));
        foreach (var sample in NoticeSamples.For(kind))
        {
            Assert.Null(new NoticeRenderer(store).Render(sample).Error);
        }
    }

    [Fact]
    public void Dispatch_SampleWithEverything_ReadsAsTheOfficerNeedsIt()
    {
        using var store = new NoticeTemplateStore(folder: null);

        var text = new NoticeRenderer(store).Render(NoticeSamples.For(NoticeKind.Dispatch)[0]).Text;

        Assert.Contains("人民路 12 号门口", text, StringComparison.Ordinal);
        Assert.Contains("2026-11-28 09:22", text, StringComparison.Ordinal);
        Assert.Contains("O-A（A岗）", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ReporterStatus_OnceClosed_AsksTheReporterForAVerdict_NotBefore()
    {
        using var store = new NoticeTemplateStore(folder: null);
        var renderer = new NoticeRenderer(store);
        var samples = NoticeSamples.For(NoticeKind.ReporterStatus);

        Assert.Contains("请对办理结果作出评价", renderer.Render(samples.Single(s => ((ReporterStatusNotice)s).InviteVerdict)).Text, StringComparison.Ordinal);
        Assert.All(samples.Where(s => !((ReporterStatusNotice)s).InviteVerdict), s => Assert.DoesNotContain("评价", renderer.Render(s).Text, StringComparison.Ordinal));
        var closed = GridServer.Notices.CaseNoticePlan.ReporterStatus("C-1", "parking", "违停", GridServer.Domain.Cases.CaseState.Closed, true, null, DateTimeOffset.UnixEpoch, null);
        var voided = GridServer.Notices.CaseNoticePlan.ReporterStatus("C-1", "parking", "违停", GridServer.Domain.Cases.CaseState.Void, true, null, DateTimeOffset.UnixEpoch, null);
        Assert.Equal((true, false), (closed.InviteVerdict, voided.InviteVerdict));
    }

    [Fact]
    public void ReporterModel_HoldsNoOfficerSquadGridOrReporterData()
    {
        var fields = typeof(ReporterStatusNotice).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(p => p.Name).ToHashSet();

        foreach (var internalField in new[] { "OfficerId", "SquadId", "Post", "GridCode", "GridName", "ReporterId", "Description" })
        {
            Assert.DoesNotContain(internalField, fields);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TemplatesReadme_NamesEveryVariableOfTheKind(NoticeKind kind)
    {
        var readme = File.ReadAllText(Path.Combine(TemplateFolder.Shipped, "README.md"));
        var section = Regex.Match(readme, $@"\*\*{NoticeKinds.FileStem(kind)}\*\* —(?<vars>[^\n]*(\n(?!\n)[^\n]*)*)").Groups["vars"].Value;
        var variables = NoticeSandbox.Globals(NoticeSamples.For(kind)[0]).Keys;

        Assert.NotEmpty(section);
        foreach (var variable in variables)
        {
            Assert.Contains($"`{variable}`", section, StringComparison.Ordinal);
        }
    }
}
