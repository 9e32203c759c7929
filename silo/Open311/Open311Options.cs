using System.ComponentModel.DataAnnotations;

namespace GridServer.Silo.Open311;

/// <summary>Open311 intake settings. Section <c>GridServer:Open311</c>.</summary>
public sealed class Open311Options : IValidatableObject
{
    public const string Section = "GridServer:Open311";

    /// <summary>Reporting channels' keys from configuration (each a Reporter credential); an operator can also issue them at run time.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Reports per api_key: a token bucket per key and silo.</summary>
    public IntakeRateLimit RateLimit { get; set; } = new();

    /// <summary>What Open311's anonymous reads show (section <c>GridServer:Open311:Public</c>).</summary>
    public Open311PublicOptions Public { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            if (GridServer.Domain.Access.Secrets.WeaknessOf(ApiKeys[i]) is { } weakness)
                yield return new ValidationResult($"{Section}:ApiKeys:{i} {weakness}", [nameof(ApiKeys)]);
        }
        if (RateLimit.PermitsPerMinute < 1) yield return new ValidationResult($"{Section}:RateLimit:PermitsPerMinute must be at least 1", [nameof(RateLimit)]);
        if (RateLimit.Burst < 1) yield return new ValidationResult($"{Section}:RateLimit:Burst must be at least 1", [nameof(RateLimit)]);
        foreach (var problem in Public.Problems()) yield return new ValidationResult(problem, [nameof(Public)]);
    }
}

/// <summary>
/// What Open311's anonymous reads (<c>GET requests</c>, <c>requests/{id}</c>, <c>tokens/{token}</c>) show. Section
/// <c>GridServer:Open311:Public</c>. Only cases that came through a reporting channel and are marked public appear
/// at all (docs/open311.md); these settings say how much of them.
/// </summary>
public sealed class Open311PublicOptions
{
    public const string Section = Open311Options.Section + ":Public";

    /// <summary>Whether <c>GET requests</c> without <c>service_request_id</c> lists public cases; off, only reads by id answer.</summary>
    public bool Search { get; set; } = true;

    /// <summary><c>None</c> (default: no description in public) or <c>Redacted</c> (phone and ID numbers masked).</summary>
    public string Description { get; set; } = "None";

    /// <summary><c>Rounded</c> (default: to <see cref="PositionDecimals"/> decimals of a degree) or <c>None</c> (no position in public).</summary>
    public string Position { get; set; } = "Rounded";

    /// <summary>Decimals of a degree a public position keeps, 1 to 4 (3: about 110 m; 2: about 1.1 km).</summary>
    public int PositionDecimals { get; set; } = 3;

    /// <summary>Reporting channels (credential subjects) whose reports are never public, e.g. a hotline system whose operators type in callers' names.</summary>
    public List<string> PrivateChannels { get; set; } = [];

    /// <summary>
    /// <c>Private</c> (default: a photo sent with a report is seen by staff only) or <c>Public</c> (a public report's photo
    /// is public too, cleaned of its metadata). Photos staff attach are public when their reference says so (<c>:public</c>).
    /// </summary>
    public string ReportPhotos { get; set; } = "Private";

    public bool ReportPhotosPublic => ReportPhotos.Equals("Public", StringComparison.OrdinalIgnoreCase);

    public bool ShowsDescription => Description.Equals("Redacted", StringComparison.OrdinalIgnoreCase);

    public bool ShowsPosition => Position.Equals("Rounded", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Problems()
    {
        if (!ShowsDescription && !Description.Equals("None", StringComparison.OrdinalIgnoreCase))
            yield return $"{Section}:Description is '{Description}'; use None (no description in public) or Redacted (phone and ID numbers masked)";
        if (!ShowsPosition && !Position.Equals("None", StringComparison.OrdinalIgnoreCase))
            yield return $"{Section}:Position is '{Position}'; use Rounded (to PositionDecimals decimals of a degree) or None";
        if (!ReportPhotosPublic && !ReportPhotos.Equals("Private", StringComparison.OrdinalIgnoreCase))
            yield return $"{Section}:ReportPhotos is '{ReportPhotos}'; use Private (staff only) or Public (a public report's photo is public)";
        if (PositionDecimals is < 1 or > 4)
            yield return $"{Section}:PositionDecimals is {PositionDecimals}; use 1 to 4 (3 decimals of a degree: about 110 m)";
        for (var i = 0; i < PrivateChannels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(PrivateChannels[i])) yield return $"{Section}:PrivateChannels:{i} is empty; name a reporting channel's credential subject";
        }
    }

    /// <summary>Whether a report through <paramref name="channel"/> may be public at all.</summary>
    public bool IsPublicChannel(string channel) => !PrivateChannels.Contains(channel, StringComparer.Ordinal);
}

/// <summary>How fast one reporting channel may submit. Section <c>GridServer:Open311:RateLimit</c>.</summary>
public sealed class IntakeRateLimit
{
    /// <summary>Reports one api_key may submit per minute, on average.</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerMinute { get; set; } = 120;

    /// <summary>Reports one api_key may submit at once before the per-minute rate applies.</summary>
    [Range(1, int.MaxValue)]
    public int Burst { get; set; } = 30;
}
