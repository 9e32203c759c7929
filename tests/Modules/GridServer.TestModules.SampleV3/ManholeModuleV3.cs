using System.Collections.Immutable;
using GridServer.Plugins.Contracts;

namespace GridServer.TestModules;

/// <summary>
/// Version 3 of the sample: it needs something of its machine, and a machine without it cannot run it. The environment
/// variable <see cref="MissingOnThisMachine"/> stands in for the lack, so a test can make one silo of a cluster unable to
/// load this version while the others load it.
/// </summary>
public sealed class ManholeModuleV3 : IDutyModule
{
    public const string MissingOnThisMachine = "GRIDSERVER_TEST_SAMPLE_V3_MISSING";

    public ManholeModuleV3()
    {
        if (Environment.GetEnvironmentVariable(MissingOnThisMachine) is { Length: > 0 } what)
            throw new InvalidOperationException($"version 3 cannot run on this machine: {what}");
    }

    public string ContractVersion => DutyContract.Version;

    public string Name => "manhole covers (井盖)";

    public string Version => "3.0.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new("manhole", "井盖 Manhole cover (v3)", "public facilities", "A manhole cover that is a danger to people and vehicles.",
            [new MatterQuestion("cover_state", AttributeDatatype.SingleValueList, true, "The cover's state.", 1, [new("missing", "缺失"), new("broken", "破损"), new("sunken", "沉陷"), new("other", "其他")])],
            new MatterTimeLimits(HandleWithin: TimeSpan.FromMinutes(30))),
    ];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report) => [];
}
