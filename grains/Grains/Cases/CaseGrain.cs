using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Access;
using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;
using GridServer.Grains.Notices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace GridServer.Grains.Cases;

/// <summary>
/// One case. Each call loads the case (once per activation), gathers what the step needs to know (who answers for the
/// grid now, the squad leader), lets <see cref="CaseSteps"/> decide, writes the step — the case row, its new timeline
/// events, its notices and its wake time, in one write of the <see cref="ICaseStore"/> — and hands the notices on.
/// </summary>
/// <remarks>
/// Memory changes only after the write: a failed write leaves the activation as it was, and the caller may try again.
/// The deadline clock (<see cref="IDeadlineShardGrain"/>) wakes the case when its wake time comes; a case kept by an
/// older server (grain state, and a reminder of its own) is read from its old state once and moves to the store.
/// </remarks>
public sealed partial class CaseGrain(
    ICaseStore store,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    MatterPolicies policies,
    CaseNotices notices,
    ILogger<CaseGrain> logger) : Grain, ICaseGrain, IRemindable
{
    private CaseRecord? _case;
    private bool _loaded;

    /// <summary>The case was moved to the archive (closed before the retention): it is read, never changed.</summary>
    private bool _archived;

    /// <summary>How many of the case's timeline events the store holds: the next write appends the rest.</summary>
    private int _eventsStored;

    private string Id => this.GetPrimaryKeyString();

    private CaseWorkflow WorkflowOf(CaseRecord record) => policies.For(record.File.Matter);

    private async ValueTask<CaseRecord?> LoadAsync()
    {
        if (_loaded) return _case;
        var load = await store.LoadAsync(Id);
        (_case, _eventsStored, _archived) = (load.Record, load.Record?.File.Timeline.Count ?? 0, load.Archived);
        // Not in the store as a case of its own: an older server may have kept it as grain state. Its first write here
        // writes its whole timeline (events the old projection wrote already are kept as they are).
        if (_case is null) (_case, _eventsStored) = (await LegacyCaseState.ReadAsync(ServiceProvider, this.GetGrainId(), Id), 0);
        // A case stored before deadline histories were kept gets one rebuilt from its timeline, written with its next step.
        if (_case is { File.History: null } unkept) _case = unkept with { File = CaseHistory.WithHistory(unkept.File, WorkflowOf(unkept)) };
        _loaded = true;
        return _case;
    }

    public async ValueTask<CaseView> OpenAsync(CaseReport report, bool knownNew = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        // Opening is idempotent: a client's retry gets the case it already opened, as it stands.
        if ((knownNew ? _case : await LoadAsync()) is { } opened) return CaseViews.Of(opened);
        var (now, started) = (time.GetUtcNow(), System.Diagnostics.Stopwatch.GetTimestamp());
        if (report.DuplicateOf is { } primary)
        {
            var linked = (await WriteAsync(null, CaseSteps.OpenDuplicate(Id, report.Matter, CaseViews.Facts(report), report.GridCode,
                report.SubmittedBy ?? report.ReporterId, now, policies.For(report.Matter), primary))).Record;
            Telemetry.Opened(linked, started);
            return CaseViews.Of(linked);
        }
        var info = report.GridCode is { } grid ? await GrainFactory.Get<IGridCellGrain>(grid).GetDispatchInfoAsync(now) : null;
        var step = CaseSteps.Open(Id, report.Matter, CaseViews.Facts(report), report.GridCode, report.SubmittedBy ?? report.ReporterId, now,
            policies.For(report.Matter), CaseDispatch.Opening(report, info), info?.SquadLeader);
        try
        {
            var written = (await WriteAsync(null, step, info?.Liaisons)).Record;
            Telemetry.Opened(written, started);
            return CaseViews.Of(written);
        }
        catch (InconsistentStateException) when (knownNew)
        {
            // The id was not new after all: the case it names answers.
            return await LoadAsync() is { } existing ? CaseViews.Of(existing) : throw new InvalidOperationException($"case {Id} could be neither opened nor read");
        }
    }

    public ValueTask<CaseActionResult> DispatchAsync(string actorId, string? gridCode, string? requestKey = null) =>
        RedispatchAsync(requestKey, r => gridCode ?? r.GridCode, (r, now, decision) => CaseSteps.Dispatch(r, actorId, gridCode, now, WorkflowOf(r), decision));

    public ValueTask<CaseActionResult> FollowResponsibilityAsync(string actorId, string note, string? requestKey = null) =>
        RedispatchAsync(requestKey, r => r.GridCode, (r, now, decision) => CaseSteps.Follow(r, actorId, note, now, WorkflowOf(r), decision));

    public ValueTask<CaseActionResult> MoveToGridAsync(string actorId, string? gridCode, string note, string? requestKey = null) =>
        RedispatchAsync(requestKey, _ => gridCode, (r, now, decision) => CaseSteps.MoveToGrid(r, actorId, gridCode, note, now, WorkflowOf(r), decision));

    public ValueTask<CaseActionResult> LocateAsync(string actorId, double lon, double lat, string? gridCode, string? requestKey = null) =>
        RedispatchAsync(requestKey, _ => gridCode, (r, now, decision) => CaseSteps.Locate(r, actorId, lon, lat, gridCode, now, WorkflowOf(r), decision));

    /// <summary>
    /// The one way of a step that asks the AB-post rule again: load, answer a repeated request with the case as it stands,
    /// decide for the grid the step names, write the step under its request key.
    /// </summary>
    private async ValueTask<CaseActionResult> RedispatchAsync(string? requestKey, Func<CaseRecord, string?> gridOf,
        Func<CaseRecord, DateTimeOffset, DispatchDecision, CaseStep> step)
    {
        if (await LoadAsync() is not { } r) return NotFound();
        if (CaseSteps.Took(r, requestKey)) return new CaseActionResult(CaseViews.Of(r), null);
        var decision = await DecideAsync(gridOf(r));
        return Answer(await WriteAsync(r, CaseSteps.Keyed(step(r, time.GetUtcNow(), decision), r, requestKey)));
    }

    public async ValueTask<CaseActionResult> AssignAsync(string actorId, string squadId, string? officerId, string? requestKey = null)
    {
        if (await LoadAsync() is not { } r) return NotFound();
        if (CaseSteps.Took(r, requestKey)) return new CaseActionResult(CaseViews.Of(r), null);
        var squad = await GrainFactory.GetGrain<ISquadGrain>(squadId).GetAsync();
        var (decision, problem) = DispatchRule.Assign(squadId, officerId, squad.Leader, squad.Officers, actorId);
        if (decision is null) return Refused(r, CaseRefusalCode.Invalid, problem!);
        return Answer(await WriteAsync(r, CaseSteps.Keyed(CaseSteps.Dispatch(r, actorId, null, time.GetUtcNow(), WorkflowOf(r), decision), r, requestKey)));
    }

    public async ValueTask<CaseActionResult> ActAsync(CaseActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await LoadAsync() is not { } r) return NotFound();
        // Out of an officer's scope answers as a case that does not exist, as the HTTP face does.
        if (request.AsOfficer && !await OfficerMayWorkAsync(r, request.ActorId)) return NotFound();
        // The same request again (sent twice over a weak connection): its step was taken; the case as it stands answers.
        if (CaseSteps.Took(r, request.RequestKey)) return new CaseActionResult(CaseViews.Of(r), null);
        switch (CaseActionRoute.Of(request))
        {
            case (CaseActionWay.Refused, var refusal):
                return Refused(r, CaseRefusalCode.Invalid, refusal!);
            case (CaseActionWay.Dispatch, _):
                return await DispatchAsync(request.ActorId, null, request.RequestKey);
            case (CaseActionWay.Transfer, _):
                return await FollowResponsibilityAsync(request.ActorId, request.Note!, request.RequestKey);
            case (CaseActionWay.Unlink, _):
                return await UnlinkAsync(request.ActorId, request.Note!, request.RequestKey);
        }
        var command = new CaseCommand(request.Action, request.ActorId, time.GetUtcNow(), request.Note, request.Evidence, request.NewDeadline, request.RequestKey);
        return Answer(await WriteAsync(r, CaseSteps.Act(r, command, WorkflowOf(r))));
    }

    /// <summary>The officer holds the case, or belongs to the squad that does (the squad is asked only then).</summary>
    private async ValueTask<bool> OfficerMayWorkAsync(CaseRecord r, string officerId) => r.Holder.OfficerId == officerId
        || (r.Holder.SquadId is { } squad && AccessRules.OfficerMayWork(officerId, r.Holder.OfficerId, squad, (await GrainFactory.GetGrain<ISquadGrain>(squad).GetAsync()).Members));

    public ValueTask<CaseActionResult> FollowUpAsync(string actorId, CaseVerdict verdict, string? comment, string how)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        ArgumentException.ThrowIfNullOrWhiteSpace(how);
        return StepAsync((r, now) => CaseSteps.FollowUp(r, new CaseFollowUp(verdict, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(), now, actorId, how), WorkflowOf(r)));
    }

    public ValueTask<CaseActionResult> LinkDuplicateAsync(string duplicateId, string? channel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(duplicateId);
        return StepAsync((r, now) => CaseSteps.AddDuplicate(r, duplicateId, channel, now, WorkflowOf(r)));
    }

    public ValueTask<CaseActionResult> DropDuplicateAsync(string duplicateId, string actorId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(duplicateId);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        return StepAsync((r, now) => CaseSteps.DropDuplicate(r, duplicateId, actorId, now, WorkflowOf(r)));
    }

    public async ValueTask<CaseActionResult> UnlinkAsync(string actorId, string note, string? requestKey = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        if (await LoadAsync() is not { } r) return NotFound();
        if (CaseSteps.Took(r, requestKey)) return new CaseActionResult(CaseViews.Of(r), null);
        if (r.DuplicateOf is not { } primary) return Refused(r, CaseRefusalCode.NotNow, $"the case is {r.State}, not a duplicate: there is nothing to unlink");
        var decision = await DecideAsync(r.GridCode);
        var step = await WriteAsync(r, CaseSteps.Keyed(CaseSteps.Unlink(r, actorId, note, time.GetUtcNow(), WorkflowOf(r), decision), r, requestKey));
        // The case it was linked to forgets it, so that its end is not told to this case's reporter as this case's end.
        // Done after this case is durable: a failure leaves only that later notice, and the log says so.
        if (step.Accepted)
        {
            try
            {
                await GrainFactory.Get<ICaseGrain>(primary).DropDuplicateAsync(Id, actorId);
            }
            catch (Exception e)
            {
                LogDropFailed(logger, e, Id, primary);
            }
        }
        return Answer(step);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId} was unlinked, but case {Primary} could not forget it: its reporter may hear of that case's end")]
    private static partial void LogDropFailed(ILogger logger, Exception exception, string caseId, string primary);

    public ValueTask<CaseActionResult> AddNoteAsync(string actorId, string note)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        ArgumentException.ThrowIfNullOrWhiteSpace(note);
        return StepAsync((r, now) => CaseSteps.Act(r, new CaseCommand(CaseAction.Note, actorId, now, note), WorkflowOf(r)));
    }

    /// <summary>The one way of a step that needs nothing but the case: load, decide, write, answer.</summary>
    private async ValueTask<CaseActionResult> StepAsync(Func<CaseRecord, DateTimeOffset, CaseStep> step) =>
        await LoadAsync() is { } r ? Answer(await WriteAsync(r, step(r, time.GetUtcNow()))) : NotFound();

    public async ValueTask<CaseView?> GetAsync() => await LoadAsync() is { } r ? CaseViews.Of(r) with { Archived = _archived } : null;

    public async ValueTask<CaseView?> CheckDeadlinesAsync()
    {
        if (await LoadAsync() is not { } r) return null;
        var now = time.GetUtcNow();
        // The squad leader is asked only when the check escalates: every other check needs nobody.
        var leader = CaseSteps.WillEscalate(r, now) && r.Holder.SquadId is { } squad ? await GrainFactory.Get<ISquadGrain>(squad).GetLeaderAsync() : null;
        return CaseViews.Of((await WriteAsync(r, CaseSteps.CheckDeadlines(r, now, WorkflowOf(r), leader))).Record);
    }

    public async ValueTask WakeAsync()
    {
        if (await LoadAsync() is not { } r) return;
        var now = time.GetUtcNow();
        var wake = CaseSteps.NextWake(r, WorkflowOf(r));
        switch (CaseWake.Decide(wake, now, _wakeWritten))
        {
            case CaseWakeAction.Check:
                await CheckDeadlinesAsync();
                return;
            case CaseWakeAction.OwnTimer:
                // A deadline warning comes minutes, or seconds, before its deadline; if this silo dies first, the next sweep on another wakes it.
                _wakeTimer?.Dispose();
                _wakeTimer = this.RegisterGrainTimer(async _ =>
                {
                    _wakeTimer?.Dispose();
                    _wakeTimer = null;
                    await WakeAsync();
                }, new GrainTimerCreationOptions(wake!.Value - now, Timeout.InfiniteTimeSpan) { KeepAlive = true });
                return;
            case CaseWakeAction.Record:
                // Woken for nothing (its matter's limits changed since, or it comes from an older server).
                await WriteAsync(r, new CaseStep(r with { }, null, []));
                return;
            default:
                // Its own timer outlived a later step that moved the wake on: the store knows already.
                if (_wakeTimer is null) DeactivateOnIdle();
                return;
        }
    }

    /// <summary>The wake time this activation last wrote; null until it writes one.</summary>
    private WrittenWake? _wakeWritten;

    /// <summary>The timer of the case's own for a wake due within the clock's sweep; null when none waits.</summary>
    private IGrainTimer? _wakeTimer;

    /// <summary>
    /// Servers before the deadline clock woke each case with a durable reminder of its own ("deadline"): such a reminder,
    /// when it fires, is removed, and the case moves to the store with its wake time.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (await this.GetReminder(reminderName) is { } reminder) await this.UnregisterReminder(reminder);
        await WakeAsync();
    }

    /// <summary>Writes the step when it changed the case, then hands its notices on. Throws when the store refused it (another activation wrote the case).</summary>
    private async Task<CaseStep> WriteAsync(CaseRecord? before, CaseStep step, ImmutableArray<string>? gridLiaisons = null)
    {
        if (ReferenceEquals(step.Record, before)) return step;
        if (_archived)
            return new CaseStep(before!, new CaseRefusal(CaseRefusalCode.NotNow, $"case {Id} was closed longer ago than the retention and is archived: it is kept for reading only"), []);
        var record = step.Record with { Version = (before?.Version ?? 0) + 1 };
        var stepNotices = await notices.ForStepAsync(record, step.Cues, gridLiaisons);
        var wake = CaseSteps.NextWake(record, WorkflowOf(record));
        if (!await store.WriteAsync(new CaseWrite(record, _eventsStored, wake, stepNotices.Inbox, stepNotices.Outbox)))
        {
            // Another activation wrote the case meanwhile (a silo thought dead came back): this one reads it again.
            (_loaded, _case, _wakeWritten) = (false, null, null);
            DeactivateOnIdle();
            throw new InconsistentStateException($"case {Id} was changed elsewhere meanwhile; nothing was done, try again");
        }
        Telemetry.StepWritten(record, _eventsStored, stepNotices.Inbox);
        (_case, _loaded, _eventsStored, _wakeWritten) = (record, true, record.File.Timeline.Count, new WrittenWake(wake));
        notices.HandOn(stepNotices);
        // A case is one row to load again, and most cases wait hours between steps: the activation leaves once idle
        // unless it times its own wake, so that open cases do not hold a silo's memory until the collector's age.
        if (_wakeTimer is null) DeactivateOnIdle();
        return step with { Record = record };
    }

    /// <summary>The AB-post rule's decision for <paramref name="grid"/>, with its people's duty now.</summary>
    private async Task<DispatchDecision> DecideAsync(string? grid) =>
        CaseDispatch.Decide(grid, grid is null ? null : await GrainFactory.Get<IGridCellGrain>(grid).GetDispatchInfoAsync(time.GetUtcNow()));

    private static CaseActionResult Answer(CaseStep step) => new(CaseViews.Of(step.Record), CaseRefused.From(step.Refusal));

    private static CaseActionResult Refused(CaseRecord record, CaseRefusalCode code, string message) => new(CaseViews.Of(record), new CaseRefused(code, message));

    private CaseActionResult NotFound() => new(CaseViews.Unknown(Id), new CaseRefused(CaseRefusalCode.NotFound, $"no case has the id '{Id}'"));
}
