using GridServer.Abstractions;
using GridServer.Abstractions.Plugins;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace GridServer.Silo.Plugins;

/// <summary>
/// <c>/api/plugins/packages</c>: duty modules uploaded once for the whole cluster. An operator uploads a package (a zip
/// of a module's build output, or a .nupkg) with its detached signature; it is checked (signature, structure,
/// contract), stored with its version, hash, uploader and time, and — unless asked not to — activated: every silo then
/// runs it within seconds. Versions can be activated again (a rollback), tried on one silo first (a canary), disabled
/// and removed.
/// </summary>
public static class PackageEndpoints
{
    /// <summary>The header that carries the package's detached signature, base64.</summary>
    public const string SignatureHeader = "X-Module-Signature";

    /// <summary>What <c>activate</c> and a package's rollout take.</summary>
    public sealed record ActivateRequest(string? Version, string? Silo);

    public static IEndpointRouteBuilder MapPackageEndpoints(this IEndpointRouteBuilder app)
    {
        var packages = app.MapGroup("/api/plugins/packages").WithTags("Plugins");
        packages.MapGet("/", ListAsync).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The uploaded modules: their versions, which one runs (and a canary), and what each active silo runs.");
        packages.MapPost("/", UploadAsync).RequireRoles(Role.Operator)
            .WithSummary($"Uploads a module package (the body: a zip of its build output, or a .nupkg) with its signature in {SignatureHeader} (base64 of a trusted key's ECDSA signature of the package's SHA-256). Checked, stored and activated on every silo; ?activate=false stores only, ?canary=<silo> runs it on that silo alone.");
        packages.MapGet("/{module}", GetAsync).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("One uploaded module: its versions (hash, size, signer, uploader, time), its rollout, what each silo runs or failed to run, and its history.");
        packages.MapPost("/{module}/activate", ActivateAsync).RequireRoles(Role.Operator)
            .WithSummary("Makes a stored version run on every silo ({version}: an upgrade, or a rollback), or on one silo first ({version, silo}: a canary).");
        packages.MapPost("/{module}/disable", DisableAsync).RequireRoles(Role.Operator)
            .WithSummary("No silo runs the module any more; its versions stay stored and its open cases run to their end.");
        packages.MapDelete("/{module}/versions/{version}", RemoveVersionAsync).RequireRoles(Role.Operator)
            .WithSummary("Removes a stored version that is neither active nor the canary.");
        packages.MapDelete("/{module}", RemoveAsync).RequireRoles(Role.Operator)
            .WithSummary("Removes a disabled module and every version of it.");
        return app;
    }

