using System.Collections.Immutable;
using System.Text;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using NetTopologySuite.Geometries;

namespace GridServer.Grains.Grids;

/// <summary>
/// The plain parts of a grid change that need no store and no grain: reading the request, the shape of a merge's request,
/// and the lines of an answer. <see cref="GridDirectoryGrain"/> loads, checks against the stored grids, and writes.
/// </summary>
public static class GridChangeRules
{
    /// <summary>At most this many error lines in a refusal; the count of the rest is given.</summary>
    public const int MaxReported = 100;

    /// <summary>The request's features, coordinate system and code scheme; or why they cannot be read.</summary>
    public static (SourceDataset Dataset, SourceCrs Crs, GridCodeScheme Scheme)? Read(GridChangeRequest request, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(request);
        refusal = null;
        if (!Enum.TryParse<GridCodeScheme>(request.CodeScheme, ignoreCase: true, out var scheme) || !Enum.IsDefined(scheme))
        {
            refusal = $"unknown code scheme '{request.CodeScheme}'; use CjT213 or Free";
            return null;
        }
        SourceDataset dataset;
        SourceCrs crs;
        try
        {
            dataset = GeoJsonGridReader.Read(request.GeoJson, "change.geojson");
            crs = GridFiles.ResolveCrs(dataset, null);
        }
        catch (GridFileException e)
        {
            refusal = e.Message.Replace("change.geojson: ", "", StringComparison.Ordinal);
            return null;
        }
        if (dataset.Features.Count == 0)
        {
            refusal = request.Replace ? "an empty collection would retire every grid; refused" : "the change has no features";
            return null;
        }
        return (dataset, crs, scheme);
    }

    /// <summary>Why the codes named for a merge cannot be merged (fewer than two, or one named twice); null when they can.</summary>
    public static string? MergeCodesProblem(ImmutableArray<string> codes)
    {
        if (codes.IsDefaultOrEmpty || codes.Length < 2) return "a merge needs at least two grids";
        var repeated = codes.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return repeated.Count > 0 ? $"grids named more than once: {string.Join(", ", repeated)}" : null;
    }

    /// <summary>A merge's 'into' with the union as its one feature's geometry; or why 'into' does not describe one merged grid.</summary>
    public static (SourceDataset Dataset, string? Refusal) MergeInto(SourceDataset into, Geometry union)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (into.Features.Count != 1) return (into, $"a merge makes one grid; 'into' gave {into.Features.Count} features");
        if (into.CrsDeclaration is not null) return (into, "the merged grid's geometry is the union of the grids; 'into' declares no coordinate system");
        return (into with { Features = [into.Features[0] with { Geometry = union, GeometryError = null }] }, null);
    }

    /// <summary>Issues as lines, at most <see cref="MaxReported"/> and a count of the rest.</summary>
    public static ImmutableArray<string> Lines(IEnumerable<ImportIssue> issues)
    {
        var all = issues.Select(i => i.ToString()).ToList();
        return all.Count <= MaxReported ? [.. all] : [.. all.Take(MaxReported), $"… and {all.Count - MaxReported} more"];
    }

    /// <summary>A geometry as GeoJSON text.</summary>
    public static string GeoJsonOf(Geometry geometry)
    {
        using var buffer = new MemoryStream();
        using (var json = GeoJsonGridWriter.CreateWriter(buffer)) GeoJsonGridWriter.WriteGeometry(json, geometry);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
