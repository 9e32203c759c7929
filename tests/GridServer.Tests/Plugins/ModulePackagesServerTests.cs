using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Silo.Plugins;
using GridServer.Tests.Support;

namespace GridServer.Tests.Plugins;

/// <summary>
/// Uploaded module packages on one server (the embedded default: the catalog in memory): upload, versions, rollback,
/// disable and remove, the signature and structure checks at the API, and which wins when the plugins directory holds
/// the same module.
/// </summary>
public sealed class ModulePackagesServerTests
{
    private const string Module = "GridServer.Plugins.Sample";

    private static async Task<PluginSilo> StartAsync(PackageSigner signer, Dictionary<string, string>? extra = null)
    {
        var settings = signer.Settings();
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        return await PluginSilo.StartAsync(settings);
    }

    /// <summary>Posts a package as an operator, signed with <paramref name="signature"/> (base64) when given.</summary>
    internal static async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(HttpClient operatorClient, byte[] package, string? signature, string query = "")
    {
        using var content = new ByteArrayContent(package);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/plugins/packages" + query) { Content = content };
        if (signature is not null) request.Headers.Add(PackageEndpoints.SignatureHeader, signature);
        using var response = await operatorClient.SendAsync(request);
        return (response.StatusCode, await PluginSilo.JsonOf(response));
    }

    private static Task<ModuleSnapshot> PackageAt(PluginSilo silo, string version) =>
        silo.WaitForAsync(s => s.Modules.Any(m => m is { Source: ModuleSource.Package, Folder: Module, State: ModuleState.Loaded } && m.Package?.Version == version),
            $"the uploaded {Module} running at {version}");

