using NetTopologySuite.Geometries;

namespace GridServer.Domain.Cases;

/// <summary>
/// What to look for among the cases: every criterion given must hold. <see cref="Within"/> is a lon/lat polygon
/// (EPSG:4326) that must cover the reported point; <see cref="ReportedFrom"/> is inclusive, <see cref="ReportedTo"/>
/// exclusive. <see cref="PublicOnly"/>: only cases marked public (a public channel's, see <see cref="CaseProjectionRow.Public"/>).
/// <see cref="CaseIds"/>: only these cases (which of them exist, without waking any case).
/// <see cref="Channel"/>: reported through this channel (credential subject).
/// <see cref="Overdue"/> and <see cref="Warned"/> are judged at <see cref="Now"/>, which they need: overdue, an open
/// case whose running deadline has passed; warned, one whose running deadline was warned of and has not passed yet.
/// Newest reports first.
/// </summary>
public sealed record CaseQuery(
    string? GridCode = null, string? SquadId = null, string? OfficerId = null, string? Matter = null,
    CaseState? State = null, bool? Open = null, DateTimeOffset? ReportedFrom = null, DateTimeOffset? ReportedTo = null,
    Geometry? Within = null, int Limit = 100, int Offset = 0, IReadOnlySet<string>? GridCodes = null, bool PublicOnly = false,
    IReadOnlySet<string>? CaseIds = null, string? Channel = null, bool? Supervised = null,
    bool? Overdue = null, bool? Warned = null, DateTimeOffset? Now = null)
{
    /// <summary>The most cases one answer holds; page with <see cref="Offset"/> for more.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The instant overdue and warned are judged at.</summary>
    /// <exception cref="ArgumentException">Overdue or warned is asked for without <see cref="Now"/>.</exception>
    public DateTimeOffset JudgedAt() => Now ?? throw new ArgumentException("a search for overdue or warned cases needs the time it is judged at", nameof(Now));

    /// <summary>The rule itself, for stores that filter in memory (the SQL store says the same in SQL).</summary>
    public bool Matches(CaseProjectionRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return (!PublicOnly || (row.Public && row.Channel is not null))
            && (CaseIds is null || CaseIds.Contains(row.CaseId))
            && (GridCode is null || row.GridCode == GridCode)
            && (GridCodes is null || (row.GridCode is not null && GridCodes.Contains(row.GridCode)))
            && (SquadId is null || row.SquadId == SquadId)
            && (OfficerId is null || row.OfficerId == OfficerId)
            && (Matter is null || row.Matter == Matter)
            && (State is null || row.State == State)
            && (Open is null || (row.ClosedAt is null) == Open)
            && (ReportedFrom is null || row.ReportedAt >= ReportedFrom)
            && (ReportedTo is null || row.ReportedAt < ReportedTo)
            && (Channel is null || row.Channel == Channel)
            && (Supervised is null || row.Supervised == Supervised)
            && (Overdue is null || row.IsOverdue(JudgedAt()) == Overdue)
            && (Warned is null || row.IsWarned(JudgedAt()) == Warned)
            && (Within is null || (double.IsFinite(row.Lon) && double.IsFinite(row.Lat) && Within.Covers(new Point(row.Lon, row.Lat) { SRID = Within.SRID })));
    }
}

/// <summary>Searches the cases as the case store holds them (PostGIS in production, memory in the embedded default).</summary>
public interface ICaseSearch
{
    Task<IReadOnlyList<CaseProjectionRow>> SearchAsync(CaseQuery query, CancellationToken cancellationToken = default);

    /// <summary>The command-center queue: open cases waiting for a dispatcher, oldest report first.</summary>
    Task<IReadOnlyList<CaseMark>> QueueAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>The supervision list (督办): open cases escalated (a missed deadline, a repeat offence), longest escalated first.</summary>
    Task<IReadOnlyList<CaseMark>> EscalatedAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The cases that changed at or after <paramref name="since"/> (their last step's time), oldest change first, at
    /// most <paramref name="limit"/>: what a live list follows.
    /// </summary>
    Task<IReadOnlyList<CaseProjectionRow>> ChangedSinceAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many cases are open, by state (states without any are left out).</summary>
    Task<IReadOnlyDictionary<CaseState, long>> CountOpenByStateAsync(CancellationToken cancellationToken = default);
}
