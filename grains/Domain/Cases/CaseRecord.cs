using System.Collections.Immutable;

namespace GridServer.Domain.Cases;

/// <summary>
/// What was reported, as the case keeps it from its first event on (the place may be corrected later by the command
/// center). <see cref="Lon"/>/<see cref="Lat"/>: WGS84 degrees, NaN while only an address is known.
/// </summary>
/// <param name="ReporterId">The citizen's reference, as the channel gave it.</param>
/// <param name="MatterName">The matter as people say it (the service's name at intake), for notices; null: its code.</param>
/// <param name="ReportingChannel">The credential subject of the reporting channel the report came through; null when staff entered it.</param>
/// <param name="Public">The report asked to be public and came through a public channel (decided at intake); see <see cref="CaseRecord.Public"/>.</param>
/// <param name="AccuracyMetres">How accurate the reporter's device said the position is, in metres; null when not said.</param>
/// <param name="CandidateGrids">
/// The grids the accuracy circle touches, when more than one (the report lies near a grid edge: it is ambiguous and could
/// be any of them); the case is still dispatched by the exact rule. Null when not ambiguous.
/// </param>
/// <param name="Geocode">
/// For a report that came with only an address: what the gazetteer made of it at intake (the position taken from its
/// sure match, or the candidates a dispatcher chooses from). Null when the report had a position, or no gazetteer was asked.
/// </param>
public sealed record CaseReportFacts(
    double Lon,
    double Lat,
    string ReporterId,
    string? Description = null,
    string? Address = null,
    string? MediaUrl = null,
    ImmutableSortedDictionary<string, string>? Attributes = null,
    string? MatterName = null,
    string? ReportingChannel = null,
    CasePartyFacts? Party = null,
    bool Public = false,
    double? AccuracyMetres = null,
    ImmutableArray<string>? CandidateGrids = null,
    Geocoding.AddressLocating? Geocode = null)
{
    public bool Located => double.IsFinite(Lon) && double.IsFinite(Lat);

    /// <summary>The accuracy circle touches more than one grid.</summary>
    public bool Ambiguous => CandidateGrids is { Length: > 1 };
}

/// <summary>
/// The party responsible beyond the grid that the matter's duty module named (a shop for its frontage): the reference
/// set it comes from (<see cref="Kind"/>) and its key there (<see cref="Id"/>); its cases within the module's repeat
/// window (<see cref="RepeatCount"/>, this one included), and whether that count escalated the case at open.
/// </summary>
public sealed record CasePartyFacts(
    string Kind, string Id, string Name, string Reason, string? Contact = null, int RepeatCount = 0, bool Escalated = false,
    bool Notify = false, int? RepeatWindowDays = null);

/// <summary>Who holds the case: the squad (kept after a return, when the officer is cleared), the officer and the post the dispatch rule chose.</summary>
public sealed record CaseHolder(string? SquadId, string? OfficerId, Personnel.DispatchPost? Post)
{
    public static readonly CaseHolder Nobody = new(null, null, null);
}

/// <summary>A duplicate (重复件) linked to a case: its id, the reporting channel that hears when the case ends (null: none), and when it was linked.</summary>
public sealed record CaseLink(string CaseId, string? Channel, DateTimeOffset At);

/// <summary>Why and since when the command center supervises the case (a missed deadline, a repeat offence).</summary>
public sealed record CaseEscalation(DateTimeOffset At, string Reason);

/// <summary>
/// Everything the server keeps of one case: the workflow's <see cref="CaseFile"/> (state, deadlines, counters,
/// timeline), the report, where it lies and who holds it, and the command center's marks on it. Immutable; the
/// decisions of <see cref="CaseSteps"/> make new ones, and a store keeps them (<see cref="ICaseStore"/>).
/// </summary>
/// <param name="GridCode">The grid the case lies in now; null for a point in no grid (or no point yet).</param>
/// <param name="QueueReason">Non-null while the case waits in the command-center queue for a dispatcher: why.</param>
/// <param name="WarnedFor">The deadline a warning was last given for, so each deadline is warned of once.</param>
/// <param name="Escalation">The latest escalation while the case is open; the supervision list shows it.</param>
/// <param name="Version">How many writes the store holds of the case (0: never written).</param>
/// <param name="FollowUp">The latest follow-up (回访) of the case once closed: the reporter's verdict.</param>
/// <param name="DuplicateOf">While the case is a duplicate (重复件): the case it is linked to, which handles the problem.</param>
/// <param name="Duplicates">The duplicates linked to this case, told when it ends; null or empty when none.</param>
public sealed record CaseRecord(
    CaseFile File,
    CaseReportFacts Report,
    string? GridCode,
    CaseHolder Holder,
    string? QueueReason,
    DateTimeOffset? WarnedFor,
    CaseEscalation? Escalation,
    int Version,
    CaseFollowUp? FollowUp = null,
    string? DuplicateOf = null,
    ImmutableList<CaseLink>? Duplicates = null)
{
    /// <summary>The duplicates linked to this case (empty when none).</summary>
    public ImmutableList<CaseLink> LinkedDuplicates => Duplicates ?? [];

    public string Id => File.Id;

    public CaseState State => File.State;

    public bool Queued => QueueReason is not null;

    /// <summary>Whose cases in hand list this case: the holder's officer while the case is open.</summary>
    public string? OfficerInHand => File.IsTerminal ? null : Holder.OfficerId;

    /// <summary>Whether Open311's public reads may show the case: only a reporting channel's report marked public (never staff, sensors, checks).</summary>
    public bool Public => Report.Public && Report.ReportingChannel is not null;

    /// <summary>The matter as notices name it: its name when the intake knew one, else its code.</summary>
    public string MatterName => Report.MatterName ?? File.Matter;

    /// <summary>How many times <paramref name="action"/> appears on the timeline.</summary>
    public int CountOf(CaseAction action) => File.Timeline.Count(e => e.Action == action);
}
