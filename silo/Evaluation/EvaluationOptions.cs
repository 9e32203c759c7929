using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using GridServer.Domain.Evaluation;

namespace GridServer.Silo.Evaluation;

/// <summary>How the bureau scores its units. Section <c>GridServer:Evaluation</c>.</summary>
public sealed class EvaluationOptions : IValidatableObject
{
    public const string Section = "GridServer:Evaluation";

    /// <summary>
    /// The weight of each rate in the composite score, e.g. <c>Weights:closureRate = 40</c>; when none is set, the
    /// defaults of <see cref="ScoreWeights.Default"/>. Rates not named do not count.
    /// </summary>
    public Dictionary<string, double> Weights { get; set; } = new(StringComparer.Ordinal);

    public ScoreWeights ToWeights() => Weights.Count == 0 ? ScoreWeights.Default : new(Weights.ToImmutableSortedDictionary(StringComparer.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ToWeights().Problem() is { } problem) yield return new ValidationResult($"{Section}:Weights: {problem}", [nameof(Weights)]);
    }
}
