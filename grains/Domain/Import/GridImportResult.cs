using GridServer.Domain.Grids;

namespace GridServer.Domain.Import;

/// <summary>What kind of problem a feature has.</summary>
public enum ImportIssueKind
{
    InvalidGeometry,
    NotPolygonal,
    EmptyGeometry,
    CoordinatesOutOfRange,
    MissingCode,
    InvalidCode,
    DuplicateCode,
    Overlap,
    Gap,
}

/// <summary>One finding of an import, tied to a feature (0-based index in its file) where there is one.</summary>
public sealed record ImportIssue(ImportIssueKind Kind, int? FeatureIndex, string? Code, string Message, bool IsError)
{
    /// <summary>
    /// Where the finding is, when it has a place (lon/lat EPSG:4326): an overlap's shared ground, a gap's hole, an
    /// invalid boundary's rings with the point where it fails. Null for findings about attributes or unreadable shapes.
    /// </summary>
    public NetTopologySuite.Geometries.Geometry? Where { get; init; }

    /// <summary>The other grid a finding names (an overlap's neighbour), when there is one.</summary>
    public string? OtherCode { get; init; }

    public override string ToString()
    {
        var where = FeatureIndex is { } i ? $"feature {i}" + (Code is null ? "" : $" ({Code})") : Code ?? "file";
        return $"{(IsError ? "error" : "warning")}: {where}: {Message}";
    }
}

/// <summary>A hole in the tiling: an area enclosed by grids that no grid covers.</summary>
/// <param name="AreaSquareMetres">Its area, square metres.</param>
/// <param name="Lon">A point inside it, degrees EPSG:4326.</param>
/// <param name="Lat">A point inside it, degrees EPSG:4326.</param>
public sealed record GapReport(double AreaSquareMetres, double Lon, double Lat)
{
    /// <summary>The hole itself, lon/lat EPSG:4326, when the report was made with it.</summary>
    public NetTopologySuite.Geometries.Polygon? Hole { get; init; }
}

/// <summary>The outcome of checking a file: the grids to store, and every finding.</summary>
public sealed record GridImportResult(IReadOnlyList<Grid> Grids, IReadOnlyList<ImportIssue> Issues, IReadOnlyList<GapReport> Gaps, int FeatureCount)
{
    /// <summary>True when the grids may be stored: no errors, or only errors of features skipped on request.</summary>
    public bool Accepted { get; init; }

    public IEnumerable<ImportIssue> Errors => Issues.Where(i => i.IsError);
}

/// <summary>Progress of a long import: a phase, and features done of total.</summary>
public sealed record ImportProgress(string Phase, int Done, int Total);
