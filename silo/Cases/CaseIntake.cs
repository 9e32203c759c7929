using GridServer.Abstractions.Cases;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Grids;
using GridServer.Silo.Plugins;
using GridServer.Silo.Reference;

namespace GridServer.Silo.Cases;

/// <summary>
/// The one way a case is opened, whatever brought the report (Open311, the staff API, a sensor, a module's scheduled
/// check): the point is matched to its grid, the matter's duty module may name a party responsible beyond the grid
/// (its repeat offences counted, and the case escalated at the module's threshold), then the case grain opens it.
/// </summary>
public sealed partial class CaseIntake(
    IGrainFactory grains, GridCatalog catalog, ModuleRegistry modules, ReferenceCatalog reference, GridServer.Silo.Open311.Open311Services services,
    ILogger<CaseIntake> logger)
{
    /// <summary>
    /// Opens case <paramref name="caseId"/>. <paramref name="party"/>: a party already named (by a sensor's or a check's
    /// module); null asks the matter's module. A module that fails to answer names nobody: the case still opens.
    /// Opening is idempotent (the same id answers the case it opened; its party's count does not grow).
    /// </summary>
    /// <param name="knownNew">The caller knows no case has this id (a random id, or it has just asked the grain): nothing is asked again.</param>
    public async Task<CaseView> OpenAsync(string caseId, CaseReport report, RoutingHint? party = null, bool knownNew = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caseId);
        ArgumentNullException.ThrowIfNull(report);
        var grain = grains.GetGrain<ICaseGrain>(caseId);
        // A retried open answers the case it opened (the grain finishes an open cut short): it is not routed again,
        // so a party's count never grows by a case that does not name it.
        if (!knownNew && await grain.GetAsync() is { } opened)
        {
            return await grain.OpenAsync(report with { Party = opened.Party });
        }
        if (report.Located && report.GridCode is null) report = report with { GridCode = catalog.Match(report.Lon, report.Lat).GridCode };
        // Notices name the matter as people say it ("店外经营 Goods outside the shop"), not by its code.
        report = report with { MatterName = report.MatterName ?? services.Find(report.Matter)?.Name };
        var snapshot = modules.Current;
        var module = snapshot.Matters.TryGetValue(report.Matter, out var matter) ? matter.Module : null;
        party ??= module is not null && report.Located ? await RouteAsync(module, report, cancellationToken) : null;
        if (party is not null) report = report with { Party = await NameAsync(caseId, party) };
        return await grain.OpenAsync(report, knownNew);
    }

    /// <summary>What the matter's module refuses in a report (after its declared attributes were checked), or null.</summary>
    public static async Task<string?> ModuleProblemsAsync(GuardedModule? module, CaseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (module is null) return null;
        var answer = await module.ValidateReportAsync(Report(report));
        // A module that fails the call (throws, hangs, answers nonsense) or is faulted does not stop the report: it is
        // taken under generic handling, and the fault shows in /api/plugins.
        if (!answer.Answered || answer.Value!.Count == 0) return null;
        return string.Join("; ", answer.Value.Select(p => p.Attribute is { Length: > 0 } field ? $"{field}: {p.Message}" : p.Message));
    }

    private async Task<RoutingHint?> RouteAsync(GuardedModule module, CaseReport report, CancellationToken cancellationToken)
    {
        if (!module.Abilities.Routes) return null;
        IReferenceLookup lookup;
        try
        {
            lookup = await reference.LookupForAsync(module, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)   // reference data out of reach never stops a report: nobody beyond the grid is named
        {
            LogLookupFailed(logger, e, module.Folder);
            return null;
        }
        var answer = await module.RouteAsync(Report(report), lookup);
        return answer.Answered ? answer.Value : null;
    }

    /// <summary>The party as the case records it: with its repeat count, and escalated when the count reached the module's threshold.</summary>
    private async Task<CaseParty> NameAsync(string caseId, RoutingHint hint)
    {
        var count = 0;
        if (hint.Repeats is { } repeats)
        {
            try
            {
                count = await grains.GetGrain<IPartyGrain>(IPartyGrain.Key(hint.PartyKind, hint.PartyId)).RecordCaseAsync(caseId, repeats.Window);
            }
            catch (Exception e)   // a count that cannot be kept never stops a case: it opens unescalated, and the log says so
            {
                LogCountFailed(logger, e, caseId, hint.PartyKind, hint.PartyId);
            }
        }
        var escalate = hint.Repeats is { } rule && count >= rule.EscalateFrom;
        return new CaseParty(hint.PartyKind, hint.PartyId, hint.PartyName, hint.Reason, hint.Contact, count, escalate, hint.Notify,
            hint.Repeats is { } r ? (int)Math.Ceiling(r.Window.TotalDays) : null);
    }

    private static MatterReport Report(CaseReport report) => new(report.Matter,
        report.Located ? report.Lon : null, report.Located ? report.Lat : null, report.Address, report.Description,
        report.Attributes ?? System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Module {Folder}: its reference data could not be read; the report opens without a party")]
    private static partial void LogLookupFailed(ILogger logger, Exception exception, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId}: counting the cases of party {Kind}/{Id} failed; the case opens without the repeat rule")]
    private static partial void LogCountFailed(ILogger logger, Exception exception, string caseId, string kind, string id);
}
