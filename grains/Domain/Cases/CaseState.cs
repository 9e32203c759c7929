namespace GridServer.Domain.Cases;

/// <summary>Where a case stands in the closed loop (see docs/cases.md).</summary>
public enum CaseState
{
    /// <summary>A report arrived; the command center has not decided on it yet.</summary>
    Reported,
    /// <summary>立案: accepted as a case, waiting for dispatch.</summary>
    Registered,
    /// <summary>作废: not a case. Terminal.</summary>
    Void,
    /// <summary>派遣: sent to a squad and officer, waiting for acceptance.</summary>
    Dispatched,
    /// <summary>The responsible unit accepted it.</summary>
    Accepted,
    /// <summary>处理: being handled on site.</summary>
    Handling,
    /// <summary>挂账: cannot be solved within its limit; its deadline does not run.</summary>
    Parked,
    /// <summary>处理反馈: final feedback given, waiting for verification.</summary>
    FeedbackGiven,
    /// <summary>核查: the command center is checking the result.</summary>
    Verifying,
    /// <summary>The check passed; waiting to be closed.</summary>
    Verified,
    /// <summary>结案. Terminal.</summary>
    Closed,
    /// <summary>退回: the unit says it is not theirs; back to dispatch with a reason.</summary>
    Returned,
    /// <summary>
    /// 重复件: the same problem as another open case of the same matter, reported near it shortly before; linked to that
    /// case, which handles both. Nothing runs on it; a dispatcher may unlink it, and it is then registered and dispatched.
    /// </summary>
    Duplicate,
}

/// <summary>What someone (or the deadline clock) does to a case.</summary>
public enum CaseAction
{
    /// <summary>The report itself: the first event of every timeline.</summary>
    Report,
    Register,
    Void,
    Dispatch,
    Accept,
    Return,
    StartHandling,
    GiveFirstFeedback,
    GiveFinalFeedback,
    RequestExtension,
    ApproveExtension,
    RejectExtension,
    Park,
    Resume,
    StartVerification,
    PassVerification,
    Rework,
    Close,
    /// <summary>期限预警: a deadline is near; it changes nothing else.</summary>
    Warn,
    /// <summary>督办: a deadline was missed; the case is under supervision from now on.</summary>
    Supervise,
    /// <summary>催办: a reminder to whoever holds the case; it changes nothing else.</summary>
    Remind,
    /// <summary>
    /// 移交: a case being worked on passes to whoever now answers for its grid (a squad's area was reassigned);
    /// the work goes on where it stands. A case not yet accepted is dispatched again instead.
    /// </summary>
    Transfer,
    /// <summary>记录: a note on the timeline (a sensor's later readings, a check's finding); it changes nothing else.</summary>
    Note,
    /// <summary>回访: the reporter's verdict on a closed case is recorded; the case stays closed.</summary>
    FollowUp,
    /// <summary>重新处置: a closed case goes back to handling, its matter reopening cases the reporter was dissatisfied with.</summary>
    Reopen,
    /// <summary>并入: a new report is linked to an open case of the same problem as its duplicate (重复件), instead of being dispatched.</summary>
    Link,
    /// <summary>拆分: a dispatcher unlinks a duplicate; it becomes a case of its own, registered and dispatched.</summary>
    Unlink,
}
