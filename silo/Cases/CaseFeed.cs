using System.Threading.Channels;
using GridServer.Abstractions.Cases;
using GridServer.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Cases;

/// <summary>
/// The cases as they change, for live lists (the command center's map and list, an officer's cases): while anyone
/// listens on this silo, the case store is asked every <see cref="CaseOptions.LiveSeconds"/> which cases changed, and
/// each change goes to every listener once.
/// </summary>
/// <remarks>
/// Asking the store, not the grains, makes it one feed for the whole cluster: a case changed on another silo is
/// written to the same store (an embedded server is one silo). The store is asked from a little before the newest
/// change seen (<see cref="Lookback"/>), so a step committed late, or stamped by a silo whose clock is behind, is
/// still found; a change is told once by its case's step sequence. When more changed than one answer holds, listeners
/// are told to reload (a <c>null</c> item) rather than given part of it.
/// </remarks>
public sealed partial class CaseFeed(IGrainFactory grains, TimeProvider time, IOptions<CaseOptions> options, ILogger<CaseFeed> logger) : BackgroundService
{
    /// <summary>How far before the newest change seen each question reaches back.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromSeconds(5);

    /// <summary>The most changes one question takes; more tells the listeners to reload.</summary>
    public const int MaxBatch = 1000;

    /// <summary>The most live case lists one credential holds open on a silo (a console in a few tabs).</summary>
    public const int MaxPerCredential = 5;

    /// <summary>The most live case lists a silo serves.</summary>
    public const int MaxListeners = 500;

    private readonly Lock _gate = new();
    private readonly List<Listener> _listeners = [];
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _seenAt = new(StringComparer.Ordinal);
    private TaskCompletionSource _someone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset? _cursor;
    private bool _caughtUp = true;

    /// <summary>One live list: the changes for it wait here for its response.</summary>
    public sealed class Listener(string credentialId) : IDisposable
    {
        private int _missed;

        internal Action<Listener>? Leave { get; set; }

        public string CredentialId { get; } = credentialId;

        /// <summary>The changed cases; null when changes came faster than one answer holds (reload).</summary>
        public Channel<CaseSummaryView?> Changes { get; } = Channel.CreateBounded<CaseSummaryView?>(
            new BoundedChannelOptions(MaxBatch) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

        /// <summary>Whether changes were dropped because this list did not read them in time (then reload); clears it.</summary>
        public bool TakeMissed() => Interlocked.Exchange(ref _missed, 0) == 1;

        internal void Tell(CaseSummaryView? change)
        {
            // Full: the list is a whole batch behind; it is told to reload once it has read what waits.
            if (!Changes.Writer.TryWrite(change)) Volatile.Write(ref _missed, 1);
        }

        public void Dispose() => Leave?.Invoke(this);
    }

    /// <summary>A new listener, or null when the credential or the silo has as many as it may.</summary>
    public Listener? Listen(string credentialId)
    {
        lock (_gate)
        {
            if (_listeners.Count >= MaxListeners || _listeners.Count(l => l.CredentialId == credentialId) >= MaxPerCredential) return null;
            var listener = new Listener(credentialId) { Leave = Remove };
            _listeners.Add(listener);
            if (_listeners.Count == 1)
            {
                // Nobody listened: what changed before now is the lists' own first read, not news.
                _cursor = time.GetUtcNow();
                _seen.Clear();
                _seenAt.Clear();
                _caughtUp = true;
                _someone.TrySetResult();
            }
            return listener;
        }
    }

    private void Remove(Listener listener)
    {
        lock (_gate)
        {
            _listeners.Remove(listener);
            if (_listeners.Count == 0) _someone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        listener.Changes.Writer.TryComplete();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // How often to ask is the machine's own time, not the domain's (which tests may hold still).
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.LiveSeconds), TimeProvider.System);
        while (!stoppingToken.IsCancellationRequested)
        {
            Task someone;
            lock (_gate) someone = _someone.Task;
            await someone.WaitAsync(stoppingToken);
            if (!await timer.WaitForNextTickAsync(stoppingToken)) return;
            try
            {
                await PollAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollFailed(logger, e);   // the next tick asks again from the same place
            }
        }
    }

    /// <summary>Asks the store once and tells the listeners what is new (internal: tests call it without waiting for the timer).</summary>
    internal async Task PollAsync()
    {
        DateTimeOffset since;
        lock (_gate)
        {
            if (_listeners.Count == 0 || _cursor is not { } cursor) return;
            since = _caughtUp ? cursor - Lookback : cursor;
        }
        var changed = await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).ChangedSinceAsync(since, MaxBatch);
        lock (_gate)
        {
            var overflow = changed.Length >= MaxBatch;
            var fresh = new List<CaseSummaryView>();
            foreach (var c in changed)
            {
                if (_seen.TryGetValue(c.CaseId, out var sequence) && sequence >= c.Sequence) continue;
                _seen[c.CaseId] = c.Sequence;
                _seenAt[c.CaseId] = c.UpdatedAt;
                fresh.Add(c);
            }
            if (changed.Length > 0 && changed[^1].UpdatedAt > _cursor) _cursor = changed[^1].UpdatedAt;
            // Past a full answer the next question starts at its end, not before it (it would find the same answer).
            if (overflow && changed[^1].UpdatedAt == since) _cursor = since.AddTicks(1);
            _caughtUp = !overflow;
            var forget = _cursor - 2 * Lookback;
            foreach (var (id, at) in _seenAt.Where(s => s.Value < forget).ToList())
            {
                _seenAt.Remove(id);
                _seen.Remove(id);
            }
            foreach (var listener in _listeners)
            {
                if (overflow) listener.Tell(null);
                else foreach (var c in fresh) listener.Tell(c);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live case lists: asking the case store what changed failed; asking again at the next tick")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
