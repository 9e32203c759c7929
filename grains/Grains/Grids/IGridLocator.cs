using GridServer.Domain.Grids;
using GridServer.Domain.Spatial;

namespace GridServer.Grains.Grids;

/// <summary>
/// The grids this silo serves, in memory: which grid covers a point, and a grid by its code (its name and community
/// for notices). The silo's grid catalog, kept up to date with the grid directory's changes.
/// </summary>
public interface IGridLocator
{
    /// <summary>The grid covering a point (lon/lat, WGS84, degrees), by the project's tie-break rule.</summary>
    GridMatch Match(double lon, double lat);

    /// <summary>The grids within <paramref name="metres"/> (at most <see cref="Domain.Spatial.GridIndex.MaxNearMetres"/>) of a point, nearest first.</summary>
    IReadOnlyList<(string Code, double DistanceMetres)> Near(double lon, double lat, double metres);

    /// <summary>The grid as served now, or null.</summary>
    Grid? Find(string code);
}
