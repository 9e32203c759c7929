using System.Collections.Immutable;
using System.Globalization;
using GridServer.Domain.Personnel;

namespace GridServer.Domain.Cases;

/// <summary>
/// The outcome of one step: the case after it (the same instance when nothing changed), the refusal that says why it
/// did not do what was asked (a step may refuse and still change the case: a case nobody can take goes to the queue),
/// and what must be told.
/// </summary>
public sealed record CaseStep(CaseRecord Record, CaseRefusal? Refusal, ImmutableArray<CaseCue> Cues)
{
    public bool Accepted => Refusal is null;
}

/// <summary>
/// Every decision a case makes, as plain functions of the case and what the server knows at that moment: the workflow
/// of its matter, the time, and — where a step may send the case to someone — the dispatch rule's decision for the
/// grid it goes to. The case grain loads, asks, writes and hands on; nothing here calls anything.
/// </summary>
public static class CaseSteps
{
    /// <summary>The actor of the server's own steps (registration, dispatch at open, the deadline clock).</summary>
    public const string System = "system";

    /// <summary>How often a missed deadline is chased (催办) at first; each reminder doubles the wait, up to <see cref="MaxChasePeriod"/>.</summary>
    public static readonly TimeSpan ChasePeriod = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between two reminders of one missed deadline: a case forgotten for weeks gains one a day, not 288.</summary>
    public static readonly TimeSpan MaxChasePeriod = TimeSpan.FromDays(1);

    /// <summary>The steps a citizen hears of: taken up, closed, voided, or sent back for rework.</summary>
    public static bool ReporterHearsOf(CaseAction action) =>
        action is CaseAction.Accept or CaseAction.Close or CaseAction.Void or CaseAction.Rework or CaseAction.Reopen or CaseAction.Link or CaseAction.Unlink;

    /// <summary>A case in an officer's hands: accepted, being handled, or parked.</summary>
    public static bool IsHeld(CaseState state) => state is CaseState.Accepted or CaseState.Handling or CaseState.Parked;

    /// <summary>A case nobody has taken up yet: a new dispatch sends it, rather than a transfer.</summary>
    public static bool IsUntaken(CaseState state) => state is CaseState.Registered or CaseState.Returned or CaseState.Dispatched;

