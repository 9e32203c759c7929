using System.Collections.Immutable;
using GridServer.Abstractions.Personnel;

namespace GridServer.Grains.Personnel;

/// <summary>Persisted state of a community: the liaisons assigned it as a whole.</summary>
[GenerateSerializer, Alias("personnel.community-state")]
public sealed class CommunityState
{
    [Id(0)] public HashSet<string> Liaisons { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether the community's webhook has a target, as its webhook grain last said.</summary>
    [Id(1)] public bool HasWebhook { get; set; }

    /// <summary>
    /// Whether <see cref="HasWebhook"/> has been learnt: false in a community stored before webhooks told their
    /// community, which then asks its webhook grain once.
    /// </summary>
    [Id(2)] public bool WebhookKnown { get; set; }
}

/// <summary>
/// A community's liaisons, the reverse of each liaison's community list, and whether it has a webhook: so a case finds
/// whom to alert with one call, and a community without a webhook costs a case nothing more.
/// </summary>
public sealed class CommunityGrain([PersistentState("community", GrainStorage.Personnel)] IPersistentState<CommunityState> state) : Grain, ICommunityGrain
{
    public async ValueTask AddLiaisonAsync(string liaisonId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(liaisonId);
        if (state.State.Liaisons.Add(liaisonId)) await state.WriteOrReloadAsync(this);
    }

    public async ValueTask RemoveLiaisonAsync(string liaisonId)
    {
        if (state.State.Liaisons.Remove(liaisonId)) await state.WriteOrReloadAsync(this);
    }

    public async ValueTask<CommunityAlertTargets> GetAlertTargetsAsync()
    {
        if (!state.State.WebhookKnown)
        {
            // A webhook set before its community kept this flag: asked once, then remembered.
            var target = await GrainFactory.GetGrain<GridServer.Abstractions.Webhooks.IWebhookGrain>(this.GetPrimaryKeyString()).GetAsync();
            await SetWebhookAsync(target is not null);
        }
        return new CommunityAlertTargets([.. state.State.Liaisons.Order(StringComparer.Ordinal)], state.State.HasWebhook);
    }

    public async ValueTask SetWebhookAsync(bool configured)
    {
        if (state.State.HasWebhook == configured && state.State.WebhookKnown) return;
        (state.State.HasWebhook, state.State.WebhookKnown) = (configured, true);
        await state.WriteOrReloadAsync(this);
    }

    public ValueTask<ImmutableArray<string>> GetLiaisonsAsync() => ValueTask.FromResult<ImmutableArray<string>>([.. state.State.Liaisons.Order(StringComparer.Ordinal)]);
}
