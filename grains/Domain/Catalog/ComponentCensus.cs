using System.Collections.Frozen;
using System.Collections.Immutable;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace GridServer.Domain.Catalog;

/// <summary>
/// One component of a bureau's census (部件普查): its identifier, its CJ/T 214 component class (<c>C0102</c>), the
/// department that owns and maintains it (权属单位) and how to reach it, and where it is (WGS 84).
/// </summary>
public sealed record CensusComponent(string Id, string ClassCode, string Owner, string? Name, string? Contact, double Lon, double Lat);

/// <summary>The component a report is about: the census entry, and how far it is from the report's point.</summary>
public sealed record ComponentMatch(CensusComponent Component, double Metres);

/// <summary>
/// The census indexed by class, to find the component a report is about: the nearest one of the report's class (or, for
/// a matter counted under a major class, of any class under it) within a distance. Plain C#: the store hands over the
/// entries, the silo keeps the index.
/// </summary>
public sealed class ComponentCensus
{
    /// <summary>How far from a report's point its component may be, by default: a phone's position is rarely better.</summary>
    public const double DefaultMatchMetres = 30;

    /// <summary>The farthest a match may be asked for: beyond, a component is not "the one there".</summary>
    public const double MaxMatchMetres = 500;

    private const double MetresPerDegree = 111_320;

    private readonly FrozenDictionary<string, STRtree<CensusComponent>> _byClass;

    private ComponentCensus(IReadOnlyList<CensusComponent> components)
    {
        Count = components.Count;
        var trees = new Dictionary<string, STRtree<CensusComponent>>(StringComparer.Ordinal);
        foreach (var c in components)
        {
            // Each component is found under its own class and under its major class.
            foreach (var key in new[] { c.ClassCode, c.ClassCode[..3] }.Distinct())
            {
                if (!trees.TryGetValue(key, out var tree)) trees[key] = tree = new STRtree<CensusComponent>();
                tree.Insert(new Envelope(c.Lon, c.Lon, c.Lat, c.Lat), c);
            }
        }
        foreach (var tree in trees.Values) tree.Build();
        _byClass = trees.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static ComponentCensus Empty { get; } = new([]);

    public int Count { get; }

    public static ComponentCensus Build(IReadOnlyList<CensusComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        return new ComponentCensus(components);
    }

    /// <summary>
    /// The nearest component of <paramref name="classCode"/> (a minor class, or a major class for any under it) within
    /// <paramref name="metres"/> of a point; ties by id. Null when there is none.
    /// </summary>
    public ComponentMatch? Nearest(string classCode, double lon, double lat, double metres = DefaultMatchMetres)
    {
        ArgumentNullException.ThrowIfNull(classCode);
        if (!_byClass.TryGetValue(classCode, out var tree) || !double.IsFinite(lon) || !double.IsFinite(lat)) return null;
        metres = Math.Clamp(metres, 0, MaxMatchMetres);
        var cos = Math.Cos(lat * Math.PI / 180);
        var (dLon, dLat) = (metres / (MetresPerDegree * Math.Max(cos, 0.01)), metres / MetresPerDegree);
        ComponentMatch? best = null;
        foreach (var c in tree.Query(new Envelope(lon - dLon, lon + dLon, lat - dLat, lat + dLat)))
        {
            var (dx, dy) = ((c.Lon - lon) * MetresPerDegree * cos, (c.Lat - lat) * MetresPerDegree);
            var distance = Math.Sqrt(dx * dx + dy * dy);
            if (distance > metres) continue;
            if (best is null || distance < best.Metres || (distance == best.Metres && string.CompareOrdinal(c.Id, best.Component.Id) < 0))
                best = new ComponentMatch(c, distance);
        }
        return best;
    }

    /// <summary>
    /// The class a CJ/T 214 component identifier names (16 digits: the 6-digit county code, the 4-digit class — major and
    /// minor —, a 6-digit sequence): <c>330302 0102 000123</c> is <c>C0102</c>. Null for an identifier of another form.
    /// </summary>
    public static string? ClassOfIdentifier(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length == 16 && id.All(char.IsAsciiDigit) ? "C" + id[6..10] : null;
    }

    /// <summary>What is wrong with a component's class, or null: it must be a component class the catalog has.</summary>
    public static string? ClassProblem(string classCode, MatterCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (catalog.Problem(classCode) is { } problem) return problem;
        return catalog.Find(classCode)!.Kind == CatalogKind.Component ? null
            : $"class {classCode} ({catalog.Find(classCode)!.Name}) is an event class; a census lists components (C…)";
    }

    /// <summary>The components, for a summary: how many of each class.</summary>
    public static ImmutableSortedDictionary<string, int> CountByClass(IEnumerable<CensusComponent> components) =>
        components.GroupBy(c => c.ClassCode, StringComparer.Ordinal).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
