using System.Collections.Immutable;

namespace GridServer.Plugins.Contracts;

/// <summary>
/// A supervised matter: what a citizen can report (an Open311 service). <see cref="Code"/> is the Open311 service code
/// and the case's matter: lower-case letters, digits, '-' and '_', at most 64 characters.
/// </summary>
public sealed record MatterDefinition(
    string Code, string Name, string Group, string Description, ImmutableArray<MatterQuestion> Attributes,
    MatterTimeLimits? TimeLimits = null, string Keywords = "")
{
    /// <summary>
    /// The CJ/T 214 class the matter is counted under (contract 1.1): <c>C</c> for a component (部件) or <c>E</c> for
    /// an event (事件), the major class's two digits, and for a minor class two more — <c>E0505</c> 机动车乱停放,
    /// <c>C0102</c> 污水井盖, or a major class alone (<c>E05</c> 街面秩序). It must be in the catalog the server serves
    /// (<c>GET /api/catalog</c>). Null: unclassified.
    /// </summary>
    public string? ClassCode { get; init; }
}

/// <summary>
/// A question a report of the matter answers (an Open311 service-definition attribute). <see cref="Order"/> sorts the
/// questions; <see cref="Values"/> are the choices of a list attribute.
/// </summary>
public sealed record MatterQuestion(
    string Code, AttributeDatatype Datatype, bool Required, string Description, int Order,
    ImmutableArray<AllowedValue> Values = default, string? DatatypeDescription = null);

/// <summary>An Open311 attribute datatype (the members are Open311's names).</summary>
public enum AttributeDatatype
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Open311's name of the datatype")]
    String,
    Number,
    Datetime,
    Text,
    SingleValueList,
    MultiValueList,
}

/// <summary>One choice of a list attribute: <see cref="Key"/> is what a client sends, <see cref="Name"/> what a person reads.</summary>
public sealed record AllowedValue(string Key, string Name);

/// <summary>
/// The time limits of a matter's cases. A limit left null is the server's default (its configuration's, else 10 min
/// to accept, 4 h to handle, 1 h to verify). <see cref="WorkingHours"/>: handling time counts in working hours of
/// the server's working calendar instead of wall-clock time.
/// </summary>
/// <remarks>A server's own configuration for the matter (<c>GridServer:Cases:Matters:{code}</c>) overrides these.</remarks>
public sealed record MatterTimeLimits(TimeSpan? AcceptWithin = null, TimeSpan? HandleWithin = null, TimeSpan? VerifyWithin = null, bool WorkingHours = false);

/// <summary>
/// A report as the module sees it: the matter, where (lon/lat WGS84, degrees; null when only an address was given),
/// the citizen's text, and the attribute answers by code (a multi-value answer joined with commas).
/// </summary>
public sealed record MatterReport(
    string Matter, double? Longitude, double? Latitude, string? Address, string? Description,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>Why a report is refused: the attribute at fault (null for the report as a whole) and what would be right.</summary>
public sealed record ReportProblem(string? Attribute, string Message);
