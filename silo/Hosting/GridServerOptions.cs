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

    /// <summary>Coordinate system of <see cref="GridsFile"/>; overrides what the file declares, as --srs does.</summary>
    public string? GridsFileSrs { get; set; }

    /// <summary>The rule grid codes follow in this deployment: <c>CjT213</c> (default) or <c>Free</c>.</summary>
    public GridServer.Domain.Grids.GridCodeScheme CodeScheme { get; set; } = GridServer.Domain.Grids.GridCodeScheme.CjT213;

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
        if (ConnectionStringError(ConnectionString) is { } error)
            yield return new ValidationResult($"{Section}:ConnectionString is not a valid PostgreSQL connection string: {error}", [nameof(ConnectionString)]);
    }

    /// <summary>
    /// What makes an Npgsql connection string unusable before any connection is tried, or null. Npgsql accepts
    /// a port above 65535 and only fails when it connects, with an exception that names no setting.
    /// </summary>
    public static string? ConnectionStringError(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host)) return "it names no Host";
            if (builder.Port is < 1 or > 65535) return $"Port {builder.Port} is not between 1 and 65535";
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            return e.Message;
        }
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

    /// <summary>The address other silos and clients reach this silo at (PostgreSQL clustering); loopback by default.</summary>
    [Required, RegularExpression(@"^[0-9a-fA-F.:]+$", ErrorMessage = "GridServer:Orleans:AdvertisedAddress must be an IP address")]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}
