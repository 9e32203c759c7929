using System.Collections.Frozen;

namespace GridServer.Domain.Geocoding;

/// <summary>One address of a bureau's gazetteer (门牌, building or POI): its text as the bureau writes it, and its point (WGS 84).</summary>
public sealed record GazetteerEntry(string Id, string Address, double Lon, double Lat);

/// <summary>A candidate for an address: the entry, how well it matches (0–1) and why, for a dispatcher choosing among several.</summary>
public sealed record AddressCandidate(GazetteerEntry Entry, double Score, string Why);

/// <summary>What an address came to: the best candidates, best first, and whether the best is sure enough to act on alone.</summary>
public sealed record AddressMatch(IReadOnlyList<AddressCandidate> Candidates, bool Confident)
{
    public AddressCandidate? Best => Candidates.Count > 0 ? Candidates[0] : null;
}

/// <summary>
/// A bureau's gazetteer, indexed to match the addresses people write (地理编码, CJ/T 215): by road, then house number,
/// then building, with the district, street and community a caller names checked against the entry's. Road names are
/// found as the gazetteer spells them, through the bureau's aliases, or with one character wrong; a level the caller
/// leaves out costs nothing, a level that contradicts the entry costs much.
/// </summary>
public sealed class Gazetteer
{
    /// <summary>At or above this score, and clear of the next candidate elsewhere, the best candidate is acted on alone.</summary>
    public const double ConfidentScore = 0.8;

    /// <summary>What the best candidate must lead the next one elsewhere by to be acted on alone.</summary>
    public const double ConfidentLead = 0.1;

    /// <summary>The candidates an answer lists at most.</summary>
    public const int MaxCandidates = 5;

    private static readonly string[] RoadWords = ["大道", "胡同", "路", "街", "巷", "弄", "道", "里"];
    private static readonly string[] AdminWords = ["自治区", "街道", "社区", "省", "市", "区", "县", "镇", "乡", "村"];

    private readonly FrozenDictionary<string, Indexed[]> _byRoad;
    private readonly string[] _roads;            // longest first
    private readonly FrozenSet<string> _adminNames;
    private readonly (string Alias, string Name)[] _aliases;   // longest alias first

    private sealed record Indexed(GazetteerEntry Entry, AddressText Text, string Road, string[] Admin);

