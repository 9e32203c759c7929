using System.Collections.Immutable;
using Orleans.Concurrency;

namespace GridServer.Abstractions.Grids;

/// <summary>
/// A change of grid boundaries: a GeoJSON FeatureCollection (UTF-8) in the import file's form — code, name,
/// street and community properties; lon/lat WGS84 unless the document declares another CRS.
/// <see cref="Replace"/>: the collection is the whole new set (grids missing from it retire); otherwise the
/// features are added or redrawn and every other grid stays. <see cref="DryRun"/>: checked and its impact found,
/// nothing stored. <see cref="Retire"/>: current grids that retire with the change (set by a split or a merge).
/// </summary>
[GenerateSerializer, Immutable, Alias("grid.change")]
public sealed record GridChangeRequest(
    [property: Id(0)] byte[] GeoJson,
    [property: Id(1)] bool Replace,
    [property: Id(2)] bool AllowOverlaps,
    [property: Id(3)] string ActorId,
    [property: Id(4)] string CodeScheme = "CjT213",
    [property: Id(5)] bool DryRun = false,
    [property: Id(6)] ImmutableArray<string> Retire = default);

/// <summary>
/// Ground that changes hands: held by <see cref="FromGrid"/>, then by <see cref="ToGrid"/> (null: no grid). <see cref="GeoJson"/>: the
/// piece as a GeoJSON Polygon or MultiPolygon, lon/lat WGS84; <see cref="AreaSquareMetres"/> computed in an equal-area projection.
/// </summary>
[GenerateSerializer, Immutable, Alias("grid.transfer")]
public sealed record GridTransferView(
    [property: Id(0)] string? FromGrid,
    [property: Id(1)] string? ToGrid,
    [property: Id(2)] double AreaSquareMetres,
    [property: Id(3)] string GeoJson);

/// <summary>An open case whose reported point falls in another grid after a change (<see cref="ToGrid"/> null: in no grid).</summary>
[GenerateSerializer, Immutable, Alias("grid.case-move")]
public sealed record CaseMoveView(
    [property: Id(0)] string CaseId,
    [property: Id(1)] string? FromGrid,
    [property: Id(2)] string? ToGrid,
    [property: Id(3)] GridServer.Domain.Cases.CaseState State);

/// <summary>
/// A finding of a change's check that has a place, for drawing it: <see cref="Kind"/> (Overlap, InvalidGeometry, Gap),
/// the feature (0-based index in the change's collection) and grid it is about, <see cref="OtherCode"/> (an overlap's
/// other grid), whether it refuses the change, the same line as in the errors or warnings, and <see cref="GeoJson"/>: a
/// GeoJSON geometry, lon/lat WGS84 (an overlap's shared ground, a gap's hole, an invalid boundary's rings with the
/// point where it fails).
/// </summary>
[GenerateSerializer, Immutable, Alias("grid.finding")]
public sealed record GridFindingView(
    [property: Id(0)] string Kind,
    [property: Id(1)] int? FeatureIndex,
    [property: Id(2)] string? Code,
    [property: Id(3)] string? OtherCode,
    [property: Id(4)] bool IsError,
    [property: Id(5)] string Message,
    [property: Id(6)] string GeoJson)
{
    /// <summary>The findings of a check that have a place, errors first, at most <paramref name="max"/>.</summary>
    public static ImmutableArray<GridFindingView> Of(IEnumerable<GridServer.Domain.Import.ImportIssue> issues, int max) =>
        [.. issues.Where(i => i.Where is { IsEmpty: false }).OrderBy(i => i.IsError ? 0 : 1).Take(max)
            .Select(i => new GridFindingView(i.Kind.ToString(), i.FeatureIndex, i.Code, i.OtherCode, i.IsError, i.ToString(),
                GridServer.Domain.Export.GeoJsonGridWriter.GeometryText(i.Where!)))];
}

