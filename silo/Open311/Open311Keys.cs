using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Open311;

/// <summary>Open311 intake settings. Section <c>GridServer:Open311</c>.</summary>
public sealed class Open311Options : IValidatableObject
{
    public const string Section = "GridServer:Open311";

    /// <summary>The shortest key accepted: a guessable key is no key.</summary>
    public const int MinKeyLength = 16;

    /// <summary>The API keys a reporting channel sends as <c>api_key</c>; none configured refuses every report.</summary>
    public List<string> ApiKeys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ApiKeys[i]) || ApiKeys[i].Length < MinKeyLength)
                yield return new ValidationResult($"{Section}:ApiKeys:{i} must have at least {MinKeyLength} characters", [nameof(ApiKeys)]);
        }
    }
}

/// <summary>
/// Checks an Open311 <c>api_key</c>. Only SHA-256 hashes of the configured keys are kept (taken once, at start),
/// and a candidate is compared with every one in constant time, so the answer's timing tells nothing of a key.
/// </summary>
public sealed class Open311Keys(IOptions<Open311Options> options)
{
    private readonly byte[][] _hashes = [.. options.Value.ApiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];

    /// <summary>True when no key is configured: every report is refused until one is.</summary>
    public bool None => _hashes.Length == 0;

    public bool IsValid(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > 256) return false;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(candidate));
        var valid = false;
        foreach (var known in _hashes) valid |= CryptographicOperations.FixedTimeEquals(hash, known);
        return valid;
    }
}
