using System.Net;
using System.Net.Http.Json;
using GridServer.Domain.Cases;
using GridServer.Silo.Plugins;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Tests.Plugins;

/// <summary>
/// Duty modules in a running server (the real host, in process): dropped into its plugins directory, replaced and
/// removed while it serves, and modules that throw, hang or were built for another contract. Each test starts its own
/// server with its own plugins directory, and waits for the server's module snapshot instead of sleeping.
/// </summary>
public sealed class PluginHostTests
{
    private const string Sample = "GridServer.Plugins.Sample";
    private const string SampleV2 = "GridServer.TestModules.SampleV2";
    private const string Grid = "33030200200910";

    private static TimeSpan HandleWithin(PluginSilo silo, string matter) =>
        silo.Server.Factory.Services.GetRequiredService<MatterPolicies>().For(matter).Limits.HandleWithin;

    [Fact]
    public async Task SampleModule_DroppedIntoRunningServer_ServiceAppearsAndTakesReports()
    {
        await using var silo = await PluginSilo.StartAsync();
        Assert.DoesNotContain("manhole", await silo.ServiceCodesAsync());
        Assert.Equal(CaseTimeLimits.Default.HandleWithin, HandleWithin(silo, "manhole"));

        silo.Install(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");

        Assert.Contains("manhole", await silo.ServiceCodesAsync());
        Assert.Equal("other", (await silo.ServiceCodesAsync())[^1]);
        using (var definition = await silo.Server.Client.GetAsync("/open311/v2/services/manhole.json"))
        {
            var attribute = Assert.Single((await PluginSilo.JsonOf(definition)).GetProperty("attributes").EnumerateArray());
            Assert.Equal(("cover_state", "singlevaluelist", true), (attribute.GetProperty("code").GetString(), attribute.GetProperty("datatype").GetString(), attribute.GetProperty("required").GetBoolean()));
        }
        var (taken, body) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "broken"));
        Assert.Equal(HttpStatusCode.Created, taken);
        Assert.StartsWith("C-", body[0].GetProperty("service_request_id").GetString(), StringComparison.Ordinal);
        // The server's own checks of the declared attribute, then the module's check.
        var (missing, missingBody) = await silo.ReportAsync("manhole");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("attribute[cover_state] is required", missingBody[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        var (refused, refusedBody) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "other"));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("describe what is wrong with the cover", refusedBody[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        // The module's time limit applies at once.
        Assert.Equal(TimeSpan.FromHours(2), HandleWithin(silo, "manhole"));

        var listed = await silo.PluginAsync("manhole");
        Assert.Equal(("loaded", "1.0.0", "1.1"), (listed.GetProperty("state").GetString(), listed.GetProperty("version").GetString(), listed.GetProperty("contractVersion").GetString()));
        Assert.Equal("manhole", Assert.Single(listed.GetProperty("matters").EnumerateArray()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task SampleModule_NewVersionCopiedOver_NewBehaviourAndLimits_ReportsDuringTheSwapAllTaken()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");
        var (before, beforeBody) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "broken"));
        Assert.Equal(HttpStatusCode.Created, before);
        var earlier = beforeBody[0].GetProperty("service_request_id").GetString();

        // Reports keep arriving while the module is replaced: every one is taken, by one version or the other.
        using var stop = new CancellationTokenSource();
        var inFlight = Task.Run(async () =>
        {
            var statuses = new List<HttpStatusCode>();
            while (!stop.IsCancellationRequested)
                statuses.Add((await silo.ReportAsync("manhole", ("attribute[cover_state]", "sunken"), ("description", "the cover sank by 5 cm"))).Status);
            return statuses;
        });
        silo.CopyOver(SampleV2, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "2.0.0");
        stop.Cancel();
        var statuses = await inFlight;
        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));

