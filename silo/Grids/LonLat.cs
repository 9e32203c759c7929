namespace GridServer.Silo.Grids;

/// <summary>Checks on a position given as lon/lat in degrees, shared by the command line and the HTTP face.</summary>
internal static class LonLat
{
    /// <summary>True when (lon, lat) is out of range but (lat, lon) would be valid degrees: worth a hint.</summary>
    public static bool LooksSwapped(double lon, double lat) =>
        Math.Abs(lat) > 90 && Math.Abs(lat) <= 180 && Math.Abs(lon) <= 90;
}
