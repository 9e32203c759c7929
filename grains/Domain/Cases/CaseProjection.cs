namespace GridServer.Domain.Cases;

/// <summary>
/// The queryable fields of one case as it stands, for search and statistics. A projection of the case
/// grain's state, never its source of truth.
/// </summary>
/// <remarks>
/// <see cref="Lon"/>/<see cref="Lat"/>: the reported location, WGS84 (EPSG:4326), degrees.
/// <see cref="LastSequence"/> is the sequence of the newest timeline event this row reflects: a store keeps
/// the row with the highest one, so a late, older write never overwrites a newer row.
/// </remarks>
/// <param name="GridCode">The grid the report lies in; null for a point in no grid.</param>
/// <param name="Post">Whom the dispatch rule chose ("A", "B", "Leader"); null until dispatched.</param>
/// <param name="ClosedAt">When the case reached Closed or Void; null while it is open.</param>
/// <param name="Channel">The reporting channel (credential subject) the report came through; null for staff, sensors and checks.</param>
/// <param name="Public">Whether Open311's public reads may show the case: a public channel's report that did not ask to stay private.</param>
public sealed record CaseProjectionRow(
    string CaseId,
    string Matter,
    CaseState State,
    string? GridCode,
    string? SquadId,
    string? OfficerId,
    string? Post,
    string ReporterId,
    string? Description,
    double Lon,
    double Lat,
    DateTimeOffset? AcceptBy,
    DateTimeOffset? HandleBy,
    DateTimeOffset? VerifyBy,
    bool Supervised,
    int ReworkCount,
    DateTimeOffset ReportedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ClosedAt,
    int LastSequence,
    string? Channel = null,
    bool Public = false);

/// <summary>
/// Where the case grain writes its queryable projection after every accepted change: PostGIS in
/// production, memory in the embedded default. The grain's own state stays the truth; a projection may lag
/// behind it (a write failed) and is caught up by a later write.
/// </summary>
public interface ICaseProjection
{
    /// <summary>
    /// Stores the case's row and appends the timeline events given, all or nothing. Writing a row or an event
    /// that is already there is harmless: events are identified by (case id, sequence), and a row older than
    /// the stored one (a lower <see cref="CaseProjectionRow.LastSequence"/>) is ignored.
    /// </summary>
    /// <param name="newEvents">The events not written yet, in sequence order; may include ones already written.</param>
    Task WriteAsync(CaseProjectionRow row, IReadOnlyList<CaseEvent> newEvents, CancellationToken cancellationToken = default);
}

/// <summary>
/// The projection in memory: the embedded default (whose grain state is in memory too) and tests. Holds the
/// latest row and every event of each case until the process ends.
/// </summary>
public sealed class InMemoryCaseProjection : ICaseProjection, ICaseSearch
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CaseProjectionRow> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedList<int, CaseEvent>> _events = new(StringComparer.Ordinal);

    public Task WriteAsync(CaseProjectionRow row, IReadOnlyList<CaseEvent> newEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(newEvents);
        lock (_gate)
        {
            if (!_rows.TryGetValue(row.CaseId, out var stored) || stored.LastSequence <= row.LastSequence) _rows[row.CaseId] = row;
            if (!_events.TryGetValue(row.CaseId, out var events)) _events[row.CaseId] = events = [];
            foreach (var e in newEvents) events.TryAdd(e.Sequence, e);
        }
        return Task.CompletedTask;
    }

    /// <summary>The stored row of a case, or null.</summary>
    public Task<IReadOnlyList<CaseProjectionRow>> SearchAsync(CaseQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CaseProjectionRow>>(_rows.Values.Where(query.Matches)
                .OrderByDescending(r => r.ReportedAt).ThenBy(r => r.CaseId, StringComparer.Ordinal)
                .Skip(query.Offset).Take(Math.Clamp(query.Limit, 0, CaseQuery.MaxLimit)).ToList());
        }
    }

    public CaseProjectionRow? Row(string caseId)
    {
        lock (_gate) return _rows.GetValueOrDefault(caseId);
    }

    /// <summary>The stored events of a case, in sequence order.</summary>
    public IReadOnlyList<CaseEvent> Events(string caseId)
    {
        lock (_gate) return _events.TryGetValue(caseId, out var events) ? [.. events.Values] : [];
    }
}
