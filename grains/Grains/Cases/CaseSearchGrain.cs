using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Orleans.Concurrency;

namespace GridServer.Grains.Cases;

/// <summary>Turns a search request into the domain's <see cref="CaseQuery"/> and asks the case store.</summary>
[StatelessWorker]
public sealed class CaseSearchGrain(ICaseSearch search, TimeProvider time) : Grain, ICaseSearchGrain
{
    private static readonly WKTReader Wkt = new(new NetTopologySuite.NtsGeometryServices(new PrecisionModel(), 4326));

    public async ValueTask<ImmutableArray<CaseSummaryView>> SearchAsync(CaseSearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = request.State;
        if (state is { } given && !Enum.IsDefined(given))
            throw new ArgumentException($"unknown state '{given}'; use one of {string.Join(", ", Enum.GetNames<CaseState>())}", nameof(request));
        var within = request.WithinWkt is null ? null : Wkt.Read(request.WithinWkt);
        var now = time.GetUtcNow();
        var query = new CaseQuery(request.GridCode, request.SquadId, request.OfficerId, request.Matter, state, request.Open,
            request.ReportedFrom, request.ReportedTo, within, Math.Clamp(request.Limit, 0, CaseQuery.MaxLimit), Math.Max(0, request.Offset), request.GridCodes,
            request.PublicOnly, request.CaseIds, request.Channel, request.Supervised, request.Overdue, request.Warned, now);
        return Summaries(await search.SearchAsync(query), now);
    }

    public async ValueTask<ImmutableSortedDictionary<CaseState, long>> CountOpenAsync() =>
        (await search.CountOpenByStateAsync()).ToImmutableSortedDictionary();

    public async ValueTask<ImmutableArray<CaseSummaryView>> ChangedSinceAsync(DateTimeOffset since, int limit) =>
        Summaries(await search.ChangedSinceAsync(since, Math.Clamp(limit, 0, CaseQuery.MaxLimit)), time.GetUtcNow());

    private static ImmutableArray<CaseSummaryView> Summaries(IEnumerable<CaseProjectionRow> rows, DateTimeOffset now) =>
        [.. rows.Select(r => new CaseSummaryView(r.CaseId, r.Matter, r.State, r.GridCode, r.SquadId, r.OfficerId,
            double.IsFinite(r.Lon) ? r.Lon : null, double.IsFinite(r.Lat) ? r.Lat : null, r.Supervised,
            r.NextDeadline, r.ReportedAt, r.UpdatedAt, r.ClosedAt, r.Channel, r.IsWarned(now), r.LastSequence))];

    public async ValueTask<ImmutableArray<CaseMarkView>> QueueAsync(int limit) =>
        [.. (await search.QueueAsync(Math.Clamp(limit, 0, CaseQuery.MaxLimit))).Select(m => new CaseMarkView(m.CaseId, m.At, m.Reason))];

    public async ValueTask<ImmutableArray<CaseMarkView>> EscalatedAsync(int limit) =>
        [.. (await search.EscalatedAsync(Math.Clamp(limit, 0, CaseQuery.MaxLimit))).Select(m => new CaseMarkView(m.CaseId, m.At, m.Reason))];
}
