using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;

namespace GridServer.Abstractions.Cases;

/// <summary>A report that opens a case. Lon/lat are WGS84 degrees; <see cref="GridCode"/> is null for a point in no grid.</summary>
/// <remarks>
/// A report with only an address (Open311 <c>address_string</c>) is not located yet: its lon/lat are NaN and its
/// grid is null, so it waits in the command-center queue.
/// </remarks>
/// <param name="Address">The reporter's words for the place ("人民路 12 号门口"), as given.</param>
/// <param name="MediaUrl">A link to a photo or other media, as given; never the file.</param>
/// <param name="Attributes">Matter-specific answers by attribute code (a vehicle plate), checked by the caller.</param>
/// <param name="SubmittedBy">Who entered the report (the credential's subject: a dispatcher, an officer, a reporting
/// channel): the actor of the timeline's first event. <see cref="ReporterId"/> stays the citizen's reference, as given.</param>
/// <param name="ReportingChannel">The credential subject of the reporting channel (Open311 api_key) the report came
/// through, or null for a report entered by staff: that channel's inbox hears of the steps the reporter cares about.</param>
/// <param name="Public">The case may appear in Open311's public reads: only a report through a public reporting
/// channel that did not ask to stay private is marked so (staff, sensor and check cases never are).</param>
/// <param name="Geocode">Set by the intake for a report with only an address: the gazetteer's candidates, and whether
/// the report took the first one's position (it then has lon/lat and its grid).</param>
/// <param name="DuplicateOf">Set by the intake: the open case this report duplicates (重复件), which recorded the link
/// already; the case opens linked to it instead of being dispatched.</param>
[GenerateSerializer, Immutable, Alias("case.report")]
public sealed record CaseReport(
    [property: Id(0)] string Matter,
    [property: Id(1)] double Lon,
    [property: Id(2)] double Lat,
    [property: Id(3)] string? GridCode,
    [property: Id(4)] string ReporterId,
    [property: Id(5)] string? Description,
    [property: Id(6)] string? Address = null,
    [property: Id(7)] string? MediaUrl = null,
    [property: Id(8)] ImmutableSortedDictionary<string, string>? Attributes = null,
    [property: Id(9)] string? SubmittedBy = null,
    [property: Id(10)] CaseParty? Party = null,
    [property: Id(11)] string? ReportingChannel = null,
    [property: Id(12)] string? MatterName = null,
    [property: Id(13)] bool Public = false,
    [property: Id(14)] double? AccuracyMetres = null,
    [property: Id(15)] string[]? CandidateGrids = null,
    [property: Id(16)] string? DuplicateOf = null,
    [property: Id(17)] AddressLocatingView? Geocode = null)
{
    /// <summary>True when the report has a position (not only an address).</summary>
    public bool Located => double.IsFinite(Lon) && double.IsFinite(Lat);
}

/// <summary>
/// A party responsible for a case beyond its grid, as a duty module named it: the shop whose frontage zone covers
/// the point, the site, the permit of a board. <see cref="Kind"/> is the reference set it comes from ("shops"),
/// <see cref="Id"/> its key there. <see cref="RepeatCount"/>: the party's cases of the module within the module's
/// repeat window, this one included (0 when the module counts none); <see cref="Escalated"/>: the count reached the
/// module's threshold, so the case was escalated when it opened; <see cref="Notify"/>: the party receives a notice.
/// </summary>
[GenerateSerializer, Immutable, Alias("case.party")]
public sealed record CaseParty(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Id,
    [property: Id(2)] string Name,
    [property: Id(3)] string Reason,
    [property: Id(4)] string? Contact = null,
    [property: Id(5)] int RepeatCount = 0,
    [property: Id(6)] bool Escalated = false,
    [property: Id(7)] bool Notify = false,
    [property: Id(8)] int? RepeatWindowDays = null);

/// <summary>
/// An action of a person on a case (the server's own clock actions are not taken this way). <see cref="AsOfficer"/>:
/// the actor is an officer, who may act only on a case they or their squad hold — checked by the case itself, in the
/// same turn as the action, so a case rerouted meanwhile is not acted on by its old squad.
/// </summary>
[GenerateSerializer, Immutable, Alias("case.action-request")]
public sealed record CaseActionRequest(
    [property: Id(0)] CaseAction Action,
    [property: Id(1)] string ActorId,
    [property: Id(2)] string? Note,
    [property: Id(3)] ImmutableArray<string> Evidence,
    [property: Id(4)] DateTimeOffset? NewDeadline,
    [property: Id(5)] bool AsOfficer = false,
    [property: Id(6)] string? RequestKey = null);

