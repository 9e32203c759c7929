using System.Net;
using GridServer.Abstractions.Plugins;
using GridServer.Domain.Cases;
using GridServer.Silo.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

using GridServer.Tests.Support;

namespace GridServer.Tests.Plugins;

/// <summary>
/// Two silos of one TestingHost cluster, each loading the sample module from a plugins directory of its own making
/// (one shared folder, read by both) and reporting to the cluster's module board every second.
/// </summary>
public sealed class TwoSiloPluginCluster : IAsyncLifetime
{
    /// <summary>The plugins directory the silos load (static: the silo configurator is made by the test cluster).</summary>
    private static string s_directory = "";

    private readonly string _root = Directory.CreateTempSubdirectory("gridserver-cluster-plugins-").FullName;

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        s_directory = Path.Combine(_root, "plugins");
        var folder = Path.Combine(s_directory, "manhole");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(PluginSilo.Built("GridServer.Plugins.Sample"))) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind harms nothing.
        }
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            // Each silo its own policies, registry and host, as each server process has.
            silo.Services.AddSingleton(_ => new MatterPolicies(new(CaseTimeLimits.Default), [], WorkingHoursCalendar.OfficeHours()));
            silo.Services.Configure<PluginOptions>(o =>
            {
                o.Directory = s_directory;
                o.StatusHeartbeat = TimeSpan.FromSeconds(1);
            });
            silo.Services.AddSingleton<ModuleRegistry>();
            silo.Services.AddSingleton(GridServer.Domain.Catalog.MatterCatalog.Default);
            // Modules register their templates into the notice store: each silo its own, as a server has.
            silo.Services.AddSingleton(_ => new GridServer.Notices.NoticeTemplateStore(folder: null, watch: false));
            silo.Services.AddSingleton<DutyModuleHost>();
            silo.Services.AddHostedService(sp => sp.GetRequiredService<DutyModuleHost>());
            silo.Services.AddHostedService<ModuleStatusPublisher>();
        }
    }
}

public sealed class ClusterPluginTests(TwoSiloPluginCluster fixture) : IClassFixture<TwoSiloPluginCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private async Task<System.Collections.Immutable.ImmutableArray<SiloModules>> BoardUntilAsync(Func<System.Collections.Immutable.ImmutableArray<SiloModules>, bool> done, string what)
    {
        var board = fixture.Cluster.GrainFactory.GetGrain<IModuleBoardGrain>(IModuleBoardGrain.Key);
        var reports = await board.GetAsync();
        try
        {
            await Eventually.HoldsAsync(what, async () => done(reports = await board.GetAsync()), Patience, TimeSpan.FromMilliseconds(100));
        }
        catch (Xunit.Sdk.XunitException)
        {
            // Said below with what the board holds.
        }
        Assert.True(done(reports), $"waited {Patience.TotalSeconds:F0} s for {what}; the board holds: " +
            string.Join("; ", reports.Select(r => $"{r.Silo} ({string.Join(", ", r.Modules.Select(m => $"{m.Folder} {m.State}"))})")));
        return reports;
    }

    [Fact]
    public async Task TwoSilos_BothReportTheirLoadedModule_ASiloThatLeavesDropsOff()
    {
        var silos = fixture.Cluster.Silos.Select(s => s.SiloAddress.ToString()).Order(StringComparer.Ordinal).ToArray();
        static bool Loaded(SiloModules r) => r.Modules.Any(m => m is { Folder: "manhole", State: "loaded", Version: "1.0.0" } && m.Matters.Contains("manhole"));

        var both = await BoardUntilAsync(r => r.Length == 2 && r.All(Loaded), "both silos with the module loaded");
        Assert.Equal(silos, both.Select(r => r.Silo).ToArray());
        Assert.All(both, r => Assert.True(r.ReportedAt > DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1)));

        var leaving = fixture.Cluster.SecondarySilos[0];
        await fixture.Cluster.StopSiloAsync(leaving);
        var left = await BoardUntilAsync(r => r.Length == 1 && r.All(Loaded), "the stopped silo to drop off");
        Assert.Equal(fixture.Cluster.Primary!.SiloAddress.ToString(), left[0].Silo);
    }
}

/// <summary><c>GET /api/plugins</c> of a single server: the cluster's list holds itself, as its own fields say.</summary>
public sealed class PluginEndpointClusterTests
{
    [Fact]
    public async Task GetPlugins_OneSilo_SilosListsItWithItsModules_OldFieldsKept()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.Plugins.Sample", "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");

        using var response = await silo.Server.Dispatcher.GetAsync("/api/plugins");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await PluginSilo.JsonOf(response);
        var self = body.GetProperty("silo").GetString();
        Assert.Equal("manhole", Assert.Single(body.GetProperty("modules").EnumerateArray()).GetProperty("folder").GetString());
        var entry = Assert.Single(body.GetProperty("silos").EnumerateArray());
        Assert.Equal(self, entry.GetProperty("silo").GetString());
        var module = Assert.Single(entry.GetProperty("modules").EnumerateArray());
        Assert.Equal(("manhole", "loaded", "1.0.0"), (module.GetProperty("folder").GetString(), module.GetProperty("state").GetString(), module.GetProperty("version").GetString()));
        Assert.Equal("manhole", Assert.Single(module.GetProperty("matters").EnumerateArray()).GetString());
    }
}
