using NetTopologySuite.Geometries;

namespace GridServer.Domain.Grids;

/// <summary>
/// One unit grid (单元网格) as it stands in one version.
/// </summary>
/// <remarks>
/// <see cref="Boundary"/> is a Polygon or MultiPolygon in lon/lat, EPSG:4326, degrees.
/// <see cref="AreaSquareMetres"/> is computed in an equal-area projection, never in degrees.
/// A version is valid from <see cref="ValidFrom"/> until <see cref="ValidTo"/> (null while current).
/// <see cref="ChangedBy"/> is who made this version and <see cref="EndedBy"/> who ended it (credential subjects;
/// null when not recorded: the sample file, versions stored before the history kept its actors).
/// </remarks>
public sealed record Grid(
    string Code,
    string Name,
    string? StreetCode,
    string? StreetName,
    string? CommunityCode,
    string? CommunityName,
    Geometry Boundary,
    double AreaSquareMetres,
    int Version,
    DateTimeOffset ValidFrom,
    DateTimeOffset? ValidTo = null,
    string? ChangedBy = null,
    string? EndedBy = null)
{
    /// <summary>True when the two carry the same attributes and exactly the same boundary (version and validity aside).</summary>
    public bool SameContentAs(Grid other) =>
        Code == other.Code && Name == other.Name && StreetCode == other.StreetCode && StreetName == other.StreetName
        && CommunityCode == other.CommunityCode && CommunityName == other.CommunityName
        && Boundary.EqualsExact(other.Boundary);
}
