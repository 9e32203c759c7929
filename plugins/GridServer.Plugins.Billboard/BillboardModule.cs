using System.Collections.Immutable;
using System.Globalization;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Shared;

namespace GridServer.Plugins.Billboard;

/// <summary>
/// Billboards and shop signs (户外广告/店招): a board needs a permit with an expiry. Unpermitted and expired boards
/// are approval matters, promised within 5 working days; an unsafe board (loose, leaning, broken) is handled within
/// 2 hours. A report near a permitted board names its permit; a daily check opens a case for every expired permit.
/// </summary>
public sealed class BillboardModule : IDutyModule, IKeepsReferenceData, IRoutesReports, IRunsScheduledChecks
{
    public const string Unpermitted = "billboard_unpermitted";
    public const string Unsafe = "billboard_unsafe";
    public const string Expired = "billboard_expired";

    /// <summary>The reference set of board permits (a point each: where the board stands).</summary>
    public const string Permits = "permits";

    /// <summary>A report belongs to a permitted board within this distance, metres.</summary>
    public const double NearPermitMetres = 30;

    /// <summary>The largest width or height a permit may give, metres.</summary>
    public const double MaxSideMetres = 100;

    /// <summary>"Within 5 working days" as working hours of the server's calendar (8 a day).</summary>
    public static readonly TimeSpan FiveWorkingDays = TimeSpan.FromHours(40);

    private static readonly ImmutableHashSet<string> Codes = [Unpermitted, Unsafe, Expired];

    private static readonly ImmutableArray<AllowedValue> BoardTypes =
    [
        new("billboard", "户外广告 billboard"),
        new("shop_sign", "店招 shop sign"),
        new("banner", "横幅 banner"),
        new("other", "其他 other"),
    ];

    private static readonly ImmutableArray<MatterQuestion> Board =
    [
        new("board_type", AttributeDatatype.SingleValueList, Required: false, "What kind of board it is.", 1, BoardTypes),
    ];

    private static readonly MatterTimeLimits Approval = new(HandleWithin: FiveWorkingDays, WorkingHours: true);

    public string ContractVersion => DutyContract.Version;

    public string Name => "billboards and shop signs (户外广告/店招)";