        // Version 2 wants a description: what version 1 took is now refused, by the new module's words.
        var (after, afterBody) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "broken"));
        Assert.Equal(HttpStatusCode.BadRequest, after);
        Assert.Contains("version 2 wants every manhole report described", afterBody[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(1), HandleWithin(silo, "manhole"));
        using var old = await silo.Server.Client.GetAsync($"/open311/v2/requests/{earlier}.json");
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal("2.0.0", (await silo.PluginAsync("manhole")).GetProperty("version").GetString());
    }

    [Fact]
    public async Task SampleModule_FolderRemoved_ServiceGone_ItsOpenCaseStillCompletesThroughTheApi()
    {
        await using var silo = await PluginSilo.StartAsync();
        var staff = await silo.Server.StaffAsync(Grid);
        var officerA = await silo.Server.AsAsync("Officer", staff.A);
        silo.Install(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded);
        var (status, body) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "missing"), ("description", "an open shaft on the pavement"));
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body[0].GetProperty("service_request_id").GetString()!;

        silo.Remove("manhole");
        await silo.WaitForAsync(s => s.Modules.IsEmpty && s.Matters.IsEmpty, "the module to be unloaded");

        Assert.DoesNotContain("manhole", await silo.ServiceCodesAsync());
        var (unknown, unknownBody) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "missing"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Contains("unknown service_code 'manhole'", unknownBody[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(CaseTimeLimits.Default.HandleWithin, HandleWithin(silo, "manhole"));

        foreach (var (action, actor) in new[] { ("Accept", officerA), ("StartHandling", officerA), ("GiveFinalFeedback", officerA),
                     ("StartVerification", silo.Server.Dispatcher), ("PassVerification", silo.Server.Dispatcher), ("Close", silo.Server.Dispatcher) })
        {
            using var step = await actor.PostAsJsonAsync($"/api/cases/{id}/actions", new { action, note = "cover replaced" });
            Assert.True(step.StatusCode == HttpStatusCode.OK, $"{action}: {step.StatusCode} {await step.Content.ReadAsStringAsync()}");
        }
        using var closed = await silo.Server.Client.GetAsync($"/open311/v2/requests/{id}.json");
        Assert.Equal("closed", (await PluginSilo.JsonOf(closed))[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task SampleModule_Unloaded_ItsLoadContextIsCollected()
    {
        await using var silo = await PluginSilo.StartAsync();
        await silo.Server.StaffAsync(Grid);
        silo.Install(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded);
        await UseAsync(silo);
        var context = LoadContextOf(silo.Registry, "manhole");

        silo.Remove("manhole");
        await silo.WaitForAsync(s => s.Modules.IsEmpty && s.Matters.IsEmpty, "the module to be unloaded");

        await AssertCollectedAsync(context);
    }

    [Fact]
    public async Task SampleModule_Replaced_TheOldVersionsLoadContextIsCollected()
    {
        await using var silo = await PluginSilo.StartAsync();
        await silo.Server.StaffAsync(Grid);
        silo.Install(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");
        await UseAsync(silo);
        var old = LoadContextOf(silo.Registry, "manhole");

        silo.CopyOver(SampleV2, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "2.0.0");
        await UseAsync(silo);

        await AssertCollectedAsync(old);
        Assert.Equal("2.0.0", (await silo.PluginAsync("manhole")).GetProperty("version").GetString());
    }

    /// <summary>What a server does with a module: lists its service, checks a report by it, opens and dispatches the case.</summary>
    private static async Task UseAsync(PluginSilo silo)
    {
        Assert.Contains("manhole", await silo.ServiceCodesAsync());
        var (status, body) = await silo.ReportAsync("manhole", ("attribute[cover_state]", "missing"), ("description", "an open shaft"));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.OK, (await silo.Server.Client.GetAsync($"/open311/v2/requests/{body[0].GetProperty("service_request_id").GetString()}.json")).StatusCode);
    }

    private static async Task AssertCollectedAsync(WeakReference context)
    {
        // A collectible context goes in two steps (its loader's finalizer, then a collection): a few rounds at most.
        for (var round = 0; round < 20 && context.IsAlive; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Yield();
        }
        Assert.False(context.IsAlive, "the unloaded module's load context is still referenced: something in the server keeps one of its objects or types");
    }

    /// <summary>A weak reference to the module's load context, with no strong one left on this method's stack.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference LoadContextOf(ModuleRegistry registry, string folder)
    {
        var context = registry.Current.ModuleIn(folder)?.LoadContext;
        Assert.NotNull(context);
        Assert.True(context.IsCollectible);
        return new WeakReference(context);
    }

    [Fact]
    public async Task ModuleFolder_DeletedAndMadeAgainAtOnce_TheNewVersionIsServed()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");

        // Quicker than the directory scan: the host may never see the folder gone, and the old loader watched the old folder.
        silo.Remove("manhole");
        silo.Install(SampleV2, "manhole");

        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "2.0.0");
        Assert.Equal(TimeSpan.FromHours(1), HandleWithin(silo, "manhole"));
    }

    [Fact]
    public async Task ThrowingModule_ReportsStillTaken_FaultedAfterTwoFailures_ErrorVisible()
    {
        await using var silo = await PluginSilo.StartAsync(new() { ["GridServer:Plugins:FaultAfter"] = "2" });
        silo.Install("GridServer.TestModules.Throwing", "throwing");
        await silo.WaitForModuleAsync("throwing", ModuleState.Loaded);

        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("throwing-test")).Status);
        var once = await silo.PluginAsync("throwing");
        Assert.Equal(("loaded", 1), (once.GetProperty("state").GetString(), once.GetProperty("consecutiveFailures").GetInt32()));
        Assert.Contains("threw System.InvalidOperationException: the throwing test module always throws", once.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("throwing-test")).Status);
        Assert.Equal("faulted", (await silo.PluginAsync("throwing")).GetProperty("state").GetString());
        // Faulted: no longer called, its service still taken under generic handling.
        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("throwing-test")).Status);
        Assert.Contains("throwing-test", await silo.ServiceCodesAsync());
        Assert.Equal(2, (await silo.PluginAsync("throwing")).GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task HangingModule_ReportTakenAfterTheTimeLimit_FaultedNamingTheTimeout()
    {
        await using var silo = await PluginSilo.StartAsync(new() { ["GridServer:Plugins:CallTimeout"] = "00:00:00.500", ["GridServer:Plugins:FaultAfter"] = "2" });
        silo.Install("GridServer.TestModules.Hanging", "hanging");
        await silo.WaitForModuleAsync("hanging", ModuleState.Loaded);

        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("hanging-test")).Status);
        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("hanging-test")).Status);

        var listed = await silo.PluginAsync("hanging");
        Assert.Equal("faulted", listed.GetProperty("state").GetString());
        Assert.Contains("ValidateReport did not answer within 500 ms", listed.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("hanging-test")).Status);
    }

    [Fact]
    public async Task ModuleForAnotherContract_Refused_NamingBothVersions_ItsServiceNotOffered()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install("GridServer.TestModules.FutureContract", "future");
        await silo.WaitForModuleAsync("future", ModuleState.Refused);

        var listed = await silo.PluginAsync("future");
        Assert.Equal(("refused", "2.0"), (listed.GetProperty("state").GetString(), listed.GetProperty("contractVersion").GetString()));
        Assert.Contains("built for duty-module contract 2.0; this server has duty-module contract 1.1", listed.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Empty(listed.GetProperty("matters").EnumerateArray());
        Assert.DoesNotContain("future-test", await silo.ServiceCodesAsync());
    }

    [Fact]
    public async Task FolderWithoutAnAssembly_Refused_ThenLoadedWhenTheModuleArrives()
    {
        await using var silo = await PluginSilo.StartAsync();
        Directory.CreateDirectory(Path.Combine(silo.PluginsDirectory, "manhole"));
        await silo.WaitForModuleAsync("manhole", ModuleState.Refused);
        Assert.Contains("holds no module assembly", (await silo.PluginAsync("manhole")).GetProperty("lastError").GetString(), StringComparison.Ordinal);

        silo.CopyOver(Sample, "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");
        Assert.Contains("manhole", await silo.ServiceCodesAsync());
    }

    [Fact]
    public async Task TwoFoldersBringingOneMatter_TheSecondRefused_NamingTheFirst()
    {
        await using var silo = await PluginSilo.StartAsync();
        silo.Install(Sample, "a-manhole");
        await silo.WaitForModuleAsync("a-manhole", ModuleState.Loaded);
        silo.Install(Sample, "b-manhole");
        await silo.WaitForModuleAsync("b-manhole", ModuleState.Refused);

        Assert.Contains("matter 'manhole' is already brought by the module in folder 'a-manhole'",
            (await silo.PluginAsync("b-manhole")).GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Single(await silo.ServiceCodesAsync(), c => c == "manhole");
    }

    [Fact]
    public void Startup_PluginsDirectoryMissing_FailsNamingTheSetting()
    {
        using var factory = new SiloFactory(new() { ["GridServer:Plugins:Directory"] = "/nonexistent/gridserver-plugins" });

        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("GridServer:Plugins:Directory '/nonexistent/gridserver-plugins' is not a directory", failure.ToString(), StringComparison.Ordinal);
    }
}
