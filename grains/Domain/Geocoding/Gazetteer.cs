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

    /// <summary>Candidates this close to the best are the same place (a building and its door plate): no doubt between them.</summary>
    public const double SameSpotMetres = 50;

    /// <summary>A mistyped road that could be more than this many roads is no lead at all.</summary>
    private const int MaxNearRoads = 4;

    /// <summary>The candidates an answer lists at most.</summary>
    public const int MaxCandidates = 5;

    private static readonly string[] RoadWords = ["大道", "胡同", "路", "街", "巷", "弄", "道", "里"];
    private static readonly string[] AdminWords = ["自治区", "街道", "社区", "省", "市", "区", "县", "镇", "乡", "村"];

    private readonly FrozenDictionary<string, Indexed[]> _byRoad;
    private readonly string[] _roads;            // longest first
    private readonly FrozenDictionary<string, int> _adminLevels;   // admin name → its level (see LevelsOf)
    private readonly (string Alias, string Name)[] _aliases;   // longest alias first

    /// <param name="Levels">The levels the entry names, as bits (1 &lt;&lt; level).</param>
    private sealed record Indexed(GazetteerEntry Entry, AddressText Text, string Road, string[] Admin, int Levels);

    private Gazetteer(IEnumerable<Indexed> entries, IReadOnlyDictionary<string, string> aliases)
    {
        var all = entries.ToList();
        _byRoad = all.GroupBy(e => e.Road, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _roads = [.. _byRoad.Keys.OrderByDescending(r => r.Length).ThenBy(r => r, StringComparer.Ordinal)];
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in all)
            foreach (var (name, level) in e.Admin.Zip(LevelsOf(e.Admin)))
                levels.TryAdd(name, level);
        _adminLevels = levels.ToFrozenDictionary(StringComparer.Ordinal);
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
            if (road is not null) indexed.Add(new Indexed(entry, text, road, admin, LevelsOf(admin).Aggregate(0, (bits, level) => bits | (1 << level))));
        }
        return new Gazetteer(indexed, aliases ?? new Dictionary<string, string>());
    }

    /// <summary>Whether an entry's address names a road the index can read (an entry without one is never matched).</summary>
    public static bool Readable(string address) => Split(AddressText.Parse(address).Place).Road is not null;

    /// <summary>Matches an address as a caller writes it.</summary>
    public AddressMatch Match(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var text = AddressText.Parse(address);
        var place = text.Place;
        foreach (var (alias, name) in _aliases) place = place.Replace(alias, name, StringComparison.Ordinal);

        var roads = FindRoad(place);
        if (roads.Count == 0) return new AddressMatch([], false);
        var named = _adminLevels.Where(n => place.Contains(n.Key, StringComparison.Ordinal)).ToList();
        // Ordered by the score before it is held to 0–1, so that a building named and matched stays above its neighbours.
        var scored = roads.SelectMany(r => _byRoad[r.Road].Select(e => (Raw: Score(e, text, r.Exact, named), Entry: e, r.Exact)))
            .OrderByDescending(c => c.Raw).ThenBy(c => c.Entry.Entry.Id, StringComparer.Ordinal).Take(MaxCandidates)
            .Select(c =>
            {
                var why = new List<string>();
                Score(c.Entry, text, c.Exact, named, why);
                return (c.Raw, Candidate: new AddressCandidate(c.Entry.Entry, Math.Clamp(Math.Round(c.Raw, 3), 0, 1), string.Join(", ", why)));
            })
            .ToList();
        var best = scored[0];
        // The next candidate elsewhere: entries within SameSpotMetres of the best (a building and its door plate) do not make a doubt.
        var rival = scored.Skip(1).Where(c => Metres(c.Candidate.Entry, best.Candidate.Entry) > SameSpotMetres).Select(c => (double?)c.Raw).FirstOrDefault();
        // Scores are sums of tenths: compared to the thousandth, not as binary fractions. Two roads as near (a mistyped
        // character that could be either) are never acted on alone.
        var confident = roads.Count == 1 && Math.Round(best.Raw, 3) >= ConfidentScore && (rival is not { } next || Math.Round(best.Raw - next, 3) >= ConfidentLead);
        return new AddressMatch([.. scored.Select(c => c.Candidate)], confident);
    }

    /// <summary>The levels a caller names that the entry is in add at most this much: they confirm, they do not place.</summary>
    private const double MaxAdminBonus = 0.1;

    /// <summary>How well an entry matches; with <paramref name="why"/>, the reasons too (asked for the few candidates shown only).</summary>
    private static double Score(Indexed e, AddressText query, bool exactRoad, List<KeyValuePair<string, int>> named, List<string>? why = null)
    {
        var score = exactRoad ? 0.5 : 0.45;
        why?.Add(exactRoad ? $"road {e.Road}" : $"road {e.Road} (one character differs)");
        if (query.Number is not null && e.Text.Number is not null)
        {
            if (query.Number == e.Text.Number) { score += 0.3; why?.Add($"number {e.Text.Number}"); }
            else if (Near(query.Number, e.Text.Number)) { score += 0.1; why?.Add($"number {e.Text.Number} near {query.Number}"); }
            else why?.Add($"number {e.Text.Number}, not {query.Number}");
        }
        if (query.Lane is not null && query.Lane == e.Text.Lane) score += 0.05;
        if (query.Building is not null && e.Text.Building is not null)
        {
            if (query.Building == e.Text.Building) { score += 0.1; why?.Add($"building {e.Text.Building}"); }
            else score -= 0.05;
        }
        // A building the caller did not name: the door plate itself is the nearer reading of "88号".
        else if (query.Building is null && e.Text.Building is not null) score -= 0.05;
        var bonus = 0.0;
        foreach (var (name, level) in named)
        {
            if (e.Admin.Contains(name, StringComparer.Ordinal)) { bonus += 0.05; continue; }
            // The caller names a place of a level this entry names otherwise (瓯海区 for an entry in 乐清市): likely the
            // same road name elsewhere.
            if ((e.Levels & (1 << level)) != 0) { score -= 0.3; why?.Add($"not in {name}"); }
        }
        return score + Math.Min(bonus, MaxAdminBonus);
    }

    private static double Metres(GazetteerEntry a, GazetteerEntry b)
    {
        const double metresPerDegree = 111_320;
        var dx = (a.Lon - b.Lon) * metresPerDegree * Math.Cos((a.Lat + b.Lat) / 2 * Math.PI / 180);
        var dy = (a.Lat - b.Lat) * metresPerDegree;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    private static bool Near(string a, string b) =>
        int.TryParse(a.Split('-')[0], out var x) && int.TryParse(b.Split('-')[0], out var y) && x % 2 == y % 2 && Math.Abs(x - y) <= 10;

    /// <summary>
    /// The level of each admin name in an entry's address, by its word and place: 1 province (省, 自治区), 2 city (the
    /// first 市), 3 district or county (区, 县, a county-level 市 after the city), 4 street or town (街道, 镇, 乡), 5
    /// community or village (社区, 村).
    /// </summary>
    private static IEnumerable<int> LevelsOf(string[] admin)
    {
        var cities = 0;
        foreach (var name in admin)
        {
            var word = AdminWords.First(w => name.EndsWith(w, StringComparison.Ordinal));
            yield return word switch
            {
                "省" or "自治区" => 1,
                "市" => cities++ == 0 ? 2 : 3,
                "区" or "县" => 3,
                "街道" or "镇" or "乡" => 4,
                _ => 5,
            };
        }
    }

    /// <summary>
    /// The road the caller names: read after the admin names as the gazetteer spells it; else a road the gazetteer has
    /// anywhere after them (longest first: admin words left out, 温州鹿城解放北路); else one within a character of it.
    /// Only the part after the admin names is searched, so a street (街道) named like a road (五马街道, 五马街) is not
    /// taken for the road.
    /// </summary>
    private List<(string Road, bool Exact)> FindRoad(string place)
    {
        var (admin, road) = Split(place);
        if (road is not null && _byRoad.ContainsKey(road)) return [(road, true)];
        var tail = admin.Length == 0 ? place : place[admin.Sum(a => a.Length)..];
        var near = NearRoads(tail);
        if (_roads.FirstOrDefault(known => tail.Contains(known, StringComparison.Ordinal)) is { } contained)
        {
            // A road spelled inside a longer name that is one character off another road (新院繁荣巷: 繁荣巷, or 学院繁荣巷
            // mistyped): the caller may mean either, so both are offered and neither acted on.
            return [(contained, true), .. near.Where(n => n.Length > contained.Length && n.Contains(contained, StringComparison.Ordinal)).Select(n => (n, false))];
        }
        // A character that could make either of several roads: all are offered, none acted on (see Match).
        return near.Count <= MaxNearRoads ? [.. near.Select(n => (n, false))] : [];
    }

    /// <summary>The roads one character off a part of <paramref name="tail"/> (the road word itself right).</summary>
    private List<string> NearRoads(string tail)
    {
        var near = new List<string>();
        foreach (var known in _roads)
        {
            if (known.Length < 3) continue;   // a two-character road with one wrong is anything
            for (var start = 0; start + known.Length <= tail.Length; start++)
            {
                if (OneSubstitution(tail.AsSpan(start, known.Length), known))
                {
                    near.Add(known);
                    break;
                }
            }
        }
        return near;
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