    internal static async Task<IResult> UploadAsync(HttpRequest request, PackageGate gate, IGrainFactory grains, TimeProvider time,
        bool? activate, string? canary, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = gate.Limits.MaxPackageBytes;
        byte[] signature = [];
        if (request.Headers[SignatureHeader].ToString() is { Length: > 0 } encoded)
        {
            try
            {
                signature = Convert.FromBase64String(encoded.Trim());
            }
            catch (FormatException)
            {
                return Problems.Of(400, "Unreadable signature", $"{SignatureHeader} must be the signature's bytes in base64 (base64 -w0 module.sig)");
            }
        }
        if (canary is not null && await UnknownSiloAsync(grains, canary) is { } unknown) return unknown;
        var (bytes, refusal) = await GridChangeEndpoints.ReadBodyAsync(request, gate.Limits.MaxPackageBytes, cancellationToken);
        if (refusal is not null) return refusal;
        if (bytes.Length == 0) return Problems.Of(400, "No package", "the body must be the package: a zip of the module's build output, or a .nupkg");
        var verdict = gate.Check(bytes, signature);
        if (verdict.Refusal is { } why)
        {
            var title = why switch
            {
                PackageRefusal.MissingSignature => "Package unsigned",
                PackageRefusal.BadSignature => "Package signature invalid",
                _ => "Package refused",
            };
            return TypedResults.Problem(verdict.Problem, statusCode: 422, title: title, extensions: new Dictionary<string, object?> { ["sha256"] = verdict.Sha256 });
        }
        var contents = verdict.Contents!;
        var actor = request.HttpContext.RequiredCaller().Subject;
        var info = new PackageInfo(contents.Module, contents.Version, verdict.Sha256, bytes.Length, contents.Format, contents.Contract.ToString(),
            verdict.Signature.KeyId, actor, time.GetUtcNow());
        var result = await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key)
            .AddAsync(new PackageUpload(info, bytes, signature.Length == 0 ? null : signature), activate ?? true, canary);
        if (result.Outcome == CatalogOutcome.Conflict) return Problems.Of(409, "Version taken", result.Message!);
        var body = new
        {
            module = info.Module,
            version = info.Version,
            sha256 = info.Sha256,
            sizeBytes = info.SizeBytes,
            format = info.Format.ToString().ToLowerInvariant(),
            contract = info.Contract,
            signedBy = verdict.Signature.KeyId is { } keyId ? new { keyId, keyName = verdict.Signature.KeyName } : null,
            uploadedBy = info.UploadedBy,
            uploadedAt = info.UploadedAt,
            stored = result.Message == IModuleCatalogGrain.AlreadyStored ? "already stored" : "stored",
            activated = activate ?? true,
            canary,
            revision = result.Revision,
        };
        return result.Message == IModuleCatalogGrain.AlreadyStored ? TypedResults.Ok(body) : TypedResults.Created($"/api/plugins/packages/{info.Module}", body);
    }

    internal static async Task<IResult> ListAsync(IGrainFactory grains, ModuleRegistry registry, Orleans.Runtime.ILocalSiloDetails silo, TimeProvider time)
    {
        var catalog = await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key).GetAsync();
        var silos = await SilosAsync(grains, registry, silo, time);
        return TypedResults.Ok(new
        {
            revision = catalog.Revision,
            modules = catalog.Packages.Select(p => p.Module).Distinct(StringComparer.Ordinal).Select(m => Module(m, catalog, silos, history: false)),
        });
    }

    internal static async Task<IResult> GetAsync(string module, IGrainFactory grains, ModuleRegistry registry, Orleans.Runtime.ILocalSiloDetails silo, TimeProvider time)
    {
        var catalog = await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key).GetAsync();
        if (!catalog.Packages.Any(p => p.Module == module)) return Problems.Of(404, "Unknown module", $"no module '{Problems.Shorten(module)}' was uploaded");
        return TypedResults.Ok(Module(module, catalog, await SilosAsync(grains, registry, silo, time), history: true));
    }

    internal static async Task<IResult> ActivateAsync(string module, ActivateRequest body, HttpContext context, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(body?.Version)) return Problems.Of(400, "No version", "name the version to run: {\"version\":\"1.2.0\"} (and \"silo\" to run it on one silo first)");
        if (body.Silo is not null && await UnknownSiloAsync(grains, body.Silo) is { } unknown) return unknown;
        return Answer(await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key).ActivateAsync(module, body.Version, body.Silo, context.RequiredCaller().Subject));
    }

    internal static async Task<IResult> DisableAsync(string module, HttpContext context, IGrainFactory grains) =>
        Answer(await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key).DisableAsync(module, context.RequiredCaller().Subject));

    internal static async Task<IResult> RemoveVersionAsync(string module, string version, HttpContext context, IGrainFactory grains) =>
        Answer(await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key).RemoveVersionAsync(module, version, context.RequiredCaller().Subject));

    internal static async Task<IResult> RemoveAsync(string module, HttpContext context, IGrainFactory grains) =>
        Answer(await grains.GetGrain<IModuleCatalogGrain>(IModuleCatalogGrain.Key).RemoveAsync(module, context.RequiredCaller().Subject));

    private static IResult Answer(CatalogResult result) => result.Outcome switch
    {
        CatalogOutcome.NotFound => Problems.Of(404, "Not found", result.Message!),
        CatalogOutcome.Conflict => Problems.Of(409, "Refused", result.Message!),
        _ => TypedResults.Ok(new { changed = result.Outcome == CatalogOutcome.Done, revision = result.Revision }),
    };

    /// <summary>A canary names a silo the membership holds active, as <c>GET /api/plugins</c> lists them; null when it does.</summary>
    private static async Task<IResult?> UnknownSiloAsync(IGrainFactory grains, string candidate)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var active = hosts.Keys.Select(s => s.ToString()).Order(StringComparer.Ordinal).ToList();
        return active.Contains(candidate, StringComparer.Ordinal)
            ? null
            : Problems.Of(400, "Unknown silo", $"'{Problems.Shorten(candidate)}' is no active silo; active: {string.Join(", ", active)} (as GET /api/plugins names them)");
    }

    /// <summary>Every active silo's modules as reported to the board; this silo's own read fresh.</summary>
    private static async Task<List<SiloModules>> SilosAsync(IGrainFactory grains, ModuleRegistry registry, Orleans.Runtime.ILocalSiloDetails silo, TimeProvider time)
    {
        var self = silo.SiloAddress.ToString();
        var reports = await grains.GetGrain<IModuleBoardGrain>(IModuleBoardGrain.Key).GetAsync();
        return [.. reports.Where(r => r.Silo != self).Append(ModuleStatusPublisher.ToReport(self, registry.Current, time.GetUtcNow())).OrderBy(r => r.Silo, StringComparer.Ordinal)];
    }

    private static object Module(string module, ModuleCatalogView catalog, List<SiloModules> silos, bool history)
    {
        var rollout = catalog.Rollouts.FirstOrDefault(r => r.Module == module);
        return new
        {
            module,
            activeVersion = rollout?.ActiveVersion,
            canary = rollout?.CanaryVersion is { } canaryVersion ? new { silo = rollout.CanarySilo, version = canaryVersion } : null,
            changedBy = rollout?.ChangedBy,
            changedAt = rollout?.ChangedAt,
            versions = catalog.Packages.Where(p => p.Module == module).Select(p => new
            {
                version = p.Version,
                sha256 = p.Sha256,
                sizeBytes = p.SizeBytes,
                format = p.Format.ToString().ToLowerInvariant(),
                contract = p.Contract,
                signedBy = p.SignedBy,
                uploadedBy = p.UploadedBy,
                uploadedAt = p.UploadedAt,
            }),
            silos = silos.Select(s => (Silo: s.Silo, Report: s.Modules.FirstOrDefault(m => m.Folder == module && m.Source == "package"))).Select(s => new
            {
                silo = s.Silo,
                version = s.Report is { State: "loaded" or "faulted" } ? s.Report.PackageVersion : null,
                state = s.Report?.State ?? "not running",
                failedVersion = s.Report?.FailedVersion,
                failedError = s.Report?.FailedError,
            }),
            history = history ? catalog.History.Where(h => h.Name == module).Select(h => new { h.Seq, h.Action, h.Version, h.Actor, h.At, h.Detail }) : null,
        };
    }
}
