using System.Collections.Immutable;

namespace GridServer.Notices;

/// <summary>Every notice a person receives; each kind has one model (<see cref="INoticeModel"/>) and one default template.</summary>
public enum NoticeKind
{
    /// <summary>派遣通知: a case dispatched to a grid officer. Model: <see cref="DispatchNotice"/>.</summary>
    Dispatch,

    /// <summary>接单期限预警: the officer has not accepted and the accept deadline is near. Model: <see cref="AcceptWarningNotice"/>.</summary>
    AcceptWarning,

    /// <summary>超期督办: a deadline was missed; to the squad leader and the command center. Model: <see cref="EscalationNotice"/>.</summary>
    Escalation,

    /// <summary>社区联络员提醒: a case in one of the liaison's grids. Model: <see cref="LiaisonAlertNotice"/>.</summary>
    LiaisonAlert,

    /// <summary>办理进度: the status of a case, to the citizen who reported it. Model: <see cref="ReporterStatusNotice"/>.</summary>
    ReporterStatus,

    /// <summary>结案通知: a case closed; to its officer and squad. Model: <see cref="ClosureNotice"/>.</summary>
    Closure,

    /// <summary>
    /// 整改通知: a case to the party responsible for it beyond the grid, named by a duty module's routing hint (the shop
    /// whose frontage zone it is, the site the dust comes from, the holder of a board's permit). Model: <see cref="PartyNotice"/>.
    /// </summary>
    PartyNotice,

    /// <summary>
    /// 通报: the command center's bulletin of a period (a month, usually) over the indicators of evaluation: what came in,
    /// what was closed and on time, where reports came from, the top problems, the rankings. Rendered as HTML to print.
    /// Model: <see cref="BulletinNotice"/>.
    /// </summary>
    Bulletin,
}

/// <summary>The names of the kinds in template file names (<c>dispatch.scriban</c>, <c>dispatch.parking.scriban</c>).</summary>
public static class NoticeKinds
{
    public static ImmutableArray<NoticeKind> All { get; } = [.. Enum.GetValues<NoticeKind>()];

    /// <summary>The kind's name in a template file name: lower case, words joined by '-'.</summary>
    public static string FileStem(NoticeKind kind) => kind switch
    {
        NoticeKind.Dispatch => "dispatch",
        NoticeKind.AcceptWarning => "accept-warning",
        NoticeKind.Escalation => "escalation",
        NoticeKind.LiaisonAlert => "liaison-alert",
        NoticeKind.ReporterStatus => "reporter-status",
        NoticeKind.Closure => "closure",
        NoticeKind.PartyNotice => "party-notice",
        NoticeKind.Bulletin => "bulletin",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a notice kind"),
    };

    public static bool TryParseFileStem(string stem, out NoticeKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(FileStem(candidate), stem, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    /// <summary>The type of the model a kind renders.</summary>
    public static Type ModelType(NoticeKind kind) => kind switch
    {
        NoticeKind.Dispatch => typeof(DispatchNotice),
        NoticeKind.AcceptWarning => typeof(AcceptWarningNotice),
        NoticeKind.Escalation => typeof(EscalationNotice),
        NoticeKind.LiaisonAlert => typeof(LiaisonAlertNotice),
        NoticeKind.ReporterStatus => typeof(ReporterStatusNotice),
        NoticeKind.Closure => typeof(ClosureNotice),
        NoticeKind.PartyNotice => typeof(PartyNotice),
        NoticeKind.Bulletin => typeof(BulletinNotice),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a notice kind"),
    };
}