/// <summary>One step of the timeline. (The alias "case.event" is the older shape with names for the enums, which old grain states hold.)</summary>
[GenerateSerializer, Immutable, Alias("case.timeline-event")]
public sealed record CaseEventView(
    [property: Id(0)] int Sequence, [property: Id(1)] DateTimeOffset At, [property: Id(2)] string ActorId,
    [property: Id(3)] CaseAction Action, [property: Id(4)] CaseState From, [property: Id(5)] CaseState To,
    [property: Id(6)] string? Note, [property: Id(7)] ImmutableArray<string> Evidence);

/// <summary>
/// A case as it stands. <see cref="Lon"/>/<see cref="Lat"/>: the reported position (WGS84 degrees), null when only an
/// address was given. <see cref="QueueReason"/>: why it waits in the command-center queue, null when it does not.
/// <see cref="ReportingChannel"/>: the Open311 channel it came through (null: staff, a sensor, a check);
/// <see cref="Public"/>: whether Open311's public reads may show it. <see cref="DuplicateOf"/>: the case a duplicate
/// (重复件) is linked to; <see cref="Duplicates"/>: the duplicates linked to this case.
/// </summary>
[GenerateSerializer, Immutable, Alias("case.view")]
public sealed record CaseView(
    [property: Id(0)] string CaseId,
    [property: Id(1)] string Matter,
    [property: Id(2)] CaseState State,
    [property: Id(3)] string? GridCode,
    [property: Id(4)] string? SquadId,
    [property: Id(5)] string? OfficerId,
    [property: Id(6)] DispatchPost? Post,
    [property: Id(7)] DateTimeOffset? AcceptBy,
    [property: Id(8)] DateTimeOffset? HandleBy,
    [property: Id(9)] DateTimeOffset? VerifyBy,
    [property: Id(10)] bool Supervised,
    [property: Id(11)] int ReworkCount,
    [property: Id(12)] ImmutableArray<CaseEventView> Timeline,
    [property: Id(13)] double? Lon = null,
    [property: Id(14)] double? Lat = null,
    [property: Id(15)] string? Description = null,
    [property: Id(16)] string? Address = null,
    [property: Id(17)] string? MediaUrl = null,
    [property: Id(18)] ImmutableSortedDictionary<string, string>? Attributes = null,
    [property: Id(19)] CaseParty? Party = null,
    [property: Id(20)] string? ReportingChannel = null,
    [property: Id(21)] bool Public = false,
    [property: Id(22)] string? QueueReason = null,
    [property: Id(23)] DateTimeOffset? EscalatedAt = null,
    [property: Id(24)] string? EscalationReason = null,
    [property: Id(25)] string? MatterName = null,
    [property: Id(26)] CaseFollowUpView? FollowUp = null,
    [property: Id(27)] double? AccuracyMetres = null,
    [property: Id(28)] string[]? CandidateGrids = null,
    [property: Id(29)] string? DuplicateOf = null,
    [property: Id(30)] string[]? Duplicates = null,
    [property: Id(31)] string? ReporterId = null,
    [property: Id(32)] bool Archived = false,
    [property: Id(33)] AddressLocatingView? Geocode = null)
{
    /// <summary>Closed, void, or linked as a duplicate (重复件) to another case: nothing more happens to it unless a dispatcher unlinks it.</summary>
    public bool Ended => State is CaseState.Closed or CaseState.Void or CaseState.Duplicate;
}

/// <summary>A gazetteer entry offered for a report's address: the entry, where it is, its grid, its score (0–1) and why.</summary>
[GenerateSerializer, Immutable, Alias("case.address-guess")]
public sealed record AddressGuessView(
    [property: Id(0)] string EntryId, [property: Id(1)] string Address, [property: Id(2)] double Lon, [property: Id(3)] double Lat,
    [property: Id(4)] string? GridCode, [property: Id(5)] double Score, [property: Id(6)] string Why);

