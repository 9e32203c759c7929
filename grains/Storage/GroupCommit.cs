using System.Threading.Channels;

namespace GridServer.Storage;

/// <summary>
/// Group commit: writes handed in concurrently are committed together, many in one statement and one transaction,
/// so that a durable commit (a WAL flush) is paid once per batch instead of once per write. No write waits for a
/// batch to fill: a writer takes whatever is waiting the moment it is free, so a lone write goes at once, and under
/// load the writes that arrive during one commit form the next batch. Each caller's task completes only after its
/// batch committed: nothing is acknowledged before it is durable.
/// </summary>
/// <remarks>
/// Two writes with the same key never share a batch (a statement may touch a row once): the second waits for the
/// next batch of the same writer. When a batch fails as a whole, its writes are tried one by one, so that one bad write
/// fails alone and the others still commit.
/// </remarks>
/// <typeparam name="T">One write.</typeparam>
public sealed class GroupCommit<T> : IAsyncDisposable where T : notnull
{
    private sealed record Pending(T Item, TaskCompletionSource<bool> Done);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlyList<bool>>> _commit;
    private readonly Func<T, string> _key;
    private readonly int _maxBatch;
    private readonly Task[] _writers;
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="commit">Commits a batch in one transaction; answers, per write in order, whether it was taken.</param>
    /// <param name="key">Writes with the same key are never in one batch.</param>
    /// <param name="writers">How many batches may be in flight at once (each holds a connection while it commits).</param>
    public GroupCommit(Func<IReadOnlyList<T>, CancellationToken, Task<IReadOnlyList<bool>>> commit, Func<T, string> key, int maxBatch, int writers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _commit = commit ?? throw new ArgumentNullException(nameof(commit));
        _key = key ?? throw new ArgumentNullException(nameof(key));
        _maxBatch = maxBatch;
        _writers = [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync))];
    }

    /// <summary>How many batches were committed, and how many writes they held (for benchmarks and tests).</summary>
    public (long Batches, long Writes) Committed => (Interlocked.Read(ref _batches), Interlocked.Read(ref _writes));

    private long _batches;
    private long _writes;

    /// <summary>Completes once the write is committed (true) or refused by the commit (false); throws what the database threw.</summary>
    public Task<bool> WriteAsync(T item)
    {
        var pending = new Pending(item, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(GroupCommit<T>), "the store is shutting down");
        return pending.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var deferred = new Queue<Pending>();
        var batch = new List<Pending>(_maxBatch);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            batch.Clear();
            keys.Clear();
            // What the last batch could not take (a second write of a key it held) goes first.
            for (var n = deferred.Count; n > 0 && batch.Count < _maxBatch; n--)
            {
                var next = deferred.Dequeue();
                if (keys.Add(_key(next.Item))) batch.Add(next);
                else deferred.Enqueue(next);
            }
            if (batch.Count == 0 && !await _queue.Reader.WaitToReadAsync().ConfigureAwait(false)) return;
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                if (keys.Add(_key(pending.Item))) batch.Add(pending);
                else deferred.Enqueue(pending);
            }
            if (batch.Count > 0) await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            var taken = await _commit([.. batch.Select(p => p.Item)], _stopping.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _writes, batch.Count);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(taken[i]);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // One bad write (or a batch too large for the server) must not fail the others: each goes again alone.
            foreach (var pending in batch) await CommitAsync([pending]).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            batch[0].Done.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_writers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }
}