/// <summary>
/// What a change did (or, for a dry run, would do), or why it was refused (then nothing was stored). <see cref="Revision"/>:
/// the directory's revision after the change; a silo serves the change once its index reaches it. <see cref="Transfers"/> and
/// <see cref="Cases"/>: the ground that changes hands and the open cases whose point now falls in another grid (found before
/// the change is stored; the cases are not moved by the directory). <see cref="Findings"/>: the errors and warnings that
/// have a place, drawable (an overlap's shared ground…).
/// </summary>
[GenerateSerializer, Immutable, Alias("grid.change-result")]
public sealed record GridChangeResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] ImmutableArray<string> Errors,
    [property: Id(2)] ImmutableArray<string> Warnings,
    [property: Id(3)] int Added,
    [property: Id(4)] int Changed,
    [property: Id(5)] int Unchanged,
    [property: Id(6)] ImmutableArray<string> Retired,
    [property: Id(7)] long Revision,
    [property: Id(8)] bool DryRun = false,
    [property: Id(9)] ImmutableArray<GridTransferView> Transfers = default,
    [property: Id(10)] ImmutableArray<CaseMoveView> Cases = default,
    [property: Id(11)] ImmutableArray<GridFindingView> Findings = default);

/// <summary>Told by the directory when the grids change; every silo keeps one to rebuild its index.</summary>
[Alias("grid.directory-observer")]
public interface IGridDirectoryObserver : IGrainObserver
{
    [OneWay, Alias("grids-changed")] Task GridsChangedAsync(long revision);
}

/// <summary>
/// The cluster-wide grid directory: the one writer of grid boundaries and the keeper of their revision (a number
/// that grows with every stored change, also one made outside the cluster by <c>grids import</c>). Silos subscribe
/// and rebuild their in-memory index from the store when it grows. Singleton key: <see cref="Key"/>.
/// </summary>
[Alias("grid.directory")]
public interface IGridDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "grid-directory";

    /// <summary>Checks a change as an import is checked (and, for a partial change, against the neighbouring grids), stores it, and tells every silo.</summary>
    [Alias("change")] ValueTask<GridChangeResult> ChangeAsync(GridChangeRequest request);

    /// <summary>
    /// Splits grid <paramref name="code"/> into the features of <paramref name="parts"/> (new codes): they must cover it and
    /// overlap neither each other nor the neighbours. The old grid retires; each part takes its squad and A/B officers.
    /// </summary>
    [Alias("split")] ValueTask<GridChangeResult> SplitAsync(string code, GridChangeRequest parts);

    /// <summary>
    /// Merges the grids <paramref name="codes"/> into the one feature of <paramref name="into"/> (its geometry, if any, is
    /// replaced by their union, which must be one polygon). The others retire; the merged grid keeps its people when its
    /// code is one of them, and has none otherwise.
    /// </summary>
    [Alias("merge")] ValueTask<GridChangeResult> MergeAsync(ImmutableArray<string> codes, GridChangeRequest into);

    [Alias("revision")] ValueTask<long> GetRevisionAsync();

    /// <summary>Every version of one grid, oldest first, as a GeoJSON FeatureCollection (UTF-8); an unknown code gives none.</summary>
    [Alias("history")] ValueTask<byte[]> GetHistoryAsync(string code);

    /// <summary>
    /// The grids as they stood at an instant, in a box (lon/lat WGS84), as a GeoJSON FeatureCollection with each
    /// version's validity and actors; at most <paramref name="limit"/>, <c>Count</c> says how many there were.
    /// <paramref name="only"/>, when not empty, limits the answer to those codes (a liaison's).
    /// </summary>
    [Alias("as-of")] ValueTask<GridsAsOf> GetAsOfAsync(DateTimeOffset at, GridBox box, int limit, ImmutableArray<string> only);

    /// <summary>Subscribes (or renews) an observer; a subscription not renewed within <c>SubscriptionLifetime</c> lapses.</summary>
    [Alias("subscribe")] ValueTask SubscribeAsync(IGridDirectoryObserver observer);

    [Alias("unsubscribe")] ValueTask UnsubscribeAsync(IGridDirectoryObserver observer);
}

/// <summary>A box in lon/lat, WGS84 degrees.</summary>
[GenerateSerializer, Immutable, Alias("grid.box")]
public sealed record GridBox([property: Id(0)] double MinLon, [property: Id(1)] double MinLat, [property: Id(2)] double MaxLon, [property: Id(3)] double MaxLat);

/// <summary>Grid versions valid at an instant: how many matched, and at most the limit of them as a GeoJSON FeatureCollection (UTF-8).</summary>
[GenerateSerializer, Immutable, Alias("grid.as-of")]
public sealed record GridsAsOf([property: Id(0)] int Count, [property: Id(1)] byte[] GeoJson);
