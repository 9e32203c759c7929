using System.Collections.Immutable;
using System.Globalization;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Shared;

namespace GridServer.Plugins.Dust;

/// <summary>
/// Construction-site dust (工地扬尘): sites are monitored around the clock; a report inside a site names it, and a
/// site whose dust monitors read, averaged over the last hour, above its limit (PM10 or PM2.5, µg/m³) opens a case
/// for the site. While that case is open every batch of readings adds a note, until the case is closed.
/// </summary>
/// <remarks>
/// The server keeps each site's readings (one hour), the memo ("over" or "under": what the last verdict saw) and the
/// open episode; this class keeps nothing between calls.
/// </remarks>
public sealed class DustModule : IDutyModule, IKeepsReferenceData, IRoutesReports, IHandlesSensorReadings
{
    public const string Matter = "dust";

    /// <summary>The reference set of construction sites and their areas.</summary>
    public const string Sites = "sites";

    /// <summary>The kind of reading of a dust monitor.</summary>
    public const string ReadingKind = "dust";

    /// <summary>A reading's PM10 value, µg/m³.</summary>
    public const string Pm10 = "pm10_ugm3";

    /// <summary>A reading's PM2.5 value, µg/m³.</summary>
    public const string Pm25 = "pm25_ugm3";

    /// <summary>A site's PM10 limit (one-hour average, µg/m³) when its record gives none.</summary>
    public const double DefaultPm10Limit = 150;

    /// <summary>A site's PM2.5 limit (one-hour average, µg/m³) when its record gives none.</summary>
    public const double DefaultPm25Limit = 75;

    /// <summary>The highest limit a record may set, µg/m³: anything above is a typing error, not a limit.</summary>
    public const double MaxLimit = 10_000;

    /// <summary>Fewer readings of a pollutant in the hour are not judged: one gust is not an hour of dust.</summary>
    public const int MinReadings = 3;

    /// <summary>A monitor outside every site belongs to the nearest site within this distance, metres.</summary>
    public const double NearSiteMetres = 50;

    /// <summary>The memo while the site is over its limit.</summary>
    public const string Over = "over";

    /// <summary>The memo while the site is under its limit.</summary>
    public const string Under = "under";

    /// <summary>The averaging period of the limits, and how long readings are kept.</summary>
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private const string SubjectPrefix = "site:";

    private static readonly ImmutableArray<string> Kinds = [ReadingKind];

    public string ContractVersion => DutyContract.Version;

    public string Name => "construction-site dust (工地扬尘)";