    [Fact]
    public async Task SignedUpload_Runs_NewVersionMoves_RollbackMovesBack_DisableAndRemove()
    {
        using var signer = new PackageSigner();
        await using var silo = await StartAsync(signer);
        var v1 = TestPackages.ZipOf(PluginSilo.Built("GridServer.Plugins.Sample"));
        var v2 = TestPackages.ZipOf(PluginSilo.Built("GridServer.TestModules.SampleV2"));

        var (status, body) = await UploadAsync(silo.Server.Operator, v1, signer.Sign(v1));
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal((Module, "1.0.0", signer.KeyId), (body.GetProperty("module").GetString(), body.GetProperty("version").GetString(), body.GetProperty("signedBy").GetProperty("keyId").GetString()));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(v1)), body.GetProperty("sha256").GetString());
        await PackageAt(silo, "1.0.0");
        Assert.Contains("manhole", await silo.ServiceCodesAsync());
        // Version 1 takes an undescribed report; version 2 wants every report described.
        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("manhole", ("attribute[cover_state]", "missing"))).Status);

        // The same package again: nothing new.
        (status, _) = await UploadAsync(silo.Server.Operator, v1, signer.Sign(v1));
        Assert.Equal(HttpStatusCode.OK, status);

        (status, body) = await UploadAsync(silo.Server.Operator, v2, signer.Sign(v2));
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        await PackageAt(silo, "2.0.0");
        Assert.Equal(HttpStatusCode.BadRequest, (await silo.ReportAsync("manhole", ("attribute[cover_state]", "missing"))).Status);

        using (var rollback = await silo.Server.Operator.PostAsJsonAsync($"/api/plugins/packages/{Module}/activate", new { version = "1.0.0" }))
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        await PackageAt(silo, "1.0.0");
        Assert.Equal(HttpStatusCode.Created, (await silo.ReportAsync("manhole", ("attribute[cover_state]", "missing"))).Status);

        // The version running cannot be removed; another can.
        using (var running = await silo.Server.Operator.DeleteAsync($"/api/plugins/packages/{Module}/versions/1.0.0"))
            Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        using (var removed = await silo.Server.Operator.DeleteAsync($"/api/plugins/packages/{Module}/versions/2.0.0"))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        using (var gone = await silo.Server.Operator.PostAsJsonAsync($"/api/plugins/packages/{Module}/activate", new { version = "2.0.0" }))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        // Disabled: its services go; a module that runs cannot be removed whole, a disabled one can.
        using (var busy = await silo.Server.Operator.DeleteAsync($"/api/plugins/packages/{Module}"))
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        using (var disabled = await silo.Server.Operator.PostAsync($"/api/plugins/packages/{Module}/disable", null))
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        await silo.WaitForAsync(s => !s.Modules.Any(m => m.Source == ModuleSource.Package), "the disabled module unloaded");
        Assert.DoesNotContain("manhole", await silo.ServiceCodesAsync());

        using var detail = await silo.Server.Dispatcher.GetAsync($"/api/plugins/packages/{Module}");
        var module = await PluginSilo.JsonOf(detail);
        Assert.Equal(JsonValueKind.Null, module.GetProperty("activeVersion").ValueKind);
        // Newest first; an upload that activates records both, the upload first.
        Assert.Equal(["disable", "remove-version", "activate", "activate", "upload", "activate", "upload"],
            module.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray());
        Assert.Single(module.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("actor").GetString()).Distinct());

        using (var removedAll = await silo.Server.Operator.DeleteAsync($"/api/plugins/packages/{Module}"))
            Assert.Equal(HttpStatusCode.OK, removedAll.StatusCode);
        using var after = await silo.Server.Dispatcher.GetAsync($"/api/plugins/packages/{Module}");
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task UnsignedTamperedOrForeignSigned_AreRefused_NothingChanges()
    {
        using var signer = new PackageSigner();
        using var stranger = new PackageSigner();
        await using var silo = await StartAsync(signer);
        var package = TestPackages.ZipOf(PluginSilo.Built("GridServer.Plugins.Sample"));
        var tampered = (byte[])package.Clone();
        tampered[^30] ^= 0x20;

        var (status, body) = await UploadAsync(silo.Server.Operator, package, null);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Package unsigned"), (status, body.GetProperty("title").GetString()));
        (status, body) = await UploadAsync(silo.Server.Operator, tampered, signer.Sign(package));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Package signature invalid"), (status, body.GetProperty("title").GetString()));
        (status, body) = await UploadAsync(silo.Server.Operator, package, stranger.Sign(package));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Package signature invalid"), (status, body.GetProperty("title").GetString()));
        Assert.Contains(signer.KeyId, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        (status, _) = await UploadAsync(silo.Server.Operator, package, "not base64!");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        using var list = await silo.Server.Operator.GetAsync("/api/plugins/packages");
        var catalog = await PluginSilo.JsonOf(list);
        Assert.Equal((0, 0), (catalog.GetProperty("revision").GetInt32(), catalog.GetProperty("modules").GetArrayLength()));
        Assert.DoesNotContain("manhole", await silo.ServiceCodesAsync());
    }

    [Fact]
    public async Task HostileArchive_Signed_IsRefusedAtUpload_NamingTheEntry()
    {
        using var signer = new PackageSigner();
        await using var silo = await StartAsync(signer);
        var dll = File.ReadAllBytes(Path.Combine(PluginSilo.Built("GridServer.Plugins.Sample"), "GridServer.Plugins.Sample.dll"));
        var slip = TestPackages.Zip(("GridServer.Plugins.Sample.dll", dll), ("../../../../tmp/gridserver-slip.txt", [1, 2, 3]));
        var (status, body) = await UploadAsync(silo.Server.Operator, slip, signer.Sign(slip));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Package refused"), (status, body.GetProperty("title").GetString()));
        Assert.Contains("'../../../../tmp/gridserver-slip.txt'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/gridserver-slip.txt"));
    }

    [Fact]
    public async Task SameVersionOtherBytes_IsAConflict_AndNuGetPackagesAreTaken()
    {
        using var signer = new PackageSigner();
        await using var silo = await StartAsync(signer);
        var folder = PluginSilo.Built("GridServer.Plugins.Sample");
        var nupkg = TestPackages.NuGetOf(folder, Module, "1.0.0");
        var (status, body) = await UploadAsync(silo.Server.Operator, nupkg, signer.Sign(nupkg), "?activate=false");
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal("nuget", body.GetProperty("format").GetString());
        var zip = TestPackages.ZipOf(folder);
        (status, body) = await UploadAsync(silo.Server.Operator, zip, signer.Sign(zip));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("new version", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Stored but not activated: nothing runs until it is.
        Assert.DoesNotContain("manhole", await silo.ServiceCodesAsync());
        using (var activated = await silo.Server.Operator.PostAsJsonAsync($"/api/plugins/packages/{Module}/activate", new { version = "1.0.0" }))
            Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        await PackageAt(silo, "1.0.0");
    }

    [Fact]
    public async Task UploadedPackage_WinsOverTheDirectory_WhoseModuleReturnsWhenItIsDisabled()
    {
        using var signer = new PackageSigner();
        await using var silo = await StartAsync(signer);
        silo.Install("GridServer.Plugins.Sample", "manhole");
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");

        var v2 = TestPackages.ZipOf(PluginSilo.Built("GridServer.TestModules.SampleV2"));
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(silo.Server.Operator, v2, signer.Sign(v2))).Status);
        var snapshot = await PackageAt(silo, "2.0.0");
        var local = snapshot.Modules.Single(m => m.Source == ModuleSource.Directory);
        Assert.Equal(ModuleState.Refused, local.State);
        Assert.Contains("uploaded", local.LastError, StringComparison.Ordinal);
        Assert.Equal(Module, snapshot.Matters["manhole"].Module.Folder);

        using (var disabled = await silo.Server.Operator.PostAsync($"/api/plugins/packages/{Module}/disable", null))
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        await silo.WaitForModuleAsync("manhole", ModuleState.Loaded, "1.0.0");
    }

    [Fact]
    public async Task Canary_RunsOnTheSiloNamed_UnknownSiloIsRefused()
    {
        using var signer = new PackageSigner();
        await using var silo = await StartAsync(signer);
        var v1 = TestPackages.ZipOf(PluginSilo.Built("GridServer.Plugins.Sample"));
        var v2 = TestPackages.ZipOf(PluginSilo.Built("GridServer.TestModules.SampleV2"));
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(silo.Server.Operator, v1, signer.Sign(v1))).Status);
        await PackageAt(silo, "1.0.0");
        using var plugins = await silo.Server.Operator.GetAsync("/api/plugins");
        var self = (await PluginSilo.JsonOf(plugins)).GetProperty("silo").GetString()!;

        var (status, body) = await UploadAsync(silo.Server.Operator, v2, signer.Sign(v2), "?canary=S10.9.9.9:1:1");
        Assert.True(status == HttpStatusCode.BadRequest, body.ToString());
        (status, body) = await UploadAsync(silo.Server.Operator, v2, signer.Sign(v2), "?canary=" + Uri.EscapeDataString(self));
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        await PackageAt(silo, "2.0.0");
        using var detail = await silo.Server.Operator.GetAsync($"/api/plugins/packages/{Module}");
        var module = await PluginSilo.JsonOf(detail);
        Assert.Equal(("1.0.0", "2.0.0", self), (module.GetProperty("activeVersion").GetString(),
            module.GetProperty("canary").GetProperty("version").GetString(), module.GetProperty("canary").GetProperty("silo").GetString()));
        Assert.Equal("2.0.0", Assert.Single(module.GetProperty("silos").EnumerateArray()).GetProperty("version").GetString());
    }

    [Fact]
    public async Task AllowUnsigned_TakesAnUnsignedPackage_ButNeverABadSignature()
    {
        using var signer = new PackageSigner();
        await using var silo = await StartAsync(signer, new() { ["GridServer:Plugins:AllowUnsigned"] = "true" });
        var package = TestPackages.ZipOf(PluginSilo.Built("GridServer.Plugins.Sample"));
        using var stranger = new PackageSigner();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync(silo.Server.Operator, package, stranger.Sign(package))).Status);
        var (status, body) = await UploadAsync(silo.Server.Operator, package, null);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("signedBy").ValueKind);
        await PackageAt(silo, "1.0.0");
    }

    [Fact]
    public void Options_AnUnreadableKey_StopsTheSilo_NamingTheSetting()
    {
        var options = new PluginOptions { TrustedKeys = [new() { Name = "desk", PublicKey = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }, new() { Name = "desk" }] };
        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(p => p.ErrorMessage!).ToList();
        Assert.Contains(problems, p => p.StartsWith("GridServer:Plugins:TrustedKeys:0: PublicKey is not an ECDSA public key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("GridServer:Plugins:TrustedKeys:1:Name 'desk' names another", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("GridServer:Plugins:TrustedKeys:1: give the key", StringComparison.Ordinal));
    }
}
