using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;
using GridServer.Domain.Spatial;
using GridServer.Grains.Geocoding;
using GridServer.Grains.Grids;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetTopologySuite.Geometries;

namespace GridServer.Grains.Cases;

/// <summary>
/// A party responsible for a case beyond its grid, as a duty module names it (the contract's <c>RoutingHint</c> in the
/// grains' own terms): the reference set it comes from, its key and name, why, how it is reached, the module's repeat
/// rule (cases within <see cref="RepeatWindow"/>; from <see cref="EscalateFrom"/> of them the case is escalated at open),
/// and whether the party is told.
/// </summary>
public sealed record ModuleParty(
    string Kind, string Id, string Name, string Reason, string? Contact, TimeSpan? RepeatWindow, int EscalateFrom, bool Notify);

/// <summary>
/// What the server's duty modules say of a report before its case opens: the matter's name as people say it, and the
/// party its module names. The host that loads the modules answers (grains know no plugin types); it never throws for a
/// module's faults: a module that fails names nobody, and the case still opens.
/// </summary>
public interface IMatterRouting
{
    /// <summary>The matter as people say it (its service's name), or null when no service names it.</summary>
    string? NameOf(string matter);

    /// <summary>The CJ/T 214 class the matter is counted under (E0505), or null: unclassified, or no service has it.</summary>
    string? ClassOf(string matter);

    /// <summary>The party the matter's module names for a located report, or null.</summary>
    Task<ModuleParty?> RouteAsync(CaseReport report, CancellationToken cancellationToken = default);
}

/// <summary>The one way a case is opened, whatever brought the report (see <see cref="CaseIntake"/>).</summary>
public interface ICaseIntake
{
    /// <summary>
    /// Opens case <paramref name="caseId"/>: the point matched to its grid, the matter named, the party its module names
    /// (or <paramref name="party"/>, when the caller's module named one already: a sensor's, a check's) counted for repeats;
    /// then the case grain opens, dispatches or queues it. Idempotent per id: the same id answers the case it opened, and
    /// its party's count does not grow.
    /// </summary>
    /// <param name="knownNew">The caller knows no case has this id (a random one, or it has just asked): nothing is asked again.</param>
    Task<CaseView> OpenAsync(string caseId, CaseReport report, ModuleParty? party = null, bool knownNew = false, CancellationToken cancellationToken = default);
}

