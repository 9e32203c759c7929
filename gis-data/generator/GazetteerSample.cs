using System.Globalization;
using System.Text;
using GridServer.Domain.Geocoding;

namespace GridServer.SampleData;

/// <summary>How a generated query differs from the gazetteer's spelling of its address.</summary>
public enum AddressNoise
{
    /// <summary>As the gazetteer writes it.</summary>
    Clean,

    /// <summary>Province and city left out, often the street (街道) too, sometimes the district.</summary>
    LevelsLeftOut,

    /// <summary>Full-width digits, as phone keyboards in Chinese mode type them.</summary>
    FullWidth,

    /// <summary>十二号, 三幢: numbers in Chinese numerals.</summary>
    ChineseNumerals,

    /// <summary>One character of the road's name wrong (a mistyped or misheard character).</summary>
    Typo,

    /// <summary>The road's old or short name, which the bureau lists as an alias.</summary>
    Alias,

    /// <summary>门口, 对面, 附近 after the address.</summary>
    NearWords,

    /// <summary>Spaces and punctuation between the parts.</summary>
    Spacing,

    /// <summary>The building as 号楼, 栋 or 座 rather than 幢.</summary>
    BuildingWords,

    /// <summary>A house number the road does not have: no entry is right, and none may be acted on.</summary>
    NotInGazetteer,
}

/// <summary>A query as a caller writes it, the entry it means (null: none), and how it was written.</summary>
public sealed record AddressQuery(string Text, string? TruthId, AddressNoise Noise);

/// <summary>
/// A generated city's address gazetteer (door plates and buildings along its roads, in districts, streets and
/// communities of a Wenzhou-like city; some road names in more than one district, some roads with an old name the
/// bureau lists as an alias) and queries written from its entries with the noise real callers add. Deterministic for
/// a seed: the geocoding benchmark and tests measure the same file on every machine.
/// </summary>
public sealed record GazetteerSample(IReadOnlyList<GazetteerEntry> Entries, IReadOnlyDictionary<string, string> Aliases, IReadOnlyList<AddressQuery> Queries)
{
    private static readonly string[] Districts = ["鹿城区", "瓯海区", "龙湾区", "洞头区", "瑞安市", "乐清市"];

    private static readonly string[] Morphemes =
    [
        "人民", "解放", "中山", "建设", "新华", "胜利", "和平", "文化", "公园", "学院", "府前", "信河", "广场", "车站", "锦绣", "黎明",
        "望江", "南浦", "江滨", "飞霞", "松台", "百里", "划龙", "汤家", "黄龙", "新城", "双屿", "仰义", "藤桥", "瓯江", "五马", "蝉街",
        "城西", "城东", "水心", "上陡", "矮凳", "洪殿", "蒲鞋", "绣山", "惠民", "温州", "景山", "娄桥", "梧田", "茶山", "丽岙", "仙岩",
        "永中", "海城", "状元", "蒲州", "瑶溪", "沙城", "天河", "星海", "滨海", "金海", "蓝田", "丰收", "万松", "积谷", "康乐", "吉祥",
        "兴业", "振兴", "繁荣", "朝阳", "东风", "红旗", "光明", "幸福", "长春", "清明", "翠微", "鹿鸣", "凤凰", "龙腾", "云霞", "春晖",
    ];

    private static readonly string[] RoadSuffixes = ["路", "路", "路", "街", "大道", "巷"];
    private static readonly string[] NearWords = ["门口", "对面", "附近", "东侧", "旁边", "路口"];

    // Characters a typist or a listener puts in place of another (a wrong one of the same sound or a near key).
    private const string TypoCharacters = "仁民明名华化新心胜圣和河文闻园元学雪府富信星光广站战锦金黎立江将滨宾霞夏台太百白龙隆城成西溪东冬";