    public string Version => "1.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new(Unpermitted, "无证设置 Unpermitted board", "outdoor advertising",
            "A billboard, shop sign or banner put up without a permit.", Board, Approval, "户外广告,店招,无证,billboard,sign,permit") { ClassCode = "E0202" },   // CJ/T 214 违章张贴悬挂广告牌匾
        new(Unsafe, "安全隐患 Unsafe board", "outdoor advertising",
            "A board loose, leaning, broken or with exposed wiring: a danger to people below.", Board,
            new MatterTimeLimits(AcceptWithin: TimeSpan.FromMinutes(10), HandleWithin: TimeSpan.FromHours(2)), "户外广告,店招,安全隐患,billboard,unsafe") { ClassCode = "E02" },   // 宣传广告
        new(Expired, "许可过期 Expired permit", "outdoor advertising",
            "A board whose permit has expired and was not renewed.", Board, Approval, "户外广告,店招,许可过期,billboard,expired") { ClassCode = "E0202" },
    ];

    public IReadOnlyList<ReferenceDataSet> ReferenceData { get; } =
    [
        new(Permits, "Permits of billboards and shop signs (户外广告设置许可): where the board stands, who holds the permit, until when.", ReferenceShape.Point,
        [
            new("holder", "Who holds the permit (持证单位/个人).", Required: true),
            new("expires", "The last day the permit is valid, yyyy-MM-dd.", Required: true),
            new("board_type", "billboard, shop_sign, banner or other."),
            new("width_m", "The board's width, metres."),
            new("height_m", "The board's height, metres."),
            new("address", "Where the board is."),
            new("contact", "The holder's phone."),
        ]),
    ];

    public TimeSpan CheckEvery => TimeSpan.FromDays(1);

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if ((report.Longitude is not null || report.Latitude is not null) && !RecordFields.Located(report, out _, out _))
            return [new ReportProblem("lat", "the position must be longitude -180..180 and latitude -90..90 (WGS84, degrees), or left out")];
        return [];
    }

    public IReadOnlyList<ReportProblem> ValidateRecord(string dataSet, ReferenceRecord record)
    {
        if (dataSet != Permits) return [RecordFields.UnknownSet(dataSet, $"'{Permits}'")];
        var problems = new List<ReportProblem>();
        if (!RecordFields.Usable(record, needsPosition: true, problems)) return problems;
        RecordFields.Text(record, "holder", required: true, RecordFields.MaxName, problems);
        RecordFields.Date(record, "expires", required: true, problems);
        if (RecordFields.Text(record, "board_type", required: false, RecordFields.MaxCode, problems) is { } type && !BoardTypes.Any(t => t.Key == type))
            problems.Add(new ReportProblem("board_type", $"board_type '{RecordFields.Quote(type)}' is not one of {string.Join(", ", BoardTypes.Select(t => t.Key))}"));
        RecordFields.PositiveNumber(record, "width_m", MaxSideMetres, "m", problems);
        RecordFields.PositiveNumber(record, "height_m", MaxSideMetres, "m", problems);
        RecordFields.Text(record, "address", required: false, RecordFields.MaxAddress, problems);
        RecordFields.Text(record, "contact", required: false, RecordFields.MaxCode, problems);
        return problems;
    }

    public RoutingHint? Route(MatterReport report, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(reference);
        if (!Codes.Contains(report.Matter) || !RecordFields.Located(report, out var lon, out var lat)) return null;
        var match = reference.Near(Permits, lon, lat, NearPermitMetres).FirstOrDefault(m => m?.Record is { } r && !string.IsNullOrWhiteSpace(r.Key));
        if (match is null) return null;
        var permit = match.Record;
        var expires = permit.Field("expires")?.Trim() is { } e ? RecordFields.Quote(e) : "未知 unknown";
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{match.DistanceMetres:0} 米内有已许可的广告牌：许可 {permit.Key}，有效期至 {expires} (permit {permit.Key}, {match.DistanceMetres:0} m away, expires {expires})");
        return Hint(permit, reason);
    }

    public IReadOnlyList<CheckFinding> Check(DateTimeOffset now, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        // A permit is valid through its last day as the bureau counts days: in China Standard Time.
        var today = DateOnly.FromDateTime(now.ToOffset(RecordFields.ChinaStandardTime).DateTime);
        var findings = new List<CheckFinding>();
        foreach (var permit in reference.All(Permits))
        {
            // Checked at import; anything unusable here is skipped rather than failing the whole check.
            if (permit is null || string.IsNullOrWhiteSpace(permit.Key) || permit.Fields is null || !RecordFields.HasPosition(permit)) continue;
            if (RecordFields.ParseDate(permit.Field("expires")) is not { } expires || expires >= today) continue;
            var date = expires.ToString(RecordFields.DateFormat, CultureInfo.InvariantCulture);
            var where = permit.Field("address")?.Trim() is { Length: > 0 } a ? $"（{RecordFields.Short(a)}）" : "";
            findings.Add(new CheckFinding($"permit:{permit.Key}:expired:{date}", Expired, permit.Longitude!.Value, permit.Latitude!.Value,
                $"户外广告许可 {permit.Key}{where} 已于 {date} 到期，持证人 {HolderOf(permit)} 未续期 (permit expired on {date})",
                Hint(permit, $"许可 {permit.Key} 已于 {date} 到期 (permit {permit.Key} expired on {date})")));
        }
        return findings;
    }

    private static string HolderOf(ReferenceRecord permit) =>
        RecordFields.Short(permit.Field("holder")?.Trim() is { Length: > 0 } h ? h : permit.Key);

    private static RoutingHint Hint(ReferenceRecord permit, string reason) =>
        new(Permits, permit.Key, HolderOf(permit), reason, permit.Field("contact")?.Trim(), Repeats: null, Notify: true);
}
