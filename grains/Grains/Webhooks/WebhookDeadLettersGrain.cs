using System.Collections.Immutable;
using GridServer.Abstractions.Webhooks;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Webhooks;

/// <summary>Persisted dead letters, oldest first.</summary>
[GenerateSerializer, Alias("webhooks.dead-letters-state")]
public sealed class WebhookDeadLettersState
{
    [Id(0)] public List<DeadLetter> Letters { get; set; } = [];
}

/// <summary>Every webhook's dead letters, kept until re-sent or discarded, at most <see cref="IWebhookDeadLettersGrain.MaxKept"/>.</summary>
public sealed partial class WebhookDeadLettersGrain(
    [PersistentState("dead-letters", GrainStorage.Personnel)] IPersistentState<WebhookDeadLettersState> state,
    ILogger<WebhookDeadLettersGrain> logger) : Grain, IWebhookDeadLettersGrain
{
    public async ValueTask AddAsync(DeadLetter letter)
    {
        var letters = state.State.Letters;
        letters.Add(letter);
        if (letters.Count > IWebhookDeadLettersGrain.MaxKept)
        {
            var dropped = letters.Count - IWebhookDeadLettersGrain.MaxKept;
            LogDropped(logger, dropped, IWebhookDeadLettersGrain.MaxKept);
            letters.RemoveRange(0, dropped);
        }
        LogDead(logger, letter.Message.NoticeId, letter.Message.Community, letter.Attempts, letter.LastError);
        await state.WriteOrReloadAsync(this);
    }

    public ValueTask<ImmutableArray<DeadLetter>> ListAsync(string? community) => ValueTask.FromResult(
        community is null ? [.. state.State.Letters] : state.State.Letters.Where(l => l.Message.Community == community).ToImmutableArray());

    public ValueTask<DeadLetter?> FindAsync(string id) => ValueTask.FromResult(state.State.Letters.Find(l => l.Id == id));

    public async ValueTask<DeadLetter?> TakeAsync(string id, string community)
    {
        var index = state.State.Letters.FindIndex(l => l.Id == id && l.Message.Community == community);
        if (index < 0) return null;
        var letter = state.State.Letters[index];
        state.State.Letters.RemoveAt(index);
        await state.WriteOrReloadAsync(this);
        return letter;
    }

    public async ValueTask<bool> DiscardAsync(string id)
    {
        if (state.State.Letters.RemoveAll(l => l.Id == id) == 0) return false;
        await state.WriteOrReloadAsync(this);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook message {NoticeId} to community {Community} is dead after {Attempts} attempts: {Error}")]
    private static partial void LogDead(ILogger logger, string noticeId, string community, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped the {Dropped} oldest webhook dead letters: at most {MaxKept} are kept")]
    private static partial void LogDropped(ILogger logger, int dropped, int maxKept);
}
