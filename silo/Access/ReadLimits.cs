using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using GridServer.Domain.Access;
using GridServer.Silo.Hosting;
using GridServer.Silo.Open311;
using ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Access;

/// <summary>
/// How fast reads may come (section <c>GridServer:ReadLimits</c>), for the whole cluster: per credential for callers
/// with one, per client address for anonymous callers (Open311's public reads, and every request whose key was not
/// accepted). Behind a reverse proxy or balancer, name it in <see cref="TrustedProxies"/>: the client's address is
/// then taken from its X-Forwarded-For, otherwise every citizen would share the proxy's budget.
/// </summary>
public sealed class ReadLimitOptions : IValidatableObject
{
    public const string Section = "GridServer:ReadLimits";

    /// <summary>Reads one credential may make (a dispatcher's console draws tiles: this is generous).</summary>
    public LimitOptions PerKey { get; set; } = new() { PermitsPerMinute = 6000, Burst = 1000 };

    /// <summary>Reads one client address may make without a valid credential.</summary>
    public LimitOptions PerAddress { get; set; } = new() { PermitsPerMinute = 600, Burst = 300 };

    /// <summary>Addresses (203.0.113.5) or networks (10.0.0.0/8) of the reverse proxies whose X-Forwarded-For is believed.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PerKey.ToRule().Problem() is { } key) yield return new ValidationResult($"{Section}:PerKey:{key}", [nameof(PerKey)]);
        if (PerAddress.ToRule().Problem() is { } address) yield return new ValidationResult($"{Section}:PerAddress:{address}", [nameof(PerAddress)]);
        for (var i = 0; i < TrustedProxies.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(TrustedProxies[i], out _) && !IPAddress.TryParse(TrustedProxies[i], out _))
                yield return new ValidationResult($"{Section}:TrustedProxies:{i} is neither an address nor a network (e.g. 10.0.0.0/8)", [nameof(TrustedProxies)]);
        }
    }

    /// <summary>One limit's numbers.</summary>
    public sealed class LimitOptions
    {
        public int PermitsPerMinute { get; set; }
        public int Burst { get; set; }
        public RateRule ToRule() => new(PermitsPerMinute, Burst);
    }
}

/// <summary>Applies <see cref="ReadLimitOptions"/> to reads (GET, HEAD) of the API and Open311; 429 with Retry-After beyond them.</summary>
public static class ReadLimits
{
    public static void UseTrustedProxies(this WebApplication app)
    {
        var proxies = app.Services.GetRequiredService<IOptions<ReadLimitOptions>>().Value.TrustedProxies;
        if (proxies.Count == 0) return;
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            if (IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
            else forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
        }
        app.UseForwardedHeaders(forwarded);
    }

    /// <summary>After authentication: the caller's credential, if any, is known.</summary>
    public static void UseReadLimits(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ReadLimitOptions>>().Value;
        var (perKey, perAddress) = (options.PerKey.ToRule(), options.PerAddress.ToRule());
        var limiter = app.Services.GetRequiredService<ClusterRateLimiter>();
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                || !(request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments(Open311Endpoints.Prefix)))
            {
                await next(context);
                return;
            }
            var caller = context.User.Caller();
            var (limit, rule, who) = caller is not null
                ? ("read:key:" + caller.CredentialId, perKey, "this credential")
                : ("read:address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "-"), perAddress, "this address");
            var (allowed, retryAfter) = await limiter.TryTakeAsync(limit, rule);
            if (allowed)
            {
                await next(context);
                return;
            }
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var detail = $"too many reads from {who}: at most {rule.PermitsPerMinute} a minute; try again in {seconds} s";
            IResult refusal = request.Path.StartsWithSegments(Open311Endpoints.Prefix)
                ? Open311Document.Error(429, detail).ToResult(request.Path.Value?.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) == true)
                : Problems.Of(429, "Too many requests", detail);
            await refusal.ExecuteAsync(context);
        });
    }
}
