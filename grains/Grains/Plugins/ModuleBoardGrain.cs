using System.Collections.Immutable;
using GridServer.Abstractions.Plugins;

namespace GridServer.Grains.Plugins;

/// <summary>
/// Keeps each silo's last module report in memory and answers those of the silos the membership holds active.
/// </summary>
/// <remarks>
/// In memory, not persisted: every silo reports again within one heartbeat, so a new activation (after its silo
/// left) is whole again by then, and a heartbeat costs no storage write. A report arriving late from a silo that
/// already left is kept but never shown, and pruned at the next read.
/// </remarks>
public sealed class ModuleBoardGrain : Grain, IModuleBoardGrain
{
    private readonly Dictionary<string, SiloModules> _reports = new(StringComparer.Ordinal);

    public ValueTask ReportAsync(SiloModules report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // A report sent before a later one may arrive after it (a heartbeat racing a change): keep the newest.
        if (!_reports.TryGetValue(report.Silo, out var kept) || kept.Revision < report.Revision
            || (kept.Revision == report.Revision && kept.ReportedAt <= report.ReportedAt))
            _reports[report.Silo] = report;
        return ValueTask.CompletedTask;
    }

    public async ValueTask<ImmutableArray<SiloModules>> GetAsync()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var active = hosts.Keys.Select(s => s.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _reports.Keys.Where(k => !active.Contains(k)).ToList()) _reports.Remove(gone);
        return [.. _reports.Values.OrderBy(r => r.Silo, StringComparer.Ordinal)];
    }
}
