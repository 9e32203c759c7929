namespace GridServer.Silo.Grids;

/// <summary>Checks on a position given as lon/lat in degrees, shared by the command line and the HTTP face.</summary>
internal static class LonLat
{
    /// <summary>True when (lon, lat) is out of range but (lat, lon) would be valid degrees: worth a hint.</summary>
    public static bool LooksSwapped(double lon, double lat) =>
        Math.Abs(lat) > 90 && Math.Abs(lat) <= 180 && Math.Abs(lon) <= 90;

    /// <summary>Why one coordinate is unusable (not finite, or outside [min, max]), or null. <paramref name="lon"/>: for a latitude, the longitude, for the swap hint.</summary>
    public static string? RangeProblem(string name, double value, double min, double max, double? lon = null)
    {
        if (!double.IsFinite(value)) return $"'{name}' must be a finite number of degrees";
        if (value >= min && value <= max) return null;
        // Invariant: the detail is read by programs as well as people, whatever the server's culture.
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{name}' must lie between {min} and {max} degrees, got {value}") +
            (lon is { } x && LooksSwapped(x, value) ? " (are lon and lat swapped?)" : "");
    }

    /// <summary>Why a position is unusable, or null.</summary>
    public static string? Problem(double lon, double lat) => RangeProblem("lon", lon, -180, 180) ?? RangeProblem("lat", lat, -90, 90, lon);
}
