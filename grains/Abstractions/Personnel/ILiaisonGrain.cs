using System.Collections.Immutable;

namespace GridServer.Abstractions.Personnel;

/// <summary>What a liaison watches.</summary>
[GenerateSerializer, Immutable, Alias("personnel.liaison-view")]
public sealed record LiaisonView(
    [property: Id(0)] string LiaisonId,
    [property: Id(1)] ImmutableArray<string> Grids,
    [property: Id(2)] ImmutableArray<string> Communities);

/// <summary>A community liaison (社区服务联络员): sees the alerts of their grids and communities, nothing else. Key: the liaison id.</summary>
[Alias("personnel.liaison")]
public interface ILiaisonGrain : IGrainWithStringKey
{
    /// <summary>Adds a grid; the grid cell's liaison list follows.</summary>
    [Alias("add-grid")] ValueTask AddGridAsync(string gridCode);

    [Alias("remove-grid")] ValueTask RemoveGridAsync(string gridCode);

    /// <summary>Adds a whole community (its 12-digit CJ/T 213 community code, or the deployment's own community code).</summary>
    [Alias("add-community")] ValueTask AddCommunityAsync(string communityCode);

    [Alias("remove-community")] ValueTask RemoveCommunityAsync(string communityCode);

    /// <summary>Whether this liaison may see what happens in a grid (by the grid, or by its community).</summary>
    [Alias("watches")] ValueTask<bool> WatchesAsync(string gridCode, string? communityCode);

    [Alias("get")] ValueTask<LiaisonView> GetAsync();
}

/// <summary>
/// The liaisons assigned a whole community, so a case in any of its grids reaches them. Key: the community code as the
/// grids carry it (the 12-digit CJ/T 213 community code, or the deployment's own). Kept by <see cref="ILiaisonGrain"/>.
/// </summary>
[Alias("personnel.community")]
public interface ICommunityGrain : IGrainWithStringKey
{
    [Alias("add-liaison")] ValueTask AddLiaisonAsync(string liaisonId);

    [Alias("remove-liaison")] ValueTask RemoveLiaisonAsync(string liaisonId);

    [Alias("liaisons")] ValueTask<ImmutableArray<string>> GetLiaisonsAsync();
}
