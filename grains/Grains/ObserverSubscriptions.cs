namespace GridServer.Grains;

/// <summary>
/// A grain's live observers, each until its subscription lapses: an observer on a silo that died without
/// unsubscribing is dropped once its time is up, so subscribers renew well before then.
/// </summary>
internal sealed class ObserverSubscriptions<TObserver> where TObserver : IGrainObserver
{
    private readonly Dictionary<TObserver, DateTimeOffset> _until = [];

    /// <summary>Adds or renews a subscription until <paramref name="until"/>.</summary>
    public void Subscribe(TObserver observer, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _until[observer] = until;
    }

    public void Unsubscribe(TObserver observer) => _until.Remove(observer);

    /// <summary>The observers whose subscription still runs at <paramref name="now"/>; the lapsed ones are dropped.</summary>
    public List<TObserver> Live(DateTimeOffset now)
    {
        foreach (var (observer, until) in _until.ToList())
        {
            if (until < now) _until.Remove(observer);
        }
        return [.. _until.Keys];
    }
}
