using System.Net;
using GridServer.Domain.Cases;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Parking;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Modules;

/// <summary>The parking duty module (违停, 占用消防通道): its plate rule and bay-sensor rule directly, and the module in a running server.</summary>
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
        await silo.WaitForModuleAsync("parking", ModuleState.Loaded, "1.1.0");

        Assert.Contains("fire_lane", await silo.ServiceCodesAsync());
        var (refused, refusedBody) = await silo.ReportAsync("parking", ("attribute[plate_number]", "not-a-plate"));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("is not a Chinese plate number", refusedBody[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        var (taken, _) = await silo.ReportAsync("fire_lane", ("attribute[plate_number]", "浙C D12345"));
        Assert.Equal(HttpStatusCode.Created, taken);
        var limits = silo.Server.Factory.Services.GetRequiredService<MatterPolicies>().For("fire_lane").Limits;
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)), (limits.AcceptWithin, limits.HandleWithin));
    }

    // ---- No-parking bays with a sensor (地磁) ----

    private static readonly DateTimeOffset Nine = new(2026, 11, 28, 9, 0, 0, TimeSpan.FromHours(8));

    private static TestReferenceLookup Bays() => new TestReferenceLookup()
        .Point(ParkingModule.Bays, "B-001", 120.6500, 28.0000, ("street", "人民路"), ("no_parking", "true"))
        .Point(ParkingModule.Bays, "B-002", 120.6501, 28.0000, ("street", "人民路"), ("no_parking", "TRUE"), ("max_minutes", "30"))
        .Point(ParkingModule.Bays, "B-003", 120.6502, 28.0000, ("street", "人民路"), ("no_parking", "false"))
        .Point(ParkingModule.Bays, "B-004", 120.6503, 28.0000, ("no_parking", "true"), ("max_minutes", "NaN"));

    private static SensorReading Bay(string bay, int minute, double occupied) =>
        new(bay, ParkingModule.BayReading, 120.65, 28.0, Nine.AddMinutes(minute), new Dictionary<string, double> { [ParkingModule.Occupied] = occupied });

    private static SensorSituation Situation(string bay, int nowMinute, SensorEpisode? episode, string? memo, params SensorReading[] arrived) =>
        new("bay:" + bay, Nine.AddMinutes(nowMinute), arrived, arrived, episode, memo);

    private static string Since(int minute) => Nine.AddMinutes(minute).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly SensorEpisode Open = new("C-1", Nine.AddMinutes(10));

    [Fact]
    public void BayFree_ArrivingLate_DoesNotUndoTheNewerOccupiedReading()
    {
        // 10:00 occupied (known), then a delayed "free" of 09:55 arrives: the bay is still taken since 10:00.
        var occupied = Bay("B-001", 60, 1);
        var late = Bay("B-001", 55, 0);
        var verdict = new ParkingModule().Evaluate(
            new SensorSituation("bay:B-001", Nine.AddMinutes(61), [late], [late, occupied], Open, Since(60)), Bays());
        Assert.False(verdict.EndEpisode);
        Assert.Null(verdict.Note);
        Assert.Equal(Since(60), verdict.Memo);
    }

    [Fact]
    public void BaySubject_IsTheSensorsBay_OnlyForANoParkingBay()
    {
        var module = new ParkingModule();

        Assert.Equal("bay:B-001", module.SubjectOf(Bay("B-001", 0, 1), Bays()));
        Assert.Equal("bay:B-002", module.SubjectOf(Bay("B-002", 0, 1), Bays()));
        Assert.Null(module.SubjectOf(Bay("B-003", 0, 1), Bays()));          // parking is allowed there
        Assert.Null(module.SubjectOf(Bay("B-999", 0, 1), Bays()));          // no such bay
        Assert.Null(module.SubjectOf(Bay("B-001", 0, 1) with { Kind = "dust" }, Bays()));
        Assert.Null(module.SubjectOf(Bay(new string('B', 10_000), 0, 1), Bays()));
        Assert.Equal(["bay"], module.ReadingKinds);
    }

    [Fact]
    public void BayOccupied_UnderTheLimit_RemembersSince_AndAsksForARecheckAtTheLimit()
    {
        var verdict = new ParkingModule().Evaluate(Situation("B-001", 3, null, null, Bay("B-001", 0, 1), Bay("B-001", 3, 1)), Bays());

        Assert.Equal(new SensorVerdict(Memo: Since(0), RecheckAt: Nine.AddMinutes(ParkingModule.DefaultMaxMinutes)), verdict);
    }

    [Fact]
    public void BayOccupied_RecheckAtTheLimit_OpensAParkingCase()
    {
        var verdict = new ParkingModule().Evaluate(Situation("B-001", 10, null, Since(0)), Bays());

        Assert.NotNull(verdict.Open);
        Assert.Equal((ParkingModule.Parking, 120.6500, 28.0000), (verdict.Open.Matter, verdict.Open.Longitude, verdict.Open.Latitude));
        Assert.StartsWith("禁停泊位 B-001（人民路）车辆停放 10 分钟，超过 10 分钟", verdict.Open.Description, StringComparison.Ordinal);
        Assert.Equal((Since(0), (DateTimeOffset?)null), (verdict.Memo, verdict.RecheckAt));
    }

    [Fact]
    public void BayOccupied_ReadingPastTheBaysOwnLimit_Opens_AndTheMemoKeepsTheFirstSince()
    {
        var module = new ParkingModule();

        var early = module.Evaluate(Situation("B-002", 20, null, Since(0), Bay("B-002", 20, 1)), Bays());
        var late = module.Evaluate(Situation("B-002", 31, null, Since(0), Bay("B-002", 31, 1)), Bays());

        Assert.Equal(new SensorVerdict(Memo: Since(0), RecheckAt: Nine.AddMinutes(30)), early);
        Assert.Contains("车辆停放 31 分钟，超过 30 分钟", late.Open?.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void BayOccupied_WithTheEpisodeOpen_OnlyKeepsTheMemo()
    {
        var verdict = new ParkingModule().Evaluate(Situation("B-001", 40, Open, Since(0), Bay("B-001", 40, 1)), Bays());

        Assert.Equal(new SensorVerdict(Memo: Since(0)), verdict);
    }

    [Fact]
    public void BayFreed_WithTheEpisodeOpen_NotesTheLeaving_AndEndsTheEpisode()
    {
        var verdict = new ParkingModule().Evaluate(Situation("B-001", 42, Open, Since(0), Bay("B-001", 42, 0)), Bays());

        Assert.Equal(new SensorVerdict(Note: "车辆于 2026-11-28 09:42 驶离 (vehicle left at 2026-11-28 09:42)", EndEpisode: true), verdict);
    }

    [Fact]
    public void BayFreed_WithoutAnEpisode_ClearsTheMemo()
    {
        Assert.Equal(SensorVerdict.Nothing, new ParkingModule().Evaluate(Situation("B-001", 5, null, Since(0), Bay("B-001", 5, 0)), Bays()));
    }

    [Fact]
    public void BayFreedAndTakenAgainInOneBatch_EndsTheOldEpisode_AndTheNextVehicleCountsFromItsOwnArrival()
    {
        var verdict = new ParkingModule().Evaluate(
            Situation("B-001", 50, Open, Since(0), Bay("B-001", 44, 1), Bay("B-001", 45, 0), Bay("B-001", 47, 1), Bay("B-001", 50, 1)), Bays());

        Assert.True(verdict.EndEpisode);
        Assert.Contains("vehicle left at 2026-11-28 09:45", verdict.Note, StringComparison.Ordinal);
        Assert.Null(verdict.Open);
        Assert.Equal((Since(47), Nine.AddMinutes(57)), (verdict.Memo, verdict.RecheckAt));
    }

    [Fact]
    public void BayReadings_NotZeroOrOne_AreIgnored_AndAnUnreadableMemoIsNone()
    {
        var module = new ParkingModule();

        Assert.Equal(new SensorVerdict(Memo: Since(0)), module.Evaluate(Situation("B-001", 5, Open, Since(0), Bay("B-001", 5, double.NaN), Bay("B-001", 5, 0.5)), Bays()));
        Assert.Equal(new SensorVerdict(Memo: Since(3), RecheckAt: Nine.AddMinutes(13)),
            module.Evaluate(Situation("B-001", 3, null, "yesterday", Bay("B-001", 3, 1)), Bays()));
        Assert.Equal(SensorVerdict.Nothing, module.Evaluate(Situation("B-001", 3, null, null), Bays()));
    }

    [Fact]
    public void BayWithAnUnreadableLimit_UsesTheDefault_AndABayNoLongerWatched_EndsTheEpisode()
    {
        var module = new ParkingModule();

        Assert.Equal(Nine.AddMinutes(1 + ParkingModule.DefaultMaxMinutes), module.Evaluate(Situation("B-004", 1, null, null, Bay("B-004", 1, 1)), Bays()).RecheckAt);
        Assert.Equal(new SensorVerdict(EndEpisode: true), module.Evaluate(Situation("B-003", 1, Open, Since(0), Bay("B-003", 1, 1)), Bays()));
    }

    [Fact]
    public void BayRecords_AreChecked_NamingTheField()
    {
        var module = new ParkingModule();
        ReferenceRecord Record(params (string Name, string Value)[] fields) => new("B-001", fields.ToDictionary(f => f.Name, f => f.Value), 120.65, 28.0);

        Assert.Empty(module.ValidateRecord(ParkingModule.Bays, Record(("no_parking", "true"), ("street", "人民路"), ("max_minutes", "1440"))));
        Assert.Empty(module.ValidateRecord(ParkingModule.Bays, Record(("no_parking", "False"))));
        Assert.Equal(["no_parking"], module.ValidateRecord(ParkingModule.Bays, Record()).Select(p => p.Attribute));
        Assert.Equal(["no_parking"], module.ValidateRecord(ParkingModule.Bays, Record(("no_parking", "yes"))).Select(p => p.Attribute));
        foreach (var bad in new[] { "0", "-5", "1441", "10.5", "NaN", "ten", new string('9', 10_000) })
        {
            Assert.Equal(["max_minutes"], module.ValidateRecord(ParkingModule.Bays, Record(("no_parking", "true"), ("max_minutes", bad))).Select(p => p.Attribute));
        }
        Assert.Equal(["street"], module.ValidateRecord(ParkingModule.Bays, Record(("no_parking", "true"), ("street", new string('路', 10_000)))).Select(p => p.Attribute));
        Assert.Equal(["geometry"], module.ValidateRecord(ParkingModule.Bays, Record(("no_parking", "true")) with { Latitude = null }).Select(p => p.Attribute));
        Assert.Contains("keeps no data set 'shops'", Assert.Single(module.ValidateRecord("shops", Record())).Message, StringComparison.Ordinal);
        Assert.Equal(10, ParkingModule.DefaultMaxMinutes);
    }

    [Fact]
    public void BayFreed_WithTheEpisodeOpenButNoMemo_StillEndsTheEpisode()
    {
        var verdict = new ParkingModule().Evaluate(Situation("B-001", 42, Open, null, Bay("B-001", 42, 0)), Bays());

        Assert.True(verdict.EndEpisode);
        Assert.Contains("vehicle left at 2026-11-28 09:42", verdict.Note, StringComparison.Ordinal);
    }
}
