using System.Net;
using GridServer.Domain.Cases;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Parking;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Modules;

/// <summary>The parking duty module (违停, 占用消防通道): its plate rule directly, and the module in a running server.</summary>
public sealed class ParkingModuleTests
{
    [Theory]
    [InlineData("浙C12345", PlateKind.Ordinary)]
    [InlineData("浙CA1B23", PlateKind.Ordinary)]
    [InlineData("京A 88888", PlateKind.Ordinary)]
    [InlineData("浙c·12345", PlateKind.Ordinary)]
    [InlineData("粤Ｂ１２３４５", PlateKind.Ordinary)]
    [InlineData("浙C1234学", PlateKind.Special)]
    [InlineData("浙C1234挂", PlateKind.Special)]
    [InlineData("浙CD12345", PlateKind.SmallNewEnergy)]
    [InlineData("浙CFA1234", PlateKind.SmallNewEnergy)]
    [InlineData("沪AA12345", PlateKind.SmallNewEnergy)]
    [InlineData("浙C12345D", PlateKind.LargeNewEnergy)]
    public void Plate_Recognised(string plate, PlateKind kind) => Assert.Equal(kind, PlateNumber.KindOf(plate));

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("AB12345")]            // no province
    [InlineData("台A12345")]           // not a mainland province's abbreviation
    [InlineData("浙I12345")]           // I is no office letter
    [InlineData("浙C1234O")]           // O is no serial letter
    [InlineData("浙C1234")]            // too short
    [InlineData("浙C123456")]          // six digits: no new-energy letter
    [InlineData("浙CD1234A")]          // small new-energy plates end in four digits
    [InlineData("浙C12345DD")]         // too long
    [InlineData("浙C1234甲")]          // not one of 学 挂 警 港 澳
    [InlineData("浙CI12345")]          // I is no new-energy letter
    public void Plate_Refused(string plate) => Assert.Null(PlateNumber.KindOf(plate));

    [Fact]
    public void Module_DeclaresBothMattersWithShortLimits_AndRefusesABadPlateNamingTheAttribute()
    {
        var module = new ParkingModule();

        Assert.Equal(DutyContract.Version, module.ContractVersion);
        Assert.Equal([ParkingModule.Parking, ParkingModule.FireLane], module.Matters.Select(m => m.Code));
        Assert.All(module.Matters, m => Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)), (m.TimeLimits!.AcceptWithin!.Value, m.TimeLimits.HandleWithin!.Value)));
        Assert.Empty(module.ValidateReport(Report("浙C12345")));
        var problem = Assert.Single(module.ValidateReport(Report("ABC")));
        Assert.Equal("plate_number", problem.Attribute);
        Assert.Contains("is not a Chinese plate number", problem.Message, StringComparison.Ordinal);
        Assert.Contains("…", Assert.Single(module.ValidateReport(Report(new string('x', 10_000)))).Message, StringComparison.Ordinal);
    }

    private static MatterReport Report(string plate) =>
        new(ParkingModule.Parking, 120.65, 28.0, null, null, new Dictionary<string, string> { ["plate_number"] = plate });

    [Fact]
    public async Task Module_InARunningServer_TakesOverParking_AddsFireLanes_ChecksPlates_AppliesItsLimits()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Parking", "parking");
        await silo.WaitForModuleAsync("parking", ModuleState.Loaded, "1.0.0");

        Assert.Contains("fire_lane", await silo.ServiceCodesAsync());
        var (refused, refusedBody) = await silo.ReportAsync("parking", ("attribute[plate_number]", "not-a-plate"));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("is not a Chinese plate number", refusedBody[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        var (taken, _) = await silo.ReportAsync("fire_lane", ("attribute[plate_number]", "浙C D12345"));
        Assert.Equal(HttpStatusCode.Created, taken);
        var limits = silo.Server.Factory.Services.GetRequiredService<MatterPolicies>().For("fire_lane").Limits;
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)), (limits.AcceptWithin, limits.HandleWithin));
    }
}
