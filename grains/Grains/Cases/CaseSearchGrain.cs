using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Orleans.Concurrency;

namespace GridServer.Grains.Cases;

/// <summary>Turns a search request into the domain's <see cref="CaseQuery"/> and asks the projection's store.</summary>
[StatelessWorker]
public sealed class CaseSearchGrain(ICaseSearch search) : Grain, ICaseSearchGrain
{
    private static readonly WKTReader Wkt = new(new NetTopologySuite.NtsGeometryServices(new PrecisionModel(), 4326));

    public async ValueTask<ImmutableArray<CaseSummaryView>> SearchAsync(CaseSearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CaseState? state = null;
        if (request.State is { } name)
        {
            if (!Enum.TryParse<CaseState>(name, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                throw new ArgumentException($"unknown state '{name}'; use one of {string.Join(", ", Enum.GetNames<CaseState>())}", nameof(request));
            state = parsed;
        }
        var within = request.WithinWkt is null ? null : Wkt.Read(request.WithinWkt);
        var query = new CaseQuery(request.GridCode, request.SquadId, request.OfficerId, request.Matter, state, request.Open,
            request.ReportedFrom, request.ReportedTo, within, Math.Clamp(request.Limit, 0, CaseQuery.MaxLimit), Math.Max(0, request.Offset), request.GridCodes,
            request.PublicOnly);
        var rows = await search.SearchAsync(query);
        return [.. rows.Select(r => new CaseSummaryView(r.CaseId, r.Matter, r.State.ToString(), r.GridCode, r.SquadId, r.OfficerId,
            double.IsFinite(r.Lon) ? r.Lon : null, double.IsFinite(r.Lat) ? r.Lat : null, r.Supervised,
            new CaseDeadlines(r.AcceptBy, r.HandleBy, r.VerifyBy).Next, r.ReportedAt, r.UpdatedAt, r.ClosedAt))];
    }
}
