using System.Globalization;
using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;
using NetTopologySuite.Operation.Valid;

namespace GridServer.Domain.Import;

/// <summary>
/// Checks the features of a grid file and turns them into grids: codes, coordinate system, geometry
/// validity, duplicates, overlaps between grids and gaps in the tiling. Every finding names the feature
/// (index and code) and the reason; nothing is dropped silently.
/// </summary>
/// <param name="toWgs84">Converts a geometry from the file's coordinate system to lon/lat EPSG:4326 (a new geometry).</param>
/// <param name="areaSquareMetres">Area of a lon/lat geometry in square metres, computed in an equal-area projection.</param>
/// <param name="time">The clock stamping <see cref="Grid.ValidFrom"/>.</param>
/// <param name="crsName">The name of the coordinate system the file is read in, for messages; null when it is WGS84 by default.</param>
public sealed class GridImporter(Func<Geometry, Geometry> toWgs84, Func<Geometry, double> areaSquareMetres, TimeProvider time, string? crsName = null)
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    public GridImportResult Check(SourceDataset dataset, GridImportOptions options, IProgress<ImportProgress>? progress = null)
    {
        var issues = new List<ImportIssue>();
        var candidates = new List<(int Index, Grid Grid)>();
        var firstByCode = new Dictionary<string, int>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var total = dataset.Features.Count;

        for (var n = 0; n < total; n++)
        {
            var feature = dataset.Features[n];
            var grid = CheckFeature(feature, options, now, issues, dataset.CrsDeclaration);
            if (grid is not null)
            {
                if (firstByCode.TryGetValue(grid.Code, out var first))
                {
                    issues.Add(new(ImportIssueKind.DuplicateCode, feature.Index, grid.Code,
                        $"code '{grid.Code}' is already used by feature {first}", true));
                }
                else
                {
                    firstByCode.Add(grid.Code, feature.Index);
                    candidates.Add((feature.Index, grid));
                }
            }
            if ((n + 1) % 500 == 0 || n + 1 == total) progress?.Report(new ImportProgress("checking features", n + 1, total));
        }

        var overlaps = options.CheckTiling ? CheckOverlaps(candidates, options, progress) : [];
        issues.AddRange(overlaps);
        var gaps = options.CheckTiling ? FindGaps(candidates.Select(c => c.Grid.Boundary).ToList(), options.GapToleranceSquareMetres) : [];
        issues.AddRange(gaps.Select(g => new ImportIssue(ImportIssueKind.Gap, null, null,
            string.Create(CultureInfo.InvariantCulture, $"gap of {g.AreaSquareMetres:F1} m² that no grid covers, around ({g.Lon:F7}, {g.Lat:F7})"), false) { Where = g.Hole }));

        var featureErrors = issues.Where(i => i.IsError && i.Kind != ImportIssueKind.Overlap).ToList();
        var overlapErrors = issues.Where(i => i.IsError && i.Kind == ImportIssueKind.Overlap).ToList();
        var accepted = overlapErrors.Count == 0 && (featureErrors.Count == 0 || options.SkipInvalid);
        var grids = candidates.Select(c => c.Grid).ToList();
        return new GridImportResult(grids, issues, gaps, total) { Accepted = accepted };
    }

    /// <summary>
    /// Checks grids that change part of a tiling (a redraw, added grids) against the current grids around them
    /// that they do not replace: an overlap beyond the tolerance names the neighbour and the shared area.
    /// </summary>
    /// <param name="checkedChange">The change as <see cref="Check"/> found it.</param>
    /// <param name="neighbours">Current grids near the change (those it redraws are skipped).</param>
    public GridImportResult CheckAgainstNeighbours(GridImportResult checkedChange, IReadOnlyList<Grid> neighbours, GridImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(checkedChange);
        ArgumentNullException.ThrowIfNull(neighbours);
        var changedCodes = checkedChange.Grids.Select(g => g.Code).ToHashSet(StringComparer.Ordinal);
        var others = neighbours.Where(n => !changedCodes.Contains(n.Code)).ToList();
        var issues = new List<ImportIssue>(checkedChange.Issues);
        var changed = checkedChange.Grids;
        foreach (var overlap in GridOverlaps.Between(changed.Select(g => g.Boundary).ToList(), others.Select(g => g.Boundary).ToList(),
                     areaSquareMetres, options.OverlapToleranceSquareMetres))
        {
            var (grid, neighbour) = (changed[overlap.First], others[overlap.Second]);
            var message = string.Create(CultureInfo.InvariantCulture,
                $"overlaps neighbouring grid '{neighbour.Code}' ({neighbour.Name}) by {overlap.AreaSquareMetres:F1} m²")
                + (options.AllowOverlaps ? "; accepted, points in the overlap go to the lowest code" : "; redraw along the shared boundary, or allow overlaps");
            issues.Add(new(ImportIssueKind.Overlap, null, grid.Code, message, !options.AllowOverlaps) { Where = overlap.Shared, OtherCode = neighbour.Code });
        }
        var accepted = checkedChange.Accepted && !issues.Skip(checkedChange.Issues.Count).Any(i => i.IsError);
        return checkedChange with { Issues = issues, Accepted = accepted };
    }

    private Grid? CheckFeature(SourceFeature feature, GridImportOptions options, DateTimeOffset now,
        List<ImportIssue> issues, string? declaredCrs)
    {
        var code = Text(feature.Attributes, options.CodeField);
        void Error(ImportIssueKind kind, string message) => issues.Add(new(kind, feature.Index, code, message, true));

        if (code is null)
        {
            var present = feature.Attributes.Count == 0 ? "none" : string.Join(", ", feature.Attributes.Keys.Take(12));
            Error(ImportIssueKind.MissingCode, $"no '{options.CodeField}' attribute (attributes: {present}); name the code attribute with --code-field");
            return null;
        }
        if (GridCodes.Validate(code, options.CodeScheme) is { } codeError)
        {
            Error(ImportIssueKind.InvalidCode, codeError + (options.CodeScheme == GridCodeScheme.CjT213 ? " (for other codes choose the free code scheme)" : ""));
            return null;
        }
        if (feature.Geometry is null)
        {
            Error(ImportIssueKind.InvalidGeometry, feature.GeometryError ?? "feature has no geometry");
            return null;
        }
        if (feature.Geometry is not (Polygon or MultiPolygon))
        {
            Error(ImportIssueKind.NotPolygonal, $"is a {feature.Geometry.GeometryType}; a grid must be a Polygon or MultiPolygon");
            return null;
        }
        if (feature.Geometry.IsEmpty)
        {
            Error(ImportIssueKind.EmptyGeometry, "the geometry is empty");
            return null;
        }

        Geometry boundary;
        try
        {
            boundary = toWgs84(feature.Geometry);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Error(ImportIssueKind.CoordinatesOutOfRange, $"coordinates cannot be converted to WGS84: {e.Message}");
            return null;
        }
        var converted = boundary.Coordinates;
        for (var i = 0; i < converted.Length; i++)
        {
            var c = converted[i];
            if (double.IsFinite(c.X) && double.IsFinite(c.Y) && c.X is >= -180 and <= 180 && c.Y is >= -90 and <= 90) continue;
            var source = feature.Geometry.Coordinates;
            var raw = source[Math.Min(i, source.Length - 1)];
            var hint = crsName is null && declaredCrs is null
                ? "the file declares no coordinate system, so lon/lat WGS84 was assumed; if it is projected (e.g. Gauss-Krüger), pass --srs EPSG:4549 or the like"
                : $"the file was read as {ShortCrs(crsName ?? declaredCrs!)}; pass --srs if that is wrong";
            Error(ImportIssueKind.CoordinatesOutOfRange,
                string.Create(CultureInfo.InvariantCulture, $"coordinate ({raw.X}, {raw.Y}) is not a valid lon/lat position after conversion; {hint}"));
            return null;
        }
        if (boundary.SRID != 4326) boundary = Wgs84.CreateGeometry(boundary);

        var validation = new IsValidOp(boundary).ValidationError;
        if (validation is not null)
        {
            var at = validation.Coordinate is { } p
                ? string.Create(CultureInfo.InvariantCulture, $" at ({p.X:F7}, {p.Y:F7})")
                : "";
            // Drawn as its rings (an invalid polygon has no meaningful inside) and the point where it fails.
            Geometry[] where = validation.Coordinate is { } c ? [boundary.Boundary, boundary.Factory.CreatePoint(c)] : [boundary.Boundary];
            issues.Add(new(ImportIssueKind.InvalidGeometry, feature.Index, code, $"invalid geometry: {validation.Message.ToLowerInvariant()}{at}", true)
            {
                Where = boundary.Factory.CreateGeometryCollection(where),
            });
            return null;
        }

        var name = Text(feature.Attributes, options.NameField) ?? code;
        string? streetCode = Text(feature.Attributes, options.StreetCodeField);
        string? communityCode = Text(feature.Attributes, options.CommunityCodeField);
        if (options.CodeScheme == GridCodeScheme.CjT213)
        {
            var parsed = CjT213Code.Parse(code);
            streetCode ??= parsed.StreetCode;
            communityCode ??= parsed.CommunityCode;
        }
        return new Grid(code, name, streetCode, Text(feature.Attributes, options.StreetNameField),
            communityCode, Text(feature.Attributes, options.CommunityNameField),
            boundary, areaSquareMetres(boundary), 1, now);
    }

    private List<ImportIssue> CheckOverlaps(List<(int Index, Grid Grid)> grids, GridImportOptions options, IProgress<ImportProgress>? progress)
    {
        var issues = new List<ImportIssue>();
        void Checked(int i)
        {
            if ((i + 1) % 500 == 0 || i + 1 == grids.Count) progress?.Report(new ImportProgress("checking overlaps", i + 1, grids.Count));
        }
        foreach (var overlap in GridOverlaps.Within(grids.Select(g => g.Grid.Boundary).ToList(), areaSquareMetres, options.OverlapToleranceSquareMetres, Checked))
        {
            var (first, second) = (grids[overlap.First], grids[overlap.Second]);
            var lowest = GridCodes.Order.Compare(first.Grid.Code, second.Grid.Code) < 0 ? first.Grid.Code : second.Grid.Code;
            var message = string.Create(CultureInfo.InvariantCulture,
                $"overlaps grid '{second.Grid.Code}' (feature {second.Index}) by {overlap.AreaSquareMetres:F1} m²")
                + (options.AllowOverlaps ? $"; accepted, points in the overlap go to '{lowest}' (lowest code)" : "; pass --allow-overlaps to accept");
            issues.Add(new(ImportIssueKind.Overlap, first.Index, first.Grid.Code, message, !options.AllowOverlaps) { Where = overlap.Shared, OtherCode = second.Grid.Code });
        }
        return issues;
    }

    private List<GapReport> FindGaps(List<Geometry> boundaries, double toleranceSquareMetres)
    {
        var gaps = new List<GapReport>();
        if (boundaries.Count < 2) return gaps;
        var union = UnaryUnionOp.Union(boundaries);
        for (var i = 0; i < union.NumGeometries; i++)
        {
            if (union.GetGeometryN(i) is not Polygon part) continue;
            foreach (var hole in part.InteriorRings)
            {
                var polygon = Wgs84.CreatePolygon((LinearRing)hole.Copy());
                var area = areaSquareMetres(polygon);
                if (area <= toleranceSquareMetres) continue;
                var inside = polygon.InteriorPoint;
                gaps.Add(new GapReport(area, inside.X, inside.Y) { Hole = polygon });
            }
        }
        return gaps;
    }

    private static string? Text(IReadOnlyDictionary<string, object?> attributes, string field)
    {
        if (!attributes.TryGetValue(field, out var value) || value is null) return null;
        var text = value switch
        {
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        text = text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    private static string ShortCrs(string crs) => crs.Length <= 40 ? crs : crs[..40] + "…";
}