    public static GazetteerSample Generate(int entries, int queries, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 100);
        ArgumentOutOfRangeException.ThrowIfNegative(queries);
        var random = new Random(seed);
        var roads = Roads(entries, random);
        var list = new List<GazetteerEntry>(entries + 1000);
        var byRoad = new List<(Road Road, List<(GazetteerEntry Entry, int Number, int? Building)> Plates)>();
        var id = 0;
        foreach (var road in roads)
        {
            var plates = new List<(GazetteerEntry, int, int?)>();
            for (var number = 1; number <= road.Numbers; number++)
            {
                var (lon, lat) = road.At(number);
                var door = new GazetteerEntry($"MP-{++id:D7}", road.Address(number, null, random), lon, lat);
                plates.Add((door, number, null));
                if (random.NextDouble() < 0.2)
                {
                    for (var building = 1; building <= random.Next(2, 7); building++)
                    {
                        var entry = new GazetteerEntry($"LD-{++id:D7}", road.Address(number, building, random), lon + building * 0.00008, lat + 0.00012);
                        plates.Add((entry, number, building));
                    }
                }
            }
            list.AddRange(plates.Select(p => p.Item1));
            byRoad.Add((road, plates));
        }
        var aliases = roads.Where(r => r.Alias is not null).GroupBy(r => r.Alias!).Where(g => g.Select(r => r.Name).Distinct().Count() == 1)
            .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);

        // The highest number of each road name in any district: a number past it is in no district.
        var highest = roads.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Max(r => r.Numbers), StringComparer.Ordinal);
        var noises = Enum.GetValues<AddressNoise>();
        var generated = new List<AddressQuery>(queries);
        while (generated.Count < queries)
        {
            var (road, plates) = byRoad[random.Next(byRoad.Count)];
            var (entry, number, building) = plates[random.Next(plates.Count)];
            var noise = noises[generated.Count % noises.Length];
            generated.Add(Query(road, entry, number, building, noise, aliases, highest[road.Name], random));
        }
        return new GazetteerSample(list, aliases, generated);
    }

    private static AddressQuery Query(Road road, GazetteerEntry entry, int number, int? building, AddressNoise noise,
        Dictionary<string, string> aliases, int highest, Random random)
    {
        string Levels(string roadName, string numberText, string? buildingText)
        {
            // What callers keep of the levels: most name the district, few the province.
            var district = random.NextDouble() < 0.7 ? road.District : "";
            var street = random.NextDouble() < 0.3 ? road.Street : "";
            return district + street + roadName + numberText + (buildingText ?? "");
        }
        string Number(int n) => n.ToString(CultureInfo.InvariantCulture) + "号";
        string? Building(int? b) => b is { } value ? value.ToString(CultureInfo.InvariantCulture) + "幢" : null;
        switch (noise)
        {
            case AddressNoise.Clean:
                return new(entry.Address, entry.Id, noise);
            case AddressNoise.LevelsLeftOut:
                return new(Levels(road.Name, Number(number), Building(building)), entry.Id, noise);
            case AddressNoise.FullWidth:
                return new(string.Concat(Levels(road.Name, Number(number), Building(building)).Select(c => c is >= '0' and <= '9' ? (char)(c - '0' + '０') : c)), entry.Id, noise);
            case AddressNoise.ChineseNumerals:
                return new(Levels(road.Name, Chinese(number) + "号", building is { } b ? Chinese(b) + "幢" : null), entry.Id, noise);
            case AddressNoise.Typo:
            {
                var at = random.Next(road.Name.Length - RoadSuffix(road.Name).Length);
                var typo = new StringBuilder(road.Name);
                char replacement;
                do replacement = TypoCharacters[random.Next(TypoCharacters.Length)]; while (replacement == typo[at]);
                typo[at] = replacement;
                return new(Levels(typo.ToString(), Number(number), Building(building)), entry.Id, noise);
            }
            case AddressNoise.Alias:
            {
                var alias = road.Alias is { } a && aliases.ContainsKey(a) ? a : road.Name;
                return new(Levels(alias, Number(number), Building(building)), entry.Id, noise);
            }
            case AddressNoise.NearWords:
                return new(Levels(road.Name, Number(number), Building(building)) + NearWords[random.Next(NearWords.Length)], entry.Id, noise);
            case AddressNoise.Spacing:
                return new($"{road.District} {road.Name}，{number} 号" + (building is { } sb ? $" {sb} 幢" : ""), entry.Id, noise);
            case AddressNoise.BuildingWords:
            {
                var word = random.Next(3) switch { 0 => "号楼", 1 => "栋", _ => "座" };
                return new(Levels(road.Name, Number(number), building is { } bb ? bb.ToString(CultureInfo.InvariantCulture) + word : null), entry.Id, noise);
            }
            case AddressNoise.NotInGazetteer:
                return new(Levels(road.Name, Number(highest + 40 + random.Next(200)), null), null, noise);
            default:
                throw new ArgumentOutOfRangeException(nameof(noise));
        }
    }

    private static string RoadSuffix(string road) => road.EndsWith("大道", StringComparison.Ordinal) ? "大道" : road[^1..];

    /// <summary>1 … 9999 in Chinese numerals, as people write house numbers (十二, 一百零五).</summary>
    public static string Chinese(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 9999);
        const string digits = "零一二三四五六七八九";
        var units = new[] { (1000, "千"), (100, "百"), (10, "十") };
        var text = new StringBuilder();
        var zero = false;
        foreach (var (value, unit) in units)
        {
            var d = n / value % 10;
            if (d == 0)
            {
                zero = text.Length > 0;
                continue;
            }
            if (zero) text.Append('零');
            zero = false;
            if (!(value == 10 && d == 1 && text.Length == 0)) text.Append(digits[d]);
            text.Append(unit);
        }
        var last = n % 10;
        if (last > 0)
        {
            if (zero || (text.Length > 0 && n / 10 % 10 == 0)) text.Append('零');
            text.Append(digits[last]);
        }
        return text.ToString().Replace("零零", "零", StringComparison.Ordinal);
    }

    private sealed record Road(string Name, string District, string Street, string? Community, string? Alias, int Numbers, double Lon, double Lat, double Heading)
    {
        public (double Lon, double Lat) At(int number)
        {
            var along = number / 2 * 0.00018;
            var side = number % 2 == 1 ? 0.00015 : -0.00015;
            return (Lon + along * Math.Cos(Heading) - side * Math.Sin(Heading), Lat + along * Math.Sin(Heading) + side * Math.Cos(Heading));
        }

        public string Address(int number, int? building, Random random)
        {
            var community = Community is not null && random.NextDouble() < 0.3 ? Community : "";
            return $"浙江省温州市{District}{Street}{community}{Name}{number.ToString(CultureInfo.InvariantCulture)}号"
                + (building is { } b ? b.ToString(CultureInfo.InvariantCulture) + "幢" : "");
        }
    }

    private static List<Road> Roads(int entries, Random random)
    {
        // About 100 door plates and 40 buildings a road: roads enough for the entries asked.
        var count = Math.Max(6, entries / 140);
        string[] suffixes = ["路", "街", "大道", "巷", "东路", "西路", "南路", "北路"];
        var single = Morphemes.SelectMany(a => suffixes.Select(s => a + s)).ToList();
        var pairs = Morphemes.SelectMany(a => Morphemes.Where(b => b != a).Select(b => a + b)).SelectMany(p => RoadSuffixes.Distinct().Select(s => p + s)).ToList();
        Shuffle(single, random);
        Shuffle(pairs, random);
        // Names of roads first, then names no road has, for the old names the bureau lists as aliases.
        var names = single.Concat(pairs).ToList();
        var roads = new List<Road>(count);
        for (var i = 0; i < count; i++)
        {
            var district = Districts[i % Districts.Length];
            var d = i % Districts.Length;
            // One road in seven takes a name a road of another district has (人民路 in every county).
            var name = names[i];
            if (i >= Districts.Length && random.NextDouble() < 1.0 / 7 && roads[random.Next(roads.Count)] is { } other && other.District != district
                && !roads.Any(r => r.District == district && r.Name == other.Name))
                name = other.Name;
            var street = Morphemes[random.Next(Morphemes.Length)] + "街道";
            var community = random.NextDouble() < 0.5 ? Morphemes[random.Next(Morphemes.Length)] + "社区" : null;
            var alias = random.NextDouble() < 0.05 ? names[^(i + 1)] : null;
            roads.Add(new Road(name, district, street, community, alias, random.Next(40, 160),
                120.50 + d * 0.12 + random.NextDouble() * 0.1, 27.90 + random.NextDouble() * 0.15, random.NextDouble() * Math.PI));
        }
        return roads;
    }

    private static void Shuffle<T>(List<T> list, Random random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
