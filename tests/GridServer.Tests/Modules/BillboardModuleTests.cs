using GridServer.Plugins.Contracts;
using GridServer.Plugins.Billboard;

namespace GridServer.Tests.Modules;

/// <summary>The billboard module (户外广告/店招): its permit records, the permit a report names, and the daily check of expired permits.</summary>
public sealed class BillboardModuleTests
{
    private static readonly BillboardModule Module = new();
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    private static TestReferenceLookup Permits() => new TestReferenceLookup()
        .Point(BillboardModule.Permits, "P-0012", 120.6600, 28.0100,
            ("holder", "瓯江广告公司"), ("expires", "2026-11-27"), ("contact", "0577-88880000"), ("address", "人民路 88 号"))
        .Point(BillboardModule.Permits, "P-0013", 120.6602, 28.0100, ("holder", "张记小吃"), ("expires", "2026-11-28"))
        .Point(BillboardModule.Permits, "P-0014", 120.6700, 28.0100, ("holder", "新华书店"), ("expires", "2027-05-01"));

    private static MatterReport Report(string matter, double? lon, double? lat) => new(matter, lon, lat, null, null, new Dictionary<string, string>());

    private static ReferenceRecord Permit(params (string Name, string Value)[] fields) =>
        new("P-0001", fields.ToDictionary(f => f.Name, f => f.Value), 120.66, 28.01);

    [Fact]
    public void Matters_ApprovalMattersTakeFiveWorkingDays_UnsafeIsShort()
    {
        var limits = Module.Matters.ToDictionary(m => m.Code, m => m.TimeLimits!);

        Assert.Equal([BillboardModule.Unpermitted, BillboardModule.Unsafe, BillboardModule.Expired], Module.Matters.Select(m => m.Code));
        Assert.Equal(new MatterTimeLimits(HandleWithin: TimeSpan.FromHours(40), WorkingHours: true), limits[BillboardModule.Unpermitted]);
        Assert.Equal(limits[BillboardModule.Unpermitted], limits[BillboardModule.Expired]);
        Assert.False(limits[BillboardModule.Unsafe].WorkingHours);
        Assert.True(limits[BillboardModule.Unsafe].HandleWithin <= TimeSpan.FromHours(4));
        Assert.All(Module.Matters, m => Assert.Equal(["billboard", "shop_sign", "banner", "other"], Assert.Single(m.Attributes).Values.Select(v => v.Key)));
    }

    [Fact]
    public void Route_ReportNearPermittedBoards_NamesTheNearestPermit()
    {
        // 120.66003 is about 3 m from P-0012 and 16 m from P-0013.
        var hint = Module.Route(Report(BillboardModule.Unsafe, 120.66003, 28.0100), Permits());

        Assert.NotNull(hint);
        Assert.Equal((BillboardModule.Permits, "P-0012", "瓯江广告公司", "0577-88880000"), (hint.PartyKind, hint.PartyId, hint.PartyName, hint.Contact));
        Assert.Contains("permit P-0012, 3 m away, expires 2026-11-27", hint.Reason, StringComparison.Ordinal);
        Assert.Null(hint.Repeats);
        Assert.True(hint.Notify);
    }

    [Theory]
    [InlineData(120.6605, 28.0100)]      // 29 m from P-0013: within 30 m
    public void Route_JustWithin30Metres_NamesThePermit(double lon, double lat) =>
        Assert.Equal("P-0013", Module.Route(Report(BillboardModule.Unpermitted, lon, lat), Permits())?.PartyId);

    [Fact]
    public void Route_NoBoardWithin30Metres_NoPosition_OrAnotherMatter_NamesNobody()
    {
        Assert.Null(Module.Route(Report(BillboardModule.Unpermitted, 120.6606, 28.0100), Permits()));   // 39 m
        Assert.Null(Module.Route(Report(BillboardModule.Unpermitted, null, null), Permits()));
        Assert.Null(Module.Route(Report(BillboardModule.Unpermitted, double.NaN, 28.01), Permits()));
        Assert.Null(Module.Route(Report("dust", 120.66, 28.01), Permits()));
    }

    [Fact]
    public void Check_PermitsExpiredBeforeTodayInChinaStandardTime_AreFound_WithStableKeys()
    {
        // 2026-11-28 16:30 UTC is 2026-11-29 00:30 in China: P-0012 (27th) and P-0013 (28th) have expired.
        var findings = Module.Check(new DateTimeOffset(2026, 11, 28, 16, 30, 0, TimeSpan.Zero), Permits());

        Assert.Equal(["permit:P-0012:expired:2026-11-27", "permit:P-0013:expired:2026-11-28"], findings.Select(f => f.Key));
        var first = findings[0];
        Assert.Equal((BillboardModule.Expired, 120.6600, 28.0100), (first.Matter, first.Longitude, first.Latitude));
        Assert.Contains("P-0012（人民路 88 号） 已于 2026-11-27 到期", first.Description, StringComparison.Ordinal);
        Assert.Equal(("P-0012", "瓯江广告公司", true), (first.Party?.PartyId, first.Party?.PartyName, first.Party?.Notify));
    }

