using GridServer.Abstractions.Cases;
using GridServer.Grains.Cases;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Open311;
using GridServer.Silo.Reference;

namespace GridServer.Silo.Plugins;

/// <summary>
/// The grains' case intake asks this silo's duty modules through it (<see cref="IMatterRouting"/>): the matter's name as
/// its service gives it, and the party the matter's module names, each module called through its guard with its own
/// reference data. A module that fails or is faulted names nobody; reference data out of reach names nobody either.
/// </summary>
public sealed partial class ModuleRouting(ModuleRegistry modules, ReferenceCatalog reference, Open311Services services, ILogger<ModuleRouting> logger) : IMatterRouting
{
    public string? NameOf(string matter) => services.Find(matter)?.Name;

    public string? ClassOf(string matter) => services.Find(matter)?.ClassCode;

    public async Task<ModuleParty?> RouteAsync(CaseReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!modules.Current.Matters.TryGetValue(report.Matter, out var matter) || matter.Module is not { Abilities.Routes: true } module) return null;
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
        return answer.Answered ? Party(answer.Value) : null;
    }

    /// <summary>What the matter's module refuses in a report (after its declared attributes were checked), or null.</summary>
    public static async Task<string?> ProblemsAsync(GuardedModule? module, CaseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (module is null) return null;
        var answer = await module.ValidateReportAsync(Report(report));
        // A module that fails the call (throws, hangs, answers nonsense) or is faulted does not stop the report: it is
        // taken under generic handling, and the fault shows in /api/plugins.
        if (!answer.Answered || answer.Value!.Count == 0) return null;
        return string.Join("; ", answer.Value.Select(p => p.Attribute is { Length: > 0 } field ? $"{field}: {p.Message}" : p.Message));
    }

    /// <summary>A module's routing hint in the grains' terms.</summary>
    public static ModuleParty? Party(RoutingHint? hint) => hint is null ? null
        : new ModuleParty(hint.PartyKind, hint.PartyId, hint.PartyName, hint.Reason, hint.Contact, hint.Repeats?.Window, hint.Repeats?.EscalateFrom ?? 0, hint.Notify);

    private static MatterReport Report(CaseReport report) => new(report.Matter,
        report.Located ? report.Lon : null, report.Located ? report.Lat : null, report.Address, report.Description,
        report.Attributes ?? System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Module {Folder}: its reference data could not be read; the report opens without a party")]
    private static partial void LogLookupFailed(ILogger logger, Exception exception, string folder);
}
