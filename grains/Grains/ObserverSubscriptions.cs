namespace GridServer.Grains;

/// <summary>
/// A grain's live observers, each until its subscription lapses: an observer on a silo that died without
/// unsubscribing is dropped once its time is up, so subscribers renew well before then.
/// </summary>
internal sealed class ObserverSubscriptions<TObserver> where TObserver : IGrainObserver
{
    private readonly Dictionary<TObserver, DateTimeOffset> _until = [];
    private readonly Dictionary<TObserver, string> _owners = [];

    /// <summary>Adds or renews a subscription until <paramref name="until"/>.</summary>
    public void Subscribe(TObserver observer, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _until[observer] = until;
    }

    /// <summary>
    /// Adds a subscription for <paramref name="owner"/> unless that owner already has <paramref name="perOwner"/> live
    /// ones or the grain <paramref name="total"/>; renewing one that is still live always succeeds.
    /// </summary>
    public bool TrySubscribe(TObserver observer, string owner, DateTimeOffset until, DateTimeOffset now, int perOwner, int total)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(owner);
        var live = Live(now);
        if (!_until.ContainsKey(observer))
        {
            if (live.Count >= total || live.Count(o => _owners.GetValueOrDefault(o) == owner) >= perOwner) return false;
            _owners[observer] = owner;
        }
        _until[observer] = until;
        return true;
    }

    public void Unsubscribe(TObserver observer)
    {
        _until.Remove(observer);
        _owners.Remove(observer);
    }

    /// <summary>The observers whose subscription still runs at <paramref name="now"/>; the lapsed ones are dropped.</summary>
    public List<TObserver> Live(DateTimeOffset now)
    {
        foreach (var (observer, until) in _until.ToList())
        {
            if (until < now) Unsubscribe(observer);
        }
        return [.. _until.Keys];
    }
}
