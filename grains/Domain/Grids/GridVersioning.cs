using NetTopologySuite.Geometries;

namespace GridServer.Domain.Grids;

/// <summary>Whether grids absent from an import stay (merge) or end their validity (replace).</summary>
public enum GridSaveMode
{
    /// <summary>Add new grids and new versions of changed ones; leave the others as they are.</summary>
    Merge,

    /// <summary>The import is the whole set: grids not in it are retired (their validity ends).</summary>
    Replace,
}

/// <summary>What saving a set of grids changes.</summary>
/// <param name="Written">New grids (version 1) and new versions of changed grids, ready to store.</param>
/// <param name="Retired">Codes of current grids whose validity ends.</param>
public sealed record GridSavePlan(IReadOnlyList<Grid> Written, IReadOnlyList<string> Retired, int Added, int Changed, int Unchanged)
{
    public override string ToString() =>
        $"{Added} added, {Changed} changed (new version), {Unchanged} unchanged, {Retired.Count} retired";
}

/// <summary>
/// The versioning rule shared by every grid store: a grid whose attributes or boundary changed gets the
/// next version, valid from the time of saving; the previous version's validity ends at that moment.
/// A retired code that comes back continues its numbering, so history never holds two versions with
/// the same number. A clock behind the stored validity never makes a version end before it began.
/// </summary>
public static class GridVersioning
{
    /// <param name="current">The current grids by code.</param>
    /// <param name="lastVersions">The highest version each code ever had, retired codes included.</param>
    /// <param name="incoming">The checked grids to save (their version and validity are ignored).</param>
    /// <param name="mode">Whether codes absent from <paramref name="incoming"/> are retired.</param>
    /// <param name="now">The time of saving.</param>
    /// <param name="retire">Current codes to retire besides (a split's old grid, a merge's absorbed grids); ignored when also incoming.</param>
    /// <param name="actor">Who makes the change (a credential subject), recorded on the versions written.</param>
    public static GridSavePlan Plan(IReadOnlyDictionary<string, Grid> current, IReadOnlyDictionary<string, int> lastVersions,
        IEnumerable<Grid> incoming, GridSaveMode mode, DateTimeOffset now, IReadOnlyCollection<string>? retire = null, string? actor = null)
    {
        var written = new List<Grid>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int added = 0, changed = 0, unchanged = 0;
        foreach (var grid in incoming)
        {
            if (!seen.Add(grid.Code)) throw new ArgumentException($"grid code '{grid.Code}' occurs twice", nameof(incoming));
            var next = lastVersions.TryGetValue(grid.Code, out var last) ? last + 1 : 1;
            if (!current.TryGetValue(grid.Code, out var existing))
            {
                written.Add(grid with { Version = next, ValidFrom = now, ValidTo = null, ChangedBy = actor, EndedBy = null });
                added++;
            }
            else if (existing.SameContentAs(grid))
            {
                unchanged++;
            }
            else
            {
                var from = now < existing.ValidFrom ? existing.ValidFrom : now;
                written.Add(grid with { Version = Math.Max(next, existing.Version + 1), ValidFrom = from, ValidTo = null, ChangedBy = actor, EndedBy = null });
                changed++;
            }
        }
        var retired = mode == GridSaveMode.Replace
            ? current.Keys.Where(code => !seen.Contains(code)).Order(StringComparer.Ordinal).ToList()
            : (retire ?? []).Where(code => current.ContainsKey(code) && !seen.Contains(code)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new GridSavePlan(written, retired, added, changed, unchanged);
    }

    /// <summary>When a version ends: the time of saving, but never before the version began.</summary>
    public static DateTimeOffset EndOf(Grid version, DateTimeOffset now) => now < version.ValidFrom ? version.ValidFrom : now;
}

/// <summary>Where grids are kept: PostGIS in production, memory in the embedded default.</summary>
public interface IGridStore
{
    /// <summary>A human-readable description for start-up messages ("PostGIS at 127.0.0.1:5432/gridserver").</summary>
    string Description { get; }

    Task<IReadOnlyList<Grid>> LoadCurrentAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a checked set of grids atomically under the versioning rule, retiring the current grids <paramref name="retire"/>
    /// names with it; <paramref name="actor"/> (a credential subject) is recorded as who made the new versions and ended the old.
    /// </summary>
    Task<GridSavePlan> SaveAsync(IReadOnlyList<Grid> grids, GridSaveMode mode, IReadOnlyCollection<string>? retire = null, string? actor = null, CancellationToken cancellationToken = default);

    /// <summary>Every version of one grid, oldest first.</summary>
    Task<IReadOnlyList<Grid>> HistoryAsync(string code, CancellationToken cancellationToken = default);

