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

/// <summary>The silo's cluster: ports, names and how its ports are secured. Section <c>GridServer:Orleans</c>.</summary>
public sealed class OrleansOptions
{
    public const string Section = "GridServer:Orleans";

    /// <summary>What cluster and service ids may look like: they name rows in the database and appear in logs.</summary>
    public const string IdPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// The port Orleans clients outside the silo connect to; 0 (the default) opens none. The HTTP API runs inside the
    /// silo and needs no gateway: open one only for a system that must call grains itself.
    /// </summary>
    [Range(0, 65535)]
    public int GatewayPort { get; set; }

    /// <summary>The address other silos and clients reach this silo at (PostgreSQL clustering); loopback by default.</summary>
    [Required, RegularExpression(@"^[0-9a-fA-F.:]+$", ErrorMessage = "GridServer:Orleans:AdvertisedAddress must be an IP address")]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The cluster this silo joins: silos with the same id in one database form one cluster.</summary>
    [Required, RegularExpression(IdPattern, ErrorMessage = "GridServer:Orleans:ClusterId must be 1 to 64 letters, digits, '.', '-' or '_'")]
    public string ClusterId { get; set; } = "gridserver";

    /// <summary>The service whose grain state and reminders the cluster keeps: changing it leaves stored state behind.</summary>
    [Required, RegularExpression(IdPattern, ErrorMessage = "GridServer:Orleans:ServiceId must be 1 to 64 letters, digits, '.', '-' or '_'")]
    public string ServiceId { get; set; } = "gridserver";

    /// <summary>Mutual TLS on the silo and gateway ports (section <c>GridServer:Orleans:Tls</c>).</summary>
    public ClusterTlsOptions Tls { get; set; } = new();
}

/// <summary>
/// One matter's time limits; a limit not given is the default's. A limit is <c>hh:mm:ss</c> (<c>d.hh:mm:ss</c>) or a
/// number with a unit: <c>30m</c>, <c>4h</c>, <c>5d</c>. <see cref="Calendar"/>: <c>WallClock</c> or <c>WorkingHours</c>.
/// </summary>
public sealed class MatterOptions
{
    public string? AcceptWithin { get; set; }

    public string? HandleWithin { get; set; }

    public string? VerifyWithin { get; set; }

    public string? Calendar { get; set; }

    /// <summary>Whether a dissatisfied verdict at follow-up (回访) sends a closed case of the matter back to handling; unset: the default's (false).</summary>
    public bool? ReopenWhenDissatisfied { get; set; }

    /// <summary>
    /// 重复件: a new report within this many metres of an open case of the matter, reported within <see cref="DuplicateWithin"/>
    /// after it, is linked to it as a duplicate instead of being dispatched. Unset: the default's; 0: never (the default).
    /// </summary>
    public double? DuplicateWithinMetres { get; set; }

    /// <summary>Whether the officer's final feedback must carry at least one photo taken after handling (处置后照片); unset: the default's (false).</summary>
    public bool? RequireAfterPhoto { get; set; }

    /// <summary>How long after an open case was reported new reports may be its duplicates (30m, 24h, 3d); unset: the default's, else 24 hours.</summary>
    public string? DuplicateWithin { get; set; }

    /// <summary>Reads a limit; false when the text is neither form.</summary>
    public static bool TryParseLimit(string text, out TimeSpan limit)
    {
        var t = text.Trim();
        if (t.Length > 1 && char.IsAsciiLetter(t[^1])
            && double.TryParse(t[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && double.IsFinite(n) && Math.Abs(n) < 1e6)
        {
            limit = char.ToLowerInvariant(t[^1]) switch
            {
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => TimeSpan.MinValue,
            };
            return limit != TimeSpan.MinValue;
        }
        return TimeSpan.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out limit);
    }
}

/// <summary>Time limits of cases, per matter, and the working calendar. Section <c>GridServer:Cases</c>.</summary>
public sealed class CaseOptions : IValidatableObject
{
    public const string Section = "GridServer:Cases";

    /// <summary>Limits of matters without their own; unset parts are the domain's defaults (10 min, 4 h, 1 h, wall clock).</summary>
    public MatterOptions Default { get; set; } = new();

    /// <summary>Limits by matter code (the Open311 service code), e.g. <c>Matters:parking:HandleWithin = 00:30:00</c>.</summary>
    public Dictionary<string, MatterOptions> Matters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Public holidays: days that are not working days even on a weekday.</summary>
    public List<DateOnly> Holidays { get; set; } = [];

    /// <summary>Make-up working days (调休): weekend days that are working days.</summary>
    public List<DateOnly> MakeUpWorkdays { get; set; } = [];

    /// <summary>
    /// What a community liaison reads of the cases in their grids: <c>Public</c> (default: numbers masked, no address,
    /// notes, attributes, contacts or photos not marked public) or <c>Full</c> (the case as staff read it).
    /// </summary>
    public string LiaisonDetail { get; set; } = "Public";