    [Fact]
    public void Check_ThePermitsLastDay_IsStillValid()
    {
        // 2026-11-28 15:59 UTC is 23:59 on the 28th in China: P-0013 is still valid all that day.
        var findings = Module.Check(new DateTimeOffset(2026, 11, 28, 23, 59, 0, Cst), Permits());

        Assert.Equal(["permit:P-0012:expired:2026-11-27"], findings.Select(f => f.Key));
        Assert.Equal(findings.Select(f => f.Key), Module.Check(new DateTimeOffset(2026, 11, 28, 15, 59, 0, TimeSpan.Zero), Permits()).Select(f => f.Key));
        Assert.Equal(TimeSpan.FromDays(1), Module.CheckEvery);
    }

    [Fact]
    public void Check_RecordsWithoutUsablePositionOrExpiry_AreSkipped()
    {
        var permits = Permits()
            .Add(BillboardModule.Permits, new ReferenceRecord("P-NOPOS", new Dictionary<string, string> { ["holder"] = "甲", ["expires"] = "2020-01-01" }))
            .Add(BillboardModule.Permits, new ReferenceRecord("P-NAN", new Dictionary<string, string> { ["holder"] = "乙", ["expires"] = "2020-01-01" }, double.NaN, 28))
            .Point(BillboardModule.Permits, "P-BADDATE", 120.66, 28.01, ("holder", "丙"), ("expires", "01/01/2020"))
            .Point(BillboardModule.Permits, "P-NODATE", 120.66, 28.01, ("holder", "丁"));

        var findings = Module.Check(new DateTimeOffset(2026, 12, 1, 9, 0, 0, Cst), Permits());

        Assert.Equal(findings.Select(f => f.Key), Module.Check(new DateTimeOffset(2026, 12, 1, 9, 0, 0, Cst), permits).Select(f => f.Key));
        Assert.Empty(Module.Check(new DateTimeOffset(2026, 12, 1, 9, 0, 0, Cst), new TestReferenceLookup()));
    }

    [Fact]
    public void ValidateRecord_GoodPermit_IsTaken()
    {
        Assert.Empty(Module.ValidateRecord(BillboardModule.Permits, Permit(("holder", "瓯江广告公司"), ("expires", "2027-01-31"))));
        Assert.Empty(Module.ValidateRecord(BillboardModule.Permits, Permit(("holder", "瓯江广告公司"), ("expires", "2027-01-31"), ("board_type", "shop_sign"),
            ("width_m", "6.5"), ("height_m", "100"), ("address", "人民路 88 号"), ("contact", "13812345678"))));
    }

    [Theory]
    [InlineData("2027/01/31")]
    [InlineData("31-01-2027")]
    [InlineData("2027-1-31")]
    [InlineData("2027-02-30")]
    [InlineData("2027-01-31T00:00:00")]
    [InlineData("20270131")]
    [InlineData("明年")]
    public void ValidateRecord_ExpiryNotYyyyMmDd_NamesTheField(string expires)
    {
        var problem = Assert.Single(Module.ValidateRecord(BillboardModule.Permits, Permit(("holder", "瓯江广告公司"), ("expires", expires))));

        Assert.Equal("expires", problem.Attribute);
        Assert.Contains("is not a date as yyyy-MM-dd", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("100.5")]
    [InlineData("NaN")]
    [InlineData("6m")]
    public void ValidateRecord_BadSize_NamesTheField(string size)
    {
        var problems = Module.ValidateRecord(BillboardModule.Permits, Permit(("holder", "甲"), ("expires", "2027-01-31"), ("width_m", size), ("height_m", size)));

        Assert.Equal(["width_m", "height_m"], problems.Select(p => p.Attribute));
    }

    [Fact]
    public void ValidateRecord_MissingFields_UnknownBoardType_NoPosition_HugeStrings_NameEachField()
    {
        Assert.Equal(["holder", "expires"], Module.ValidateRecord(BillboardModule.Permits, Permit()).Select(p => p.Attribute));
        Assert.Equal("board_type", Assert.Single(Module.ValidateRecord(BillboardModule.Permits,
            Permit(("holder", "甲"), ("expires", "2027-01-31"), ("board_type", "neon")))).Attribute);
        Assert.Equal("geometry", Assert.Single(Module.ValidateRecord(BillboardModule.Permits,
            Permit(("holder", "甲"), ("expires", "2027-01-31")) with { Longitude = null, Latitude = null })).Attribute);
        var huge = new string('广', 10_000);
        var problems = Module.ValidateRecord(BillboardModule.Permits,
            Permit(("holder", huge), ("expires", huge), ("board_type", huge), ("address", huge), ("contact", huge)));
        Assert.Equal(["holder", "expires", "board_type", "address", "contact"], problems.Select(p => p.Attribute));
        Assert.Null(GridServer.Silo.Plugins.ModuleChecks.ProblemsNonsense(problems));
    }
}
