using GridServer.Abstractions.Grids;
using GridServer.Abstractions.Personnel;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of a liaison.</summary>
[GenerateSerializer, Alias("personnel.liaison-state")]
public sealed class LiaisonState
{
    [Id(0)] public HashSet<string> Grids { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public HashSet<string> Communities { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A liaison's scope: the grids and communities they watch, and nothing else.</summary>
public sealed class LiaisonGrain([PersistentState("liaison", GrainStorage.Personnel)] IPersistentState<LiaisonState> state) : Grain, ILiaisonGrain
{
    public async ValueTask AddGridAsync(string gridCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gridCode);
        if (state.State.Grids.Add(gridCode)) await state.WriteOrReloadAsync(this);
        await GrainFactory.GetGrain<IGridCellGrain>(gridCode).AddLiaisonAsync(this.GetPrimaryKeyString());
    }

    public async ValueTask RemoveGridAsync(string gridCode)
    {
        if (state.State.Grids.Remove(gridCode)) await state.WriteOrReloadAsync(this);
        await GrainFactory.GetGrain<IGridCellGrain>(gridCode).RemoveLiaisonAsync(this.GetPrimaryKeyString());
    }

    public async ValueTask AddCommunityAsync(string communityCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(communityCode);
        if (state.State.Communities.Add(communityCode)) await state.WriteOrReloadAsync(this);
        await GrainFactory.GetGrain<ICommunityGrain>(communityCode).AddLiaisonAsync(this.GetPrimaryKeyString());
    }

    public async ValueTask RemoveCommunityAsync(string communityCode)
    {
        if (state.State.Communities.Remove(communityCode)) await state.WriteOrReloadAsync(this);
        await GrainFactory.GetGrain<ICommunityGrain>(communityCode).RemoveLiaisonAsync(this.GetPrimaryKeyString());
    }

    public ValueTask<bool> WatchesAsync(string gridCode, string? communityCode) => ValueTask.FromResult(
        state.State.Grids.Contains(gridCode) || (communityCode is not null && state.State.Communities.Contains(communityCode)));

    public ValueTask<LiaisonView> GetAsync() => ValueTask.FromResult(new LiaisonView(this.GetPrimaryKeyString(),
        [.. state.State.Grids.Order(StringComparer.Ordinal)], [.. state.State.Communities.Order(StringComparer.Ordinal)]));
}
