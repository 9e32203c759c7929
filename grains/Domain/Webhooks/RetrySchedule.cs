using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;

namespace GridServer.Domain.Webhooks;

/// <summary>
/// When a failed webhook attempt is tried again: the n-th delay after the n-th failed attempt (the last delay
/// repeats), stretched by up to <see cref="Jitter"/> of itself so that targets that failed together do not all
/// come back at once. After <see cref="MaxAttempts"/> attempts the message is dead.
/// </summary>
public sealed record RetrySchedule(ImmutableArray<TimeSpan> Delays, int MaxAttempts, double Jitter)
{
    /// <summary>5 s, 30 s, 2 min, 10 min, 30 min, 1 h; 8 attempts; up to 20% later.</summary>
    public static RetrySchedule Default { get; } = new(
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)],
        8, 0.2);

    /// <summary>How long to wait after attempt <paramref name="failedAttempts"/> (1 for the first) failed.</summary>
    /// <param name="unit">A random number in [0, 1): 0 gives the schedule's delay, values towards 1 up to <see cref="Jitter"/> more.</param>
    public TimeSpan DelayAfter(int failedAttempts, double unit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(unit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unit, 1.0);
        var delay = Delays[Math.Min(failedAttempts, Delays.Length) - 1];
        return delay + delay * (Jitter * unit);
    }

    /// <summary>Whether a message that failed this many attempts is dead.</summary>
    public bool IsExhausted(int failedAttempts) => failedAttempts >= MaxAttempts;
}

/// <summary>Outbound webhooks. Section <c>GridServer:Webhooks</c>.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "GridServer:Webhooks";

    /// <summary>
    /// Whether targets may be private, loopback or link-local addresses. Default false (SSRF); a deployment whose
    /// chat robot sits on the internal network, and the tests' loopback receiver, set it true.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>
    /// Whether targets may be plain <c>http://</c> URLs. Default false: a notice (case text, places, names) and its
    /// signature would cross the network readable and alterable. For development, and the tests' loopback receivers.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>
    /// The HTTP proxy every webhook request goes through (<c>http://proxy.internal:3128</c>); default none. The
    /// process's <c>HTTP_PROXY</c>/<c>HTTPS_PROXY</c> are never used. Through a proxy the address check can judge only
    /// URLs that name an address: a host name is resolved by the proxy, which must refuse private targets itself.
    /// </summary>
    public string? Proxy { get; set; }

    /// <summary>
    /// The user name a proxy that asks for credentials (407, Basic) is given, with <see cref="ProxyPassword"/>; both or
    /// neither. Kept out of <see cref="Proxy"/> so that the URL, which logs and messages may show, carries no secret.
    /// </summary>
    public string? ProxyUser { get; set; }

    /// <summary>The password for <see cref="ProxyUser"/> (set it from the environment: <c>GridServer__Webhooks__ProxyPassword</c>).</summary>
    public string? ProxyPassword { get; set; }

    /// <summary><see cref="Proxy"/> as a URL: absolute <c>http</c>, with a host and no user name or password; null when unset or not so.</summary>
    public Uri? ProxyUrl =>
        Uri.TryCreate(Proxy, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp && !string.IsNullOrEmpty(url.Host)
            && string.IsNullOrEmpty(url.UserInfo) && url.AbsolutePath == "/" && string.IsNullOrEmpty(url.Query)
            ? url
            : null;

    /// <summary>The waits between attempts (<c>"00:00:05"</c>, …); empty: <see cref="RetrySchedule.Default"/>'s.</summary>
    public TimeSpan[]? RetryDelays { get; set; }

    /// <summary>Attempts per message, the first included, before it goes to the dead letters.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = RetrySchedule.Default.MaxAttempts;

    /// <summary>How much later than its delay a retry may come, as a fraction of the delay (0 to 1).</summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = RetrySchedule.Default.Jitter;

    /// <summary>How long one attempt may take, in seconds (connect, send, answer). Below a grain call's 30 s timeout.</summary>
    [Range(1, 20)]
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>The most messages one target holds waiting; more go straight to the dead letters.</summary>
    [Range(1, 100_000)]
    public int MaxPending { get; set; } = 1000;

    public RetrySchedule Schedule => new(RetryDelays is { Length: > 0 } delays ? [.. delays] : RetrySchedule.Default.Delays, MaxAttempts, Jitter);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryDelays is { } delays && delays.Any(d => d < TimeSpan.Zero || d > TimeSpan.FromDays(1)))
            yield return new ValidationResult($"{Section}:RetryDelays must each be between 00:00:00 and 1.00:00:00", [nameof(RetryDelays)]);
        // The value is not repeated: a proxy URL may carry a password.
        if (Proxy is not null && ProxyUrl is null)
            yield return new ValidationResult($"{Section}:Proxy must be an absolute http URL with a host and no user name, password or path, e.g. http://proxy.internal:3128 (credentials go in ProxyUser and ProxyPassword)", [nameof(Proxy)]);
        if (string.IsNullOrEmpty(ProxyUser) != string.IsNullOrEmpty(ProxyPassword))
            yield return new ValidationResult($"{Section}:ProxyUser and {Section}:ProxyPassword go together: give both or neither", [nameof(ProxyUser)]);
        else if (!string.IsNullOrEmpty(ProxyUser) && Proxy is null)
            yield return new ValidationResult($"{Section}:ProxyUser is set without {Section}:Proxy", [nameof(ProxyUser)]);
    }
}
