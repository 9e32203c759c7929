using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace GridServer.Silo.Hosting;

/// <summary>Where grids and state live. Section <c>GridServer:Storage</c>.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "GridServer:Storage";

    /// <summary><c>Embedded</c> (default: grids from a file, state in memory) or <c>PostgreSQL</c>.</summary>
    [Required]
    public string Provider { get; set; } = "Embedded";

    /// <summary>Npgsql connection string; required for <c>PostgreSQL</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The grid file the embedded default serves (GeoJSON or Shapefile); default: the shipped sample.</summary>
    public string? GridsFile { get; set; }

    /// <summary>Coordinate system of <see cref="GridsFile"/> when the file does not declare one.</summary>
    public string? GridsFileSrs { get; set; }

    public bool IsPostgres => string.Equals(Provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsPostgres && !string.Equals(Provider, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"{Section}:Provider is '{Provider}'; use Embedded or PostgreSQL", [nameof(Provider)]);
            yield break;
        }
        if (!IsPostgres) yield break;
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult($"{Section}:ConnectionString is required when {Section}:Provider is PostgreSQL", [nameof(ConnectionString)]);
            yield break;
        }
        string? error = null;
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString).Host
                ?? throw new ArgumentException("it names no Host");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            error = e.Message;
        }
        if (error is not null)
            yield return new ValidationResult($"{Section}:ConnectionString is not a valid PostgreSQL connection string: {error}", [nameof(ConnectionString)]);
    }
}

/// <summary>Ports of the silo. Section <c>GridServer:Orleans</c>.</summary>
public sealed class OrleansOptions
{
    public const string Section = "GridServer:Orleans";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}