/// <summary>
/// The case intake, on the grains' side: Open311, the staff API, sensor subjects and scheduled checks all open cases
/// here. A report with only an address is matched to the bureau's gazetteer (<see cref="IAddressLocator"/>) and placed
/// when the match is sure. A report about a component (部件) is routed to its owner by the census (<see cref="IComponentOwners"/>).
/// It asks the silo's in-memory grid index for the grid (<see cref="IGridLocator"/>), the case store for an open
/// case of the same problem nearby (<see cref="DuplicateRule"/>: the report is then linked to it as a duplicate), the
/// modules for the matter's name and party (<see cref="IMatterRouting"/>), counts the party's repeat offences
/// (<see cref="IPartyGrain"/>), and hands the report to the case grain. It holds no state: one per silo.
/// </summary>
public sealed partial class CaseIntake(
    IGrainFactory grains, IGridLocator gridIndex, IAddressLocator addresses, IMatterRouting routing, IComponentOwners owners, ICaseSearch cases,
    MatterPolicies policies,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time, ILogger<CaseIntake> logger) : ICaseIntake
{
    /// <summary>How many open cases nearby are asked to take a duplicate before the report opens as a case of its own (one that ended meanwhile refuses).</summary>
    private const int LinkAttempts = 3;

    private static readonly GeometryFactory LonLat = new(new PrecisionModel(), 4326);

    public async Task<CaseView> OpenAsync(string caseId, CaseReport report, ModuleParty? party = null, bool knownNew = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caseId);
        ArgumentNullException.ThrowIfNull(report);
        var grain = grains.Get<ICaseGrain>(caseId);
        // A retried open answers the case it opened: it is not routed again, so a party's count never grows by a case
        // that does not name it.
        if (!knownNew && await grain.GetAsync() is { } opened) return opened;
        // A report with only an address: placed at the gazetteer's sure match, or queued with its candidates.
        if (!report.Located && report.Geocode is null && !string.IsNullOrWhiteSpace(report.Address)
            && await addresses.LocateAsync(report.Address, cancellationToken) is { } locating)
        {
            report = report with { Geocode = AddressLocatingView.Of(locating) };
            if (locating.Located) report = report with { Lon = locating.Candidates[0].Lon, Lat = locating.Candidates[0].Lat, GridCode = locating.Candidates[0].GridCode };
        }
        if (report.Located && report.GridCode is null) report = report with { GridCode = gridIndex.Match(report.Lon, report.Lat).GridCode };
        // A position known only to within some metres may lie in any grid its circle touches (capped at 1 km: a wider
        // circle says nothing of grids). The exact rule still dispatches it; the command center sees the candidates.
        if (report.Located && report.AccuracyMetres is { } accuracy && accuracy > 0 && report.CandidateGrids is null)
        {
            var near = gridIndex.Near(report.Lon, report.Lat, Math.Min(accuracy, Domain.Spatial.GridIndex.MaxNearMetres));
            report = report with { CandidateGrids = near.Count > 1 ? [.. near.Select(g => g.Code)] : [] };
        }
        // Notices name the matter as people say it ("店外经营 Goods outside the shop"), not by its code.
        report = report with { MatterName = report.MatterName ?? routing.NameOf(report.Matter) };
        // The same problem reported again near an open case: linked to it, not dispatched, and no new offence of a party.
        if (report.DuplicateOf is null && await LinkedAsync(caseId, report, cancellationToken) is { } primary)
            return await grain.OpenAsync(report with { DuplicateOf = primary }, knownNew: true);
        party ??= report.Located ? await routing.RouteAsync(report, cancellationToken) : null;
        // A matter counted under a component class (部件) that no module routed: the owner of that component there, by the census.
        if (party is null && report.Located && routing.ClassOf(report.Matter) is ['C', ..] componentClass)
            party = await owners.OwnerAsync(componentClass, report.Lon, report.Lat, cancellationToken);
        if (party is not null) report = report with { Party = await NameAsync(caseId, party) };
        return await grain.OpenAsync(report, knownNew: true);
    }

    /// <summary>
    /// The open case of the report's matter nearest to its point within the matter's duplicate rule that took the report
    /// as its duplicate, or null (no rule, no such case, or the search failed: the report then opens as a case of its own).
    /// </summary>
    private async Task<string?> LinkedAsync(string caseId, CaseReport report, CancellationToken cancellationToken)
    {
        if (!report.Located || policies.For(report.Matter).Duplicates is not { } rule) return null;
        try
        {
            var metric = LocalMetric.At(report.Lat);
            var (dLon, dLat) = (rule.Metres / metric.MetresPerDegreeLon, rule.Metres / metric.MetresPerDegreeLat);
            var box = LonLat.ToGeometry(new Envelope(report.Lon - dLon, report.Lon + dLon, report.Lat - dLat, report.Lat + dLat));
            var near = await cases.SearchAsync(new CaseQuery(Matter: report.Matter, Open: true, ReportedFrom: time.GetUtcNow() - rule.Within, Within: box,
                Limit: CaseQuery.MaxLimit), cancellationToken);
            var candidates = near
                .Where(c => c.CaseId != caseId && double.IsFinite(c.Lon) && double.IsFinite(c.Lat))
                .Select(c => (c.CaseId, c.ReportedAt, Metres: Math.Sqrt(Math.Pow((c.Lon - report.Lon) * metric.MetresPerDegreeLon, 2) + Math.Pow((c.Lat - report.Lat) * metric.MetresPerDegreeLat, 2))))
                .Where(c => c.Metres <= rule.Metres)
                .OrderBy(c => c.Metres).ThenBy(c => c.ReportedAt).ThenBy(c => c.CaseId, StringComparer.Ordinal)
                .Take(LinkAttempts);
            foreach (var candidate in candidates)
            {
                // The open case records the link first (it may have ended since the search: then it refuses), so that it
                // can tell this report's channel when it ends.
                if ((await grains.Get<ICaseGrain>(candidate.CaseId).LinkDuplicateAsync(caseId, report.ReportingChannel)).Accepted) return candidate.CaseId;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDuplicateCheckFailed(logger, e, caseId);
        }
        return null;
    }

    /// <summary>The party as the case records it: with its repeat count, and escalated when the count reached the module's threshold.</summary>
    private async Task<CaseParty> NameAsync(string caseId, ModuleParty party)
    {
        var count = 0;
        // Every case a party is named for is recorded with it (its page lists them); only a repeat rule counts them.
        try
        {
            var recorded = await grains.Get<IPartyGrain>(IPartyGrain.Key(party.Kind, party.Id)).RecordCaseAsync(caseId, party.RepeatWindow ?? IPartyGrain.Memory);
            if (party.RepeatWindow is not null) count = recorded;
        }
        catch (Exception e)   // a count that cannot be kept never stops a case: it opens unescalated, and the log says so
        {
            LogCountFailed(logger, e, caseId, party.Kind, party.Id);
        }
        var escalate = party.RepeatWindow is not null && count >= party.EscalateFrom;
        return new CaseParty(party.Kind, party.Id, party.Name, party.Reason, party.Contact, count, escalate, party.Notify,
            party.RepeatWindow is { } days ? (int)Math.Ceiling(days.TotalDays) : null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: looking for an open case it duplicates failed; it opens as a case of its own")]
    private static partial void LogDuplicateCheckFailed(ILogger logger, Exception exception, string caseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: counting the cases of party {Kind}/{Id} failed; the case opens without the repeat rule")]
    private static partial void LogCountFailed(ILogger logger, Exception exception, string caseId, string kind, string id);
}
