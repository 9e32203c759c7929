using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Personnel;

namespace GridServer.Grains.Cases;

/// <summary>
/// The dispatch rule's decision from what a grid cell answered (<see cref="GridDispatchInfo"/>: who answers for the grid
/// and their duty now), as the case grain asks for it: plain functions, so the grain only fetches and hands over.
/// </summary>
public static class CaseDispatch
{
    /// <summary>A report with only an address that the gazetteer did not place waits for a dispatcher, saying why.</summary>
    public static DispatchDecision Opening(CaseReport report, GridDispatchInfo? info) =>
        report.Located || report.Address is null ? Decide(report.GridCode, info)
            : new DispatchDecision(DispatchPost.CommandCenter, null, null, Domain.Geocoding.AddressLocating.QueueReason(report.Geocode?.ToDomain()));

    /// <summary>The AB-post rule for <paramref name="grid"/> with its people's duty as the cell answered; no grid or no answer: the command center.</summary>
    public static DispatchDecision Decide(string? grid, GridDispatchInfo? info)
    {
        if (grid is null || info is null) return DispatchRule.Decide(null, _ => DutyStatus.OffDuty);
        return DispatchRule.Decide(new GridResponsibility(grid, info.SquadId, info.OfficerA, info.OfficerB, info.SquadLeader),
            id => id == info.OfficerA ? Status(info.DutyA) : id == info.OfficerB ? Status(info.DutyB) : DutyStatus.OffDuty);
    }

    private static DutyStatus Status(OfficerDuty duty) => duty switch
    {
        OfficerDuty.OnDuty => DutyStatus.OnDuty,
        OfficerDuty.Absent => DutyStatus.Absent,
        _ => DutyStatus.OffDuty,
    };
}
