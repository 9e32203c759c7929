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
            new ReporterStatusNotice("C-20261128-000125", "parking", "违停", "已办结", null, "人民路 12 号门口", Reported, null, InviteVerdict: true),
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
        NoticeKind.Bulletin =>
        [
            new BulletinNotice("2026-11", "2026年11月城市管理案件通报", new(2026, 11, 1, 0, 0, 0, ChinaStandardTime), new(2026, 11, 30, 0, 0, 0, ChinaStandardTime),
                new(2026, 12, 1, 9, 0, 0, ChinaStandardTime),
                new BulletinFigures(1054, 996, 990, 972, 911, 737, 61, 40, 18, 35, 312, 93.72, 75.82, 97.1, 91.3, 94.5),
                new BulletinFigures(1002, 950, 948, 930, 880, 700, 50, 38, 14, 30, 290, 94.62, 75.27, 96.8, 90.0, 94.8),
                [new BulletinShare("", "人工录入（巡查员）", 1009, 95.73), new BulletinShare("wechat-311", "微信公众号", 45, 4.27)],
                [new BulletinShare("ads", "违规小广告", 301, 28.56), new BulletinShare("parking", "违停", 255, 24.19), new BulletinShare("shopfront_goods", "店外经营", 97, 9.2)],
                [new BulletinRank(1, "330302", "330302", 1054, 911, 93.72, 75.82, 84.6, 1.2)],
                [new BulletinRank(1, "330302002", "松台街道", 402, 390, 97.01, 82.3, 88.4, 2.1), new BulletinRank(2, "330302001", "五马街道", 388, 330, 85.05, 70.2, 79.9, -3.4)],
                [new BulletinRank(1, "SQ-SONGTAI", "松台中队", 402, 390, 97.01, 82.3, 88.4, null)],
                [new BulletinRank(1, "O-A", "O-A", 120, 118, 98.33, 90.0, 93.2, 0.5)],
                [new BulletinRank(2998, "33030200100101", "五马东社区第01网格", 12, 6, 50.0, 25.0, 31.5, -12.0)]),
            new BulletinNotice("2026-W48", "2026年第48周城市管理案件通报", new(2026, 11, 23, 0, 0, 0, ChinaStandardTime), new(2026, 11, 29, 0, 0, 0, ChinaStandardTime),
                new(2026, 11, 30, 9, 0, 0, ChinaStandardTime),
                new BulletinFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null),
                new BulletinFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null),
                [], [], [], [], [], [], [new BulletinRank(null, "33030200100101", "五马东社区第01网格", 0, 0, null, null, null, null)]),
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
