using GridServer.Domain.Access;
using GridServer.Silo.Access;

namespace GridServer.Silo.Plugins;

/// <summary><c>GET /api/plugins</c>: the duty modules of the silo that answers, their versions, state and errors.</summary>
public static class PluginEndpoints
{
    public static IEndpointRouteBuilder MapPluginEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plugins", Get).WithTags("Plugins").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The duty modules this silo loaded from its plugins directory: name, version, contract version, folder, state (loaded, faulted, refused), last error, matters.");
        return app;
    }

    internal static IResult Get(ModuleRegistry registry, Orleans.Runtime.ILocalSiloDetails silo)
    {
        var snapshot = registry.Current;
        return TypedResults.Ok(new
        {
            silo = silo.SiloAddress.ToString(),
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
        });
    }
}
