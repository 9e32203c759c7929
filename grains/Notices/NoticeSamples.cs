using System.Collections.Immutable;

namespace GridServer.Notices;

/// <summary>
/// Sample models of every kind: a template is tried against them when it is loaded, so an unknown variable
/// or member is reported then and not at the first real notice. Two per kind: every optional field set,
/// and every optional field null, so both sides of an <c>if field</c> run.
/// </summary>
public static class NoticeSamples
{
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset Reported = new(2026, 11, 28, 9, 12, 0, ChinaStandardTime);

    /// <summary>The kind's samples, their matter set to <paramref name="matter"/> (null: as they are, "parking" or a module's).</summary>
    public static ImmutableArray<INoticeModel> For(NoticeKind kind, string? matter) =>
        matter is null ? For(kind) : [.. For(kind).Select(sample => WithMatter(sample, matter))];

    private static INoticeModel WithMatter(INoticeModel sample, string matter) => sample switch
    {
        DispatchNotice n => n with { Matter = matter },
        AcceptWarningNotice n => n with { Matter = matter },
        EscalationNotice n => n with { Matter = matter },
        LiaisonAlertNotice n => n with { Matter = matter },
        ReporterStatusNotice n => n with { Matter = matter },
        ClosureNotice n => n with { Matter = matter },
        PartyNotice n => n with { Matter = matter },
        _ => sample,
    };

    public static ImmutableArray<INoticeModel> For(NoticeKind kind) => kind switch
    {
        NoticeKind.Dispatch =>
        [
            new DispatchNotice("C-20261128-000123", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "O-A", "A", "人民路 12 号门口", "白色小车占用人行道", Reported.AddMinutes(10), Reported.AddHours(4), false),
            new DispatchNotice("C-20261128-000124", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "O-B", "B", null, null, Reported.AddMinutes(10), null, true),
        ],
        NoticeKind.AcceptWarning =>
        [
            new AcceptWarningNotice("C-20261128-000123", "parking", "违停", "33030200200910", "松台水街社区第10网格",
                "SQ-SONGTAI", "O-A", Reported.AddMinutes(10), 3),
        ],
        NoticeKind.Escalation =>
        [
            new EscalationNotice("C-20261128-000123", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "O-A", "Handling", "handle", Reported.AddHours(4), 35, 2),
            new EscalationNotice("C-20261128-000124", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", null, "Dispatched", "accept", Reported.AddMinutes(10), 1, 0),
        ],
        NoticeKind.LiaisonAlert =>
        [
            new LiaisonAlertNotice("C-20261128-000123", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "Dispatched", "人民路 12 号门口", "白色小车占用人行道", Reported),
            new LiaisonAlertNotice("C-20261128-000124", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "Registered", null, null, Reported),
        ],
        NoticeKind.ReporterStatus =>
        [
            new ReporterStatusNotice("C-20261128-000123", "parking", "违停", "已派遣", "已派至责任中队处理", "人民路 12 号门口",
                Reported, Reported.AddHours(4)),
            new ReporterStatusNotice("C-20261128-000124", "parking", "违停", "已受理", null, null, Reported, null),
        ],
        NoticeKind.Closure =>
        [
            new ClosureNotice("C-20261128-000123", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "O-A", Reported.AddHours(3), true, 0, "车辆已驶离，现场恢复"),
            new ClosureNotice("C-20261128-000124", "parking", "违停", "33030200200910", "松台水街社区第10网格", "松台水街社区",
                "SQ-SONGTAI", "O-B", Reported.AddHours(6), false, 1, null),
        ],
        NoticeKind.PartyNotice =>
        [
            new PartyNotice("C-20261128-000123", "shopfront_goods", "店外经营", "33030200200910", "松台水街社区第10网格", "shops", "S-0012",
                "张记小吃", "0577-88881234", "上报位置在张记小吃的门前三包责任区内", "人民路 12 号门口", "桌椅摆到人行道上",
                Reported, Reported.AddHours(2), 3, true),
            new PartyNotice("C-20261128-000124", "dust", "工地扬尘", "33030200200910", "松台水街社区第10网格", "sites", "SITE-7",
                "滨江花园二期工地", null, "扬尘监测点在该工地范围内", null, null, Reported, null, 1, false),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a notice kind"),
    };
}

/// <summary>A template tried before it is saved: its errors, or each sample notice as it renders.</summary>
/// <param name="Renderings">One per sample of the kind (<see cref="NoticeSamples"/>): the sample's case id and the text.</param>
public sealed record NoticePreview(ImmutableArray<NoticeTemplateError> Errors, ImmutableArray<(string CaseId, string Text)> Renderings);

/// <summary>Renders a template text against the kind's sample cases, under the sandbox a store renders with.</summary>
public static class NoticePreviews
{
    /// <summary>
    /// Checks <paramref name="text"/> as a save would, then renders it for each sample of <paramref name="kind"/>, with the
    /// sample's matter set to <paramref name="matter"/> when one is given.
    /// </summary>
    public static NoticePreview Of(NoticeSandbox sandbox, NoticeKind kind, string? matter, string text, string source)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var (parsed, errors) = sandbox.Check(kind, text, source);
        if (parsed is null) return new(errors, []);
        var renderings = ImmutableArray.CreateBuilder<(string, string)>();
        var problems = errors.ToBuilder();
        foreach (var sample in NoticeSamples.For(kind, matter))
        {
            try
            {
                renderings.Add((sample.CaseId, sandbox.Render(parsed, sample)));
            }
            catch (Exception e) when (NoticeSandbox.IsTemplateFault(e))
            {
                problems.Add(NoticeSandbox.ToError(e, source));
            }
        }
        return new(problems.ToImmutable(), renderings.ToImmutable());
    }
}