    public bool LiaisonDetailFull => string.Equals(LiaisonDetail, "Full", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// With PostgreSQL: how many batches of case steps may commit at once. Each holds a connection while its commit
    /// waits for the disk; more let the next batch form and commit meanwhile (docs/architecture.md).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 32, ErrorMessage = "GridServer:Cases:StoreWriters must lie between 1 and 32")]
    public int StoreWriters { get; set; } = 2;

    /// <summary>How often, in seconds, a silo with live case lists open asks the case store what changed (see CaseFeed).</summary>
    [System.ComponentModel.DataAnnotations.Range(0.1, 60.0, ErrorMessage = "GridServer:Cases:LiveSeconds must lie between 0.1 and 60")]
    public double LiveSeconds { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!LiaisonDetailFull && !string.Equals(LiaisonDetail, "Public", StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"{Section}:LiaisonDetail is '{LiaisonDetail}'; use Public (masked, the public level) or Full", [nameof(LiaisonDetail)]);
        foreach (var (name, matter) in new[] { KeyValuePair.Create("Default", Default) }.Concat(Matters.Select(m => KeyValuePair.Create($"Matters:{m.Key}", m.Value))))
        {
            var unreadable = new[] { ("AcceptWithin", matter.AcceptWithin), ("HandleWithin", matter.HandleWithin), ("VerifyWithin", matter.VerifyWithin),
                    ("DuplicateWithin", matter.DuplicateWithin) }
                .FirstOrDefault(l => l.Item2 is { } text && !MatterOptions.TryParseLimit(text, out _));
            if (unreadable.Item2 is { } bad)
                yield return new ValidationResult($"{Section}:{name}:{unreadable.Item1} is '{bad}'; write a duration as hh:mm:ss or as 30m, 4h, 5d", [nameof(Matters)]);
            else if (CalendarProblem(matter.Calendar) is { } calendar)
                yield return new ValidationResult($"{Section}:{name}:Calendar {calendar}", [nameof(Matters)]);
            else if (Policy(matter).Problem() is { } problem)
                yield return new ValidationResult($"{Section}:{name}: {problem}", [nameof(Matters)]);
        }
    }

    /// <summary>The configured rules (validated first: an invalid setting stops the silo at start, naming it).</summary>
    public GridServer.Domain.Cases.MatterPolicies ToPolicies() =>
        new(Policy(Default), Matters.Select(m => KeyValuePair.Create(m.Key, Policy(m.Value))),
            GridServer.Domain.Cases.WorkingHoursCalendar.OfficeHours(Holidays, MakeUpWorkdays));

    private GridServer.Domain.Cases.MatterPolicy Policy(MatterOptions matter)
    {
        static TimeSpan? Read(string? text) => text is not null && MatterOptions.TryParseLimit(text, out var limit) ? limit : null;
        var calendar = matter.Calendar ?? Default.Calendar;
        return Policy(Read(matter.AcceptWithin), Read(matter.HandleWithin), Read(matter.VerifyWithin),
            string.Equals(calendar, "WorkingHours", StringComparison.OrdinalIgnoreCase)) with
        {
            ReopenWhenDissatisfied = matter.ReopenWhenDissatisfied ?? Default.ReopenWhenDissatisfied ?? false,
            Duplicates = DuplicateRule(matter),
            RequireAfterPhoto = matter.RequireAfterPhoto ?? Default.RequireAfterPhoto ?? false,
        };
    }

    /// <summary>The matter's duplicate rule: its own settings, else the default's; none while the distance is unset or 0.</summary>
    private GridServer.Domain.Cases.DuplicateRule? DuplicateRule(MatterOptions matter)
    {
        var metres = matter.DuplicateWithinMetres ?? Default.DuplicateWithinMetres ?? 0;
        if (metres == 0) return null;
        var within = matter.DuplicateWithin ?? Default.DuplicateWithin;
        // An unreadable duration is reported by Validate; a negative one by the rule's own check.
        var window = within is null ? TimeSpan.FromHours(24) : MatterOptions.TryParseLimit(within, out var read) ? read : TimeSpan.Zero;
        return new(metres, window);
    }

    /// <summary>
    /// The rules of a matter whose duty module declares its limits: a limit the module leaves out is the configured
    /// default's, else the domain's. (A matter configured under <see cref="Matters"/> keeps its configuration instead.)
    /// </summary>
    public GridServer.Domain.Cases.MatterPolicy PolicyOf(GridServer.Plugins.Contracts.MatterTimeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return Policy(limits.AcceptWithin, limits.HandleWithin, limits.VerifyWithin, limits.WorkingHours) with
        {
            ReopenWhenDissatisfied = Default.ReopenWhenDissatisfied ?? false,
            Duplicates = DuplicateRule(Default),
            RequireAfterPhoto = Default.RequireAfterPhoto ?? false,
        };
    }

    private GridServer.Domain.Cases.MatterPolicy Policy(TimeSpan? accept, TimeSpan? handle, TimeSpan? verify, bool workingHours)
    {
        var fallback = GridServer.Domain.Cases.CaseTimeLimits.Default;
        static TimeSpan? Read(string? text) => text is not null && MatterOptions.TryParseLimit(text, out var limit) ? limit : null;
        var limits = new GridServer.Domain.Cases.CaseTimeLimits(
            accept ?? Read(Default.AcceptWithin) ?? fallback.AcceptWithin,
            handle ?? Read(Default.HandleWithin) ?? fallback.HandleWithin,
            verify ?? Read(Default.VerifyWithin) ?? fallback.VerifyWithin);
        return new(limits, workingHours);
    }

    private static string? CalendarProblem(string? calendar) =>
        calendar is null || calendar.Equals("WallClock", StringComparison.OrdinalIgnoreCase) || calendar.Equals("WorkingHours", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"is '{calendar}'; use WallClock or WorkingHours";
}
