using System.Collections.Immutable;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Shared;

namespace GridServer.Plugins.Shopfront;

/// <summary>
/// Shopfront responsibility (门前三包): each shop answers for the stretch in front of it — order (goods and stalls
/// outside the shop), cleanliness, greening. A located report inside a shop's frontage zone names that shop: it hears
/// of the case (整改通知), and its second case within 30 days is escalated.
/// </summary>
public sealed class ShopfrontModule : IDutyModule, IKeepsReferenceData, IRoutesReports, IProvidesTemplates
{
    public const string Goods = "shopfront_goods";
    public const string Litter = "shopfront_litter";
    public const string Greening = "shopfront_greening";

    /// <summary>The reference set of shops and their frontage zones.</summary>
    public const string Shops = "shops";

    /// <summary>Repeat offences: the party's cases within this window count.</summary>
    public static readonly TimeSpan RepeatWindow = TimeSpan.FromDays(30);

    /// <summary>From this many cases within <see cref="RepeatWindow"/> (the new one included) a shop's case is escalated.</summary>
    public const int EscalateFrom = 2;

    private static readonly ImmutableHashSet<string> Codes = [Goods, Litter, Greening];

    private static readonly string RepeatDays = RepeatWindow.TotalDays.ToString("0", System.Globalization.CultureInfo.InvariantCulture);

    public string ContractVersion => DutyContract.Version;

    public string Name => "shopfront responsibility (门前三包)";

    public string Version => "1.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new(Goods, "店外经营 Goods outside the shop", "shopfront responsibility",
            "Goods, stalls, tables or signs put out beyond the shop's door onto the pavement or road (占道经营).",
            [], new MatterTimeLimits(HandleWithin: TimeSpan.FromHours(2)), "门前三包,店外经营,占道经营,shopfront,goods,stall") { ClassCode = "E0504" },   // CJ/T 214 店外经营
        new(Litter, "门前卫生 Litter in front of the shop", "shopfront responsibility",
            "Litter, waste water or rubbish in the shop's frontage zone, which the shop must keep clean.",
            [], new MatterTimeLimits(HandleWithin: TimeSpan.FromHours(4)), "门前三包,门前卫生,垃圾,shopfront,litter") { ClassCode = "E0102" },   // 暴露垃圾
        new(Greening, "门前绿化 Greening in front of the shop", "shopfront responsibility",
            "Damaged, occupied or neglected trees, verges or planters in the shop's frontage zone.",
            [], new MatterTimeLimits(HandleWithin: TimeSpan.FromDays(1)), "门前三包,门前绿化,绿化,shopfront,greening") { ClassCode = "E0106" },   // 绿地脏乱
    ];

    public IReadOnlyList<ReferenceDataSet> ReferenceData { get; } =
    [
        new(Shops, "Shops and their frontage zones (门前三包责任区): the zone is the record's area.", ReferenceShape.Area,
        [
            new("name", "The shop's name as on its sign (店名).", Required: true),
            new("contact", "The person in charge's phone: a mobile (13812345678) or a landline with area code (0571-88881234).", Required: true),
            new("address", "The shop's address."),
            new("licence_no", "The business licence number (营业执照号)."),
            new("community", "The community (社区) the shop is in."),
        ]),
    ];

    public IReadOnlyList<ModuleTemplate> Templates { get; } =
    [
        new("party-notice", Goods, Notice("店外经营（占道经营）", "请将摆放在店外的商品、摊位、桌椅收回店内，保持门前通道畅通")),
        new("party-notice", Litter, Notice("门前卫生", "请清扫门前责任区内的垃圾和污渍，保持门前整洁")),
        new("party-notice", Greening, Notice("门前绿化", "请恢复并养护门前责任区内的绿化，不得占用、损毁绿地")),
    ];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // A position is what names the shop: one given must be a real one (an address-only report is still taken).
        if ((report.Longitude is not null || report.Latitude is not null) && !RecordFields.Located(report, out _, out _))
            return [new ReportProblem("lat", "the position must be longitude -180..180 and latitude -90..90 (WGS84, degrees), or left out")];
        return [];
    }

    public IReadOnlyList<ReportProblem> ValidateRecord(string dataSet, ReferenceRecord record)
    {
        if (dataSet != Shops) return [RecordFields.UnknownSet(dataSet, $"'{Shops}'")];
        var problems = new List<ReportProblem>();
        if (!RecordFields.Usable(record, needsPosition: false, problems)) return problems;
        RecordFields.Text(record, "name", required: true, RecordFields.MaxName, problems);
        RecordFields.PhoneNumber(record, "contact", required: true, problems);
        RecordFields.Text(record, "address", required: false, RecordFields.MaxAddress, problems);
        RecordFields.Text(record, "licence_no", required: false, RecordFields.MaxCode, problems);
        RecordFields.Text(record, "community", required: false, RecordFields.MaxName, problems);
        return problems;
    }

    public RoutingHint? Route(MatterReport report, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(reference);
        if (!Codes.Contains(report.Matter) || !RecordFields.Located(report, out var lon, out var lat)) return null;
        // Smallest zone first: where zones nest (a mall's forecourt and a stall inside it), the nearer shop answers.
        var shop = reference.Covering(Shops, lon, lat).FirstOrDefault(s => s is not null && !string.IsNullOrWhiteSpace(s.Key));
        if (shop is null) return null;
        var name = RecordFields.Short(shop.Field("name")?.Trim() is { Length: > 0 } n ? n : shop.Key);
        return new RoutingHint(Shops, shop.Key, name, $"上报位置在{name}的门前三包责任区内 (the point is in the frontage zone of {name})",
            shop.Field("contact")?.Trim(), new RepeatRule(RepeatWindow, EscalateFrom), Notify: true);
    }

    // One notice text per matter: what the shop must put right. Variables: templates/README.md, party-notice.
    private static string Notice(string what, string demand) =>
        $$$"""
        {{- # 门前三包整改通知: to the shop whose frontage zone the case is in. -}}
        【门前三包整改通知】{{ party_name }}（{{ party_id }}）：
        {{ reported_at | date.to_string '%Y-%m-%d %H:%M' }} 您的门前责任区内被反映存在{{{what}}}问题（案件 {{ case_id }}，{{ grid_name }}）。
        {{- if address }}
        地点：{{ address }}
        {{- end }}
        {{- if description }}
        情况：{{ description }}
        {{- end }}
        根据门前三包责任制，{{{demand}}}。
        {{- if handle_by }}
        请于 {{ handle_by | date.to_string '%Y-%m-%d %H:%M' }} 前整改完毕，网格队员将到场核查。
        {{- else }}
        请立即整改，网格队员将到场核查。
        {{- end }}
        {{- if repeat_count > 1 }}
        {{{RepeatDays}}} 天内同类问题已发生 {{ repeat_count }} 次{{ if escalated }}，已列入督办，屡教不改将依法查处{{ end }}。
        {{- end }}
        """;
}
