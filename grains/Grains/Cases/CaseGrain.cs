using System.Collections.Immutable;
using System.Globalization;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Domain.Grids;
using GridServer.Domain.Personnel;
using GridServer.Grains.Notices;
using GridServer.Notices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Cases;

/// <summary>Persisted state of a case. Enum values are stored by name, so renumbering an enum never misreads state.</summary>
[GenerateSerializer, Alias("case.state")]
public sealed class CaseGrainState
{
    [Id(0)] public bool Opened { get; set; }
    [Id(1)] public string Matter { get; set; } = "";
    [Id(2)] public string State { get; set; } = nameof(CaseState.Reported);
    [Id(3)] public string? GridCode { get; set; }
    [Id(4)] public string? SquadId { get; set; }
    [Id(5)] public string? OfficerId { get; set; }
    [Id(6)] public string? Post { get; set; }
    [Id(7)] public DateTimeOffset? AcceptBy { get; set; }
    [Id(8)] public DateTimeOffset? HandleBy { get; set; }
    [Id(9)] public DateTimeOffset? VerifyBy { get; set; }
    [Id(10)] public bool Supervised { get; set; }
    [Id(11)] public int ReworkCount { get; set; }
    [Id(12)] public int ExtensionCount { get; set; }
    [Id(13)] public TimeSpan? ParkedRemaining { get; set; }
    [Id(14)] public DateTimeOffset? RequestedDeadline { get; set; }
    [Id(15)] public List<CaseEventView> Timeline { get; set; } = [];
    [Id(16)] public double Lon { get; set; }
    [Id(17)] public double Lat { get; set; }
    [Id(18)] public string ReporterId { get; set; } = "";
    [Id(19)] public string? Description { get; set; }
    /// <summary>The deadline a warning was last given for, so each deadline is warned of once.</summary>
    [Id(20)] public DateTimeOffset? WarnedFor { get; set; }
    [Id(21)] public string? Address { get; set; }
    [Id(22)] public string? MediaUrl { get; set; }
    [Id(23)] public Dictionary<string, string>? Attributes { get; set; }
    /// <summary>Whether the case was put in the command-center queue and not yet taken out, so that only such cases call the queue's grain.</summary>
    [Id(24)] public bool Queued { get; set; }
    /// <summary>The party responsible beyond the grid that the matter's duty module named, if any.</summary>
    [Id(25)] public CaseParty? Party { get; set; }
    /// <summary>The matter as people say it (the service's name when the case opened), for notices; null for older cases.</summary>
    [Id(26)] public string? MatterName { get; set; }
    /// <summary>The reporting channel (credential subject) the case came through, told of the steps a reporter cares about; null when staff entered it.</summary>
    /// <remarks>Id 30, not the next free one: ids 25-29 are left to the case's own growth.</remarks>
    [Id(30)] public string? ReportingChannel { get; set; }
    /// <summary>Whether Open311's public reads may show the case (decided at intake; see <see cref="CaseReport.Public"/>).</summary>
    [Id(31)] public bool Public { get; set; }
}

