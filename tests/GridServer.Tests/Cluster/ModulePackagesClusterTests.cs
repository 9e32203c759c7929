using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Plugins;
using GridServer.Tests.Support;

namespace GridServer.Tests.Cluster;

/// <summary>
/// A duty module uploaded once to a cluster of real silo processes on PostgreSQL: every silo runs it, a silo started
/// later too; a new version moves them all, a rollback moves them all back; refused packages change nothing; a version
/// one silo cannot load leaves that silo on the version before, and the cluster says so.
/// </summary>
public sealed class ModulePackagesClusterTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private const string Module = "GridServer.Plugins.Sample";
    private const string ApiKey = "cluster-packages-channel-0123456789";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [PostgisFact]
    public async Task UploadOnce_EverySiloRunsIt_LaterSiloToo_UpgradeAndRollbackMoveAll_RefusalsChangeNothing_ALocalFailureKeepsThePrevious()
    {
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(LuchengSample.Generate(), GridSaveMode.Replace);
        using var signer = new PackageSigner();
        var settings = new Dictionary<string, string>(signer.Settings())
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Open311:ApiKeys:0"] = ApiKey,
            ["GridServer:Plugins:StatusHeartbeat"] = "00:00:01",
        };
        var v1 = TestPackages.ZipOf(PluginSilo.Built("GridServer.Plugins.Sample"));
        var v2 = TestPackages.ZipOf(PluginSilo.Built("GridServer.TestModules.SampleV2"));
        var v3 = TestPackages.ZipOf(PluginSilo.Built("GridServer.TestModules.SampleV3"));
        var silos = new List<SiloProcess> { new("pkg-silo-0", settings), new("pkg-silo-1", settings) };
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitHealthyAsync(Patience)));

            // Uploaded through the first silo: the services appear on both, and a report through the other is checked by it.
            Assert.Equal(HttpStatusCode.Created, (await ModulePackagesServerTests.UploadAsync(silos[0].Operator, v1, signer.Sign(v1))).Status);
            await AllRunAsync(silos, "1.0.0");
            foreach (var silo in silos) Assert.Contains("manhole", await ServiceCodesAsync(silo));
            Assert.Equal(HttpStatusCode.BadRequest, await ReportAsync(silos[1], ("attribute[cover_state]", "other")));
            Assert.Equal(HttpStatusCode.Created, await ReportAsync(silos[1], ("attribute[cover_state]", "other"), ("description", "the cover rattles")));

            // A silo started afterwards loads it (this one lacks what version 3 needs: used below).
            silos.Add(new SiloProcess("pkg-silo-2", settings, new Dictionary<string, string> { ["GRIDSERVER_TEST_SAMPLE_V3_MISSING"] = "the cover sensor driver" }));
            await silos[2].WaitHealthyAsync(Patience);
            await AllRunAsync(silos, "1.0.0");
            Assert.Contains("manhole", await ServiceCodesAsync(silos[2]));

            // A new version through the second silo: all move. Version 2 wants every report described.
            Assert.Equal(HttpStatusCode.Created, (await ModulePackagesServerTests.UploadAsync(silos[1].Operator, v2, signer.Sign(v2))).Status);
            await AllRunAsync(silos, "2.0.0");
            Assert.Equal(HttpStatusCode.BadRequest, await ReportAsync(silos[2], ("attribute[cover_state]", "missing")));

            // Rolled back through the third: all move back.
            using (var rollback = await silos[2].Operator.PostAsJsonAsync($"/api/plugins/packages/{Module}/activate", new { version = "1.0.0" }))
                Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            await AllRunAsync(silos, "1.0.0");
            Assert.Equal(HttpStatusCode.Created, await ReportAsync(silos[0], ("attribute[cover_state]", "missing")));

            // A tampered package and an unsigned one are refused; the catalog is as it was.
            var revision = await RevisionAsync(silos[0]);
            var tampered = (byte[])v2.Clone();
            tampered[tampered.Length / 3] ^= 0x40;
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ModulePackagesServerTests.UploadAsync(silos[0].Operator, tampered, signer.Sign(v2))).Status);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ModulePackagesServerTests.UploadAsync(silos[1].Operator, v3, null)).Status);
            Assert.Equal(revision, await RevisionAsync(silos[2]));
            foreach (var silo in silos) Assert.Equal("1.0.0", await RunningAsync(silo));

            // Version 3 cannot run on the third silo: the others move to it, the third stays on 1.0.0 and says why.
            Assert.Equal(HttpStatusCode.Created, (await ModulePackagesServerTests.UploadAsync(silos[0].Operator, v3, signer.Sign(v3))).Status);
            await AllRunAsync(silos[..2], "3.0.0");
            await Support.Eventually.HoldsAsync("the third silo reporting version 3.0.0 failed while it runs 1.0.0", async () =>
            {
                var third = await ModuleEntryAsync(silos[0], silos[2]);
                return third is { } entry && entry.GetProperty("packageVersion").GetString() == "1.0.0"
                    && entry.GetProperty("failedVersion").GetString() == "3.0.0"
                    && entry.GetProperty("failedError").GetString()!.Contains("cover sensor driver", StringComparison.Ordinal);
            }, Patience);
            Assert.Equal("1.0.0", await RunningAsync(silos[2]));
            using var detail = await silos[1].Dispatcher.GetAsync($"/api/plugins/packages/{Module}");
            var perSilo = (await PluginSilo.JsonOf(detail)).GetProperty("silos").EnumerateArray().ToList();
            Assert.Equal(3, perSilo.Count);
            Assert.Equal(2, perSilo.Count(s => s.GetProperty("version").GetString() == "3.0.0"));
            Assert.Single(perSilo, s => s.GetProperty("version").GetString() == "1.0.0" && s.GetProperty("failedVersion").GetString() == "3.0.0");
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    /// <summary>The version of the uploaded module a silo runs, as its own <c>GET /api/plugins</c> says; null when none.</summary>
    private static async Task<string?> RunningAsync(SiloProcess silo)
    {
        using var response = await silo.Dispatcher.GetAsync("/api/plugins");
        var body = await PluginSilo.JsonOf(response);
        return body.GetProperty("modules").EnumerateArray()
            .Where(m => m.GetProperty("source").GetString() == "package" && m.GetProperty("folder").GetString() == Module && m.GetProperty("state").GetString() == "loaded")
            .Select(m => m.GetProperty("package").GetProperty("version").GetString()).FirstOrDefault();
    }

    private static Task AllRunAsync(List<SiloProcess> silos, string version) =>
        Support.Eventually.HoldsAsync($"{silos.Count} silos running {Module} {version}", async () =>
        {
            foreach (var silo in silos)
            {
                if (await RunningAsync(silo) != version) return false;
            }
            return true;
        }, Patience);

    /// <summary><paramref name="about"/>'s entry for the module in <paramref name="asked"/>'s cluster-wide list (<c>silos</c>).</summary>
    private static async Task<JsonElement?> ModuleEntryAsync(SiloProcess asked, SiloProcess about)
    {
        using var own = await about.Dispatcher.GetAsync("/api/plugins");
        var address = (await PluginSilo.JsonOf(own)).GetProperty("silo").GetString();
        using var response = await asked.Dispatcher.GetAsync("/api/plugins");
        var silo = (await PluginSilo.JsonOf(response)).GetProperty("silos").EnumerateArray().FirstOrDefault(s => s.GetProperty("silo").GetString() == address);
        if (silo.ValueKind != JsonValueKind.Object) return null;
        foreach (var module in silo.GetProperty("modules").EnumerateArray())
        {
            if (module.GetProperty("folder").GetString() == Module && module.GetProperty("source").GetString() == "package") return module;
        }
        return null;
    }

    private static async Task<long> RevisionAsync(SiloProcess silo)
    {
        using var response = await silo.Dispatcher.GetAsync("/api/plugins/packages");
        return (await PluginSilo.JsonOf(response)).GetProperty("revision").GetInt64();
    }

    private static async Task<List<string>> ServiceCodesAsync(SiloProcess silo)
    {
        using var response = await silo.Client.GetAsync("/open311/v2/services.json");
        return [.. (await PluginSilo.JsonOf(response)).EnumerateArray().Select(s => s.GetProperty("service_code").GetString()!)];
    }

    private static async Task<HttpStatusCode> ReportAsync(SiloProcess silo, params (string Name, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(
            new[] { ("api_key", ApiKey), ("service_code", "manhole"), ("lat", "28.0"), ("long", "120.65") }.Concat(fields)
                .Select(f => KeyValuePair.Create(f.Item1, f.Item2)));
        using var response = await silo.Client.PostAsync("/open311/v2/requests.json", content);
        return response.StatusCode;
    }
}
