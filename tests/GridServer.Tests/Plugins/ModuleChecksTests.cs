using System.Collections.Immutable;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Plugins;

namespace GridServer.Tests.Plugins;

/// <summary>What the host takes from a module, checked directly: contract versions, declarations, answers.</summary>
public sealed class ModuleChecksTests
{
    [Theory]
    [InlineData("1.0", null)]   // a module built for an older minor version still loads
    [InlineData("1.1", null)]
    [InlineData("2.0", "built for duty-module contract 2.0; this server has duty-module contract 1.1")]
    [InlineData("1.7", "built for duty-module contract 1.7; this server has duty-module contract 1.1")]
    [InlineData("0.9", "built for duty-module contract 0.9")]
    [InlineData("one", "contract version 'one', which is not major.minor")]
    [InlineData(null, "contract version '(null)'")]
    public void ContractProblem_OtherMajorOrNewerMinor_RefusedNamingBothVersions(string? version, string? expected)
    {
        var problem = ModuleChecks.ContractProblem(version);

        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private static MatterDefinition Matter(string code = "manhole", MatterTimeLimits? limits = null, params MatterQuestion[] questions) =>
        new(code, "井盖", "public facilities", "a cover", [.. questions], limits);

    [Fact]
    public void DeclarationProblem_NonsenseDeclarations_RefusedSayingWhat()
    {
        Assert.Null(ModuleChecks.DeclarationProblem("m", "1", [Matter()]));
        Assert.Contains("at least one matter", ModuleChecks.DeclarationProblem("m", "1", []), StringComparison.Ordinal);
        Assert.Contains("'other' is the server's built-in", ModuleChecks.DeclarationProblem("m", "1", [Matter("other")]), StringComparison.Ordinal);
        Assert.Contains("lower-case letters", ModuleChecks.DeclarationProblem("m", "1", [Matter("Man Hole")]), StringComparison.Ordinal);
        Assert.Contains("declared twice", ModuleChecks.DeclarationProblem("m", "1", [Matter(), Matter()]), StringComparison.Ordinal);
        Assert.Contains("HandleWithin is -01:00:00", ModuleChecks.DeclarationProblem("m", "1", [Matter(limits: new(HandleWithin: TimeSpan.FromHours(-1)))]), StringComparison.Ordinal);
        Assert.Contains("needs its allowed values", ModuleChecks.DeclarationProblem("m", "1",
            [Matter(questions: new MatterQuestion("state", AttributeDatatype.SingleValueList, true, "state", 1))]), StringComparison.Ordinal);
        Assert.Contains("Name must be given", ModuleChecks.DeclarationProblem(" ", "1", [Matter()]), StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemsNonsense_NullOrEmptyMessages_Nonsense_AnEmptyListAccepts()
    {
        Assert.Null(ModuleChecks.ProblemsNonsense([]));
        Assert.Null(ModuleChecks.ProblemsNonsense([new ReportProblem("x", "wrong")]));
        Assert.NotNull(ModuleChecks.ProblemsNonsense(null));
        Assert.NotNull(ModuleChecks.ProblemsNonsense([new ReportProblem(null, "")]));
        Assert.NotNull(ModuleChecks.ProblemsNonsense([.. Enumerable.Repeat(new ReportProblem(null, "x"), ModuleChecks.MaxProblems + 1)]));
        Assert.NotNull(ModuleChecks.ProblemsNonsense(new ReportProblem[] { null! }));
    }
}
