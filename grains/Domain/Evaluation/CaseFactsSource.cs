namespace GridServer.Domain.Evaluation;

/// <summary>Which cases' facts to read: those reported in [<see cref="From"/>, <see cref="To"/>), narrowed by any unit given.</summary>
public sealed record CaseFactsQuery(DateTimeOffset From, DateTimeOffset To, string? GridCode = null, string? SquadId = null, string? OfficerId = null, string? Matter = null)
{
    public bool Matches(CaseFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.ReportedAt >= From && facts.ReportedAt < To
            && (GridCode is null || facts.GridCode == GridCode) && (SquadId is null || facts.SquadId == SquadId)
            && (OfficerId is null || facts.OfficerId == OfficerId) && (Matter is null || facts.Matter == Matter);
    }
}

/// <summary>Where evaluation reads the facts of cases from: the case store (PostgreSQL, or memory in the embedded default).</summary>
public interface ICaseFactsSource
{
    /// <summary>The facts of every case the query names, in no particular order.</summary>
    Task<IReadOnlyList<CaseFacts>> FactsAsync(CaseFactsQuery query, CancellationToken cancellationToken = default);

    /// <summary>The reported positions (WGS84 lon/lat) of the cases the query names that have one: what a density map bins.</summary>
    Task<IReadOnlyList<(double Lon, double Lat)>> PointsAsync(CaseFactsQuery query, CancellationToken cancellationToken = default);
}
