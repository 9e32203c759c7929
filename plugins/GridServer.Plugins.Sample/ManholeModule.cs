using System.Collections.Immutable;
using GridServer.Plugins.Contracts;

namespace GridServer.Plugins.Sample;

/// <summary>
/// Manhole covers (井盖): a missing, broken or sunken cover is a danger in the street, handled within 2 hours
/// (a published local rule). The smallest useful duty module; docs/plugins.md walks through it.
/// </summary>
public sealed class ManholeModule : IDutyModule
{
    public const string Matter = "manhole";

    public string ContractVersion => DutyContract.Version;

    public string Name => "manhole covers (井盖)";

    public string Version => "1.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new(Matter, "井盖 Manhole cover", "public facilities", "A manhole cover missing, broken or sunken: a danger to people and vehicles.",
        [
            new("cover_state", AttributeDatatype.SingleValueList, Required: true, "What is wrong with the cover.", 1,
            [
                new("missing", "缺失 missing"),
                new("broken", "破损 broken"),
                new("sunken", "沉陷 sunken"),
                new("other", "其他 other"),
            ]),
        ],
        new MatterTimeLimits(HandleWithin: TimeSpan.FromHours(2)), "井盖,manhole,cover") { ClassCode = "C01" },   // CJ/T 214 公用设施: a cover of any kind
    ];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report)
    {
        // "other" says nothing an officer can act on: the citizen must say what they see.
        if (report.Attributes.GetValueOrDefault("cover_state") == "other" && string.IsNullOrWhiteSpace(report.Description))
            return [new ReportProblem("description", "describe what is wrong with the cover when its state is 'other'")];
        return [];
    }
}
