using System.Globalization;
using System.Text.RegularExpressions;

namespace GridServer.Domain.Geo;

/// <summary>
/// A coordinate system a bureau names and keeps, used by name (<c>local:NAME</c>) wherever a spec is taken: a base
/// system (an EPSG code or WKT) with the datum shift its data needs (<see cref="ToWgs84"/>: Beijing 1954 and Xi'an 1980
/// with the surveying bureau's parameters), and for a city's independent grid (城市独立坐标系) the plane similarity
/// from its coordinates to the base's (<see cref="Plane"/>).
/// </summary>
/// <param name="Base">The system the definition starts from: <c>EPSG:n</c> from the table, or WKT. Not another name, not GCJ-02/BD-09.</param>
/// <param name="ToWgs84">
/// 3 or 7 Helmert parameters to WGS 84, as WKT's TOWGS84 and PROJ's +towgs84 take them (position-vector rotations):
/// dx, dy, dz in metres, rx, ry, rz in arc-seconds, ds in parts per million. They replace what the base declares.
/// </param>
/// <param name="Plane">Four parameters from the local grid's plane coordinates to the base's (a projected system).</param>
public sealed partial record CrsDefinition(string Name, string Base, double[]? ToWgs84 = null, PlaneSimilarity? Plane = null, string? Description = null)
{
    /// <summary>How a spec names a definition: <c>local:wenzhou2000</c>.</summary>
    public const string Prefix = "local:";

    public const int MaxDescriptionLength = 500;

    public const int MaxBaseLength = 10_000;

    /// <summary>Lower-case letters, digits, '-' and '_', 1–64, starting with a letter or digit.</summary>
    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>What is wrong with the definition's own values (whether its base resolves is the registry's to say); empty when nothing.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IsName(Name)) problems.Add($"name '{Name}': use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        if (string.IsNullOrWhiteSpace(Base)) problems.Add("base: give the system the definition starts from, e.g. EPSG:2385 or the WKT of a .prj");
        else if (Base.Trim().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) problems.Add("base: a definition starts from an EPSG code or WKT, not from another named definition");
        else if (Base.Length > MaxBaseLength) problems.Add($"base: at most {MaxBaseLength} characters (a .prj is a few hundred)");
        if (ToWgs84 is { } p)
        {
            if (p.Length is not (3 or 7)) problems.Add($"toWgs84: give 3 (dx, dy, dz) or 7 (dx, dy, dz, rx, ry, rz, ds) parameters, not {p.Length}");
            else if (p.Any(v => !double.IsFinite(v))) problems.Add("toWgs84: every parameter must be a finite number");
            else
            {
                if (p.Take(3).Any(v => Math.Abs(v) > 2000)) problems.Add("toWgs84: a translation over 2000 m is no datum shift on Earth; dx, dy, dz are metres");
                if (p.Length == 7 && p.Skip(3).Take(3).Any(v => Math.Abs(v) > 60)) problems.Add("toWgs84: a rotation over 60 arc-seconds is no datum shift on Earth; rx, ry, rz are arc-seconds");
                if (p.Length == 7 && Math.Abs(p[6]) > 1000) problems.Add("toWgs84: a scale difference over 1000 ppm is no datum shift on Earth; ds is parts per million");
            }
        }
        if (Plane is { } plane) problems.AddRange(plane.Problems());
        if (Description is { Length: > MaxDescriptionLength }) problems.Add($"description: at most {MaxDescriptionLength} characters");
        return problems;
    }

    /// <summary>The TOWGS84 parameters as text, for names and messages.</summary>
    internal string? ToWgs84Text() => ToWgs84 is null ? null : string.Join(",", ToWgs84.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

/// <summary>
/// The four-parameter plane similarity from a local grid's coordinates (x east, y north, metres) to its base
/// system's (E, N): E = East + k·(x·cos θ − y·sin θ), N = North + k·(x·sin θ + y·cos θ), with k = 1 + ScalePpm·10⁻⁶ and θ
/// = RotationSeconds, counter-clockwise. Surveyors often write the same four with x north and y east: then East and
/// North trade places and the rotation changes sign (docs/coordinates.md).
/// </summary>
public sealed record PlaneSimilarity(double East, double North, double RotationSeconds, double ScalePpm)
{
    private double Theta => RotationSeconds / 3600 * Math.PI / 180;

    private double K => 1 + ScalePpm * 1e-6;

    public IEnumerable<string> Problems()
    {
        if (!double.IsFinite(East) || !double.IsFinite(North) || !double.IsFinite(RotationSeconds) || !double.IsFinite(ScalePpm))
            yield return "plane: every parameter must be a finite number";
        else
        {
            if (Math.Abs(East) > 1e8 || Math.Abs(North) > 1e8) yield return "plane: east and north are metres, at most 100,000 km";
            if (Math.Abs(RotationSeconds) > 648_000) yield return "plane: the rotation is arc-seconds, at most 648000 (180 degrees) either way";
            if (Math.Abs(ScalePpm) > 10_000) yield return "plane: a scale difference over 10000 ppm (1 %) is no local grid; scalePpm is parts per million";
        }
    }

    /// <summary>Local (x, y) to the base's (E, N).</summary>
    public (double E, double N) Forward(double x, double y)
    {
        var (sin, cos) = Math.SinCos(Theta);
        return (East + K * (x * cos - y * sin), North + K * (x * sin + y * cos));
    }

    /// <summary>The base's (E, N) to local (x, y).</summary>
    public (double X, double Y) Inverse(double e, double n)
    {
        var (sin, cos) = Math.SinCos(Theta);
        var (de, dn) = ((e - East) / K, (n - North) / K);
        return (de * cos + dn * sin, -de * sin + dn * cos);
    }
}
