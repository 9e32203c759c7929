using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;
using GridServer.Grains.Personnel;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Grids;

/// <summary>Persisted state of a grid cell: who answers for it.</summary>
[GenerateSerializer, Alias("grid.cell-state")]
public sealed class GridCellState
{
    [Id(0)] public string? SquadId { get; set; }
    [Id(1)] public string? OfficerA { get; set; }
    [Id(2)] public string? OfficerB { get; set; }
    [Id(3)] public HashSet<string> Liaisons { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public int? BoundaryVersion { get; set; }

    /// <summary>Kept by servers before the case store (told by every case); no longer written: the store answers a grid's open cases.</summary>
    [Id(5)] public HashSet<string> OpenCases { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One unit grid's people: squad, A and B officers, liaisons.</summary>
public sealed partial class GridCellGrain(
    [PersistentState("grid", GrainStorage.Personnel)] IPersistentState<GridCellState> state,
    ICaseSearch cases,
    ILogger<GridCellGrain> logger) : Grain, IGridCellGrain
{
    public async ValueTask AssignSquadAsync(string? squadId)
    {
        var previous = state.State.SquadId;
        if (previous == squadId) return;
        state.State.SquadId = squadId;
        await state.WriteOrReloadAsync(this);
        Forget();
        await FollowSquadAsync(previous, squadId);
    }

    public async ValueTask AssignOfficersAsync(string? officerA, string? officerB)
    {
        CheckPosts(officerA, officerB);
        var before = (state.State.OfficerA, state.State.OfficerB);
        state.State.OfficerA = officerA;
        state.State.OfficerB = officerB;
        await state.WriteOrReloadAsync(this);
        Forget();
        await UnwatchLeaversAsync(before, (officerA, officerB));
    }

    public async ValueTask<GridResponsibilityView> AssignAsync(GridAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        CheckPosts(assignment.OfficerA, assignment.OfficerB);
        var previous = state.State.SquadId;
        var before = (state.State.OfficerA, state.State.OfficerB);
        (state.State.SquadId, state.State.OfficerA, state.State.OfficerB) = (assignment.SquadId, assignment.OfficerA, assignment.OfficerB);
        await state.WriteOrReloadAsync(this);
        Forget();
        if (previous != assignment.SquadId) await FollowSquadAsync(previous, assignment.SquadId);
        await UnwatchLeaversAsync(before, (assignment.OfficerA, assignment.OfficerB));
        return await ViewAsync();
    }

    private static void CheckPosts(string? officerA, string? officerB)
    {
        if (officerA is not null && officerA == officerB)
            throw new ArgumentException($"officer {officerA} cannot hold both the A and the B post of one grid", nameof(officerB));
    }

    private async Task<DutyRoster?> CalendarAsync(string? officer, string code) =>
        officer is null ? null : DutyCalendars.ToDomain(await GrainFactory.Get<IOfficerGrain>(officer).WatchCalendarAsync(code));

    /// <summary>Officers who left the grid's posts stop telling it about their calendars (a missed one only costs a needless message).</summary>
    private async Task UnwatchLeaversAsync((string? A, string? B) before, (string? A, string? B) after)
    {
        var code = this.GetPrimaryKeyString();
        foreach (var officer in new[] { before.A, before.B })
        {
            if (officer is null || officer == after.A || officer == after.B) continue;
            try
            {
                await GrainFactory.Get<IOfficerGrain>(officer).UnwatchCalendarAsync(code);
            }
            catch (Exception e)
            {
                LogNotUnwatched(logger, code, officer, e);
            }
        }
    }

    /// <summary>The grid is the source of truth for its squad; the squads' grid lists follow it.</summary>
    private async Task FollowSquadAsync(string? previous, string? squadId)
    {
        var code = this.GetPrimaryKeyString();
        if (previous is not null) await GrainFactory.GetGrain<ISquadGrain>(previous).RemoveGridAsync(code);
        if (squadId is not null) await GrainFactory.GetGrain<ISquadGrain>(squadId).AddGridAsync(code);
    }

    public async ValueTask AddLiaisonAsync(string liaisonId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(liaisonId);
        if (state.State.Liaisons.Add(liaisonId)) await state.WriteOrReloadAsync(this);
    }

    public async ValueTask RemoveLiaisonAsync(string liaisonId)
    {
        if (state.State.Liaisons.Remove(liaisonId)) await state.WriteOrReloadAsync(this);
    }

    public async ValueTask SetBoundaryVersionAsync(int? version)
    {
        if (state.State.BoundaryVersion == version) return;
        state.State.BoundaryVersion = version;
        await state.WriteOrReloadAsync(this);
    }

    public async ValueTask<GridResponsibilityView> GetResponsibilityAsync() => await ViewAsync();

    public async ValueTask<GridDispatchInfo> GetDispatchInfoAsync(DateTimeOffset at)
    {
        var s = state.State;
        var people = await PeopleAsync();
        return new GridDispatchInfo(this.GetPrimaryKeyString(), s.SquadId, people.Leader, s.OfficerA, people.DutyA(at), s.OfficerB, people.DutyB(at),
            [.. s.Liaisons.Order(StringComparer.Ordinal)]);
    }

    public ValueTask ForgetPeopleAsync()
    {
        Forget();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// What a dispatch needs of the grid's squad and officers — the leader, and the A and B officers' duty calendars —
    /// kept between dispatches. Rule: kept until the squad or an officer says it changed (they are told by squad
    /// leader changes, rosters and absences), the grid's own posts change, or <see cref="DutyCalendars.MaxAge"/> passes.
    /// </summary>
    private sealed record People(string? Leader, DutyRoster? A, DutyRoster? B, long FetchedAt)
    {
        public OfficerDuty DutyA(DateTimeOffset at) => A is null ? OfficerDuty.OffDuty : DutyCalendars.ToView(A.StatusAt(at));

        public OfficerDuty DutyB(DateTimeOffset at) => B is null ? OfficerDuty.OffDuty : DutyCalendars.ToView(B.StatusAt(at));
    }

    private People? _people;

    /// <summary>Counts what was forgotten, so that an answer asked for before a change is not kept after it.</summary>
    private int _forgotten;

    private void Forget()
    {
        _people = null;
        _forgotten++;
    }

    private async Task<People> PeopleAsync()
    {
        if (_people is { } kept && Environment.TickCount64 - kept.FetchedAt < (long)DutyCalendars.MaxAge.TotalMilliseconds) return kept;
        var (s, code, asked) = (state.State, this.GetPrimaryKeyString(), _forgotten);
        var leader = s.SquadId is { } squad ? GrainFactory.Get<ISquadGrain>(squad).GetLeaderAsync().AsTask() : Task.FromResult<string?>(null);
        var a = CalendarAsync(s.OfficerA, code);
        var b = CalendarAsync(s.OfficerB, code);
        var people = new People(await leader, await a, await b, Environment.TickCount64);
        if (asked == _forgotten) _people = people;
        return people;
    }

    private async Task<GridResponsibilityView> ViewAsync()
    {
        var code = this.GetPrimaryKeyString();
        var open = await cases.SearchAsync(new CaseQuery(GridCode: code, Open: true, Limit: CaseQuery.MaxLimit));
        return new(code, state.State.SquadId, state.State.OfficerA, state.State.OfficerB, [.. state.State.Liaisons.Order(StringComparer.Ordinal)],
            state.State.BoundaryVersion, [.. open.Select(r => r.CaseId).Order(StringComparer.Ordinal)]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grid {GridCode}: officer {OfficerId} left its posts but could not be told; it may tell the grid of calendar changes it no longer needs")]
    private static partial void LogNotUnwatched(ILogger logger, string gridCode, string officerId, Exception error);
}
