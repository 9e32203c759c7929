namespace GridServer.Domain.Cases;

/// <summary>The queryable fields of one case as it stands, as searches and statistics list them.</summary>
/// <remarks>
/// <see cref="Lon"/>/<see cref="Lat"/>: the reported location, WGS84 (EPSG:4326), degrees.
/// <see cref="LastSequence"/> is the sequence of the newest timeline event of the case.
/// </remarks>
/// <param name="GridCode">The grid the report lies in; null for a point in no grid.</param>
/// <param name="Post">Whom the dispatch rule chose ("A", "B", "Leader"); null until dispatched.</param>
/// <param name="ClosedAt">When the case reached Closed or Void; null while it is open.</param>
/// <param name="Channel">The reporting channel (credential subject) the report came through; null for staff, sensors and checks.</param>
/// <param name="Public">Whether Open311's public reads may show the case: a public channel's report that did not ask to stay private.</param>
/// <param name="WarnedFor">The deadline a warning was last given for (the running one while the warning stands).</param>
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
    bool Public = false,
    DateTimeOffset? WarnedFor = null)
{
    /// <summary>The earliest running deadline, or null.</summary>
    public DateTimeOffset? NextDeadline => new CaseDeadlines(AcceptBy, HandleBy, VerifyBy).Next;

    /// <summary>Open with its running deadline passed at <paramref name="now"/> (超期).</summary>
    public bool IsOverdue(DateTimeOffset now) => ClosedAt is null && NextDeadline is { } due && due < now;

    /// <summary>Open with its running deadline warned of and not yet passed at <paramref name="now"/> (预警).</summary>
    public bool IsWarned(DateTimeOffset now) => ClosedAt is null && NextDeadline is { } due && WarnedFor == due && due >= now;

    /// <summary>The row of a case as it stands.</summary>
    public static CaseProjectionRow Of(CaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var file = record.File;
        return new CaseProjectionRow(file.Id, file.Matter, file.State, record.GridCode, record.Holder.SquadId, record.Holder.OfficerId,
            record.Holder.Post?.ToString(), record.Report.ReporterId, record.Report.Description, record.Report.Lon, record.Report.Lat,
            file.Deadlines.AcceptBy, file.Deadlines.HandleBy, file.Deadlines.VerifyBy, file.Supervised, file.ReworkCount,
            file.ReportedAt, file.UpdatedAt, file.ClosedAt, file.Timeline[^1].Sequence, record.Report.ReportingChannel, record.Public, record.WarnedFor);
    }
}
