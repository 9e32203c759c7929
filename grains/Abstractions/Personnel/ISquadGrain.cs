using System.Collections.Immutable;

namespace GridServer.Abstractions.Personnel;

/// <summary>A squad as it stands: its leader, officers and grids.</summary>
[GenerateSerializer, Immutable, Alias("personnel.squad-view")]
public sealed record SquadView(
    [property: Id(0)] string SquadId,
    [property: Id(1)] string? Leader,
    [property: Id(2)] ImmutableArray<string> Officers,
    [property: Id(3)] ImmutableArray<string> Grids);

/// <summary>An enforcement squad (中队): the escalation target of its cases. Key: the squad id, e.g. "SQ-WUMA".</summary>
[Alias("personnel.squad")]
public interface ISquadGrain : IGrainWithStringKey
{
    [Alias("set-leader")] ValueTask SetLeaderAsync(string officerId);

    [Alias("add-officer")] ValueTask AddOfficerAsync(string officerId);

    [Alias("add-grid")] ValueTask AddGridAsync(string gridCode);

    [Alias("remove-grid")] ValueTask RemoveGridAsync(string gridCode);

    [Alias("get")] ValueTask<SquadView> GetAsync();

    /// <summary>The squad's leader, or null: what an escalation or a dispatch needs, without the squad's lists.</summary>
    [Alias("leader")] ValueTask<string?> GetLeaderAsync();
}
