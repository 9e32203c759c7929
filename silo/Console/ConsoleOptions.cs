using System.ComponentModel.DataAnnotations;
using GridServer.Domain.Geo;

namespace GridServer.Silo.Console;

/// <summary>The web console. Section <c>GridServer:Console</c>.</summary>
public sealed class ConsoleOptions : IValidatableObject
{
    public const string Section = "GridServer:Console";

    /// <summary>Whether the silo serves the console at <c>/console/</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The basemap under the grids; none by default, so the console works with no outside request.</summary>
    public BasemapOptions Basemap { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => Basemap.Validate(validationContext);
}

/// <summary>An XYZ raster tile source and the coordinate system its streets are drawn in. Section <c>GridServer:Console:Basemap</c>.</summary>
public sealed class BasemapOptions : IValidatableObject
{
    /// <summary>A URL template with {z}, {x} and {y} (and optionally {s} for one of <see cref="Subdomains"/>); empty: no basemap.</summary>
    public string? Url { get; set; }

    /// <summary>The basemap's coordinate system: wgs84 or cgcs2000 (e.g. 天地图), or gcj02 (e.g. AMap, Tencent).</summary>
    public string Crs { get; set; } = "wgs84";

    /// <summary>Subdomains {s} takes, in turn (e.g. "1,2,3,4").</summary>
    public string? Subdomains { get; set; }

    /// <summary>The credit line the tile provider asks for.</summary>
    public string? Attribution { get; set; }

    public int MaxZoom { get; set; } = 18;

    public bool Configured => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The basemap's coordinate system as the map uses it (CGCS2000 is drawn as WGS84: they differ by centimetres).</summary>
    public PointCrs MapCrs => PointCrsExtensions.TryParse(Crs, out var crs, out _) && crs == PointCrs.Gcj02 ? PointCrs.Gcj02 : PointCrs.Wgs84;

    /// <summary>The origins the tiles come from (for the Content-Security-Policy).</summary>
    public IEnumerable<string> Origins()
    {
        if (!Configured) yield break;
        var subdomains = (Subdomains ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var s in subdomains.Length == 0 ? [""] : subdomains)
        {
            var url = Url!.Replace("{s}", s, StringComparison.Ordinal).Replace("{z}", "0", StringComparison.Ordinal)
                .Replace("{x}", "0", StringComparison.Ordinal).Replace("{y}", "0", StringComparison.Ordinal);
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri)) yield return uri.GetLeftPart(UriPartial.Authority);
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        const string section = ConsoleOptions.Section + ":Basemap";
        if (!PointCrsExtensions.TryParse(Crs, out var crs, out _) || crs == PointCrs.Bd09)
            yield return new ValidationResult($"{section}:Crs is '{Crs}'; use wgs84, cgcs2000 or gcj02", [nameof(Crs)]);
        if (MaxZoom is < 1 or > 22)
            yield return new ValidationResult($"{section}:MaxZoom is {MaxZoom}; use 1 to 22", [nameof(MaxZoom)]);
        if (!Configured) yield break;
        if (!Url!.Contains("{z}", StringComparison.Ordinal) || !Url.Contains("{x}", StringComparison.Ordinal) || !Url.Contains("{y}", StringComparison.Ordinal))
            yield return new ValidationResult($"{section}:Url must hold {{z}}, {{x}} and {{y}}, e.g. https://tiles.example.org/{{z}}/{{x}}/{{y}}.png", [nameof(Url)]);
        else if (Url.Contains("{s}", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(Subdomains))
            yield return new ValidationResult($"{section}:Url uses {{s}}; list them in {section}:Subdomains (e.g. 1,2,3,4)", [nameof(Subdomains)]);
        else if (!Origins().Any() || Origins().Any(o => !o.StartsWith("https://", StringComparison.Ordinal) && !o.StartsWith("http://", StringComparison.Ordinal)))
            yield return new ValidationResult($"{section}:Url '{Url}' is not an absolute http(s) URL template", [nameof(Url)]);
    }
}