/// <summary>What the gazetteer made of a report with only an address: whether the report took the first candidate's position, and the candidates.</summary>
[GenerateSerializer, Immutable, Alias("case.address-locating")]
public sealed record AddressLocatingView([property: Id(0)] bool Located, [property: Id(1)] AddressGuessView[] Candidates)
{
    public static AddressLocatingView? Of(Domain.Geocoding.AddressLocating? locating) => locating is null ? null
        : new(locating.Located, [.. locating.Candidates.Select(c => new AddressGuessView(c.EntryId, c.Address, c.Lon, c.Lat, c.GridCode, c.Score, c.Why))]);

    public Domain.Geocoding.AddressLocating ToDomain() =>
        new(Located, [.. (Candidates ?? []).Select(c => new Domain.Geocoding.AddressGuess(c.EntryId, c.Address, c.Lon, c.Lat, c.GridCode, c.Score, c.Why))]);
}

/// <summary>The latest follow-up (回访) of a closed case: the verdict, the comment, when, by whom, how (reporter, telephone).</summary>
[GenerateSerializer, Immutable, Alias("case.follow-up")]
public sealed record CaseFollowUpView(
    [property: Id(0)] CaseVerdict Verdict, [property: Id(1)] string? Comment, [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string By, [property: Id(4)] string How);

/// <summary>Why a case did not do what it was asked: the kind (mapped to an HTTP status in one place) and what was wrong.</summary>
[GenerateSerializer, Immutable, Alias("case.refusal")]
public sealed record CaseRefused([property: Id(0)] CaseRefusalCode Code, [property: Id(1)] string Message)
{
    public static CaseRefused? From(CaseRefusal? refusal) => refusal is null ? null : new(refusal.Code, refusal.Message);

    public override string ToString() => Message;
}

/// <summary>
/// The answer to an action: the case after it, or the refusal that says why it did not happen (a case nobody can take
/// is refused with <see cref="CaseRefusalCode.Queued"/> and waits in the queue, which did change).
/// </summary>
[GenerateSerializer, Immutable, Alias("case.action-result")]
public sealed record CaseActionResult([property: Id(0)] CaseView Case, [property: Id(1)] CaseRefused? Refusal)
{
    public bool Accepted => Refusal is null;
}

/// <summary>One case through its closed loop. Key: the case id, e.g. "C-20261128-000123".</summary>
[Alias("case")]
public interface ICaseGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens and registers the case; a report in a grid is dispatched at once, one in no grid waits in the command-center
    /// queue. Opening again answers the case as it stands. <paramref name="knownNew"/>: the caller made the id just now
    /// (a random one), so the case need not look for itself in the store first.
    /// </summary>
    [Alias("open")] ValueTask<CaseView> OpenAsync(CaseReport report, bool knownNew = false);

    /// <summary>Sends the case again by the AB-post rule (after a return, or from the command-center queue with a grid).</summary>
    /// <remarks><paramref name="requestKey"/> (here and below): the request's own key; a request with a key whose step was taken is not taken again.</remarks>
    [Alias("dispatch")] ValueTask<CaseActionResult> DispatchAsync(string actorId, string? gridCode, string? requestKey = null);

    /// <summary>
    /// 指派: dispatches the case to a squad's officer named by the command center (or the squad, that is its leader),
    /// whatever the grid's posts say; as a dispatch, it is refused where a dispatch is not allowed.
    /// </summary>
    [Alias("assign")] ValueTask<CaseActionResult> AssignAsync(string actorId, string squadId, string? officerId, string? requestKey = null);

    [Alias("act")] ValueTask<CaseActionResult> ActAsync(CaseActionRequest request);

    /// <summary>
    /// Moves the case to whoever answers for its grid now (after a reassignment): a case not yet accepted is
    /// dispatched again by the AB-post rule; one accepted, in handling or parked is transferred (移交) and goes on
    /// where it stands. A case in another state is not moved, and the refusal says why.
    /// </summary>
    [Alias("follow-responsibility")] ValueTask<CaseActionResult> FollowResponsibilityAsync(string actorId, string note, string? requestKey = null);

    /// <summary>
    /// Moves the case to grid <paramref name="gridCode"/> (its boundary changed) and then follows whoever answers for it, by the
    /// rule of <see cref="FollowResponsibilityAsync"/>: a case not yet accepted (registered, returned, dispatched) is dispatched
    /// again, one in hand is transferred. With no grid (null) it goes to the command-center queue; one in hand stays with its
    /// holder meanwhile. A case with the command center for verification, or ended, keeps its grid; the refusal says why.
    /// </summary>
    [Alias("move-to-grid")] ValueTask<CaseActionResult> MoveToGridAsync(string actorId, string? gridCode, string note, string? requestKey = null);

    /// <summary>
    /// The command center places the case (a report that came with an address only, or a wrong pin): its point becomes
    /// (<paramref name="lon"/>, <paramref name="lat"/>), WGS84, in grid <paramref name="gridCode"/> (null: none), and it
    /// moves by the rule of <see cref="MoveToGridAsync"/>; a case waiting in the queue in that grid is dispatched.
    /// An ended case is refused.
    /// </summary>
    [Alias("locate")] ValueTask<CaseActionResult> LocateAsync(string actorId, double lon, double lat, string? gridCode, string? requestKey = null);

    [Alias("get")] ValueTask<CaseView?> GetAsync();

    /// <summary>
    /// 回访: the reporter's verdict on the closed case, given by <paramref name="actorId"/> (the reporting channel, or a
    /// dispatcher who called the reporter: <paramref name="how"/>); a dissatisfied verdict reopens the case when its
    /// matter says so. Refused (NotNow) while the case is not closed.
    /// </summary>
    [Alias("follow-up")] ValueTask<CaseActionResult> FollowUpAsync(string actorId, CaseVerdict verdict, string? comment, string how);

    /// <summary>
    /// Records duplicate <paramref name="duplicateId"/> (重复件, reported through <paramref name="channel"/>, null: none) on this
    /// open case, which handles its problem: its channel hears when this case ends. Idempotent. Refused (NotNow) when this
    /// case has ended or is itself a duplicate: the report is then a case of its own.
    /// </summary>
    [Alias("link-duplicate")] ValueTask<CaseActionResult> LinkDuplicateAsync(string duplicateId, string? channel);

    /// <summary>Forgets duplicate <paramref name="duplicateId"/>, which <paramref name="actorId"/> unlinked; one not linked changes nothing.</summary>
    [Alias("drop-duplicate")] ValueTask<CaseActionResult> DropDuplicateAsync(string duplicateId, string actorId);

    /// <summary>
    /// 拆分: <paramref name="actorId"/> unlinks this duplicate from the case it was linked to (which forgets it): it becomes a
    /// case of its own, registered and dispatched by the AB-post rule, or queued. Refused (NotNow) when it is no duplicate.
    /// </summary>
    [Alias("unlink")] ValueTask<CaseActionResult> UnlinkAsync(string actorId, string note, string? requestKey = null);

    /// <summary>Adds a note (记录) to the timeline of an open case: a sensor's later readings, a check's finding. It changes nothing else; an ended case refuses it.</summary>
    [Alias("note")] ValueTask<CaseActionResult> AddNoteAsync(string actorId, string note);

    /// <summary>
    /// Acts on the deadlines due by now: a warning before a deadline (once per deadline); a missed deadline puts the case
    /// under supervision (督办) and escalates it to the squad leader and the command center; while it stays missed, every
    /// check adds a reminder (催办).
    /// </summary>
    [Alias("check-deadlines")] ValueTask<CaseView?> CheckDeadlinesAsync();

    /// <summary>
    /// The deadline clock's call: checks the deadlines (<see cref="CheckDeadlinesAsync"/>) only when the case's wake time
    /// has come, so that a clock that calls twice, or late, never chases twice.
    /// </summary>
    [Alias("wake")] ValueTask WakeAsync();
}

/// <summary>
/// One shard of the deadline clock: looks for the cases of its shard whose wake time has come and wakes them. Key: the
/// shard number, 0 to CaseShards.Count - 1. Kept alive by a durable reminder; sweeps on a timer while active.
/// </summary>
[Alias("case.deadline-shard")]
public interface IDeadlineShardGrain : IGrainWithIntegerKey
{
    /// <summary>Makes sure the shard's reminder is registered and its sweeps run; idempotent.</summary>
    [Alias("ensure")] ValueTask EnsureAsync();

    /// <summary>Wakes every case of the shard due by now; answers how many.</summary>
    [Alias("sweep")] ValueTask<int> SweepAsync();
}
