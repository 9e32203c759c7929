namespace GridServer.Notices;

/// <summary>
/// What one kind of notice renders. A model holds exactly the fields its template may use, nothing more:
/// the template sees the model's own declared properties, named in snake_case (<c>CaseId</c> → <c>case_id</c>).
/// </summary>
/// <remarks>
/// Times are shown as the clock time at the offset they carry: the caller gives them in the bureau's
/// time zone (China Standard Time, +08:00). Optional fields are null when unknown; templates test them with <c>if</c>.
/// </remarks>
public interface INoticeModel
{
    /// <summary>The kind this model renders. Models implement it explicitly, so templates do not see it.</summary>
    NoticeKind Kind { get; }

    /// <summary>The case the notice is about, e.g. "C-20261128-000123".</summary>
    string CaseId { get; }

    /// <summary>The matter's id (the duty module's key, e.g. "parking"); chooses a per-matter template.</summary>
    string Matter { get; }
}

/// <summary>派遣通知 to the grid officer a case is dispatched to.</summary>
/// <param name="MatterName">The matter as people say it ("违停").</param>
/// <param name="Post">The officer's post in the grid: "A" or "B" (AB岗).</param>
/// <param name="Address">Where, in the reporter's words; null when only a position was given.</param>
/// <param name="Description">What the reporter said.</param>
/// <param name="AcceptBy">The officer must accept by then.</param>
/// <param name="HandleBy">The handling deadline, when already known.</param>
/// <param name="Redispatch">True when the case comes again (after a return or a reassignment).</param>
public sealed record DispatchNotice(
    string CaseId, string Matter, string MatterName, string GridCode, string GridName, string Community,
    string SquadId, string OfficerId, string Post, string? Address, string? Description,
    DateTimeOffset AcceptBy, DateTimeOffset? HandleBy, bool Redispatch) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.Dispatch;
}

/// <summary>接单期限预警 to the officer who has not accepted yet.</summary>
/// <param name="MinutesLeft">Whole minutes until <paramref name="AcceptBy"/>.</param>
public sealed record AcceptWarningNotice(
    string CaseId, string Matter, string MatterName, string GridCode, string GridName,
    string SquadId, string OfficerId, DateTimeOffset AcceptBy, int MinutesLeft) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.AcceptWarning;
}

/// <summary>超期督办 to the squad leader and the command center.</summary>
/// <param name="State">The case's state (the domain's name: "Dispatched", "Handling", ...).</param>
/// <param name="MissedDeadline">Which limit was missed: "accept", "handle" or "verify".</param>
/// <param name="Due">When that limit ran out.</param>
/// <param name="OverdueMinutes">Whole minutes past <paramref name="Due"/>.</param>
/// <param name="Reminders">How many reminders (催办) the case has had so far.</param>
/// <param name="OfficerId">Who holds the case; null when nobody does.</param>
public sealed record EscalationNotice(
    string CaseId, string Matter, string MatterName, string GridCode, string GridName, string Community,
    string SquadId, string? OfficerId, string State, string MissedDeadline, DateTimeOffset Due,
    int OverdueMinutes, int Reminders) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.Escalation;

    /// <summary>The state as staff say it ("处置中"); <see cref="State"/> is the domain's name.</summary>
    public string StateName => NoticeWords.State(State);
}

/// <summary>社区联络员提醒: a case in one of the liaison's grids (属地原则). No officer or reporter.</summary>
/// <param name="ReportedAt">When the report arrived.</param>
public sealed record LiaisonAlertNotice(
    string CaseId, string Matter, string MatterName, string GridCode, string GridName, string Community,
    string SquadId, string State, string? Address, string? Description, DateTimeOffset ReportedAt) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.LiaisonAlert;

    /// <summary>The state as staff say it ("已派遣"); <see cref="State"/> is the domain's name.</summary>
    public string StateName => NoticeWords.State(State);
}

/// <summary>The words notices use for the domain's names.</summary>
public static class NoticeWords
{
    private static readonly Dictionary<string, string> States = new(StringComparer.Ordinal)
    {
        ["Reported"] = "已上报", ["Registered"] = "已立案", ["Void"] = "已作废", ["Dispatched"] = "已派遣", ["Accepted"] = "已签收",
        ["Handling"] = "处置中", ["Parked"] = "挂起", ["FeedbackGiven"] = "已反馈", ["Verifying"] = "核查中", ["Verified"] = "已核查",
        ["Closed"] = "已结案", ["Returned"] = "已退回", ["Duplicate"] = "重复件",
    };

    /// <summary>A case state in Chinese, as the console says it; a name it does not know, as given.</summary>
    public static string State(string state) => States.GetValueOrDefault(state, state);
}

/// <summary>
/// 办理进度 to the citizen who reported the case. Only what the reporter may know: no officer, squad, grid
/// or personal data of anyone, and no internal notes.
/// </summary>
/// <param name="Status">The reporter-facing status ("已受理", "已派遣", "处理中", "已办结", "不予立案").</param>
/// <param name="Note">The public note that goes with the status (a reason, the result), or null.</param>
/// <param name="ExpectedBy">When the reporter may expect it handled, or null.</param>
/// <param name="InviteVerdict">The case is closed: the reporter is asked for a verdict (回访: satisfied, basically satisfied,
/// dissatisfied), which their channel gives over Open311 (docs/open311.md).</param>
public sealed record ReporterStatusNotice(
    string CaseId, string Matter, string MatterName, string Status, string? Note, string? Address,
    DateTimeOffset ReportedAt, DateTimeOffset? ExpectedBy, bool InviteVerdict = false) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.ReporterStatus;
}

/// <summary>结案通知 to the officer and the squad: the case is closed.</summary>
/// <param name="OnTime">True when it was closed within its limits (按期结案).</param>
/// <param name="ReworkCount">How many times it went back for rework (返工).</param>
/// <param name="Note">The command center's closing note, or null.</param>
public sealed record ClosureNotice(
    string CaseId, string Matter, string MatterName, string GridCode, string GridName, string Community,
    string SquadId, string OfficerId, DateTimeOffset ClosedAt, bool OnTime, int ReworkCount, string? Note) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.Closure;
}

/// <summary>
/// 整改通知 to the party a duty module names responsible for the case (a shop for its frontage, a construction site,
/// a board's permit holder). What the party must put right and by when; no officer or reporter data.
/// </summary>
/// <param name="PartyKind">The reference data set the party comes from ("shops", "sites", "permits").</param>
/// <param name="PartyId">The party's key in that set.</param>
/// <param name="PartyName">The party as people say it ("张记小吃").</param>
/// <param name="Contact">How the party is reached (a phone number), or null.</param>
/// <param name="Reason">Why the party answers for the case, in the module's words ("the point is in the frontage zone of 张记小吃").</param>
/// <param name="ReportedAt">When the report arrived.</param>
/// <param name="HandleBy">By when it must be put right, when known.</param>
/// <param name="RepeatCount">The party's cases of the module within the repeat window, this one included (1 for a first one).</param>
/// <param name="Escalated">True when the repeats escalated the case (the squad leader and the command center told at once).</param>
/// <param name="Description">Not filled by the server: a citizen's own words may say who complained, so the party reads the module's reason and the place instead.</param>
public sealed record PartyNotice(
    string CaseId, string Matter, string MatterName, string GridCode, string GridName, string PartyKind, string PartyId,
    string PartyName, string? Contact, string Reason, string? Address, string? Description, DateTimeOffset ReportedAt,
    DateTimeOffset? HandleBy, int RepeatCount, bool Escalated) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.PartyNotice;
}
