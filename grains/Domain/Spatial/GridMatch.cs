namespace GridServer.Domain.Spatial;

/// <summary>
/// The answer to "which grid covers this point?". Either <see cref="GridCode"/> is set (the point is
/// covered), or it is null and <see cref="NearestGridCode"/>/<see cref="DistanceMetres"/> name the
/// closest grid (both null only when there are no grids at all).
/// </summary>
public readonly record struct GridMatch(string? GridCode, string? NearestGridCode, double? DistanceMetres)
{
    public bool Covered => GridCode is not null;

    public static GridMatch NoGrids => new(null, null, null);
}
