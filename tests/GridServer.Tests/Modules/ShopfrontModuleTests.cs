using GridServer.Notices;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Shopfront;

namespace GridServer.Tests.Modules;

/// <summary>The shopfront module (门前三包): its shop records, and which shop a report names.</summary>
public sealed class ShopfrontModuleTests
{
    // A street-side forecourt (about 40 m × 22 m) and, inside it, one shop's own frontage (about 10 m × 5.5 m).
    private const string Forecourt = "POLYGON((120.6500 28.0000, 120.6504 28.0000, 120.6504 28.0002, 120.6500 28.0002, 120.6500 28.0000))";
    private const string Stall = "POLYGON((120.6501 28.0001, 120.6502 28.0001, 120.6502 28.00015, 120.6501 28.00015, 120.6501 28.0001))";

    private static readonly ShopfrontModule Module = new();

    private static TestReferenceLookup Shops() => new TestReferenceLookup()
        .Area(ShopfrontModule.Shops, "S-0001", Forecourt, ("name", "万达广场"), ("contact", "0577-88881234"))
        .Area(ShopfrontModule.Shops, "S-0002", Stall, ("name", "张记小吃"), ("contact", "13812345678"));

    private static MatterReport Report(string matter, double? lon, double? lat) => new(matter, lon, lat, null, null, new Dictionary<string, string>());

    private static ReferenceRecord Shop(params (string Name, string Value)[] fields) =>
        new("S-0001", fields.ToDictionary(f => f.Name, f => f.Value), 120.65, 28.0);

    [Fact]
    public void Matters_AreTheThreeDutiesWithTheirLimits()
    {
        Assert.Equal([ShopfrontModule.Goods, ShopfrontModule.Litter, ShopfrontModule.Greening], Module.Matters.Select(m => m.Code));
        Assert.Equal([TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromDays(1)], Module.Matters.Select(m => m.TimeLimits!.HandleWithin!.Value));
        Assert.All(Module.Matters, m => Assert.StartsWith("门前三包,", m.Keywords, StringComparison.Ordinal));
    }

    [Fact]
    public void Route_PointInNestedZones_NamesTheSmallestZonesShop_WithRepeatsAndNotice()
    {
        var hint = Module.Route(Report(ShopfrontModule.Goods, 120.65015, 28.000125), Shops());

        Assert.NotNull(hint);
        Assert.Equal((ShopfrontModule.Shops, "S-0002", "张记小吃", "13812345678"), (hint.PartyKind, hint.PartyId, hint.PartyName, hint.Contact));
        Assert.Contains("the point is in the frontage zone of 张记小吃", hint.Reason, StringComparison.Ordinal);
        Assert.Equal(new RepeatRule(TimeSpan.FromDays(30), 2), hint.Repeats);
        Assert.True(hint.Notify);
    }

    [Fact]
    public void Route_PointOnlyInTheForecourt_NamesItsShop()
    {
        var hint = Module.Route(Report(ShopfrontModule.Litter, 120.6503, 28.00005), Shops());

        Assert.Equal("S-0001", hint?.PartyId);
    }

    [Theory]
    [InlineData(120.6510, 28.0010)]          // outside every zone
    [InlineData(double.NaN, 28.0001)]
    [InlineData(500.0, 28.0001)]
    public void Route_PointOutsideEveryZoneOrUnusable_NamesNobody(double lon, double lat) =>
        Assert.Null(Module.Route(Report(ShopfrontModule.Greening, lon, lat), Shops()));

    [Fact]
    public void Route_NoPosition_OrAnotherModulesMatter_NamesNobody()
    {
        Assert.Null(Module.Route(Report(ShopfrontModule.Goods, null, null), Shops()));
        Assert.Null(Module.Route(Report("parking", 120.65015, 28.000125), Shops()));
        Assert.Null(Module.Route(Report(ShopfrontModule.Goods, 120.65015, 28.000125), new TestReferenceLookup()));
    }

    [Fact]
    public void ValidateReport_TakesAddressOnlyReports_RefusesAnImpossiblePosition()
    {
        Assert.Empty(Module.ValidateReport(Report(ShopfrontModule.Goods, null, null)));
        Assert.Empty(Module.ValidateReport(Report(ShopfrontModule.Goods, 120.65, 28.0)));
        Assert.Equal("lat", Assert.Single(Module.ValidateReport(Report(ShopfrontModule.Goods, 120.65, double.PositiveInfinity))).Attribute);
    }

    [Theory]
    [InlineData("13812345678")]
    [InlineData("19912345678")]
    [InlineData("010-12345678")]
    [InlineData("0571-8888888")]
    [InlineData("0571-88881234-12")]
    [InlineData(" 138 1234 5678 ")]
    public void ValidateRecord_GoodShop_IsTaken(string contact) =>
        Assert.Empty(Module.ValidateRecord(ShopfrontModule.Shops,
            Shop(("name", "张记小吃"), ("contact", contact), ("address", "人民路 12 号"), ("licence_no", "91330302MA2ABCDE1X"), ("community", "松台水街社区"))));