    public string Version => "1.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new(Matter, "工地扬尘 Construction-site dust", "environment",
            "Dust from a construction site: uncovered earth or spoil, no spraying, dirty vehicles leaving the site.",
            [], new MatterTimeLimits(AcceptWithin: TimeSpan.FromMinutes(10), HandleWithin: TimeSpan.FromHours(2)),
            "工地扬尘,扬尘,工地,dust,construction site,PM10") { ClassCode = "E0302" },   // CJ/T 214 工地扬尘
    ];

    public IReadOnlyList<ReferenceDataSet> ReferenceData { get; } =
    [
        new(Sites, "Construction sites (工地): the site's area, who runs it, and its dust limits.", ReferenceShape.Area,
        [
            new("name", "The site's name (项目名称).", Required: true),
            new("operator", "The company running the site (施工单位).", Required: true),
            new("contact", "The site manager's phone.", Required: true),
            new("pm10_limit", string.Create(CultureInfo.InvariantCulture, $"The site's PM10 limit, one-hour average, µg/m³ (default {DefaultPm10Limit}).")),
            new("pm25_limit", string.Create(CultureInfo.InvariantCulture, $"The site's PM2.5 limit, one-hour average, µg/m³ (default {DefaultPm25Limit}).")),
        ]),
    ];

    public IReadOnlyList<string> ReadingKinds => Kinds;

    public TimeSpan Window => Hour;

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if ((report.Longitude is not null || report.Latitude is not null) && !RecordFields.Located(report, out _, out _))
            return [new ReportProblem("lat", "the position must be longitude -180..180 and latitude -90..90 (WGS84, degrees), or left out")];
        return [];
    }

    public IReadOnlyList<ReportProblem> ValidateRecord(string dataSet, ReferenceRecord record)
    {
        if (dataSet != Sites) return [RecordFields.UnknownSet(dataSet, $"'{Sites}'")];
        var problems = new List<ReportProblem>();
        if (!RecordFields.Usable(record, needsPosition: false, problems)) return problems;
        RecordFields.Text(record, "name", required: true, RecordFields.MaxName, problems);
        RecordFields.Text(record, "operator", required: true, RecordFields.MaxName, problems);
        RecordFields.PhoneNumber(record, "contact", required: true, problems);
        RecordFields.PositiveNumber(record, "pm10_limit", MaxLimit, "µg/m³", problems);
        RecordFields.PositiveNumber(record, "pm25_limit", MaxLimit, "µg/m³", problems);
        return problems;
    }

    public RoutingHint? Route(MatterReport report, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(reference);
        if (report.Matter != Matter || !RecordFields.Located(report, out var lon, out var lat)) return null;
        var site = reference.Covering(Sites, lon, lat).FirstOrDefault(Keyed);
        return site is null ? null : Hint(site, $"上报位置在工地{NameOf(site)}范围内 (the point is inside the site {NameOf(site)})");
    }

    public string? SubjectOf(SensorReading reading, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(reference);
        if (reading.Kind != ReadingKind || !RecordFields.IsPosition(reading.Longitude, reading.Latitude)) return null;
        var site = reference.Covering(Sites, reading.Longitude, reading.Latitude).FirstOrDefault(Keyed)
            ?? reference.Near(Sites, reading.Longitude, reading.Latitude, NearSiteMetres).Select(m => m?.Record).FirstOrDefault(Keyed);
        return site is null ? null : SubjectPrefix + site.Key;
    }

    public SensorVerdict Evaluate(SensorSituation situation, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(situation);
        ArgumentNullException.ThrowIfNull(reference);
        var keep = new SensorVerdict(Memo: situation.Memo);
        // A re-check with nothing new: the last verdict still stands (this module never asks for one, but the server may).
        var arrived = Valid(situation.Arrived);
        if (arrived.Count == 0) return keep;
        var site = situation.Subject.StartsWith(SubjectPrefix, StringComparison.Ordinal)
            ? reference.Find(Sites, situation.Subject[SubjectPrefix.Length..]) : null;
        // A site removed from the reference data since the readings were grouped: nothing to judge against.
        if (site is null) return keep;

        // Recent holds the arrived readings too (the contract says so); a server that sent none still judges what arrived.
        // The hour ends at the newest reading known: a late batch of old readings does not turn the clock back.
        var kept = Valid(situation.Recent);
        var pool = kept.Count > 0 ? kept : arrived;
        var latest = pool.Concat(arrived).Max(r => r.At);
        var recent = pool.Where(r => r.At > latest - Hour && r.At <= latest).ToList();
        var judged = new[]
        {
            Judge("PM10", Pm10, Limit(site, "pm10_limit", DefaultPm10Limit), recent, arrived),
            Judge("PM2.5", Pm25, Limit(site, "pm25_limit", DefaultPm25Limit), recent, arrived),
        };
        var known = judged.Where(j => j.Average is not null).ToList();
        bool? over = known.Count == 0 ? null : known.Any(j => j.IsOver);
        var summary = Summary(arrived, judged);

        if (situation.Episode is null)
        {
            if (over is true)
            {
                var worst = known.Where(j => j.IsOver).OrderByDescending(j => j.Average!.Value / j.Limit).First();
                var description = string.Create(CultureInfo.InvariantCulture,
                    $"工地扬尘超标：{NameOf(site)}（{site.Key}）{worst.Name} 一小时均值 {worst.Average:0.#} µg/m³，超过限值 {worst.Limit:0.#} µg/m³" +
                    $"（截至 {RecordFields.Clock(latest)}，{worst.Count} 个读数）。{summary}");
                var (lon, lat) = RecordFields.HasPosition(site) ? (site.Longitude!.Value, site.Latitude!.Value) : (arrived[^1].Longitude, arrived[^1].Latitude);
                return new SensorVerdict(
                    Open: new SensorCase(Matter, lon, lat, description, Hint(site, $"扬尘监测读数超过工地{NameOf(site)}的限值 (the site's dust monitors read over its limit)")),
                    Memo: Over);
            }
            return over is false ? new SensorVerdict(Memo: Under) : keep;
        }

        // An open episode hears at once when the site goes back under or over again (the memo says which it was at
        // the last judgement), and otherwise once an hour of readings since the case opened: a monitor reporting every
        // minute must not write a note a minute into the case.
        var wasOver = situation.Memo != Under;
        var hourly = HourPassed(situation.Episode.OpenedAt, kept, arrived, latest)
            ? string.Create(CultureInfo.InvariantCulture, $"每小时摘要 (hourly summary) {RecordFields.Clock(latest)}。{summary}") : null;
        return over switch
        {
            true when !wasOver => new SensorVerdict(Note: $"再次超过限值 (over the limit again) {RecordFields.Clock(latest)}。{summary}", Memo: Over),
            true => new SensorVerdict(Note: hourly, Memo: Over),
            false when wasOver => new SensorVerdict(Note: $"{RecordFields.Clock(latest)} 已回落到限值以下 (back under the limit at {RecordFields.Clock(latest)})。{summary}", Memo: Under),
            false => new SensorVerdict(Note: hourly, Memo: Under),
            null => new SensorVerdict(Note: hourly is null ? null : string.Create(CultureInfo.InvariantCulture, $"{hourly}（一小时内读数不足 {MinReadings} 个，未判定 not judged）"), Memo: situation.Memo),
        };
    }

    /// <summary>Whether the arrived readings reach a new whole hour since the case opened (counted from the newest reading known before them).</summary>
    private static bool HourPassed(DateTimeOffset openedAt, List<SensorReading> kept, List<SensorReading> arrived, DateTimeOffset latest)
    {
        var arrivedKeys = arrived.Select(r => (r.SensorId, r.At)).ToHashSet();
        var before = kept.Where(r => !arrivedKeys.Contains((r.SensorId, r.At))).Select(r => r.At).DefaultIfEmpty(openedAt).Max();
        if (before < openedAt) before = openedAt;
        return Math.Floor((latest - openedAt) / Hour) > Math.Floor((before - openedAt) / Hour);
    }

    private sealed record Judgement(string Name, double Limit, int Count, double? Average, double? ArrivedMax)
    {
        public bool IsOver => Average > Limit;
    }

    private static Judgement Judge(string name, string value, double limit, List<SensorReading> recent, List<SensorReading> arrived)
    {
        var values = recent.Select(r => Value(r, value)).OfType<double>().ToList();
        var arrivedValues = arrived.Select(r => Value(r, value)).OfType<double>().ToList();
        return new Judgement(name, limit, values.Count, values.Count >= MinReadings ? values.Average() : null,
            arrivedValues.Count > 0 ? arrivedValues.Max() : null);
    }

    // A monitor's value, unless it is missing, not a number, infinite or negative (a faulty monitor, not dust).
    private static double? Value(SensorReading reading, string name) =>
        reading.Values is not null && reading.Values.TryGetValue(name, out var v) && double.IsFinite(v) && v >= 0 ? v : null;

    private static List<SensorReading> Valid(IReadOnlyList<SensorReading>? readings) =>
        readings is null ? [] : [.. readings.Where(r => r is not null && (Value(r, Pm10) is not null || Value(r, Pm25) is not null)).OrderBy(r => r.At)];

    private static string Summary(List<SensorReading> arrived, Judgement[] judged)
    {
        var first = arrived.Min(r => r.At);
        var last = arrived.Max(r => r.At);
        var span = first == last ? RecordFields.Clock(last) : $"{RecordFields.Clock(first)}–{RecordFields.Clock(last)}";
        var parts = judged.Where(j => j.ArrivedMax is not null || j.Average is not null).Select(j => string.Create(CultureInfo.InvariantCulture,
            $"{j.Name} 最高 {(j.ArrivedMax is { } max ? max.ToString("0.#", CultureInfo.InvariantCulture) : "-")}，一小时均值 " +
            $"{(j.Average is { } avg ? avg.ToString("0.#", CultureInfo.InvariantCulture) : "-")} / 限值 {j.Limit:0.#} µg/m³"));
        return string.Create(CultureInfo.InvariantCulture, $"新读数 {arrived.Count} 个（{span}）：{string.Join("；", parts)}");
    }

    private static double Limit(ReferenceRecord site, string field, double fallback) =>
        RecordFields.ParsePositive(site.Field(field), MaxLimit) ?? fallback;

    private static bool Keyed(ReferenceRecord? record) => record is not null && !string.IsNullOrWhiteSpace(record.Key);

    private static string NameOf(ReferenceRecord site) => RecordFields.Short(site.Field("name")?.Trim() is { Length: > 0 } n ? n : site.Key);

    private static RoutingHint Hint(ReferenceRecord site, string reason) =>
        new(Sites, site.Key, NameOf(site), reason, site.Field("contact")?.Trim(), Repeats: null, Notify: true);
}
