using System.ComponentModel.DataAnnotations;

namespace GridServer.Silo.Open311;

/// <summary>Open311 intake settings. Section <c>GridServer:Open311</c>.</summary>
public sealed class Open311Options : IValidatableObject
{
    public const string Section = "GridServer:Open311";

    /// <summary>The shortest key accepted: a guessable key is no key.</summary>
    public const int MinKeyLength = 16;

    /// <summary>Reporting channels' keys from configuration (each a Reporter credential); an operator can also issue them at run time.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Reports per api_key: a token bucket per key and silo.</summary>
    public IntakeRateLimit RateLimit { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            if (ApiKeys[i] is null || string.IsNullOrWhiteSpace(ApiKeys[i]) || ApiKeys[i].Length < MinKeyLength)
                yield return new ValidationResult($"{Section}:ApiKeys:{i} must have at least {MinKeyLength} characters", [nameof(ApiKeys)]);
        }
        if (RateLimit.PermitsPerMinute < 1) yield return new ValidationResult($"{Section}:RateLimit:PermitsPerMinute must be at least 1", [nameof(RateLimit)]);
        if (RateLimit.Burst < 1) yield return new ValidationResult($"{Section}:RateLimit:Burst must be at least 1", [nameof(RateLimit)]);
    }
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
