using GridServer.Abstractions.Plugins;
using GridServer.Domain.Access;
using GridServer.Silo.Access;

namespace GridServer.Silo.Plugins;

/// <summary>
/// <c>GET /api/plugins</c>: the duty modules of every active silo of the cluster (<c>silos</c>), and, as before, those of
/// the silo that answers, with their versions, state and errors.
/// </summary>
public static class PluginEndpoints
{
    public static IEndpointRouteBuilder MapPluginEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plugins", Get).WithTags("Plugins").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The duty modules of every active silo (silos: address, reported at, modules with state, version, errors), and this silo's in full: name, version, contract version, folder, state (loaded, faulted, refused), last error, matters.");
        return app;
    }

    internal static async Task<IResult> Get(ModuleRegistry registry, Orleans.Runtime.ILocalSiloDetails silo, IGrainFactory grains, TimeProvider time)
    {
        var snapshot = registry.Current;
        var self = silo.SiloAddress.ToString();
        // The board holds each silo's last report; this silo's own list is read fresh, so its answer never lags its registry.
        var reports = await grains.GetGrain<IModuleBoardGrain>(IModuleBoardGrain.Key).GetAsync();
        var silos = reports.Where(r => r.Silo != self).Append(ModuleStatusPublisher.ToReport(self, snapshot, time.GetUtcNow()))
            .OrderBy(r => r.Silo, StringComparer.Ordinal);
        return TypedResults.Ok(new
        {
            silo = self,
            directory = snapshot.Directory,
            contractVersion = GridServer.Plugins.Contracts.DutyContract.Version,
            revision = snapshot.Revision,
            modules = snapshot.Modules.Select(m => new
            {
                folder = m.Folder,
                name = m.Name,
                version = m.Version,
                contractVersion = m.ContractVersion,
                state = m.State.ToString().ToLowerInvariant(),
                since = m.Since,
                lastError = m.LastError,
                consecutiveFailures = m.ConsecutiveFailures,
                source = m.Source.ToString().ToLowerInvariant(),
                package = m.Package is { } package ? new { version = package.Version, sha256 = package.Sha256 } : null,
                failed = m.Failure is { } failure ? new { version = failure.Version, sha256 = failure.Sha256, error = failure.Error, at = failure.At } : null,
                routesReports = m.Abilities.Routes,
                referenceData = m.Abilities.DataSets.Select(d => new { name = d.Name, shape = d.Shape.ToString().ToLowerInvariant(), fields = d.Fields.IsDefault ? [] : d.Fields.Select(f => f.Name) }),
                readingKinds = m.Abilities.ReadingKinds,
                sensorWindow = m.Abilities.SensorWindow,
                checkEvery = m.Abilities.CheckEvery,
                templates = m.Abilities.Templates.Select(t => new { notice = t.Notice, matter = t.Matter }),
                templateErrors = m.TemplateErrors,
                matters = m.Matters.Select(x => new
                {
                    code = x.Code,
                    name = x.Name,
                    group = x.Group,
                    attributes = x.Attributes.IsDefault ? 0 : x.Attributes.Length,
                    timeLimits = x.TimeLimits is { } t ? new { acceptWithin = t.AcceptWithin, handleWithin = t.HandleWithin, verifyWithin = t.VerifyWithin, workingHours = t.WorkingHours } : null,
                }),
            }),
            silos = silos.Select(r => new
            {
                silo = r.Silo,
                reportedAt = r.ReportedAt,
                revision = r.Revision,
                directory = r.Directory,
                modules = r.Modules.Select(m => new
                {
                    folder = m.Folder,
                    name = m.Name,
                    version = m.Version,
                    contractVersion = m.ContractVersion,
                    state = m.State,
                    since = m.Since,
                    lastError = m.LastError,
                    consecutiveFailures = m.ConsecutiveFailures,
                    source = m.Source,
                    packageVersion = m.PackageVersion,
                    packageSha256 = m.PackageSha256,
                    failedVersion = m.FailedVersion,
                    failedError = m.FailedError,
                    matters = m.Matters,
                }),
            }),
        });
    }
}
