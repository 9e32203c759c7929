using System.Collections.Immutable;

namespace GridServer.Domain.Cases;

/// <summary>An action on a case, as asked for.</summary>
/// <param name="NewDeadline">For <see cref="CaseAction.RequestExtension"/>: the deadline asked for.</param>
/// <param name="RequestKey">The request's own key, kept on its event (<see cref="CaseEvent.RequestKey"/>).</param>
public sealed record CaseCommand(
    CaseAction Action, string ActorId, DateTimeOffset At, string? Note = null,
    ImmutableArray<string> Evidence = default, DateTimeOffset? NewDeadline = null, string? RequestKey = null);

/// <summary>The outcome of an action: the new case and its event, or a refusal that says why.</summary>
public sealed record CaseTransition(CaseFile Case, CaseEvent? Event, CaseRefusal? Refusal)
{
    public bool Accepted => Refusal is null;
}

/// <summary>
/// The rules of the closed loop: which action is allowed in which state, what state follows, which
/// deadlines run. Plain C#: the case grain keeps the <see cref="CaseFile"/> and calls <see cref="Apply"/>.
/// </summary>
public sealed class CaseWorkflow(CaseTimeLimits limits, IWorkCalendar handlingCalendar, bool reopenWhenDissatisfied = false, DuplicateRule? duplicates = null,
    bool requireAfterPhoto = false)
{
    public CaseTimeLimits Limits => limits;

    /// <summary>When a new report of this matter is linked to an open case as its duplicate (重复件); null: never.</summary>
    public DuplicateRule? Duplicates => duplicates;

    /// <summary>Whether a dissatisfied verdict on a closed case of this matter sends it back to handling.</summary>
    public bool ReopenWhenDissatisfied => reopenWhenDissatisfied;

    /// <summary>Whether the final feedback must name at least one photo taken after handling (处置后照片).</summary>
    public bool RequireAfterPhoto => requireAfterPhoto;

    /// <summary>
    /// How much time is left to each running deadline at <paramref name="now"/>, counted as the limit is counted:
    /// acceptance and verification in wall-clock time, handling by the matter's calendar (working hours when the matter
    /// is so timed; a night or a weekend leaves the time left as it was). Past a deadline, <see cref="DeadlineLeft.Left"/> is
    /// negative: how far past, counted the same way.
    /// </summary>
    public IReadOnlyList<DeadlineLeft> TimeLeft(CaseDeadlines deadlines, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deadlines);
        var left = new List<DeadlineLeft>(1);
        void Add(DeadlineKind kind, DateTimeOffset? due, IWorkCalendar calendar)
        {
            if (due is not { } at) return;
            var time = at >= now ? calendar.Between(now, at) : -calendar.Between(at, now);
            left.Add(new DeadlineLeft(kind, at, time, calendar is not WallClockCalendar));
        }
        Add(DeadlineKind.Accept, deadlines.AcceptBy, WallClockCalendar.Instance);
        Add(DeadlineKind.Handling, deadlines.HandleBy, handlingCalendar);
        Add(DeadlineKind.Verification, deadlines.VerifyBy, WallClockCalendar.Instance);
        return left;
    }

    /// <summary>Every allowed (state, action) and the state it leads to. Warn, Supervise and Remind keep the state.</summary>
    public static readonly ImmutableDictionary<(CaseState From, CaseAction Action), CaseState> Transitions = BuildTransitions();

    private static ImmutableDictionary<(CaseState, CaseAction), CaseState> BuildTransitions()
    {
        var t = ImmutableDictionary.CreateBuilder<(CaseState, CaseAction), CaseState>();
        t.Add((CaseState.Reported, CaseAction.Register), CaseState.Registered);
        t.Add((CaseState.Reported, CaseAction.Void), CaseState.Void);
        t.Add((CaseState.Registered, CaseAction.Dispatch), CaseState.Dispatched);
        t.Add((CaseState.Registered, CaseAction.Void), CaseState.Void);
        t.Add((CaseState.Returned, CaseAction.Dispatch), CaseState.Dispatched);
        t.Add((CaseState.Returned, CaseAction.Void), CaseState.Void);
        t.Add((CaseState.Dispatched, CaseAction.Dispatch), CaseState.Dispatched);   // re-dispatch
        t.Add((CaseState.Dispatched, CaseAction.Accept), CaseState.Accepted);
        t.Add((CaseState.Dispatched, CaseAction.Return), CaseState.Returned);
        t.Add((CaseState.Accepted, CaseAction.StartHandling), CaseState.Handling);
        t.Add((CaseState.Accepted, CaseAction.Return), CaseState.Returned);
        t.Add((CaseState.Handling, CaseAction.GiveFirstFeedback), CaseState.Handling);
        t.Add((CaseState.Handling, CaseAction.GiveFinalFeedback), CaseState.FeedbackGiven);
        t.Add((CaseState.Handling, CaseAction.RequestExtension), CaseState.Handling);
        t.Add((CaseState.Handling, CaseAction.ApproveExtension), CaseState.Handling);
        t.Add((CaseState.Handling, CaseAction.RejectExtension), CaseState.Handling);
        t.Add((CaseState.Handling, CaseAction.Park), CaseState.Parked);
        t.Add((CaseState.Parked, CaseAction.Resume), CaseState.Handling);
        t.Add((CaseState.FeedbackGiven, CaseAction.StartVerification), CaseState.Verifying);
        t.Add((CaseState.Verifying, CaseAction.PassVerification), CaseState.Verified);
        t.Add((CaseState.Verifying, CaseAction.Rework), CaseState.Handling);
        t.Add((CaseState.Verified, CaseAction.Close), CaseState.Closed);
        t.Add((CaseState.Accepted, CaseAction.Transfer), CaseState.Accepted);
        t.Add((CaseState.Handling, CaseAction.Transfer), CaseState.Handling);
        t.Add((CaseState.Parked, CaseAction.Transfer), CaseState.Parked);
        t.Add((CaseState.Closed, CaseAction.FollowUp), CaseState.Closed);
        t.Add((CaseState.Closed, CaseAction.Reopen), CaseState.Handling);
        t.Add((CaseState.Reported, CaseAction.Link), CaseState.Duplicate);
        t.Add((CaseState.Duplicate, CaseAction.Unlink), CaseState.Registered);
        foreach (var open in Enum.GetValues<CaseState>().Where(s => s is not (CaseState.Closed or CaseState.Void or CaseState.Duplicate)))
        {
            t.Add((open, CaseAction.Warn), open);
            t.Add((open, CaseAction.Supervise), open);
            t.Add((open, CaseAction.Remind), open);
            t.Add((open, CaseAction.Note), open);
        }
        return t.ToImmutable();
    }

    /// <summary>
    /// The actions the server takes itself (the deadline clock's, and notes from sensors and checks), never offered to
    /// people. Supervision is the clock's at a missed deadline and the command center's at will, so it is not among them.
    /// </summary>
    public static readonly ImmutableHashSet<CaseAction> ClockActions = [CaseAction.Warn, CaseAction.Remind, CaseAction.Note];

    /// <summary>The actions people may take in a state, for messages and user interfaces (the clock's own are left out).</summary>
    public static IEnumerable<CaseAction> AllowedIn(CaseState state) =>
        Transitions.Keys.Where(k => k.From == state && !ClockActions.Contains(k.Action) && !FollowUpActions.Contains(k.Action) && k.Action != CaseAction.Link)
            .Select(k => k.Action).Order();

    /// <summary>The follow-up's actions: recorded with a verdict (<see cref="CaseSteps.FollowUp"/>), never as an action of their own.</summary>
    public static readonly ImmutableHashSet<CaseAction> FollowUpActions = [CaseAction.FollowUp, CaseAction.Reopen];

    public CaseTransition Apply(CaseFile file, CaseCommand command)
    {
        if (!Transitions.TryGetValue((file.State, command.Action), out var to))
        {
            var allowed = AllowedIn(file.State).ToList();
            return Refuse(file, CaseRefusalCode.NotNow, $"cannot {command.Action} a case that is {file.State}" +
                (allowed.Count == 0 ? "; the case is finished" : $"; allowed now: {string.Join(", ", allowed)}"));
        }
        var last = file.Timeline.Count == 0 ? (DateTimeOffset?)null : file.Timeline[^1].At;
        if (last is { } previous && command.At < previous)
            return Refuse(file, CaseRefusalCode.Invalid, $"{command.Action} at {command.At:O} is earlier than the last event of the case ({previous:O})");
        if (string.IsNullOrWhiteSpace(command.ActorId))
            return Refuse(file, CaseRefusalCode.Invalid, $"{command.Action} needs the actor who does it");
        if (command.Action is CaseAction.Void or CaseAction.Return or CaseAction.Rework or CaseAction.Park or CaseAction.RejectExtension or CaseAction.Transfer or CaseAction.Note
                or CaseAction.Link or CaseAction.Unlink or CaseAction.Supervise
            && string.IsNullOrWhiteSpace(command.Note))
            return Refuse(file, CaseRefusalCode.Invalid, $"{command.Action} needs a reason in the note");
        if (command.Action == CaseAction.GiveFinalFeedback && requireAfterPhoto
            && !Media.PhotoRef.In(command.Evidence.IsDefault ? [] : command.Evidence).Any(p => p.Stage == Media.PhotoStage.After))
            return Refuse(file, CaseRefusalCode.Invalid,
                "GiveFinalFeedback of this matter needs at least one photo taken after handling (处置后照片): upload it (POST /api/media) and name it in evidence as photo:after:<id>");

        var at = command.At;
        var d = file.Deadlines;
        var next = file with { State = to };
        switch (command.Action)
        {
            case CaseAction.Dispatch:
                next = next with { Deadlines = new CaseDeadlines(AcceptBy: at + limits.AcceptWithin) };
                break;
            case CaseAction.Accept:
                next = next with { Deadlines = new CaseDeadlines(HandleBy: handlingCalendar.Add(at, limits.HandleWithin)) };
                break;
            case CaseAction.Return:
            case CaseAction.Void:
            case CaseAction.Close:
                next = next with { Deadlines = CaseDeadlines.None, RequestedDeadline = null, ParkedRemaining = null };
                break;
            case CaseAction.RequestExtension:
                if (file.RequestedDeadline is not null)
                    return Refuse(file, CaseRefusalCode.NotNow, "an extension request is already pending");
                if (command.NewDeadline is not { } wanted || d.HandleBy is not { } current || wanted <= current)
                    return Refuse(file, CaseRefusalCode.Invalid, $"an extension needs a new deadline later than the current one ({d.HandleBy:O})");
                next = next with { RequestedDeadline = wanted };
                break;
            case CaseAction.ApproveExtension:
                if (file.RequestedDeadline is not { } granted)
                    return Refuse(file, CaseRefusalCode.NotNow, "there is no pending extension request to approve");
                next = next with { Deadlines = d with { HandleBy = granted }, RequestedDeadline = null, ExtensionCount = file.ExtensionCount + 1 };
                break;
            case CaseAction.RejectExtension:
                if (file.RequestedDeadline is null)
                    return Refuse(file, CaseRefusalCode.NotNow, "there is no pending extension request to reject");
                next = next with { RequestedDeadline = null };
                break;
            case CaseAction.Park:
                // A parked case's limit does not run: keep what was left of it for when it resumes.
                var left = d.HandleBy is { } due && due > at ? due - at : TimeSpan.Zero;
                next = next with { Deadlines = CaseDeadlines.None, ParkedRemaining = left, RequestedDeadline = null };
                break;
            case CaseAction.Resume:
                next = next with { Deadlines = new CaseDeadlines(HandleBy: at + (file.ParkedRemaining ?? TimeSpan.Zero)), ParkedRemaining = null };
                break;
            case CaseAction.GiveFinalFeedback:
                next = next with { Deadlines = new CaseDeadlines(VerifyBy: at + limits.VerifyWithin), RequestedDeadline = null };
                break;
            case CaseAction.PassVerification:
                next = next with { Deadlines = CaseDeadlines.None };
                break;
            case CaseAction.Rework:
            case CaseAction.Reopen:
                next = next with { Deadlines = new CaseDeadlines(HandleBy: handlingCalendar.Add(at, limits.HandleWithin)), ReworkCount = file.ReworkCount + 1 };
                break;
            case CaseAction.Supervise:
                // The deadline clock supervises at a missed deadline; the command center whenever it sees cause, once.
                if (command.ActorId == CaseSteps.System && (d.Next is not { } due2 || due2 > at))
                    return Refuse(file, CaseRefusalCode.NotNow, "supervision follows a missed deadline, and no deadline of this case has passed");
                if (command.ActorId != CaseSteps.System && file.Supervised)
                    return Refuse(file, CaseRefusalCode.Unchanged, "the case is under supervision (督办) already");
                next = next with { Supervised = true };
                break;
        }
        var @event = new CaseEvent(file.Timeline.Count + 1, at, command.ActorId, command.Action, file.State, to,
            command.Note, command.Evidence.IsDefault ? [] : command.Evidence, command.RequestKey);
        next = next with { Timeline = file.Timeline.Add(@event), History = Ended(file.History, d, next.Deadlines, at, command.Action) };
        return new CaseTransition(next, @event, null);
    }

    /// <summary>The history after a step: each deadline that ran before it and does not run (the same) after it ended with it.</summary>
    internal static ImmutableList<PastDeadline>? Ended(ImmutableList<PastDeadline>? history, CaseDeadlines before, CaseDeadlines after, DateTimeOffset at, CaseAction action)
    {
        if (history is null) return null;
        foreach (var (kind, was, now) in new[]
                 {
                     (DeadlineKind.Accept, before.AcceptBy, after.AcceptBy), (DeadlineKind.Handling, before.HandleBy, after.HandleBy),
                     (DeadlineKind.Verification, before.VerifyBy, after.VerifyBy),
                 })
        {
            // A re-dispatch starts a new acceptance limit even when it happens to fall on the same instant.
            if (was is { } due && (now != was || action == CaseAction.Dispatch)) history = history.Add(new PastDeadline(kind, due, at, action));
        }
        return history;
    }

    private static CaseTransition Refuse(CaseFile file, CaseRefusalCode code, string reason) => new(file, null, new CaseRefusal(code, reason));
}
