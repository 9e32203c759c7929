namespace GridServer.Domain.Personnel;

/// <summary>Who answers for a grid: its squad, its A and B officers, and the squad's leader.</summary>
public sealed record GridResponsibility(string GridCode, string? SquadId, string? OfficerA, string? OfficerB, string? SquadLeader);

/// <summary>Which post a case went to.</summary>
public enum DispatchPost
{
    A,
    B,
    Leader,
    /// <summary>The command-center queue for manual dispatch: no grid, or nobody named for it.</summary>
    CommandCenter,
    /// <summary>指派: the command center named the officer itself (a grid with nobody on duty, or no grid).</summary>
    Assigned,
}

/// <summary>Where a case goes, and why, in words an operator reads in the timeline.</summary>
public sealed record DispatchDecision(DispatchPost Post, string? SquadId, string? OfficerId, string Reason);

/// <summary>
/// AB posts (AB岗): a case goes to the grid's A officer when on duty, else to B when on duty, else to the
/// squad leader — never to nobody. A report in no grid, or a grid nobody answers for, goes to the command
/// center's queue.
/// </summary>
public static class DispatchRule
{
    /// <summary>
    /// 指派: the command center names who takes a case — an officer of a squad (<paramref name="officerId"/>), or the squad
    /// itself, which means its leader. The officer must belong to the squad (its leader counts); duty is the dispatcher's
    /// call. Null and the reason when nobody can be named so.
    /// </summary>
    public static (DispatchDecision? Decision, string? Problem) Assign(string squadId, string? officerId, string? leader, IReadOnlyCollection<string> members, string actor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(squadId);
        ArgumentNullException.ThrowIfNull(members);
        if (officerId is null)
            return leader is null
                ? (null, $"squad {squadId} has no leader to take the case; name one of its officers")
                : (new(DispatchPost.Leader, squadId, leader, $"assigned by {actor} to squad {squadId}, its leader {leader}"), null);
        if (officerId != leader && !members.Contains(officerId))
            return (null, $"officer {officerId} is not in squad {squadId}");
        return (new(DispatchPost.Assigned, squadId, officerId, $"assigned by {actor} to officer {officerId} of squad {squadId}"), null);
    }

    public static DispatchDecision Decide(GridResponsibility? grid, Func<string, DutyStatus> statusOf)
    {
        if (grid is null)
            return new(DispatchPost.CommandCenter, null, null, "the location is in no grid");
        if (grid.SquadId is null)
            return new(DispatchPost.CommandCenter, null, null, $"grid {grid.GridCode} has no squad assigned");
        if (grid.OfficerA is { } a && statusOf(a) == DutyStatus.OnDuty)
            return new(DispatchPost.A, grid.SquadId, a, $"A officer {a} is on duty");
        var whyNotA = grid.OfficerA is null ? "no A officer" : $"A officer {grid.OfficerA} is {Describe(statusOf(grid.OfficerA))}";
        if (grid.OfficerB is { } b && statusOf(b) == DutyStatus.OnDuty)
            return new(DispatchPost.B, grid.SquadId, b, $"{whyNotA}; B officer {b} is on duty");
        var whyNotB = grid.OfficerB is null ? "no B officer" : $"B officer {grid.OfficerB} is {Describe(statusOf(grid.OfficerB))}";
        if (grid.SquadLeader is { } leader)
            return new(DispatchPost.Leader, grid.SquadId, leader, $"{whyNotA}; {whyNotB}; to squad leader {leader}");
        return new(DispatchPost.CommandCenter, grid.SquadId, null, $"{whyNotA}; {whyNotB}; squad {grid.SquadId} has no leader");
    }

    private static string Describe(DutyStatus status) => status switch
    {
        DutyStatus.OffDuty => "off duty",
        DutyStatus.Absent => "absent",
        _ => "on duty",
    };
}