/// <summary>
/// One case: keeps its <see cref="CaseFile"/>, applies the workflow's rules, dispatches by the AB-post
/// rule with the grid's and officers' current answers, persists every accepted step, and then writes the
/// step to the queryable <see cref="ICaseProjection"/>.
/// </summary>
/// <remarks>
/// The grain state is the truth; the projection follows it and may lag. A failed projection write never
/// fails the case: it is logged, and the unprojected tail is sent again with the next change or the next
/// time the case's reminder fires.
/// </remarks>
public sealed partial class CaseGrain(
    [PersistentState("case", GrainStorage.Cases)] IPersistentState<CaseGrainState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    MatterPolicies policies,
    ICaseProjection projection,
    NoticeRenderer renderer,
    IGridStore grids,
    ILogger<CaseGrain> logger) : Grain, ICaseGrain, IRemindable
{
    private CaseNotices? _notices;

    /// <summary>Who hears of what: rendered here, delivered without the case waiting (see <see cref="CaseNotices"/>).</summary>
    private CaseNotices Notices => _notices ??= new CaseNotices(GrainFactory, renderer, logger);

    /// <summary>The case's one durable reminder: deadlines, and retrying a projection that failed.</summary>
    private const string DeadlineReminder = "deadline";

    /// <summary>
    /// How long one projection write may take. Shorter than a grain call's timeout, so that a database that
    /// hangs delays a case's answer but never fails it.
    /// </summary>
    private static readonly TimeSpan ProjectionTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often a missed deadline is chased (催办) until the case moves. Orleans' reminder minimum is one minute.</summary>
    public static readonly TimeSpan ChasePeriod = TimeSpan.FromMinutes(5);

    private const string System = "system";
    /// <summary>The rules that time this case: its matter's, as they stand now.</summary>
    private CaseWorkflow Workflow => policies.For(state.State.Matter);

    /// <summary>
    /// The sequence of the last event the projection took, in memory only: a new activation starts at 0 and
    /// resends the whole timeline with its first write, which the projection's idempotence makes harmless.
    /// </summary>
    private int _projectedSequence;

    /// <summary>
    /// What the durable reminder was last set to by this activation: the due time, "retry", "none", or null when
    /// unknown (a new activation), so that an unchanged schedule costs no database write.
    /// </summary>
    private string? _scheduled;

    /// <summary>The projection lacks the latest durable state (a write failed, or this activation never wrote).</summary>
    private bool _projectionPending;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The last activation may have ended between a state write and its projection (a crash): count the
        // projection as behind until this activation has written it once.
        _projectionPending = state.State.Opened;
        return Task.CompletedTask;
    }

    public async ValueTask<CaseView> OpenAsync(CaseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // Opening is idempotent: a client's retry gets the case it already opened. An open that failed part-way
        // (the report stored, then a silo died before dispatch) is finished by the retry.
        if (state.State.Opened)
        {
            if (state.State.State == nameof(CaseState.Registered)) await FinishOpeningAsync();
            return View();
        }
        var now = time.GetUtcNow();
        var file = CaseFile.Reported(this.GetPrimaryKeyString(), report.Matter, now, report.SubmittedBy ?? report.ReporterId, report.Description);
        file = policies.For(report.Matter).Apply(file, new CaseCommand(CaseAction.Register, System, now, "registered from a located report")).Case;
        Store(file);
        state.State.Opened = true;
        state.State.Lon = report.Lon;
        state.State.Lat = report.Lat;
        state.State.ReporterId = report.ReporterId;
        state.State.Description = report.Description;
        state.State.Address = report.Address;
        state.State.MediaUrl = report.MediaUrl;
        state.State.Attributes = report.Attributes is { Count: > 0 } attributes ? new(attributes, StringComparer.Ordinal) : null;
        state.State.GridCode = report.GridCode;
        state.State.Party = report.Party;
        state.State.MatterName = report.MatterName;
        state.State.ReportingChannel = report.ReportingChannel;
        // Only a reporting channel's report can be public: staff, sensors and checks never are, whatever the caller says.
        state.State.Public = report.Public && report.ReportingChannel is not null;
        await SaveAsync();
        await FinishOpeningAsync();
        // Told once, on the first open only: a retried open finishes the steps but alerts nobody again.
        await AlertLiaisonsAsync(now);
        if (report.Party is { Notify: true } named) await NotifyPartyAsync(named, now);
        if (report.Party is { Escalated: true } party) await EscalateRepeatAsync(party, time.GetUtcNow());
        return View();
    }

    /// <summary>
    /// 整改通知: the party a module named hears of the case (a shop of the goods outside its door). The reporter's own
    /// words are not passed on: they may say who complained; the module's reason and the place say what is wrong.
    /// </summary>
    private async Task NotifyPartyAsync(CaseParty party, DateTimeOffset now)
    {
        var label = await LabelAsync();
        var s = state.State;
        Notices.Send(CaseNoticeEvent.PartyNamed, new CaseParties(null, null, [], Party: $"{party.Kind}/{party.Id}"),
            new PartyNotice(this.GetPrimaryKeyString(), s.Matter, MatterName, label.Code, label.Name, party.Kind, party.Id, party.Name, party.Contact,
                party.Reason, s.Address, null, Local(now), s.HandleBy is { } handleBy ? Local(handleBy) : null, party.RepeatCount, party.Escalated),
            s.GridCode, label.CommunityCode, now);
    }

    /// <summary>
    /// 重复违规: the party's cases reached its module's repeat threshold. The escalation is noted on the timeline, the
    /// command center's supervision list has the case, and the squad leader and the command center are told. The case is
    /// not marked supervised: that flag means a missed deadline, which still escalates on its own when it comes.
    /// </summary>
    private async Task EscalateRepeatAsync(CaseParty party, DateTimeOffset now)
    {
        var reason = $"repeat offence: case {party.RepeatCount} of {party.Name} ({party.Kind}/{party.Id}) within {party.RepeatWindowDays} days";
        var leader = state.State.SquadId is { } squad ? (await GrainFactory.GetGrain<ISquadGrain>(squad).GetAsync()).Leader : null;
        var note = leader is null ? $"escalated to the command center: {reason}" : $"escalated to squad leader {leader} and the command center: {reason}";
        if (!(await ApplyAsync(new CaseCommand(CaseAction.Note, System, now, note), null)).Accepted) return;
        await GrainFactory.GetGrain<ICommandCenterGrain>(ICommandCenterGrain.Key).EscalateAsync(this.GetPrimaryKeyString(), reason);
        var label = await LabelAsync();
        var s = state.State;
        Notices.Send(CaseNoticeEvent.Escalated, new CaseParties(s.OfficerId, leader, []),
            new EscalationNotice(this.GetPrimaryKeyString(), s.Matter, MatterName, label.Code, label.Name, label.CommunityName, s.SquadId ?? "", s.OfficerId,
                s.State, "repeat", Local(now), 0, 0), s.GridCode, label.CommunityCode, now);
    }

    public async ValueTask<CaseActionResult> AddNoteAsync(string actorId, string note)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorId);
        ArgumentException.ThrowIfNullOrWhiteSpace(note);
        if (!state.State.Opened) return new CaseActionResult(View(), "no such case");
        return await ApplyAsync(new CaseCommand(CaseAction.Note, actorId, time.GetUtcNow(), note), null);
    }

    /// <summary>The steps after the report is durable, each safe to repeat: the grid's list, then dispatch (or the queue) and its reminder.</summary>
    private async Task FinishOpeningAsync()
    {
        if (state.State.GridCode is { } grid) await GrainFactory.GetGrain<IGridCellGrain>(grid).AddOpenCaseAsync(this.GetPrimaryKeyString());
        await DispatchAsync(System, null);   // dispatched or queued, it sets the reminder
    }

    public async ValueTask<CaseActionResult> DispatchAsync(string actorId, string? gridCode)
    {
        if (!state.State.Opened) return new CaseActionResult(View(), "no such case");
        // Checked before anything moves: the queue branch below never reaches the workflow's own check.
        var current = Enum.Parse<CaseState>(state.State.State);
        if (!CaseWorkflow.Transitions.ContainsKey((current, CaseAction.Dispatch)))
            return new CaseActionResult(View(), $"cannot Dispatch a case that is {current}; allowed now: {string.Join(", ", CaseWorkflow.AllowedIn(current))}");
        // The case moves to another grid (manual dispatch from the queue, or a correction).
        if (gridCode is not null) await ChangeGridAsync(gridCode);
        var decision = await DecideAsync();
        var center = GrainFactory.GetGrain<ICommandCenterGrain>(ICommandCenterGrain.Key);
        if (decision.Post == DispatchPost.CommandCenter)
        {
            state.State.Queued = true;
            await SaveAsync();
            await ScheduleAsync();
            await center.EnqueueAsync(this.GetPrimaryKeyString(), decision.Reason);
            return new CaseActionResult(View(), $"nobody to dispatch to ({decision.Reason}); the case waits in the command-center queue");
        }
        var wasQueued = state.State.Queued;
        var result = await ApplyAsync(new CaseCommand(CaseAction.Dispatch, actorId, time.GetUtcNow(), decision.Reason), () =>
        {
            state.State.SquadId = decision.SquadId;
            state.State.OfficerId = decision.OfficerId;
            state.State.Post = decision.Post.ToString();
            state.State.Queued = false;
        });
        // The queue is one grain for the whole cluster: a case that never waited in it (most) does not call it.
        if (result.Accepted && wasQueued) await center.RemoveAsync(this.GetPrimaryKeyString());
        return result;
    }

    public async ValueTask<CaseActionResult> ActAsync(CaseActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!state.State.Opened) return new CaseActionResult(View(), "no such case");
        if (!GridServer.Domain.Access.AccessRules.TryParseName<CaseAction>(request.Action, out var action) || action == CaseAction.Report)
            return new CaseActionResult(View(), $"unknown action '{request.Action}'; use one of {string.Join(", ", Enum.GetNames<CaseAction>().Skip(1))}");
        if (action == CaseAction.Dispatch)
            return await DispatchAsync(request.ActorId, null);
        if (action == CaseAction.Transfer)
            return string.IsNullOrWhiteSpace(request.Note)
                ? new CaseActionResult(View(), "Transfer needs a reason in the note")
                : await FollowResponsibilityAsync(request.ActorId, request.Note);
        var command = new CaseCommand(action, request.ActorId, time.GetUtcNow(), request.Note, request.Evidence, request.NewDeadline);
        return await ApplyAsync(command, action == CaseAction.Return ? ClearAssignee : null);
    }

    public async ValueTask<CaseActionResult> FollowResponsibilityAsync(string actorId, string note)
    {
        if (!state.State.Opened) return new CaseActionResult(View(), "no such case");
        var current = Enum.Parse<CaseState>(state.State.State);
        if (current == CaseState.Dispatched) return await DispatchAsync(actorId, null);
        if (!IsHeld(current))
            return new CaseActionResult(View(), $"the case is {current}: it is not held by a grid officer, so it stays as it is");
        return await TransferAsync(actorId, note);
    }

    public async ValueTask<CaseActionResult> MoveToGridAsync(string actorId, string? gridCode, string note)
    {
        if (!state.State.Opened) return new CaseActionResult(View(), "no such case");
        if (gridCode == state.State.GridCode) return new CaseActionResult(View(), $"the case is in grid {gridCode ?? "(none)"} already");
        var current = Enum.Parse<CaseState>(state.State.State);
        // Not yet accepted: sent again, to the new grid's people (or to the queue when it is in no grid).
        if (current is CaseState.Registered or CaseState.Returned or CaseState.Dispatched)
        {
            await ChangeGridAsync(gridCode);
            return await DispatchAsync(actorId, null);
        }
        if (!IsHeld(current))
            return new CaseActionResult(View(), $"the case is {current}: it is with the command center or ended, so it stays in grid {state.State.GridCode ?? "(none)"}");
        await ChangeGridAsync(gridCode);
        if (gridCode is null)
        {
            // Nobody answers for ground outside every grid: the holder goes on until a dispatcher decides.
            var reason = $"{note}: its point is in no grid now; {state.State.OfficerId} holds it until a dispatcher decides";
            state.State.Queued = true;
            await SaveAsync();
            await GrainFactory.GetGrain<ICommandCenterGrain>(ICommandCenterGrain.Key).EnqueueAsync(this.GetPrimaryKeyString(), reason);
            return new CaseActionResult(View(), $"{reason}; it waits in the command-center queue");
        }
        await SaveAsync();
        return await TransferAsync(actorId, note);
    }

    public async ValueTask<CaseActionResult> LocateAsync(string actorId, double lon, double lat, string? gridCode)
    {
        if (!state.State.Opened) return new CaseActionResult(View(), "no such case");
        var current = Enum.Parse<CaseState>(state.State.State);
        if (current is CaseState.Closed or CaseState.Void) return new CaseActionResult(View(), $"the case is {current}: an ended case keeps where it was");
        if (gridCode != state.State.GridCode && !(IsHeld(current) || current is CaseState.Registered or CaseState.Returned or CaseState.Dispatched))
            return new CaseActionResult(View(), $"the case is {current}: it is with the command center for verification, so it cannot change grid now");
        state.State.Lon = lon;
        state.State.Lat = lat;
        CaseActionResult result;
        if (gridCode != state.State.GridCode)
        {
            result = await MoveToGridAsync(actorId, gridCode, string.Create(CultureInfo.InvariantCulture, $"located at {lon:0.000000}, {lat:0.000000} by {actorId}"));
        }
        else
        {
            await SaveAsync();
            // Located in the grid it already had: a case still waiting for someone is sent now.
            result = state.State.Queued && current is CaseState.Registered or CaseState.Returned && gridCode is not null
                ? await DispatchAsync(actorId, null)
                : new CaseActionResult(View(), null);
        }
        // Placed, but nobody there to take it (or no grid there): the case waits in the queue, where it says it is.
        return result.Refusal is not null && state.State.Queued ? result with { Refusal = null } : result;
    }

    private static bool IsHeld(CaseState state) => state is CaseState.Accepted or CaseState.Handling or CaseState.Parked;

    /// <summary>The case's grid becomes <paramref name="gridCode"/> (null: none), in memory until the next save; the cells' open-case lists follow.</summary>
    private async Task ChangeGridAsync(string? gridCode)
    {
        if (gridCode == state.State.GridCode) return;
        var id = this.GetPrimaryKeyString();
        if (state.State.GridCode is { } old) await GrainFactory.GetGrain<IGridCellGrain>(old).RemoveOpenCaseAsync(id);
        state.State.GridCode = gridCode;
        if (gridCode is not null) await GrainFactory.GetGrain<IGridCellGrain>(gridCode).AddOpenCaseAsync(id);
    }

    /// <summary>移交: a case in hand passes to whoever answers for its grid now, keeping its state and deadlines.</summary>
    private async Task<CaseActionResult> TransferAsync(string actorId, string note)
    {
        var decision = await DecideAsync();
        if (decision.Post == DispatchPost.CommandCenter)
            return new CaseActionResult(View(), $"nobody answers for the grid now ({decision.Reason}); the case stays with {state.State.OfficerId}");
        if (decision.OfficerId == state.State.OfficerId && decision.SquadId == state.State.SquadId)
            return new CaseActionResult(View(), $"{decision.OfficerId} already holds the case");
        var from = $"{state.State.OfficerId} ({state.State.SquadId})";
        return await ApplyAsync(new CaseCommand(CaseAction.Transfer, actorId, time.GetUtcNow(), $"{note}: from {from} to {decision.OfficerId} ({decision.SquadId}); {decision.Reason}"), () =>
        {
            state.State.SquadId = decision.SquadId;
            state.State.OfficerId = decision.OfficerId;
            state.State.Post = decision.Post.ToString();
        });
    }

    public ValueTask<CaseView?> GetAsync() => ValueTask.FromResult(state.State.Opened ? View() : null);

    private void ClearAssignee()
    {
        state.State.OfficerId = null;
        state.State.Post = null;
    }

    private async Task<CaseActionResult> ApplyAsync(CaseCommand command, Action? onAccepted)
    {
        var transition = Workflow.Apply(ToFile(), command);
        if (!transition.Accepted) return new CaseActionResult(View(), transition.Refusal);
        var holder = state.State.OfficerId;
        var wasQueued = state.State.Queued;
        Store(transition.Case);
        onAccepted?.Invoke();
        if (command.Action == CaseAction.Return) state.State.Queued = true;
        else if (transition.Case.IsTerminal) state.State.Queued = false;
        await SaveAsync();
        var id = this.GetPrimaryKeyString();
        if (transition.Case.IsTerminal && state.State.GridCode is { } grid)
            await GrainFactory.GetGrain<IGridCellGrain>(grid).RemoveOpenCaseAsync(id);
        // The command center's queue holds the cases waiting for a dispatcher: a returned one joins it ("not
        // ours": the dispatcher decides where it goes), one that ends while waiting leaves it.
        var center = GrainFactory.GetGrain<ICommandCenterGrain>(ICommandCenterGrain.Key);
        if (command.Action == CaseAction.Return) await center.EnqueueAsync(id, $"returned by {command.ActorId}: {command.Note}");
        else if (transition.Case.IsTerminal && wasQueued) await center.RemoveAsync(id);
        // The officers' lists of cases in hand follow the case.
        var holds = transition.Case.IsTerminal ? null : state.State.OfficerId;
        if (holder is not null && holder != holds) await GrainFactory.GetGrain<IOfficerGrain>(holder).RemoveCaseAsync(id);
        if (holds is not null && holds != holder) await GrainFactory.GetGrain<IOfficerGrain>(holds).AddCaseAsync(id);
        await ScheduleAsync();
        await NotifyAfterAsync(command, transition.Case, holder);
        return new CaseActionResult(View(), null);
    }

    /// <summary>The bureau's zone, in which notices show times.</summary>
    private static readonly TimeSpan BureauOffset = TimeSpan.FromHours(8);

    private static DateTimeOffset Local(DateTimeOffset at) => at.ToOffset(BureauOffset);

    private string GridCode => state.State.GridCode ?? "";

    /// <summary>The matter as notices name it: its name when the intake knew one, else its code.</summary>
    private string MatterName => state.State.MatterName ?? state.State.Matter;

    /// <summary>What notices say of the case's grid: its name, its community's code and name.</summary>
    private sealed record GridLabel(string Code, string Name, string? CommunityCode, string CommunityName);

    /// <summary>The label of the grid last asked for, kept for the activation: notices of one case ask again and again.</summary>
    private GridLabel? _label;

    /// <summary>
    /// The case's grid as the store has it now. A store that fails or does not know the grid never stops a notice:
    /// the code stands in for the names, and no community is named.
    /// </summary>
    private async Task<GridLabel> LabelAsync()
    {
        var code = GridCode;
        if (_label?.Code == code) return _label;
        if (code.Length == 0) return new GridLabel(code, code, null, "");
        try
        {
            using var timeout = new CancellationTokenSource(ProjectionTimeout);
            var history = await grids.HistoryAsync(code, timeout.Token);
            var grid = history.Count > 0 && history[^1].ValidTo is null ? history[^1] : null;
            return _label = new GridLabel(code, grid?.Name ?? code, grid?.CommunityCode, grid?.CommunityName ?? grid?.CommunityCode ?? "");
        }
        catch (Exception e)   // a label is a courtesy: the notice goes out with the code instead, and the next notice asks again
        {
            LogLabelFailed(logger, e, this.GetPrimaryKeyString(), code);
            return new GridLabel(code, code, null, "");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: reading grid {GridCode} for a notice failed; the notice names the code")]
    private static partial void LogLabelFailed(ILogger logger, Exception exception, string caseId, string gridCode);

    private int CountOf(CaseAction action) => state.State.Timeline.Count(e => e.Action == action.ToString());

    /// <summary>The notices an accepted step gives: dispatch (or transfer) to the new holder, closure to the holder.</summary>
    private async Task NotifyAfterAsync(CaseCommand command, CaseFile file, string? holder)
    {
        var s = state.State;
        if (command.Action is CaseAction.Dispatch or CaseAction.Transfer && s.OfficerId is { } officer)
        {
            var label = await LabelAsync();
            Notices.Send(CaseNoticeEvent.Dispatched, new CaseParties(officer, null, []),
                new DispatchNotice(file.Id, file.Matter, MatterName, label.Code, label.Name, label.CommunityName, s.SquadId ?? "", officer, s.Post ?? "",
                    s.Address, s.Description, Local(s.AcceptBy ?? command.At), s.HandleBy is { } handleBy ? Local(handleBy) : null,
                    CountOf(CaseAction.Dispatch) + CountOf(CaseAction.Transfer) > 1), s.GridCode, label.CommunityCode, command.At);
        }
        else if (file.State == CaseState.Closed && (s.OfficerId ?? holder) is { } closer)
        {
            var label = await LabelAsync();
            Notices.Send(CaseNoticeEvent.Closed, new CaseParties(closer, null, []),
                new ClosureNotice(file.Id, file.Matter, MatterName, label.Code, label.Name, label.CommunityName, s.SquadId ?? "", closer,
                    Local(command.At), !file.Timeline.Any(e => e.Action == CaseAction.Supervise), file.ReworkCount, command.Note),
                s.GridCode, label.CommunityCode, command.At);
        }
        // 办理进度 to the reporting channel, on the steps a citizen cares about; no grid or community on the notice.
        if (s.ReportingChannel is { } channel && ReporterStatusRules.Notifies(command.Action.ToString()))
            Notices.Send(CaseNoticeEvent.ReporterStep, new CaseParties(null, null, [], ReportingChannel: channel),
                ReporterStatus.For(View(), MatterName, command.Action == CaseAction.Rework), null, null, command.At);
    }

    /// <summary>社区联络员提醒: a new case in a grid, to the liaisons of that grid and of its community, and to the community's webhook.</summary>
    private async Task AlertLiaisonsAsync(DateTimeOffset now)
    {
        if (state.State.GridCode is not { } grid) return;
        var label = await LabelAsync();
        var liaisons = (await GrainFactory.GetGrain<IGridCellGrain>(grid).GetResponsibilityAsync()).Liaisons;
        string? webhook = null;
        if (label.CommunityCode is { } community)
        {
            // One call answers both: a community without a webhook costs the case nothing more than its liaisons did.
            var targets = await GrainFactory.GetGrain<ICommunityGrain>(community).GetAlertTargetsAsync();
            liaisons = liaisons.AddRange(targets.Liaisons);
            if (targets.HasWebhook) webhook = community;
        }
        if (liaisons.IsDefaultOrEmpty && webhook is null) return;
        var s = state.State;
        Notices.Send(CaseNoticeEvent.OpenedInGrid, new CaseParties(null, null, liaisons, webhook),
            new LiaisonAlertNotice(this.GetPrimaryKeyString(), s.Matter, MatterName, grid, label.Name, label.CommunityName, s.SquadId ?? "", s.State,
                s.Address, s.Description, Local(now)), grid, label.CommunityCode, now);
    }

    public async ValueTask<CaseView?> CheckDeadlinesAsync()
    {
        if (!state.State.Opened) return null;
        // The reminder's other duty: catch up a projection that failed, even when nothing else is due.
        await ProjectAsync();
        var file = ToFile();
        var now = time.GetUtcNow();
        if (file.IsTerminal || file.Deadlines.Next is not { } due)
        {
            await ScheduleAsync();
            return View();
        }
        var which = file.Deadlines.NextKind;
        if (due > now)
        {
            if (due - Workflow.Limits.WarningLead <= now && state.State.WarnedFor != due)
            {
                state.State.WarnedFor = due;
                var warned = await ApplyAsync(new CaseCommand(CaseAction.Warn, System, now, $"deadline warning: the {which} deadline is {due:O}"), null);
                // Only the accept deadline has a notice of its own (接单期限预警); the others are warned on the timeline.
                if (warned.Accepted && which == "accept" && state.State.OfficerId is { } officer)
                {
                    var label = await LabelAsync();
                    Notices.Send(CaseNoticeEvent.AcceptDeadlineNear, new CaseParties(officer, null, []),
                        new AcceptWarningNotice(file.Id, file.Matter, MatterName, label.Code, label.Name, state.State.SquadId ?? "", officer,
                            Local(due), (int)Math.Max(0, (due - now).TotalMinutes)), state.State.GridCode, label.CommunityCode, now);
                }
            }
            else
            {
                await ScheduleAsync();
            }
            return View();
        }
        var reason = $"the {which} deadline ({due:O}) passed";
        if (!file.Supervised)
        {
            await ApplyAsync(new CaseCommand(CaseAction.Supervise, System, now, reason), null);
            // Escalation: the squad leader and the command center both learn of it. The leader is told by a
            // reminder event naming them; notices come with the notification step.
            var leader = state.State.SquadId is { } squad ? (await GrainFactory.GetGrain<ISquadGrain>(squad).GetAsync()).Leader : null;
            await GrainFactory.GetGrain<ICommandCenterGrain>(ICommandCenterGrain.Key).EscalateAsync(this.GetPrimaryKeyString(), reason);
            if (leader is not null)
                await ApplyAsync(new CaseCommand(CaseAction.Remind, System, now, $"escalated to squad leader {leader}: {reason}"), null);
            var label = await LabelAsync();
            Notices.Send(CaseNoticeEvent.Escalated, new CaseParties(state.State.OfficerId, leader, []),
                new EscalationNotice(file.Id, file.Matter, MatterName, label.Code, label.Name, label.CommunityName, state.State.SquadId ?? "", state.State.OfficerId,
                    state.State.State, which ?? "", Local(due), (int)Math.Max(0, (now - due).TotalMinutes), CountOf(CaseAction.Remind)),
                state.State.GridCode, label.CommunityCode, now);
        }
        else
        {
            await ApplyAsync(new CaseCommand(CaseAction.Remind, System, now, $"reminder: {reason}"), null);
        }
        return View();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlineReminder) return;
        // Having fired, the reminder is next due one period from now, not when it was set for.
        _scheduled = null;
        await CheckDeadlinesAsync();
    }

    /// <summary>
    /// One durable reminder per case: due at the next running deadline (or now, if it already passed), then
    /// every <see cref="ChasePeriod"/>; none once no deadline runs and the projection is up to date.
    /// Reminders outlive the silo that set them.
    /// </summary>
    private async Task ScheduleAsync()
    {
        var next = ToFile() is { IsTerminal: false } file ? file.Deadlines.Next : null;
        if (next is null)
        {
            // A case with no deadline (closed, parked, waiting for dispatch) may not change again for a long
            // time: while its projection is behind, the reminder stays to retry it.
            if (_projectionPending)
            {
                if (_scheduled != "retry") await this.RegisterOrUpdateReminder(DeadlineReminder, ChasePeriod, ChasePeriod);
                _scheduled = "retry";
            }
            else if (_scheduled != "none")
            {
                if (await this.GetReminder(DeadlineReminder) is { } existing) await this.UnregisterReminder(existing);
                _scheduled = "none";
            }
            return;
        }
        // Wake for the warning first (once per deadline), then for the deadline. A deadline already missed
        // was acted on just now: chase it again one period later.
        var now = time.GetUtcNow();
        var wake = state.State.WarnedFor == next ? next.Value : next.Value - Workflow.Limits.WarningLead;
        if (wake <= now) wake = next.Value > now ? next.Value : now + ChasePeriod;
        // Each registration is a database write: none when the reminder is already due at that moment.
        var key = wake.ToString("O", global::System.Globalization.CultureInfo.InvariantCulture);
        if (_scheduled == key) return;
        await this.RegisterOrUpdateReminder(DeadlineReminder, wake - now, ChasePeriod);
        _scheduled = key;
    }

    private async Task<DispatchDecision> DecideAsync()
    {
        if (state.State.GridCode is not { } grid) return DispatchRule.Decide(null, _ => DutyStatus.OffDuty);
        var responsibility = await GrainFactory.GetGrain<IGridCellGrain>(grid).GetResponsibilityAsync();
        string? leader = null;
        if (responsibility.SquadId is { } squad) leader = (await GrainFactory.GetGrain<ISquadGrain>(squad).GetAsync()).Leader;
        var now = time.GetUtcNow();
        var duties = new Dictionary<string, DutyStatus>(StringComparer.Ordinal);
        foreach (var officer in new[] { responsibility.OfficerA, responsibility.OfficerB })
        {
            if (officer is null) continue;
            duties[officer] = await GrainFactory.GetGrain<IOfficerGrain>(officer).GetDutyAsync(now) switch
            {
                OfficerDuty.OnDuty => DutyStatus.OnDuty,
                OfficerDuty.Absent => DutyStatus.Absent,
                _ => DutyStatus.OffDuty,
            };
        }
        return DispatchRule.Decide(
            new GridResponsibility(grid, responsibility.SquadId, responsibility.OfficerA, responsibility.OfficerB, leader),
            id => duties.GetValueOrDefault(id, DutyStatus.OffDuty));
    }

    /// <summary>Persists the state (the truth), then brings the projection up to it.</summary>
    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        _projectionPending = true;
        await ProjectAsync();
    }

    /// <summary>
    /// Writes the case's row and every event the projection has not taken yet, when it is behind. Never
    /// throws: the state is already durable, and a failure is retried by the next call.
    /// </summary>
    private async Task ProjectAsync()
    {
        if (!_projectionPending) return;
        var file = ToFile();
        var s = state.State;
        var row = new CaseProjectionRow(file.Id, file.Matter, file.State, s.GridCode, s.SquadId, s.OfficerId, s.Post,
            s.ReporterId, s.Description, s.Lon, s.Lat, file.Deadlines.AcceptBy, file.Deadlines.HandleBy, file.Deadlines.VerifyBy,
            file.Supervised, file.ReworkCount, file.ReportedAt, file.UpdatedAt, file.ClosedAt, file.Timeline[^1].Sequence,
            s.ReportingChannel, s.Public);
        var tail = file.Timeline.Where(e => e.Sequence > _projectedSequence).ToList();
        try
        {
            using var timeout = new CancellationTokenSource(ProjectionTimeout);
            await projection.WriteAsync(row, tail, timeout.Token);
        }
        catch (Exception e)   // whatever the store throws, the case stands: its state is durable, and the write is retried
        {
            LogProjectionFailed(logger, e, file.Id, _projectedSequence, row.LastSequence);
            return;
        }
        _projectedSequence = row.LastSequence;
        _projectionPending = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Case {CaseId}: writing the projection failed; its row and the events after {ProjectedSequence} (up to {LastSequence}) are retried with the next change or reminder")]
    private static partial void LogProjectionFailed(ILogger logger, Exception exception, string caseId, int projectedSequence, int lastSequence);

    private CaseFile ToFile()
    {
        var s = state.State;
        return new CaseFile(this.GetPrimaryKeyString(), s.Matter, Enum.Parse<CaseState>(s.State),
            new CaseDeadlines(s.AcceptBy, s.HandleBy, s.VerifyBy), s.Supervised, s.ReworkCount, s.ExtensionCount,
            s.ParkedRemaining, s.RequestedDeadline,
            s.Timeline.Select(e => new CaseEvent(e.Sequence, e.At, e.ActorId, Enum.Parse<CaseAction>(e.Action),
                Enum.Parse<CaseState>(e.From), Enum.Parse<CaseState>(e.To), e.Note, e.Evidence)).ToImmutableList());
    }

    private void Store(CaseFile file)
    {
        var s = state.State;
        s.Matter = file.Matter;
        s.State = file.State.ToString();
        (s.AcceptBy, s.HandleBy, s.VerifyBy) = (file.Deadlines.AcceptBy, file.Deadlines.HandleBy, file.Deadlines.VerifyBy);
        s.Supervised = file.Supervised;
        s.ReworkCount = file.ReworkCount;
        s.ExtensionCount = file.ExtensionCount;
        s.ParkedRemaining = file.ParkedRemaining;
        s.RequestedDeadline = file.RequestedDeadline;
        // Events are appended, never rewritten: convert only the new ones.
        foreach (var e in file.Timeline.Skip(s.Timeline.Count))
        {
            s.Timeline.Add(new CaseEventView(e.Sequence, e.At, e.ActorId, e.Action.ToString(), e.From.ToString(), e.To.ToString(),
                e.Note, e.Evidence.IsDefault ? [] : e.Evidence));
        }
    }

    private CaseView View()
    {
        var s = state.State;
        return new CaseView(this.GetPrimaryKeyString(), s.Matter, s.State, s.GridCode, s.SquadId, s.OfficerId, s.Post,
            s.AcceptBy, s.HandleBy, s.VerifyBy, s.Supervised, s.ReworkCount, [.. s.Timeline],
            // A report with only an address has no position yet (NaN in the state; JSON has no NaN).
            double.IsFinite(s.Lon) ? s.Lon : null, double.IsFinite(s.Lat) ? s.Lat : null, s.Description, s.Address, s.MediaUrl,
            s.Attributes is null ? null : s.Attributes.ToImmutableSortedDictionary(StringComparer.Ordinal), s.Party,
            s.ReportingChannel, s.Public);
    }
}
