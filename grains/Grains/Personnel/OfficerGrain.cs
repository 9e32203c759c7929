using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Personnel;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of an officer.</summary>
[GenerateSerializer, Alias("personnel.officer-state")]
public sealed class OfficerState
{
    [Id(0)] public RosterView? Roster { get; set; }
    [Id(1)] public List<AbsenceView> Absences { get; set; } = [];
    [Id(2)] public HashSet<string> Cases { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Keeps an officer's roster and absences; answers whether the officer is on duty.</summary>
public sealed class OfficerGrain([PersistentState("officer", GrainStorage.Personnel)] IPersistentState<OfficerState> state) : Grain, IOfficerGrain
{
    /// <summary>Absences that ended this long ago are dropped, so the state does not grow for ever.</summary>
    private static readonly TimeSpan AbsenceRetention = TimeSpan.FromDays(400);

    public async ValueTask SetRosterAsync(RosterView roster)
    {
        ArgumentNullException.ThrowIfNull(roster);
        state.State.Roster = roster;
        await state.WriteStateAsync();
    }

    public async ValueTask MarkAbsentAsync(AbsenceView absence)
    {
        ArgumentNullException.ThrowIfNull(absence);
        if (absence.To <= absence.From)
            throw new ArgumentException($"an absence must end after it starts ({absence.From:O} - {absence.To:O})", nameof(absence));
        state.State.Absences.RemoveAll(a => a.To < absence.From - AbsenceRetention);
        state.State.Absences.Add(absence);
        await state.WriteStateAsync();
    }

    public async ValueTask AddCaseAsync(string caseId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caseId);
        if (state.State.Cases.Add(caseId)) await state.WriteStateAsync();
    }

    public async ValueTask RemoveCaseAsync(string caseId)
    {
        if (state.State.Cases.Remove(caseId)) await state.WriteStateAsync();
    }

    public ValueTask<ImmutableArray<string>> GetCasesAsync() => ValueTask.FromResult(state.State.Cases.Order(StringComparer.Ordinal).ToImmutableArray());

    public ValueTask<OfficerView> GetAsync(DateTimeOffset at) => ValueTask.FromResult(new OfficerView(
        this.GetPrimaryKeyString(), state.State.Roster, [.. state.State.Absences.Where(a => a.To > at).OrderBy(a => a.From)],
        ToView(ToDomain().StatusAt(at)), [.. state.State.Cases.Order(StringComparer.Ordinal)]));

    public ValueTask<OfficerDuty> GetDutyAsync(DateTimeOffset at) => ValueTask.FromResult(ToView(ToDomain().StatusAt(at)));

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