    private Gazetteer(IEnumerable<Indexed> entries, IReadOnlyDictionary<string, string> aliases)
    {
        var all = entries.ToList();
        _byRoad = all.GroupBy(e => e.Road, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _roads = [.. _byRoad.Keys.OrderByDescending(r => r.Length).ThenBy(r => r, StringComparer.Ordinal)];
        _adminNames = all.SelectMany(e => e.Admin).ToFrozenSet(StringComparer.Ordinal);
        _aliases = [.. aliases.Select(a => (AddressText.Normalize(a.Key), AddressText.Normalize(a.Value))).Where(a => a.Item1.Length > 0).OrderByDescending(a => a.Item1.Length)];
        Count = all.Count;
    }

    /// <summary>How many entries have a road the index could read; the others cannot be matched.</summary>
    public int Count { get; }

    /// <param name="aliases">Another name → the gazetteer's name (老街名 → 今名, 简称 → 全称), applied to what callers write.</param>
    public static Gazetteer Build(IEnumerable<GazetteerEntry> entries, IReadOnlyDictionary<string, string>? aliases = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var indexed = new List<Indexed>();
        foreach (var entry in entries)
        {
            var text = AddressText.Parse(entry.Address);
            var (admin, road) = Split(text.Place);
            if (road is not null) indexed.Add(new Indexed(entry, text, road, admin));
        }
        return new Gazetteer(indexed, aliases ?? new Dictionary<string, string>());
    }

    /// <summary>Matches an address as a caller writes it.</summary>
    public AddressMatch Match(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var text = AddressText.Parse(address);
        var place = text.Place;
        foreach (var (alias, name) in _aliases) place = place.Replace(alias, name, StringComparison.Ordinal);

        var (road, exact) = FindRoad(place);
        if (road is null) return new AddressMatch([], false);
        var named = _adminNames.Where(n => place.Contains(n, StringComparison.Ordinal)).ToList();
        var scored = _byRoad[road].Select(e => Score(e, text, exact, named)).OrderByDescending(c => c.Score).ThenBy(c => c.Entry.Id, StringComparer.Ordinal).Take(MaxCandidates).ToList();
        var best = scored[0];
        // The next candidate elsewhere: two entries at the same point (a building and its door) do not make a doubt.
        var rival = scored.Skip(1).FirstOrDefault(c => c.Entry.Lon != best.Entry.Lon || c.Entry.Lat != best.Entry.Lat);
        var confident = best.Score >= ConfidentScore && (rival is null || best.Score - rival.Score >= ConfidentLead);
        return new AddressMatch(scored, confident);
    }

    private static AddressCandidate Score(Indexed e, AddressText query, bool exactRoad, List<string> named)
    {
        var score = exactRoad ? 0.5 : 0.4;
        var why = new List<string> { exactRoad ? $"road {e.Road}" : $"road {e.Road} (one character differs)" };
        if (query.Number is not null && e.Text.Number is not null)
        {
            if (query.Number == e.Text.Number) { score += 0.3; why.Add($"number {e.Text.Number}"); }
            else if (Near(query.Number, e.Text.Number)) { score += 0.1; why.Add($"number {e.Text.Number} near {query.Number}"); }
            else why.Add($"number {e.Text.Number}, not {query.Number}");
        }
        if (query.Lane is not null && query.Lane == e.Text.Lane) score += 0.05;
        if (query.Building is not null && e.Text.Building is not null)
        {
            if (query.Building == e.Text.Building) { score += 0.1; why.Add($"building {e.Text.Building}"); }
            else score -= 0.05;
        }
        foreach (var name in named)
        {
            if (e.Admin.Contains(name, StringComparer.Ordinal)) { score += 0.05; continue; }
            // The caller names a place of the same level that this entry is not in: likely the same road name elsewhere.
            if (e.Admin.Any(a => SameLevel(a, name))) { score -= 0.3; why.Add($"not in {name}"); }
        }
        return new AddressCandidate(e.Entry, Math.Clamp(Math.Round(score, 3), 0, 1), string.Join(", ", why));
    }

    private static bool Near(string a, string b) =>
        int.TryParse(a.Split('-')[0], out var x) && int.TryParse(b.Split('-')[0], out var y) && x % 2 == y % 2 && Math.Abs(x - y) <= 10;

    private static bool SameLevel(string a, string b) => Level(a) is { } l && l == Level(b);

    private static string? Level(string name) => AdminWords.FirstOrDefault(w => name.EndsWith(w, StringComparison.Ordinal));

    /// <summary>The road the caller names: as the gazetteer spells it (longest first), else one within a character of it.</summary>
    private (string? Road, bool Exact) FindRoad(string place)
    {
        foreach (var road in _roads)
            if (place.Contains(road, StringComparison.Ordinal)) return (road, true);
        string? found = null;
        foreach (var road in _roads)
        {
            if (road.Length < 3) continue;   // a two-character road with one wrong is anything
            for (var start = 0; start + road.Length <= place.Length; start++)
            {
                if (OneSubstitution(place.AsSpan(start, road.Length), road))
                {
                    if (found is not null && found != road) return (null, false);   // two roads as near: no guess
                    found = road;
                    break;
                }
            }
        }
        return (found, false);
    }

    private static bool OneSubstitution(ReadOnlySpan<char> a, string b)
    {
        var differ = 0;
        for (var i = 0; i < a.Length; i++)
            if (a[i] != b[i] && ++differ > 1) return false;
        // The road word itself must be right: 人民路 is not 人民街.
        return differ == 1 && a[^1] == b[^1];
    }

    /// <summary>The admin names before the road, and the road (the part after the last admin word that ends with a road word).</summary>
    internal static (string[] Admin, string? Road) Split(string place)
    {
        var admin = new List<string>();
        var start = 0;
        for (var i = 0; i < place.Length;)
        {
            var word = AdminWords.FirstOrDefault(w => i + w.Length <= place.Length && string.CompareOrdinal(place, i, w, 0, w.Length) == 0);
            // An admin word ends a name only when a name precedes it and something follows (鹿城区人民路, not 新区大道 … 区 at a road's end).
            if (word is not null && i > start && i + word.Length < place.Length && !RoadWords.Any(r => place.AsSpan(i + word.Length).StartsWith(r)))
            {
                admin.Add(place[start..(i + word.Length)]);
                start = i + word.Length;
                i = start;
                continue;
            }
            i++;
        }
        var rest = place[start..];
        return RoadWords.Any(w => rest.EndsWith(w, StringComparison.Ordinal)) && rest.Length > 1 ? ([.. admin], rest) : ([.. admin], null);
    }
}
