using System.Collections.Immutable;
using GridServer.Domain.Notices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GridServer.Grains.Notices;

/// <summary>
/// An inbox as servers before the notice store kept it (Orleans grain state "inbox", storage <see cref="GrainStorage.Personnel"/>):
/// taken once — its notices into the store, its waiting alerts into the batch — and then cleared. The alias and field ids
/// are those the older servers wrote; they must not change.
/// </summary>
[GenerateSerializer, Alias("notice.inbox-state")]
public sealed class LegacyInboxState
{
    [Id(0)] public List<LegacyNotice> Notices { get; set; } = [];
    [Id(1)] public List<LegacyNotice> Waiting { get; set; } = [];
    [Id(2)] public DateTimeOffset? WindowEndsAt { get; set; }
    [Id(3)] public long Dropped { get; set; }
    [Id(4)] public long ReadThrough { get; set; }

    /// <summary>The inbox's old state, cleared from its storage; null when it has none (or no such storage is registered).</summary>
    public static async Task<LegacyInboxState?> TakeAsync(IServiceProvider services, GrainId grain)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetKeyedService<IGrainStorage>(GrainStorage.Personnel) is not { } storage) return null;
        var state = new GrainState<LegacyInboxState>(new LegacyInboxState());
        await storage.ReadStateAsync("inbox", grain, state);
        if (!state.RecordExists) return null;
        await storage.ClearStateAsync("inbox", grain, state);
        return state.State is { } taken && taken.Notices.Count + taken.Waiting.Count > 0 ? taken : null;
    }
}

/// <summary>A notice as the old inbox state kept it (the contract's alias then, with the channel's name).</summary>
[GenerateSerializer, Immutable, Alias("notice.record")]
public sealed record LegacyNotice(
    [property: Id(0)] string NoticeId, [property: Id(1)] string Recipient, [property: Id(2)] string Channel, [property: Id(3)] string Kind,
    [property: Id(4)] ImmutableArray<string> CaseIds, [property: Id(5)] ImmutableArray<string> GridCodes, [property: Id(6)] string Text,
    [property: Id(7)] string TemplateSource, [property: Id(8)] DateTimeOffset At, [property: Id(9)] string Delivery,
    [property: Id(10)] ImmutableArray<string> CommunityCodes)
{
    public NoticeEntry ToEntry(string inbox) => new(NoticeId, inbox, Channel == "webhook" ? NoticeChannel.Webhook : NoticeChannel.Inbox, Kind,
        CaseIds.IsDefault ? [] : CaseIds, GridCodes.IsDefault ? [] : GridCodes, Text, TemplateSource, At, Delivery,
        CommunityCodes.IsDefault ? [] : CommunityCodes);
}