    /// <summary>
    /// Opens a case: reported, registered and, by <paramref name="decision"/>, dispatched or queued, in one step. Its grid's
    /// liaisons, the party a module named, and (for a party's repeat offence) the squad leader <paramref name="leader"/> and
    /// the command center are told.
    /// </summary>
    /// <param name="enteredBy">Who entered the report: the first event's actor.</param>
    public static CaseStep Open(string id, string matter, CaseReportFacts report, string? gridCode, string enteredBy, DateTimeOffset now,
        CaseWorkflow workflow, DispatchDecision decision, string? leader)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(workflow);
        var file = CaseFile.Reported(id, matter, now, enteredBy, report.Description);
        file = workflow.Apply(file, new CaseCommand(CaseAction.Register, System, now, RegisterNote(report))).Case;
        var record = new CaseRecord(file, report, gridCode, CaseHolder.Nobody, null, null, null, 0);
        var cues = ImmutableArray.CreateBuilder<CaseCue>();
        var dispatched = Send(record, System, now, workflow, decision);
        record = dispatched.Record;
        cues.AddRange(dispatched.Cues);
        if (gridCode is not null) cues.Add(new CaseCue(CaseCueKind.OpenedInGrid, now));
        if (report.Party is { Notify: true }) cues.Add(new CaseCue(CaseCueKind.PartyNamed, now));
        if (report.Party is { Escalated: true } party)
        {
            var reason = $"repeat offence: case {party.RepeatCount} of {party.Name} ({party.Kind}/{party.Id}) within {party.RepeatWindowDays} days";
            var note = leader is null ? $"escalated to the command center: {reason}" : $"escalated to squad leader {leader} and the command center: {reason}";
            var noted = Apply(record, new CaseCommand(CaseAction.Note, System, now, note), workflow);
            if (noted.Accepted)
            {
                // Supervised stays false: that flag means a missed deadline, which still escalates on its own when it comes.
                record = noted.Record with { Escalation = new CaseEscalation(now, reason) };
                cues.Add(new CaseCue(CaseCueKind.Escalated, now, leader, "repeat", now));
            }
        }
        return new CaseStep(record, null, cues.ToImmutable());
    }

    /// <summary>How the report came to be placed, as its registration says.</summary>
    internal static string RegisterNote(CaseReportFacts report) => report switch
    {
        { Geocode: { Located: true, Candidates: [var best, ..] } } =>
            string.Create(CultureInfo.InvariantCulture, $"registered; placed from its address at gazetteer entry {best.EntryId} ({best.Address}, score {best.Score:0.00})"),
        { Located: true } => "registered from a located report",
        _ => "registered from a report with only an address",
    };

    /// <summary>
    /// Opens a case as a duplicate (重复件) of open case <paramref name="primaryId"/>, which handles the same problem and has
    /// recorded the link (<see cref="AddDuplicate"/>): reported and linked in one step, nothing dispatched, no deadline;
    /// the reporting channel hears which case handles its report. No liaison or party is told: it is not a new case.
    /// </summary>
    public static CaseStep OpenDuplicate(string id, string matter, CaseReportFacts report, string? gridCode, string enteredBy, DateTimeOffset now,
        CaseWorkflow workflow, string primaryId)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(primaryId);
        var record = new CaseRecord(CaseFile.Reported(id, matter, now, enteredBy, report.Description), report, gridCode, CaseHolder.Nobody, null, null, null, 0);
        return Apply(record, new CaseCommand(CaseAction.Link, System, now, $"duplicate of case {primaryId}, which handles the same problem"), workflow,
            r => r with { DuplicateOf = primaryId });
    }

    /// <summary>
    /// Records duplicate <paramref name="duplicateId"/> on the open case it duplicates (a note on the timeline), so that the
    /// duplicate's reporting channel <paramref name="channel"/> hears when this case ends. Recording it again changes
    /// nothing; an ended case, or one that is itself a duplicate, refuses (the report is then a case of its own).
    /// </summary>
    public static CaseStep AddDuplicate(CaseRecord record, string duplicateId, string? channel, DateTimeOffset now, CaseWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(duplicateId);
        if (record.LinkedDuplicates.Any(d => d.CaseId == duplicateId)) return new CaseStep(record, null, []);
        if (record.File.IsTerminal)
            return Refuse(record, CaseRefusalCode.NotNow, $"case {record.Id} is {record.State}: duplicates are linked only to an open case");
        return Apply(record, new CaseCommand(CaseAction.Note, System, now, $"duplicate {duplicateId} linked: the same problem reported again"), workflow,
            r => r with { Duplicates = r.LinkedDuplicates.Add(new CaseLink(duplicateId, channel, now)) });
    }

    /// <summary>Forgets duplicate <paramref name="duplicateId"/>, unlinked by <paramref name="actor"/> (a note while the case is open); one not linked changes nothing.</summary>
    public static CaseStep DropDuplicate(CaseRecord record, string duplicateId, string actor, DateTimeOffset now, CaseWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(record);
        var links = record.LinkedDuplicates.RemoveAll(d => d.CaseId == duplicateId);
        if (links.Count == record.LinkedDuplicates.Count) return new CaseStep(record, null, []);
        if (record.File.IsTerminal) return new CaseStep(record with { Duplicates = links }, null, []);
        return Apply(record, new CaseCommand(CaseAction.Note, actor, now, $"duplicate {duplicateId} unlinked: it is a case of its own"), workflow,
            r => r with { Duplicates = links });
    }

    /// <summary>
    /// 拆分: a dispatcher unlinks a duplicate; it is registered and dispatched by <paramref name="decision"/> (or waits in
    /// the queue) as a case of its own, and its reporting channel hears of it.
    /// </summary>
    public static CaseStep Unlink(CaseRecord record, string actor, string note, DateTimeOffset now, CaseWorkflow workflow, DispatchDecision decision)
    {
        ArgumentNullException.ThrowIfNull(record);
        var unlinked = Apply(record, new CaseCommand(CaseAction.Unlink, actor, now, $"unlinked from case {record.DuplicateOf}: {note}"), workflow,
            r => r with { DuplicateOf = null });
        if (!unlinked.Accepted) return unlinked;
        var sent = Send(unlinked.Record, actor, now, workflow, decision);
        // Unlinked, but nobody there to take it: the case waits in the queue, where it says it is.
        return new CaseStep(sent.Record, sent.Record.Queued ? null : sent.Refusal, unlinked.Cues.AddRange(sent.Cues));
    }

    /// <summary>Dispatches by <paramref name="decision"/> (made for <paramref name="toGrid"/>, or the case's grid when null), or queues the case.</summary>
    public static CaseStep Dispatch(CaseRecord record, string actor, string? toGrid, DateTimeOffset now, CaseWorkflow workflow, DispatchDecision decision)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Checked before anything moves: the queue branch never reaches the workflow's own check.
        if (!CaseWorkflow.Transitions.ContainsKey((record.State, CaseAction.Dispatch)))
            return Refuse(record, CaseRefusalCode.NotNow,
                $"cannot Dispatch a case that is {record.State}; allowed now: {string.Join(", ", CaseWorkflow.AllowedIn(record.State))}");
        return Send(toGrid is null ? record : record with { GridCode = toGrid }, actor, now, workflow, decision);
    }

    /// <summary>Whether the request named <paramref name="requestKey"/> was taken already (its key is on a step of the timeline).</summary>
    public static bool Took(CaseRecord record, string? requestKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        return requestKey is not null && record.File.Timeline.Any(e => e.RequestKey == requestKey);
    }

    /// <summary>
    /// The step with the request's key on its first new event (a dispatch, a transfer or a move may add several): sent
    /// again, the request finds it there (<see cref="Took"/>). A refused step is as it was.
    /// </summary>
    public static CaseStep Keyed(CaseStep step, CaseRecord before, string? requestKey)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(before);
        var timeline = step.Record.File.Timeline;
        var first = before.File.Timeline.Count;
        if (requestKey is null || !step.Accepted || timeline.Count <= first) return step;
        var file = step.Record.File with { Timeline = timeline.SetItem(first, timeline[first] with { RequestKey = requestKey }) };
        return step with { Record = step.Record with { File = file } };
    }

    /// <summary>Any action of people on the case but Dispatch and Transfer (which need the dispatch rule's decision).</summary>
    public static CaseStep Act(CaseRecord record, CaseCommand command, CaseWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(command);
        if (command.Action is CaseAction.Report or CaseAction.Dispatch or CaseAction.Transfer)
            throw new ArgumentException($"{command.Action} is not taken by {nameof(Act)}", nameof(command));
        var step = Apply(record, command, workflow);
        // Supervised by the command center: on its supervision list (督办), for the reason it gave, as a missed deadline puts it there.
        if (step.Accepted && command.Action == CaseAction.Supervise && step.Record.Escalation is null)
            step = step with { Record = step.Record with { Escalation = new CaseEscalation(command.At, command.Note!.Trim()) } };
        return step;
    }

    /// <summary>
    /// The case follows whoever answers for its grid now (<paramref name="decision"/>): one not yet accepted is dispatched
    /// again, one in hand is transferred (移交) and goes on where it stands; any other stays, and the refusal says why.
    /// </summary>
    public static CaseStep Follow(CaseRecord record, string actor, string note, DateTimeOffset now, CaseWorkflow workflow, DispatchDecision decision)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.State == CaseState.Dispatched) return Send(record, actor, now, workflow, decision);
        if (!IsHeld(record.State))
            return Refuse(record, CaseRefusalCode.NotNow, $"the case is {record.State}: it is not held by a grid officer, so it stays as it is");
        return Transfer(record, actor, note, now, workflow, decision);
    }

    /// <summary>
    /// The case moves to grid <paramref name="toGrid"/> (null: none) and follows its people (<paramref name="decision"/>, made
    /// for that grid): one not yet accepted is dispatched again; one in hand is transferred, or, with no grid, stays with its
    /// holder while it waits in the queue. A case with the command center or ended keeps its grid.
    /// </summary>
    public static CaseStep MoveToGrid(CaseRecord record, string actor, string? toGrid, string note, DateTimeOffset now, CaseWorkflow workflow, DispatchDecision decision)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (toGrid == record.GridCode) return Refuse(record, CaseRefusalCode.Unchanged, $"the case is in grid {toGrid ?? "(none)"} already");
        if (IsUntaken(record.State)) return Send(record with { GridCode = toGrid }, actor, now, workflow, decision);
        if (!IsHeld(record.State))
            return Refuse(record, CaseRefusalCode.NotNow,
                $"the case is {record.State}: it is with the command center or ended, so it stays in grid {record.GridCode ?? "(none)"}");
        var moved = record with { GridCode = toGrid };
        if (toGrid is null)
        {
            // Nobody answers for ground outside every grid: the holder goes on until a dispatcher decides.
            var reason = $"{note}: its point is in no grid now; {record.Holder.OfficerId} holds it until a dispatcher decides";
            return new CaseStep(moved with { QueueReason = reason }, new CaseRefusal(CaseRefusalCode.Queued, $"{reason}; it waits in the command-center queue"), []);
        }
        return Transfer(moved, actor, note, now, workflow, decision);
    }

    /// <summary>
    /// The command center places the case at (<paramref name="lon"/>, <paramref name="lat"/>), WGS84, in grid
    /// <paramref name="gridCode"/>: it moves by <see cref="MoveToGrid"/>; a case waiting in the queue in that grid is dispatched.
    /// </summary>
    public static CaseStep Locate(CaseRecord record, string actor, double lon, double lat, string? gridCode, DateTimeOffset now,
        CaseWorkflow workflow, DispatchDecision decision)
    {
        ArgumentNullException.ThrowIfNull(record);
        var state = record.State;
        if (record.File.IsTerminal) return Refuse(record, CaseRefusalCode.NotNow, $"the case is {state}: an ended case keeps where it was");
        if (gridCode != record.GridCode && !(IsHeld(state) || IsUntaken(state)))
            return Refuse(record, CaseRefusalCode.NotNow, $"the case is {state}: it is with the command center for verification, so it cannot change grid now");
        var placed = record with { Report = record.Report with { Lon = lon, Lat = lat } };
        CaseStep step;
        if (gridCode != record.GridCode)
            step = MoveToGrid(placed, actor, gridCode, string.Create(CultureInfo.InvariantCulture, $"located at {lon:0.000000}, {lat:0.000000} by {actor}"), now, workflow, decision);
        else
            step = placed.Queued && state is CaseState.Registered or CaseState.Returned && gridCode is not null
                ? Send(placed, actor, now, workflow, decision)
                : new CaseStep(placed, null, []);
        // Placed, but nobody there to take it (or no grid there): the case waits in the queue, where it says it is.
        return step.Refusal is not null && step.Record.Queued ? step with { Refusal = null } : step;
    }

    /// <summary>
    /// 回访: records the reporter's verdict on a closed case (the latest verdict counts); a dissatisfied one sends the case
    /// back to handling (重新处置: the holder is told, the handling limit runs again, it counts as rework) when its
    /// matter says so (<see cref="CaseWorkflow.ReopenWhenDissatisfied"/>).
    /// </summary>
    public static CaseStep FollowUp(CaseRecord record, CaseFollowUp followUp, CaseWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(followUp);
        ArgumentNullException.ThrowIfNull(workflow);
        if (record.State != CaseState.Closed)
            return Refuse(record, CaseRefusalCode.NotNow, $"a follow-up asks about a closed case, and this one is {record.State}");
        var note = followUp.Comment is { Length: > 0 } comment
            ? $"{CaseFollowUp.ChineseName(followUp.Verdict)} ({followUp.How}): {comment}"
            : $"{CaseFollowUp.ChineseName(followUp.Verdict)} ({followUp.How})";
        var recorded = Apply(record, new CaseCommand(CaseAction.FollowUp, followUp.By, followUp.At, note), workflow, r => r with { FollowUp = followUp });
        if (!recorded.Accepted || followUp.Verdict != CaseVerdict.Dissatisfied || !workflow.ReopenWhenDissatisfied) return recorded;
        var reopened = Apply(recorded.Record, new CaseCommand(CaseAction.Reopen, System, followUp.At, $"reopened: the reporter was dissatisfied ({note})"), workflow);
        if (!reopened.Accepted) return reopened;
        var cues = reopened.Cues;
        if (reopened.Record.Holder.OfficerId is not null) cues = cues.Add(new CaseCue(CaseCueKind.Dispatched, followUp.At));
        return reopened with { Cues = cues };
    }

    /// <summary>Whether <see cref="CheckDeadlines"/> at <paramref name="now"/> puts the case under supervision: then it wants the squad leader.</summary>
    public static bool WillEscalate(CaseRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        return !record.File.IsTerminal && !record.File.Supervised && record.File.Deadlines.Next is { } due && due <= now;
    }

    /// <summary>
    /// Acts on the deadlines due by <paramref name="now"/>: warns once per deadline before it runs out (the accept deadline
    /// with a notice to the officer), puts the case under supervision (督办) at the first miss and tells the squad leader
    /// <paramref name="leader"/> and the command center, and reminds (催办) at every later check.
    /// </summary>
    public static CaseStep CheckDeadlines(CaseRecord record, DateTimeOffset now, CaseWorkflow workflow, string? leader)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(workflow);
        var file = record.File;
        if (file.IsTerminal || file.Deadlines.Next is not { } due) return new CaseStep(record, null, []);
        var which = file.Deadlines.NextKind!;
        if (due > now)
        {
            if (due - workflow.Limits.WarningLead > now || record.WarnedFor == due) return new CaseStep(record, null, []);
            var warned = Apply(record, new CaseCommand(CaseAction.Warn, System, now, $"deadline warning: the {which} deadline is {due:O}"), workflow);
            if (!warned.Accepted) return warned;
            // Only the accept deadline has a notice of its own (接单期限预警); the others are warned on the timeline.
            var cues = which == "accept" && record.Holder.OfficerId is not null
                ? ImmutableArray.Create(new CaseCue(CaseCueKind.AcceptDeadlineNear, now, Deadline: which, Due: due))
                : [];
            return new CaseStep(warned.Record with { WarnedFor = due }, null, cues);
        }
        var reason = $"the {which} deadline ({due:O}) passed";
        if (file.Supervised) return Apply(record, new CaseCommand(CaseAction.Remind, System, now, $"reminder: {reason}"), workflow);
        var supervised = Apply(record, new CaseCommand(CaseAction.Supervise, System, now, reason), workflow);
        if (!supervised.Accepted) return supervised;
        var next = supervised.Record with { Escalation = new CaseEscalation(now, reason) };
        // The squad leader is told by a reminder event naming them, and by the escalation notice.
        if (leader is not null)
            next = Apply(next, new CaseCommand(CaseAction.Remind, System, now, $"escalated to squad leader {leader}: {reason}"), workflow).Record;
        return new CaseStep(next, null, [new CaseCue(CaseCueKind.Escalated, now, leader, which, due)]);
    }

    /// <summary>
    /// When the deadline clock must next look at the case: the warning before its next deadline (once per deadline),
    /// then the deadline; once that deadline was acted on (supervised or reminded), the next reminder, each wait twice
    /// the last. A time already past means now. Null when no deadline runs.
    /// </summary>
    public static DateTimeOffset? NextWake(CaseRecord record, CaseWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(workflow);
        if (record.File.IsTerminal || record.File.Deadlines.Next is not { } next) return null;
        // The checks that chased this deadline (a supervision and its note to the leader are one check): the next waits twice as long.
        var chased = record.File.Timeline.Where(e => e.Action is CaseAction.Supervise or CaseAction.Remind && e.At >= next).Select(e => e.At).Distinct().ToList();
        if (chased.Count > 0) return chased[^1] + Chase(chased.Count - 1);
        return record.WarnedFor == next ? next : next - workflow.Limits.WarningLead;
    }

    /// <summary>The wait before the next reminder, after <paramref name="reminders"/> of them.</summary>
    public static TimeSpan Chase(int reminders) =>
        TimeSpan.FromTicks(Math.Min(MaxChasePeriod.Ticks, ChasePeriod.Ticks << Math.Clamp(reminders, 0, 20)));

    /// <summary>Dispatched by the decision, or queued when nobody can take it.</summary>
    private static CaseStep Send(CaseRecord record, string actor, DateTimeOffset now, CaseWorkflow workflow, DispatchDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Post == DispatchPost.CommandCenter)
            return new CaseStep(record with { QueueReason = decision.Reason },
                new CaseRefusal(CaseRefusalCode.Queued, $"nobody to dispatch to ({decision.Reason}); the case waits in the command-center queue"), []);
        return Apply(record, new CaseCommand(CaseAction.Dispatch, actor, now, decision.Reason), workflow,
            r => r with { Holder = new CaseHolder(decision.SquadId, decision.OfficerId, decision.Post), QueueReason = null });
    }

    /// <summary>移交: a case in hand passes to whoever answers for its grid now, keeping its state and deadlines.</summary>
    private static CaseStep Transfer(CaseRecord record, string actor, string note, DateTimeOffset now, CaseWorkflow workflow, DispatchDecision decision)
    {
        var holder = record.Holder;
        if (decision.Post == DispatchPost.CommandCenter)
            return Refuse(record, CaseRefusalCode.Unchanged, $"nobody answers for the grid now ({decision.Reason}); the case stays with {holder.OfficerId}");
        if (decision.OfficerId == holder.OfficerId && decision.SquadId == holder.SquadId)
            return Refuse(record, CaseRefusalCode.Unchanged, $"{decision.OfficerId} already holds the case");
        return Apply(record, new CaseCommand(CaseAction.Transfer, actor, now,
                $"{note}: from {holder.OfficerId} ({holder.SquadId}) to {decision.OfficerId} ({decision.SquadId}); {decision.Reason}"), workflow,
            r => r with { Holder = new CaseHolder(decision.SquadId, decision.OfficerId, decision.Post) });
    }

    /// <summary>The workflow's step, and what follows from it for the holder, the queue and who is told.</summary>
    private static CaseStep Apply(CaseRecord record, CaseCommand command, CaseWorkflow workflow, Func<CaseRecord, CaseRecord>? onAccepted = null)
    {
        var transition = workflow.Apply(record.File, command);
        if (!transition.Accepted) return new CaseStep(record, transition.Refusal, []);
        var next = record with { File = transition.Case };
        if (onAccepted is not null) next = onAccepted(next);
        if (command.Action == CaseAction.Return)
        {
            // "Not ours": the officer lets go, the squad stays on record, and a dispatcher decides where it goes.
            next = next with { Holder = next.Holder with { OfficerId = null, Post = null }, QueueReason = $"returned by {command.ActorId}: {command.Note}" };
        }
        else if (transition.Case.IsTerminal)
        {
            next = next with { QueueReason = null };
        }
        var cues = ImmutableArray.CreateBuilder<CaseCue>();
        if (command.Action is CaseAction.Dispatch or CaseAction.Transfer && next.Holder.OfficerId is not null)
            cues.Add(new CaseCue(CaseCueKind.Dispatched, command.At));
        else if (transition.Case.State == CaseState.Closed && (next.Holder.OfficerId ?? record.Holder.OfficerId) is { } closer)
            cues.Add(new CaseCue(CaseCueKind.Closed, command.At, closer, Note: command.Note));
        if (next.Report.ReportingChannel is not null && ReporterHearsOf(command.Action))
            cues.Add(new CaseCue(CaseCueKind.ReporterStep, command.At, Rework: command.Action is CaseAction.Rework or CaseAction.Reopen));
        // The duplicates' reporters hear that the case handling their report ended (closed, or void).
        if (transition.Case.State is CaseState.Closed or CaseState.Void && !record.File.IsTerminal)
        {
            foreach (var duplicate in next.LinkedDuplicates.Where(d => d.Channel is not null))
                cues.Add(new CaseCue(CaseCueKind.DuplicateTold, command.At, Duplicate: duplicate.CaseId));
        }
        return new CaseStep(next, null, cues.ToImmutable());
    }

    private static CaseStep Refuse(CaseRecord record, CaseRefusalCode code, string message) => new(record, new CaseRefusal(code, message), []);
}
