using System.Net;
using GridServer.Domain.Cases;
using GridServer.Notices;
using GridServer.Plugins.Billboard;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Dust;
using GridServer.Plugins.Parking;
using GridServer.Plugins.Shopfront;
using GridServer.Silo.Plugins;
using GridServer.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Modules;

/// <summary>
/// What every duty module of the repository declares, against the server's own checks: the contract version, names
/// and matters, reference sets, reading kinds, scheduled checks, and templates that the notices library takes.
/// </summary>
public sealed class ModuleDeclarationTests
{
    private static readonly Dictionary<string, Func<IDutyModule>> Modules = new(StringComparer.Ordinal)
    {
        ["parking"] = () => new ParkingModule(),
        ["shopfront"] = () => new ShopfrontModule(),
        ["dust"] = () => new DustModule(),
        ["billboard"] = () => new BillboardModule(),
    };

    public static TheoryData<string> Names() => [.. Modules.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Declarations_PassTheServersChecks(string name)
    {
        var module = Modules[name]();

        Assert.Null(ModuleChecks.ContractProblem(module.ContractVersion));
        Assert.Null(ModuleChecks.DeclarationProblem(module.Name, module.Version, module.Matters));
        Assert.All(module.Matters, m => Assert.Matches("^[a-z0-9_]+$", m.Code));
    }

    [Fact]
    public void Declarations_MatterCodesSetNamesAndReadingKinds_AreUniqueAcrossModules()
    {
        var modules = Modules.Values.Select(f => f()).ToList();

        var matters = modules.SelectMany(m => m.Matters.Select(x => x.Code)).ToList();
        var sets = modules.OfType<IKeepsReferenceData>().SelectMany(m => m.ReferenceData.Select(s => s.Name)).ToList();
        var kinds = modules.OfType<IHandlesSensorReadings>().SelectMany(m => m.ReadingKinds).ToList();

        Assert.Equal(matters.Count, matters.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["bays", "shops", "sites", "permits"], sets);
        Assert.Equal(["bay", "dust"], kinds);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ReferenceSets_AreWellFormed(string name)
    {
        if (Modules[name]() is not IKeepsReferenceData keeps) return;

        Assert.NotEmpty(keeps.ReferenceData);
        foreach (var set in keeps.ReferenceData)
        {
            Assert.Matches("^[a-z0-9_-]{1,64}$", set.Name);
            Assert.NotEqual(ReferenceShape.None, set.Shape);
            Assert.Contains(set.Fields, f => f.Required);
            Assert.Equal(set.Fields.Length, set.Fields.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
            Assert.All(set.Fields, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
            // An empty record is refused with sensible problems (every required field named), never an exception.
            var problems = keeps.ValidateRecord(set.Name, new ReferenceRecord("K-1", new Dictionary<string, string>(), 120.65, 28.0));
            Assert.Null(ModuleChecks.ProblemsNonsense(problems));
            Assert.Equal(set.Fields.Where(f => f.Required).Select(f => f.Name), problems.Select(p => p.Attribute));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Sensors_AndChecks_StayWithinTheContractsLimits(string name)
    {
        var module = Modules[name]();
        if (module is IHandlesSensorReadings sensors)
        {
            Assert.InRange(sensors.Window, TimeSpan.FromMinutes(1), TimeSpan.FromHours(24));
            Assert.NotEmpty(sensors.ReadingKinds);
        }
        if (module is IRunsScheduledChecks checks) Assert.InRange(checks.CheckEvery, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Templates_AreTakenByTheNoticesLibrary_AndRenderThePartyNotice(string name)
    {
        if (Modules[name]() is not IProvidesTemplates provides) return;
        using var store = new NoticeTemplateStore(folder: null);
        var module = Modules[name]();

        Assert.NotEmpty(provides.Templates);
        foreach (var template in provides.Templates)
        {
            Assert.True(NoticeKinds.TryParseFileStem(template.Notice, out var kind), $"'{template.Notice}' is no notice kind");
            Assert.Contains(module.Matters, m => m.Code == template.Matter);
            Assert.Empty(store.Register(kind, template.Matter, template.Text, $"{name}-module/{template.Notice}.{template.Matter}.scriban"));
        }
        Assert.Empty(store.Errors);
        var renderer = new NoticeRenderer(store);
        foreach (var sample in NoticeSamples.For(NoticeKind.PartyNotice).Cast<PartyNotice>())
        {
            var model = sample with { Matter = provides.Templates[0].Matter };
            var notice = renderer.Render(model);
            Assert.Null(notice.Error);
            Assert.Equal($"{name}-module/party-notice.{model.Matter}.scriban", notice.Source);
            Assert.Contains(model.PartyName, notice.Text, StringComparison.Ordinal);
            Assert.Contains(model.CaseId, notice.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("{{", notice.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Templates_ABrokenModuleTemplate_IsRefusedWithItsSource()
    {
        using var store = new NoticeTemplateStore(folder: null);

        var errors = store.Register(NoticeKind.PartyNotice, ShopfrontModule.Goods, "{{ party_name }} {{ plate_number }}", "shopfront-module/party-notice.shopfront_goods.scriban");

        Assert.Equal("shopfront-module/party-notice.shopfront_goods.scriban", Assert.Single(errors).Source);
    }

    [Fact]
    public async Task Modules_InARunningServer_LoadSideBySide_OfferTheirMatters_AndApplyTheirLimits()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Shopfront", "shopfront");
        silo.Install("GridServer.Plugins.Dust", "dust");
        silo.Install("GridServer.Plugins.Billboard", "billboard");
        await silo.WaitForModuleAsync("shopfront", ModuleState.Loaded, "1.0.0");
        await silo.WaitForModuleAsync("dust", ModuleState.Loaded, "1.0.0");
        await silo.WaitForModuleAsync("billboard", ModuleState.Loaded, "1.0.0");

        var codes = await silo.ServiceCodesAsync();
        Assert.All(new[] { "shopfront_goods", "shopfront_litter", "shopfront_greening", "dust", "billboard_unpermitted", "billboard_unsafe", "billboard_expired" },
            code => Assert.Contains(code, codes));
        var (taken, _) = await silo.ReportAsync("billboard_unpermitted", ("attribute[board_type]", "shop_sign"));
        Assert.Equal(HttpStatusCode.Created, taken);
        var policies = silo.Server.Factory.Services.GetRequiredService<MatterPolicies>();
        Assert.Equal(TimeSpan.FromHours(40), policies.For("billboard_unpermitted").Limits.HandleWithin);
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromHours(2)), (policies.For("dust").Limits.AcceptWithin, policies.For("dust").Limits.HandleWithin));
        Assert.Equal(TimeSpan.FromDays(1), policies.For("shopfront_greening").Limits.HandleWithin);
    }
}