    [Theory]
    [InlineData("12812345678")]      // a mobile starts 13-19
    [InlineData("1381234567")]       // ten digits
    [InlineData("138123456789")]     // twelve
    [InlineData("12345678")]         // no area code
    [InlineData("571-8888888")]      // an area code starts with 0
    [InlineData("0571-888888")]      // six digits
    [InlineData("tel:13812345678")]
    [InlineData("１３８１２３４５６７８")] // full-width digits are not taken as they are
    public void ValidateRecord_BadContact_NamesTheField(string contact)
    {
        var problem = Assert.Single(Module.ValidateRecord(ShopfrontModule.Shops, Shop(("name", "张记小吃"), ("contact", contact))));

        Assert.Equal("contact", problem.Attribute);
        Assert.Contains("is not a phone number", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateRecord_MissingRequiredFields_NamesEach()
    {
        var problems = Module.ValidateRecord(ShopfrontModule.Shops, Shop(("name", "   ")));

        Assert.Equal(["name", "contact"], problems.Select(p => p.Attribute));
        Assert.All(problems, p => Assert.EndsWith("is required", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateRecord_HugeStrings_AreRefusedWithShortMessages()
    {
        var huge = new string('长', 10_000);

        var problems = Module.ValidateRecord(ShopfrontModule.Shops,
            Shop(("name", huge), ("contact", huge), ("address", huge), ("licence_no", huge), ("community", huge)));

        Assert.Equal(["name", "contact", "address", "licence_no", "community"], problems.Select(p => p.Attribute));
        Assert.All(problems, p => Assert.True(p.Message.Length < 200, p.Message));
        Assert.Null(GridServer.Silo.Plugins.ModuleChecks.ProblemsNonsense(problems));
    }

    [Fact]
    public void ValidateRecord_BadKeyOrPosition_OrAnotherSet_IsRefused()
    {
        var good = Shop(("name", "张记小吃"), ("contact", "13812345678"));

        Assert.Equal("key", Assert.Single(Module.ValidateRecord(ShopfrontModule.Shops, good with { Key = "" })).Attribute);
        Assert.Equal("key", Assert.Single(Module.ValidateRecord(ShopfrontModule.Shops, good with { Key = new string('k', 10_000) })).Attribute);
        Assert.Equal("geometry", Assert.Single(Module.ValidateRecord(ShopfrontModule.Shops, good with { Longitude = double.NaN })).Attribute);
        Assert.Empty(Module.ValidateRecord(ShopfrontModule.Shops, good with { Longitude = null, Latitude = null }));
        Assert.Contains("keeps no data set 'sites'", Assert.Single(Module.ValidateRecord("sites", good)).Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(Module.ValidateRecord(ShopfrontModule.Shops, null!)).Attribute);
    }

    [Fact]
    public void Templates_OnePartyNoticePerMatter()
    {
        Assert.Equal(Module.Matters.Select(m => m.Code), Module.Templates.Select(t => t.Matter));
        Assert.All(Module.Templates, t => Assert.Equal("party-notice", t.Notice));
    }

    [Fact]
    public void PartyNotice_TellsTheShopWhatToPutRight_AndAboutItsRepeats()
    {
        using var store = new NoticeTemplateStore(folder: null);
        foreach (var template in Module.Templates) Assert.Empty(store.Register(NoticeKind.PartyNotice, template.Matter, template.Text, "shopfront/" + template.Matter));
        var samples = NoticeSamples.For(NoticeKind.PartyNotice).Cast<PartyNotice>().ToList();
        var renderer = new NoticeRenderer(store);

        var repeated = renderer.Render(samples[0] with { Matter = ShopfrontModule.Goods }).Text;
        var first = renderer.Render(samples[1] with { Matter = ShopfrontModule.Litter }).Text;

        Assert.StartsWith("【门前三包整改通知】张记小吃（S-0012）", repeated, StringComparison.Ordinal);
        Assert.Contains("收回店内", repeated, StringComparison.Ordinal);
        Assert.Contains("请于 2026-11-28 11:12 前整改完毕", repeated, StringComparison.Ordinal);
        Assert.Contains("30 天内同类问题已发生 3 次，已列入督办", repeated, StringComparison.Ordinal);
        Assert.Contains("门前卫生", first, StringComparison.Ordinal);
        Assert.Contains("请立即整改", first, StringComparison.Ordinal);
        Assert.DoesNotContain("同类问题", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_FromManyThreadsAtOnce_NamesTheSameShop()
    {
        var shops = Shops();
        var ids = new string?[500];

        Parallel.For(0, ids.Length, i => ids[i] = Module.Route(Report(ShopfrontModule.Goods, 120.65015, 28.000125), shops)?.PartyId);

        Assert.All(ids, id => Assert.Equal("S-0002", id));
    }
}
