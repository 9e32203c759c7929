using GridServer.Domain.Cases;

namespace GridServer.Tests.Cases;

public class MatterPoliciesTests
{
    private static readonly DateTimeOffset Friday1600 = new(2026, 12, 4, 16, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void For_UnknownMatter_TheDefault_KnownMatter_ItsOwnLimitsAndCalendar()
    {
        var policies = new MatterPolicies(new MatterPolicy(CaseTimeLimits.Default),
            [KeyValuePair.Create("rubbish", new MatterPolicy(CaseTimeLimits.Default, WorkingHours: true))], WorkingHoursCalendar.OfficeHours());
        var reported = CaseFile.Reported("C", "rubbish", Friday1600, "r");

        var rubbish = Accept(policies.For("rubbish"), reported);
        var other = Accept(policies.For("billboard"), reported with { Matter = "billboard" });

        // 4 working hours from Friday 16:00: 1.5 h on Friday, the rest on Monday morning.
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 11, 0, 0, TimeSpan.FromHours(8)), rubbish.Deadlines.HandleBy);
        Assert.Equal(Friday1600.AddHours(4), other.Deadlines.HandleBy);
        Assert.Same(policies.Default, policies.For("billboard"));
    }

    [Fact]
    public void Set_AddsChangesAndRemovesAMatterWhileInUse()
    {
        var policies = MatterPolicies.Defaults();
        policies.Set("parking", new MatterPolicy(CaseTimeLimits.Default with { HandleWithin = TimeSpan.FromMinutes(30) }));
        Assert.Equal(TimeSpan.FromMinutes(30), policies.For("parking").Limits.HandleWithin);
        policies.Set("parking", null);
        Assert.Equal(CaseTimeLimits.Default, policies.For("parking").Limits);
        Assert.Empty(policies.Matters);
    }

    [Theory]
    [InlineData(0, 60, 60, "AcceptWithin must be longer than zero")]
    [InlineData(10, -1, 60, "HandleWithin must be longer than zero")]
    [InlineData(10, 60, 600_000, "VerifyWithin")]
    public void Set_UnusableLimits_RefusedNamingTheMatterAndTheLimit(int accept, int handle, int verify, string expected)
    {
        var policies = MatterPolicies.Defaults();
        var limits = new CaseTimeLimits(TimeSpan.FromMinutes(accept), TimeSpan.FromMinutes(handle), TimeSpan.FromMinutes(verify));

        var e = Assert.Throws<ArgumentException>(() => policies.Set("dust", new MatterPolicy(limits)));

        Assert.Contains("matter 'dust'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static CaseFile Accept(CaseWorkflow workflow, CaseFile reported)
    {
        var file = reported;
        foreach (var action in new[] { CaseAction.Register, CaseAction.Dispatch, CaseAction.Accept })
            file = workflow.Apply(file, new CaseCommand(action, "u", Friday1600)).Case;
        Assert.Equal(CaseState.Accepted, file.State);
        return file;
    }
}