    /// <summary>The versions valid at <paramref name="at"/> (valid_from ≤ at &lt; valid_to) whose bounding boxes meet an envelope: the district as it stood then.</summary>
    Task<IReadOnlyList<Grid>> LoadAsOfAsync(DateTimeOffset at, Envelope envelope, CancellationToken cancellationToken = default);

    /// <summary>The current grids whose bounding boxes meet an envelope (lon/lat): the neighbours of a redraw.</summary>
    Task<IReadOnlyList<Grid>> LoadNearAsync(Envelope envelope, CancellationToken cancellationToken = default);

    /// <summary>A number that grows whenever the current grids change (by any writer); equal numbers mean the same grids.</summary>
    Task<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// What changed after <paramref name="revision"/>: the current form of every grid added or redrawn, and the codes
    /// retired; null when the store cannot tell (a change it kept no record of): then load everything.
    /// </summary>
    Task<GridChanges?> LoadChangesSinceAsync(long revision, CancellationToken cancellationToken = default);
}

/// <summary>The grids changed between two revisions: as they are now, and the codes that no longer exist.</summary>
public sealed record GridChanges(long Revision, IReadOnlyList<Grid> Current, IReadOnlyList<string> Retired);

/// <summary>Grids in memory: the embedded default and tests. State is lost when the process ends.</summary>
public sealed class InMemoryGridStore(TimeProvider time) : IGridStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Grid> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Grid>> _history = new(StringComparer.Ordinal);
    private long _revision;
    private readonly List<(long Revision, string[] Codes)> _changes = [];

    public string Description => "memory (embedded default: nothing is persisted)";

    public Task<IReadOnlyList<Grid>> LoadCurrentAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<Grid>>(_current.Values.OrderBy(g => g.Code, StringComparer.Ordinal).ToList());
    }

    public Task<GridSavePlan> SaveAsync(IReadOnlyList<Grid> grids, GridSaveMode mode, IReadOnlyCollection<string>? retire = null, string? actor = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var lastVersions = _history.ToDictionary(h => h.Key, h => h.Value[^1].Version, StringComparer.Ordinal);
            var plan = GridVersioning.Plan(_current, lastVersions, grids, mode, now, retire, actor);
            foreach (var code in plan.Retired) Retire(code, now, actor);
            foreach (var grid in plan.Written)
            {
                Retire(grid.Code, grid.ValidFrom, actor);
                _current[grid.Code] = grid;
                if (!_history.TryGetValue(grid.Code, out var versions)) _history[grid.Code] = versions = [];
                versions.Add(grid);
            }
            if (plan.Written.Count > 0 || plan.Retired.Count > 0)
            {
                _revision++;
                _changes.Add((_revision, [.. plan.Written.Select(g => g.Code), .. plan.Retired]));
            }
            return Task.FromResult(plan);
        }
    }

    public Task<IReadOnlyList<Grid>> HistoryAsync(string code, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<Grid>>(_history.TryGetValue(code, out var v) ? v.ToList() : []);
    }

    public Task<IReadOnlyList<Grid>> LoadAsOfAsync(DateTimeOffset at, Envelope envelope, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Grid>>(_history.Values.SelectMany(v => v)
                .Where(g => g.ValidFrom <= at && (g.ValidTo is null || at < g.ValidTo) && g.Boundary.EnvelopeInternal.Intersects(envelope))
                .OrderBy(g => g.Code, StringComparer.Ordinal).ToList());
        }
    }

    public Task<IReadOnlyList<Grid>> LoadNearAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Grid>>(_current.Values.Where(g => g.Boundary.EnvelopeInternal.Intersects(envelope))
                .OrderBy(g => g.Code, StringComparer.Ordinal).ToList());
        }
    }

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_revision);
    }

    public Task<GridChanges?> LoadChangesSinceAsync(long revision, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (revision > _revision || (revision < _revision && _changes.Count > 0 && _changes[0].Revision > revision + 1))
                return Task.FromResult<GridChanges?>(null);
            var codes = _changes.Where(c => c.Revision > revision).SelectMany(c => c.Codes).ToHashSet(StringComparer.Ordinal);
            var current = codes.Where(_current.ContainsKey).Select(c => _current[c]).OrderBy(g => g.Code, StringComparer.Ordinal).ToList();
            var retired = codes.Where(c => !_current.ContainsKey(c)).Order(StringComparer.Ordinal).ToList();
            return Task.FromResult<GridChanges?>(new GridChanges(_revision, current, retired));
        }
    }

    private void Retire(string code, DateTimeOffset now, string? actor)
    {
        if (!_current.Remove(code)) return;
        var versions = _history[code];
        versions[^1] = versions[^1] with { ValidTo = GridVersioning.EndOf(versions[^1], now), EndedBy = actor };
    }
}
