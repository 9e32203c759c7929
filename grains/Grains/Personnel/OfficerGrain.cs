using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of an officer.</summary>
[GenerateSerializer, Alias("personnel.officer-state")]
public sealed class OfficerState
{
    [Id(0)] public RosterView? Roster { get; set; }
    [Id(1)] public List<AbsenceView> Absences { get; set; } = [];
    /// <summary>Kept by servers before the case store (told by every case); no longer written: the store answers an officer's cases.</summary>
    [Id(2)] public HashSet<string> Cases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The grids that keep this officer's duty calendar, to be told when it changes.</summary>
    [Id(3)] public HashSet<string> CalendarWatchers { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Keeps an officer's roster and absences; answers whether the officer is on duty.</summary>
public sealed partial class OfficerGrain(
    [PersistentState("officer", GrainStorage.Personnel)] IPersistentState<OfficerState> state,
    ICaseSearch cases,
    ILogger<OfficerGrain> logger) : Grain, IOfficerGrain
{
    /// <summary>The roster as the domain reads it, made once per change: every dispatch in the officer's grids asks for the duty.</summary>
    private DutyRoster? _roster;

    /// <summary>Absences that ended this long ago are dropped, so the state does not grow for ever.</summary>
    private static readonly TimeSpan AbsenceRetention = TimeSpan.FromDays(400);

    public async ValueTask SetRosterAsync(RosterView roster)
    {
        ArgumentNullException.ThrowIfNull(roster);
        var previous = state.State.Roster;
        state.State.Roster = roster;
        try
        {
            await state.WriteOrReloadAsync(this);
        }
        catch
        {
            state.State.Roster = previous;
            throw;
        }
        _roster = null;
        await TellWatchersAsync();
    }

    public async ValueTask MarkAbsentAsync(AbsenceView absence)
    {
        ArgumentNullException.ThrowIfNull(absence);
        if (absence.To <= absence.From)
            throw new ArgumentException($"an absence must end after it starts ({absence.From:O} - {absence.To:O})", nameof(absence));
        var previous = state.State.Absences.ToList();
        state.State.Absences.RemoveAll(a => a.To < absence.From - AbsenceRetention);
        state.State.Absences.Add(absence);
        try
        {
            await state.WriteOrReloadAsync(this);
        }
        catch
        {
            state.State.Absences = previous;
            throw;
        }
        _roster = null;
        await TellWatchersAsync();
    }

    public async ValueTask<DutyCalendarView> WatchCalendarAsync(string gridCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gridCode);
        if (state.State.CalendarWatchers.Add(gridCode))
        {
            // Remembered before the grid is answered: a change after this call always reaches the grid.
            try
            {
                await state.WriteOrReloadAsync(this);
            }
            catch
            {
                state.State.CalendarWatchers.Remove(gridCode);
                throw;
            }
        }
        return new DutyCalendarView(state.State.Roster, [.. state.State.Absences]);
    }

    public async ValueTask UnwatchCalendarAsync(string gridCode)
    {
        if (!state.State.CalendarWatchers.Remove(gridCode)) return;
        try
        {
            await state.WriteOrReloadAsync(this);
        }
        catch
        {
            state.State.CalendarWatchers.Add(gridCode);
            throw;
        }
    }

    /// <summary>
    /// Tells every grid keeping the calendar to forget it. A grid that cannot be told now (its silo lost mid-call)
    /// asks again within <see cref="DutyCalendars.MaxAge"/> anyway; the change itself is written and stays.
    /// </summary>
    private Task TellWatchersAsync()
    {
        var officer = this.GetPrimaryKeyString();
        return DutyCalendars.TellGridsAsync(GrainFactory, state.State.CalendarWatchers.ToList(), (grid, e) => LogNotTold(logger, officer, grid, e));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Officer {OfficerId}: grid {GridCode} could not be told that the duty calendar changed; it asks again within minutes")]
    private static partial void LogNotTold(ILogger logger, string officerId, string gridCode, Exception error);

    /// <summary>The open cases the officer holds, as the case store has them (at most 1,000).</summary>
    public async ValueTask<ImmutableArray<string>> GetCasesAsync()
    {
        var open = await cases.SearchAsync(new CaseQuery(OfficerId: this.GetPrimaryKeyString(), Open: true, Limit: CaseQuery.MaxLimit));
        return [.. open.Select(r => r.CaseId).Order(StringComparer.Ordinal)];
    }

    public async ValueTask<OfficerView> GetAsync(DateTimeOffset at) => new(
        this.GetPrimaryKeyString(), state.State.Roster, [.. state.State.Absences.Where(a => a.To > at).OrderBy(a => a.From)],
        ToView(Roster.StatusAt(at)), await GetCasesAsync());

    public ValueTask<OfficerDuty> GetDutyAsync(DateTimeOffset at) => ValueTask.FromResult(ToView(Roster.StatusAt(at)));

    private DutyRoster Roster => _roster ??= ToDomain();

    private DutyRoster ToDomain() => DutyCalendars.ToDomain(state.State.Roster, state.State.Absences);

    private static OfficerDuty ToView(DutyStatus status) => DutyCalendars.ToView(status);
}
