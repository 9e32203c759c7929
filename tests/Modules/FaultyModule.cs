using System.Collections.Immutable;
using GridServer.Plugins.Contracts;

namespace GridServer.TestModules;

/// <summary>A module that misbehaves in the one way its project's symbol says (THROWS, HANGS, FUTURE_CONTRACT).</summary>
public sealed class FaultyModule : IDutyModule
{
#if THROWS
    public const string Matter = "throwing-test";
#elif HANGS
    public const string Matter = "hanging-test";
#else
    public const string Matter = "future-test";
#endif

#if FUTURE_CONTRACT
    // Stands in for a module compiled against a contract this server does not have yet.
    public string ContractVersion => "2.0";
#else
    public string ContractVersion => DutyContract.Version;
#endif

    public string Name => "test module " + Matter;

    public string Version => "0.1.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
        [new(Matter, "test " + Matter, "tests", "A matter of a test module that misbehaves.", ImmutableArray<MatterQuestion>.Empty)];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report)
    {
#if THROWS
        throw new InvalidOperationException("the throwing test module always throws");
#elif HANGS
        // Never answers in any time limit a test sets; the thread is released long after the test.
        Thread.Sleep(TimeSpan.FromMinutes(10));
        return [];
#else
        return [];
#endif
    }
}
