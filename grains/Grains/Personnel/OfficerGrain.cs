using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of an officer.</summary>
[GenerateSerializer, Alias("personnel.officer-state")]
public sealed class OfficerState
{
    [Id(0)] public RosterView? Roster { get; set; }
    [Id(1)] public List<AbsenceView> Absences { get; set; } = [];
    /// <summary>Kept by servers before the case store (told by every case); no longer written: the store answers an officer's cases.</summary>
    [Id(2)] public HashSet<string> Cases { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Keeps an officer's roster and absences; answers whether the officer is on duty.</summary>
public sealed class OfficerGrain([PersistentState("officer", GrainStorage.Personnel)] IPersistentState<OfficerState> state, ICaseSearch cases) : Grain, IOfficerGrain
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
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Roster = previous;
            throw;
        }
        _roster = null;
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
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Absences = previous;
            throw;
        }
        _roster = null;
    }

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

    private DutyRoster ToDomain()
    {
        var r = state.State.Roster;
        var offset = TimeSpan.FromMinutes(r?.UtcOffsetMinutes ?? 480);
        return new DutyRoster(
            r is null ? [] : r.Weekly.Select(s => new WeeklyShift(s.Day, s.Start, s.End)).ToList(),
            r is null ? [] : r.Extra.Select(s => new ExtraShift(s.Date, s.Start, s.End)).ToList(),
            state.State.Absences.Select(a => new Absence(a.From, a.To, a.Reason)).ToList(),
            offset);
    }

    private static OfficerDuty ToView(DutyStatus status) => status switch
    {
        DutyStatus.OnDuty => OfficerDuty.OnDuty,
        DutyStatus.Absent => OfficerDuty.Absent,
        _ => OfficerDuty.OffDuty,
    };
}
