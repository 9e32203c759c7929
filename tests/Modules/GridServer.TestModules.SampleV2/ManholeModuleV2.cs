using System.Collections.Immutable;
using GridServer.Plugins.Contracts;

namespace GridServer.TestModules;

/// <summary>
/// Version 2 of the sample: the bureau now wants every manhole report described, and handled within one hour.
/// </summary>
public sealed class ManholeModuleV2 : IDutyModule
{
    public string ContractVersion => DutyContract.Version;

    public string Name => "manhole covers (井盖)";

    public string Version => "2.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new("manhole", "井盖 Manhole cover (v2)", "public facilities", "A manhole cover that is a danger to people and vehicles.",
            [new MatterQuestion("cover_state", AttributeDatatype.SingleValueList, true, "The cover's state.", 1, [new("missing", "缺失"), new("broken", "破损"), new("sunken", "沉陷"), new("other", "其他")])],
            new MatterTimeLimits(HandleWithin: TimeSpan.FromHours(1))),
    ];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report) =>
        string.IsNullOrWhiteSpace(report.Description) ? [new ReportProblem("description", "version 2 wants every manhole report described")] : [];
}
