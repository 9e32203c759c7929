namespace GridServer.Silo.Hosting;

/// <summary>
/// This silo's in-memory copy of something every silo shares through the store and an import replaces whole (the
/// gazetteer, the component census): built when the stored version differs from the one served, polled every
/// <see cref="Period"/> so that an import through another silo is served within it, and loaded at once by the silo that
/// imported. A failed read keeps the copy served.
/// </summary>
public abstract class ServedCopy<T>(IHostApplicationLifetime lifetime) : PollingService(lifetime), IDisposable where T : class
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile T? _served;

    /// <summary>The copy served now; null before the first load.</summary>
    public T? Served => _served;

    protected override TimeSpan Period => TimeSpan.FromSeconds(5);

    /// <summary>The version stored now (cheap).</summary>
    protected abstract Task<long> StoredVersionAsync(CancellationToken cancellationToken);

    /// <summary>Reads the store whole and builds the copy.</summary>
    protected abstract Task<T> BuildAsync(CancellationToken cancellationToken);

    protected abstract long VersionOf(T served);

    /// <summary>The copy, loaded first when its version differs from the stored one.</summary>
    public async Task<T> LoadAsync(CancellationToken cancellationToken = default)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            var version = await StoredVersionAsync(cancellationToken);
            if (_served is { } current && VersionOf(current) == version) return current;
            var built = await BuildAsync(cancellationToken);
            _served = built;
            return built;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The copy served (the poll keeps it current), loaded only when there is none yet: for reads on a request's path.</summary>
    public async ValueTask<T> CurrentAsync(CancellationToken cancellationToken = default) => _served ?? await LoadAsync(cancellationToken);

    /// <summary>The copy served, or loaded now when there is none yet; null when the store cannot be read (the caller goes on without it).</summary>
    protected async ValueTask<T?> ServedOrLoadAsync(CancellationToken cancellationToken)
    {
        if (_served is { } served) return served;
        try
        {
            return await LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            OnFailure(e);
            return null;
        }
    }

    protected override Task PollAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public override void Dispose()
    {
        _loading.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }
}
