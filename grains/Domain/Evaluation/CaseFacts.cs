using GridServer.Domain.Cases;

namespace GridServer.Domain.Evaluation;

/// <summary>
/// What evaluation needs of one case, read from its timeline and deadline history as it stands after its latest step:
/// who entered, dispatched and holds it, when each stage was first or last reached, how often it was returned,
/// extended and reworked, whether it was supervised, and which kinds of deadline it ever let pass. Nothing in it
/// depends on when it is read; what does (a deadline running now that may pass later) is in the running deadlines,
/// judged against the moment of the evaluation (<see cref="LateBy"/>).
/// </summary>
/// <param name="EnteredBy">Who entered the report: a channel, a collector (patrol officer), the system (sensors, checks).</param>
/// <param name="Channel">The reporting channel's credential subject; null for staff, sensors and checks.</param>
/// <param name="Dispatcher">Who dispatched the case first: a dispatcher, or <see cref="CaseSteps.System"/> when the server did at intake.</param>
/// <param name="AcceptedAt">The first acceptance.</param>
/// <param name="FeedbackAt">The last final feedback (after a rework, the one that counted).</param>
/// <param name="VerifiedAt">The last verification decision (passed, or sent back for rework).</param>
/// <param name="ClosedAt">When it was closed (结案); null while open and for a voided case.</param>
/// <param name="Returns">How often the case was returned by the unit it was sent to.</param>
/// <param name="Extensions">How many extensions were approved.</param>
/// <param name="Supervised">Supervised (督办) for a missed deadline, or escalated to the command center at open.</param>
/// <param name="AcceptLate">An acceptance deadline passed before the case was accepted (or before it ended otherwise).</param>
/// <param name="HandlingLate">A handling deadline passed before final feedback (or before it ended otherwise).</param>
/// <param name="VerificationLate">A verification deadline passed before the check was decided.</param>
/// <param name="Running">The deadlines running now: one of them may pass after the case's latest step.</param>
/// <param name="Verdict">The reporter's latest verdict at follow-up (回访), or null when none was given.</param>
/// <param name="Ambiguous">The report's accuracy circle touched more than one grid (near a grid edge).</param>
public sealed record CaseFacts(
    string CaseId,
    string Matter,
    CaseState State,
    string? GridCode,
    string? SquadId,
    string? OfficerId,
    string? Channel,
    string EnteredBy,
    string? Dispatcher,
    DateTimeOffset ReportedAt,
    bool Registered,
    DateTimeOffset? DispatchedAt,
    DateTimeOffset? AcceptedAt,
    DateTimeOffset? FeedbackAt,
    DateTimeOffset? VerifiedAt,
    DateTimeOffset? ClosedAt,
    int Returns,
    int Extensions,
    int Reworks,
    bool Supervised,
    bool AcceptLate,
    bool HandlingLate,
    bool VerificationLate,
    CaseDeadlines Running,
    CaseVerdict? Verdict = null,
    bool Ambiguous = false)
{
    public bool Open => State is not (CaseState.Closed or CaseState.Void or CaseState.Duplicate);

    /// <summary>Whether a deadline of <paramref name="kind"/> was let pass by <paramref name="asOf"/>: before the latest step, or running and past now.</summary>
    public bool LateBy(DeadlineKind kind, DateTimeOffset asOf) => kind switch
    {
        DeadlineKind.Accept => AcceptLate || Running.AcceptBy < asOf,
        DeadlineKind.Handling => HandlingLate || Running.HandleBy < asOf,
        _ => VerificationLate || Running.VerifyBy < asOf,
    };

    /// <summary>The facts of a case as it stands. A case whose history was not kept is judged on what it has (see <see cref="CaseHistory"/>).</summary>
    public static CaseFacts Of(CaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var file = record.File;
        var timeline = file.Timeline;
        CaseEvent? First(CaseAction action) => timeline.FirstOrDefault(e => e.Action == action);
        CaseEvent? Last(CaseAction action) => timeline.LastOrDefault(e => e.Action == action);
        bool Missed(DeadlineKind kind) => file.PastDeadlines.Any(d => d.Kind == kind && !d.Kept);
        var dispatch = First(CaseAction.Dispatch);
        var verified = timeline.LastOrDefault(e => e.Action is CaseAction.PassVerification or CaseAction.Rework);
        return new CaseFacts(
            // A returned case that nobody took up again is still the returning officer's (the holder keeps only the squad).
            file.Id, file.Matter, file.State, record.GridCode, record.Holder.SquadId,
            record.Holder.OfficerId ?? (file.State == CaseState.Returned ? Last(CaseAction.Return)?.ActorId : null), record.Report.ReportingChannel,
            timeline.Count > 0 ? timeline[0].ActorId : record.Report.ReporterId, dispatch?.ActorId, file.ReportedAt,
            // Registered (立案) at intake, or when a dispatcher unlinked a duplicate (重复件) into a case of its own.
            First(CaseAction.Register) is not null || First(CaseAction.Unlink) is not null, dispatch?.At, First(CaseAction.Accept)?.At, Last(CaseAction.GiveFinalFeedback)?.At, verified?.At,
            file.State == CaseState.Closed ? file.ClosedAt : null,
            record.CountOf(CaseAction.Return), file.ExtensionCount, file.ReworkCount,
            file.Supervised || record.Escalation is not null || record.Report.Party is { Escalated: true } || First(CaseAction.Supervise) is not null,
            Missed(DeadlineKind.Accept), Missed(DeadlineKind.Handling), Missed(DeadlineKind.Verification), file.Deadlines, record.FollowUp?.Verdict, record.Report.Ambiguous);
    }
}
