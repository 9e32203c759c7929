using System.Collections.Immutable;

namespace GridServer.Abstractions.Personnel;

/// <summary>
/// A squad as it stands: its leader, its officers and its grids. The leader counts as a member of the squad while
/// leading it; <see cref="Officers"/> lists the officers who belong to it in their own right (the leader too, when
/// added as an officer).
/// </summary>
[GenerateSerializer, Immutable, Alias("personnel.squad-view")]
public sealed record SquadView(
    [property: Id(0)] string SquadId,
    [property: Id(1)] string? Leader,
    [property: Id(2)] ImmutableArray<string> Officers,
    [property: Id(3)] ImmutableArray<string> Grids)
{
    /// <summary>Everyone who works the squad's cases: its officers and its leader.</summary>
    public ImmutableArray<string> Members => Leader is null ? Officers : Officers.Add(Leader);
}

/// <summary>An enforcement squad (中队): the escalation target of its cases. Key: the squad id, e.g. "SQ-WUMA".</summary>
[Alias("personnel.squad")]
public interface ISquadGrain : IGrainWithStringKey
{
    /// <summary>Makes the officer the leader. The leader before loses the leader's rights, and the squad too unless they were added as an officer.</summary>
    [Alias("set-leader")] ValueTask SetLeaderAsync(string officerId);

    /// <summary>Leaves the squad without a leader; the leader before stays only if added as an officer. True when there was one.</summary>
    [Alias("clear-leader")] ValueTask<bool> ClearLeaderAsync();

    [Alias("add-officer")] ValueTask AddOfficerAsync(string officerId);

    /// <summary>Takes the officer out of the squad, and from its lead if they held it. True when they were in it.</summary>
    [Alias("remove-officer")] ValueTask<bool> RemoveOfficerAsync(string officerId);

    [Alias("add-grid")] ValueTask AddGridAsync(string gridCode);

    [Alias("remove-grid")] ValueTask RemoveGridAsync(string gridCode);

    [Alias("get")] ValueTask<SquadView> GetAsync();

    /// <summary>The squad's leader, or null: what an escalation or a dispatch needs, without the squad's lists.</summary>
    [Alias("leader")] ValueTask<string?> GetLeaderAsync();
}
