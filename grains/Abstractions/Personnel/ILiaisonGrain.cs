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
/// Whom a new case in a community alerts besides the liaisons of its grid: the liaisons assigned the whole community,
/// and the community's webhook when it has one. One answer, so a case asks one grain.
/// </summary>
[GenerateSerializer, Immutable, Alias("personnel.community-alert-targets")]
public sealed record CommunityAlertTargets(
    [property: Id(0)] ImmutableArray<string> Liaisons,
    [property: Id(1)] bool HasWebhook);

/// <summary>
/// The liaisons assigned a whole community, so a case in any of its grids reaches them, and whether the community has
/// a webhook (kept by the community's <c>IWebhookGrain</c>). Key: the community code as the
/// grids carry it (the 12-digit CJ/T 213 community code, or the deployment's own). Kept by <see cref="ILiaisonGrain"/>.
/// </summary>
[Alias("personnel.community")]
public interface ICommunityGrain : IGrainWithStringKey
{
    [Alias("add-liaison")] ValueTask AddLiaisonAsync(string liaisonId);

    [Alias("remove-liaison")] ValueTask RemoveLiaisonAsync(string liaisonId);

    [Alias("liaisons")] ValueTask<ImmutableArray<string>> GetLiaisonsAsync();

    /// <summary>The community's liaisons and whether it has a webhook: what a new case in one of its grids asks.</summary>
    [Alias("alert-targets")] ValueTask<CommunityAlertTargets> GetAlertTargetsAsync();

    /// <summary>Told by the community's webhook grain when a target is set (true) or removed (false).</summary>
    [Alias("set-webhook")] ValueTask SetWebhookAsync(bool configured);
}
