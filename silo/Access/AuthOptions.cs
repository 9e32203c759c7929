using System.ComponentModel.DataAnnotations;
using GridServer.Domain.Access;

namespace GridServer.Silo.Access;

/// <summary>
/// A credential declared in configuration: the secret itself (<see cref="Key"/>, hashed at start and then dropped)
/// or its SHA-256 in hex (<see cref="KeySha256"/>, so the secret need not sit in a settings file).
/// </summary>
public sealed class ConfiguredKey
{
    public string? Key { get; set; }

    public string? KeySha256 { get; set; }

    /// <summary>Operator, Dispatcher, Officer, Liaison or Reporter.</summary>
    public string? Role { get; set; }

    /// <summary>Whom the key speaks for: the officer's or liaison's id, the dispatcher's or channel's name.</summary>
    public string? Subject { get; set; }
}

/// <summary>Credentials and intake limits. Section <c>GridServer:Auth</c>.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "GridServer:Auth";

    /// <summary>The first operator's key: with it an operator issues every other credential (POST /api/credentials).</summary>
    public string? OperatorKey { get; set; }

    /// <summary>The first operator's key as SHA-256 hex, instead of <see cref="OperatorKey"/>.</summary>
    public string? OperatorKeySha256 { get; set; }

    /// <summary>More credentials from configuration (systems that cannot be issued one at run time).</summary>
    public List<ConfiguredKey> Keys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SecretProblem("OperatorKey", OperatorKey, OperatorKeySha256) is { } operatorProblem)
            yield return new ValidationResult(operatorProblem, [nameof(OperatorKey)]);
        for (var i = 0; i < Keys.Count; i++)
        {
            var key = Keys[i];
            var name = $"Keys:{i}";
            if (key.Key is null && key.KeySha256 is null)
                yield return new ValidationResult($"{Section}:{name} needs Key or KeySha256", [nameof(Keys)]);
            else if (SecretProblem($"{name}:Key", key.Key, key.KeySha256) is { } problem)
                yield return new ValidationResult(problem, [nameof(Keys)]);
            if (!AccessRules.TryParseName<Role>(key.Role, out _))
                yield return new ValidationResult($"{Section}:{name}:Role is '{key.Role}'; use one of {string.Join(", ", Enum.GetNames<Role>())}", [nameof(Keys)]);
            if (string.IsNullOrWhiteSpace(key.Subject) || key.Subject.Length > 128)
                yield return new ValidationResult($"{Section}:{name}:Subject is required (the officer's or liaison's id, or a name), at most 128 characters", [nameof(Keys)]);
        }
    }

    private static string? SecretProblem(string name, string? key, string? sha256)
    {
        if (key is not null && sha256 is not null) return $"{Section}:{name}: give the key or its SHA-256, not both";
        if (key is not null && Secrets.WeaknessOf(key) is { } weakness) return $"{Section}:{name} {weakness}";
        if (sha256 is not null && !Secrets.IsSha256Hex(sha256))
            return $"{Section}:{name}Sha256 must be 64 hexadecimal digits (the SHA-256 of the key's UTF-8 bytes)";
        return null;
    }
}
