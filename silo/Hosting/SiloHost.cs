using System.Net;
using GridServer.Domain.Cases;
using GridServer.Domain.Grids;
using GridServer.Domain.Webhooks;
using GridServer.Grains;
using GridServer.Grains.Notices;
using GridServer.Notices;
using GridServer.Silo.Access;
using GridServer.Silo.Cases;
using GridServer.Silo.Grids;
using GridServer.Silo.Notices;
using GridServer.Silo.Open311;
using GridServer.Silo.Personnel;
using GridServer.Silo.Plugins;
using GridServer.Silo.Webhooks;
using GridServer.Domain.Notices;
using GridServer.Grains.Cases;
using GridServer.Storage.Cases;
using GridServer.Storage.Notices;
using GridServer.Storage.Grids;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace GridServer.Silo.Hosting;

/// <summary>Builds the server: Orleans silo, grid catalog and HTTP endpoints, configured by validated options.</summary>
public static class SiloHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        KeepQueryStringsOutOfLogs(builder.Services);
        // Defaults under every other source (settings, environment and command line override them): a start-up log
        // of a few lines, not the frameworks' dumps (StartupSummary).
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = StartupSummary.QuietDefaults,
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OrleansOptions>().BindConfiguration(OrleansOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CaseOptions>().BindConfiguration(CaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<CaseOptions>>().Value.ToPolicies());
        builder.Services.AddOptions<Open311Options>().BindConfiguration(Open311Options.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Credentials>();
        builder.Services.AddOptions<ReadLimitOptions>().BindConfiguration(ReadLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ClusterRateLimiter>();
        builder.Services.AddSingleton<IntakeLimiter>();
        builder.Services.AddSingleton<Scopes>();
        builder.Services.AddSingleton<CaseFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CaseFeed>());
        builder.Services.AddSingleton<DenialLog>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler>(sp => sp.GetRequiredService<DenialLog>());
        var authentication = builder.Services.AddAuthentication(CredentialAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, CredentialAuthentication>(CredentialAuthentication.SchemeName, null);
        builder.Services.AddGridServerDashboardSessions(authentication);
        // A route that names no roles still needs a credential: forgetting RequireRoles never opens a route to everyone.
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(CredentialAuthentication.SchemeName).RequireAuthenticatedUser().Build());
        builder.Services.AddSingleton<Open311Services>();
        builder.Services.AddOptions<PluginOptions>().BindConfiguration(PluginOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ModuleRegistry>();
        // The CJ/T 214 classes matters are counted under: the bureau's file, checked now (a bad one stops the start).
        builder.Services.AddSingleton(GridServer.Silo.Catalog.CatalogEndpoints.Load(builder.Configuration));
        builder.Services.AddSingleton<GridServer.Silo.Reference.ReferenceCatalog>();
        // The one case intake (grains side); the duty modules answer it through ModuleRouting.
        builder.Services.AddSingleton<IMatterRouting, ModuleRouting>();
        builder.Services.AddSingleton<ICaseIntake, CaseIntake>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GridServer.Silo.Reference.ReferenceCatalog>());
        builder.Services.AddSingleton<GridServer.Silo.Geocoding.GazetteerService>();
        builder.Services.AddSingleton<GridServer.Grains.Geocoding.IAddressLocator>(sp => sp.GetRequiredService<GridServer.Silo.Geocoding.GazetteerService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GridServer.Silo.Geocoding.GazetteerService>());
        builder.Services.AddSingleton<GridServer.Silo.Catalog.CensusService>();
        builder.Services.AddSingleton<GridServer.Grains.Cases.IComponentOwners>(sp => sp.GetRequiredService<GridServer.Silo.Catalog.CensusService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GridServer.Silo.Catalog.CensusService>());
        // What the sensor and check grains need of this silo's modules (the grains see no plugin types).
        builder.Services.AddSingleton<GridServer.Silo.Sensors.ModuleSensorRules>();
        builder.Services.AddSingleton<GridServer.Grains.Sensors.ISensorRules>(sp => sp.GetRequiredService<GridServer.Silo.Sensors.ModuleSensorRules>());
        builder.Services.AddSingleton<GridServer.Grains.Sensors.ICheckRunner, CheckRunner>();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddWebhookDelivery();
        // One template store per silo (it watches its folder); the case grains render with the renderer.
        builder.Services.AddOptions<NoticeOptions>().BindConfiguration(NoticeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new NoticeTemplateStore(sp.GetRequiredService<IOptions<NoticeOptions>>().Value.ResolvedTemplatesFolder));
        builder.Services.AddSingleton<NoticeRenderer>();

        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        builder.Services.AddGridServerMetrics();
        builder.Services.AddGridServerHealth(postgres: storage.IsPostgres && !string.IsNullOrWhiteSpace(storage.ConnectionString));
        if (storage.IsPostgres && !string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            builder.Services.AddSingleton(_ => PostgisGridStore.CreateDataSource(storage.ConnectionString));
            builder.Services.AddSingleton<IGridStore, PostgisGridStore>();
            // Cases are rows (V003, V010), written a step at a time, many steps in one transaction.
            builder.Services.AddSingleton(sp => new PostgisCaseStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                sp.GetRequiredService<IOptions<CaseOptions>>().Value.StoreWriters));
            builder.Services.AddSingleton<ICaseStore>(sp => sp.GetRequiredService<PostgisCaseStore>());
            builder.Services.AddSingleton<ICaseSearch>(sp => sp.GetRequiredService<PostgisCaseStore>());
            builder.Services.AddSingleton<GridServer.Domain.Evaluation.ICaseFactsSource>(sp => sp.GetRequiredService<PostgisCaseStore>());
            builder.Services.AddHostedService<GridServer.Silo.Evaluation.EvaluationFill>();
            // Closed cases and old notices move to the archive after the retention (V028), when one is set.
            builder.Services.AddSingleton<ICaseArchive>(sp => new GridServer.Storage.Cases.PostgisArchive(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
            builder.Services.AddSingleton<GridServer.Silo.Cases.CaseRetention>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<GridServer.Silo.Cases.CaseRetention>());
            builder.Services.AddSingleton<PostgisNoticeStore>();
            builder.Services.AddSingleton<INoticeStore>(sp => sp.GetRequiredService<PostgisNoticeStore>());
            builder.Services.AddSingleton<INoticeOutbox>(sp => sp.GetRequiredService<PostgisNoticeStore>());
            // Uploaded modules and edited templates, for the whole cluster (V011).
            builder.Services.AddSingleton<GridServer.Domain.Plugins.IModulePackageStore, GridServer.Storage.Plugins.PostgisModulePackageStore>();
            builder.Services.AddSingleton<GridServer.Domain.Notices.ITemplateVersionStore, PostgisTemplateVersionStore>();
            // Sensor subjects are rows, their readings appended rows (V020), many subjects' steps in one transaction.
            builder.Services.AddSingleton(sp => new GridServer.Storage.Sensors.PostgisSensorStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                sp.GetRequiredService<IOptions<CaseOptions>>().Value.StoreWriters));
            builder.Services.AddSingleton<GridServer.Domain.Sensors.ISensorStore>(sp => sp.GetRequiredService<GridServer.Storage.Sensors.PostgisSensorStore>());
            builder.Services.AddSingleton<GridServer.Domain.Audit.IAuditLog, GridServer.Storage.Audit.PostgisAuditLog>();
            builder.Services.AddSingleton<GridServer.Domain.Media.IMediaStore, GridServer.Storage.Media.PostgisMediaStore>();
            builder.Services.AddSingleton<GridServer.Domain.Geo.ICrsDefinitionStore, GridServer.Storage.Geo.PostgisCrsDefinitionStore>();
            builder.Services.AddSingleton<GridServer.Domain.Geocoding.IGazetteerStore, GridServer.Storage.Geo.PostgisGazetteerStore>();
            builder.Services.AddSingleton<GridServer.Domain.Catalog.IComponentStore, GridServer.Storage.Geo.PostgisComponentStore>();
        }
        else
        {
            builder.Services.AddSingleton<IGridStore, InMemoryGridStore>();
            builder.Services.AddSingleton(sp => new InMemoryNoticeStore(sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton<INoticeStore>(sp => sp.GetRequiredService<InMemoryNoticeStore>());
            builder.Services.AddSingleton<INoticeOutbox>(sp => sp.GetRequiredService<InMemoryNoticeStore>());
            builder.Services.AddSingleton(sp => new InMemoryCaseStore(sp.GetRequiredService<InMemoryNoticeStore>()));
            builder.Services.AddSingleton<ICaseStore>(sp => sp.GetRequiredService<InMemoryCaseStore>());
            builder.Services.AddSingleton<ICaseSearch>(sp => sp.GetRequiredService<InMemoryCaseStore>());
            builder.Services.AddSingleton<GridServer.Domain.Evaluation.ICaseFactsSource>(sp => sp.GetRequiredService<InMemoryCaseStore>());
            builder.Services.AddSingleton<GridServer.Domain.Plugins.IModulePackageStore, GridServer.Domain.Plugins.InMemoryModulePackageStore>();
            builder.Services.AddSingleton<GridServer.Domain.Notices.ITemplateVersionStore, GridServer.Domain.Notices.InMemoryTemplateVersionStore>();
            builder.Services.AddSingleton<GridServer.Domain.Sensors.ISensorStore, GridServer.Domain.Sensors.InMemorySensorStore>();
            builder.Services.AddSingleton<GridServer.Domain.Audit.IAuditLog, GridServer.Domain.Audit.InMemoryAuditLog>();
            builder.Services.AddSingleton<GridServer.Domain.Geo.ICrsDefinitionStore, GridServer.Domain.Geo.InMemoryCrsDefinitionStore>();
            builder.Services.AddSingleton<GridServer.Domain.Geocoding.IGazetteerStore, GridServer.Domain.Geocoding.InMemoryGazetteerStore>();
            builder.Services.AddSingleton<GridServer.Domain.Catalog.IComponentStore, GridServer.Domain.Catalog.InMemoryComponentStore>();
            builder.Services.AddSingleton<GridServer.Domain.Media.IMediaStore>(sp => new GridServer.Domain.Media.InMemoryMediaStore(
                sp.GetRequiredService<IOptions<GridServer.Silo.Media.MediaOptions>>().Value.MemoryLimitMiB * 1024L * 1024));
        }
        builder.Services.AddOptions<GridServer.Silo.Media.MediaOptions>().BindConfiguration(GridServer.Silo.Media.MediaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<GridServer.Silo.Media.PhotoIntake>();
        builder.Services.AddOptions<GridServer.Silo.Sensors.SensorOptions>().BindConfiguration(GridServer.Silo.Sensors.SensorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<GridServer.Silo.Sensors.SensorReadingRetention>();
        builder.Services.AddOptions<GridServer.Silo.Cases.RetentionOptions>().BindConfiguration(GridServer.Silo.Cases.RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // What a case step gives to tell: rendered, written with the step, handed on after it.
        builder.Services.AddSingleton<CaseNotices>();
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        builder.Services.AddOptions<DeadlineClockOptions>().BindConfiguration(DeadlineClockOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<GridCatalog>();
        builder.Services.AddSingleton<GridServer.Silo.Evaluation.EvaluationAreas>();
        builder.Services.AddOptions<GridServer.Silo.Evaluation.EvaluationOptions>().BindConfiguration(GridServer.Silo.Evaluation.EvaluationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<GridServer.Grains.Grids.IGridLocator>(sp => sp.GetRequiredService<GridCatalog>());
        builder.Services.AddSingleton<GridTileSource>();
        builder.Services.AddOptions<GridServer.Silo.Console.ConsoleOptions>().BindConfiguration(GridServer.Silo.Console.ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Hosted services start in this order, before the silo (registered below): a database without the
        // schema stops the server naming the first migration it lacks.
        builder.Services.AddHostedService<GridLoader>();
        builder.Services.AddHostedService<CaseStoreCheck>();
        // Modules are loaded before the silo takes calls: its first report already sees them.
        builder.Services.AddSingleton<PackageGate>();
        builder.Services.AddSingleton<DutyModuleHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DutyModuleHost>());
        // Every silo's modules reach GET /api/plugins on any silo: reported on each change and as a heartbeat.
        builder.Services.AddHostedService<ModuleStatusPublisher>();
        builder.Services.AddHostedService<StartupSummary>();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(OpenApiSecurity.Describe);
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddExceptionHandler<UnavailableHandler>();
        // Enums travel by name ("Monday", "Dispatched"), as people and other systems write them.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

        var ports = builder.Configuration.GetSection(OrleansOptions.Section).Get<OrleansOptions>() ?? new OrleansOptions();
        // Grains read domain time (deadlines, rosters) from this keyed clock; Orleans keeps its own.
        builder.Services.AddKeyedSingleton(GrainClock.Key, TimeProvider.System);
        var durable = storage.IsPostgres && !string.IsNullOrWhiteSpace(storage.ConnectionString);
        // The cluster's ports are checked and their certificate loaded now, before the silo is configured: a cluster
        // whose ports would take anyone never starts.
        if (ports.Tls.Problems(durable, ports.GatewayPort) is { Count: > 0 } tlsProblems)
            throw new OptionsValidationException(ClusterTlsOptions.Section, typeof(ClusterTlsOptions), tlsProblems);
        var tls = ports.Tls.Enabled ? ClusterTls.Load(ports.Tls, TimeProvider.System) : null;
        builder.UseOrleans(silo =>
        {
            builder.AddGridServerDashboard(silo);
            silo.Configure<ClusterOptions>(o => { o.ClusterId = ports.ClusterId; o.ServiceId = ports.ServiceId; });
            if (tls is not null) silo.UseClusterTls(tls);
            if (durable)
            {
                // Production: membership, grain state and reminders in PostgreSQL (gis-data/migrations/V002).
                // Orleans' queries keep no session state, so a pooled connection needs no reset (DISCARD ALL) before
                // reuse: measured, the resets were half of PostgreSQL's transactions while opening cases. The same few
                // statements run for every case, so they are prepared once per connection instead of planned each time.
                var orleansSettings = PostgisGridStore.AutoPrepared(new Npgsql.NpgsqlConnectionStringBuilder(storage.ConnectionString) { NoResetOnClose = true });
                if (!PostgisGridStore.Sets(orleansSettings, "Maximum Pool Size")) orleansSettings.MaxPoolSize = PostgisGridStore.MaxPoolSize;
                var connection = orleansSettings.ConnectionString;
                if (!IPAddress.TryParse(ports.AdvertisedAddress, out var advertised))
                    throw new InvalidOperationException($"{OrleansOptions.Section}:AdvertisedAddress '{ports.AdvertisedAddress}' is not an IP address");
                silo.ConfigureEndpoints(advertised, ports.SiloPort, ports.GatewayPort, listenOnAnyHostAddress: false);
                silo.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = connection; });
                foreach (var name in new[] { GrainStorage.Personnel, GrainStorage.Cases })
                {
                    silo.AddAdoNetGrainStorage(name, options => options.Configure<Serializer>((o, serializer) =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = connection;
                        // Orleans' serializer knows state types by [Alias]: renaming a class never breaks stored state.
                        o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                    }));
                }
                silo.UseAdoNetReminderService(o => { o.Invariant = "Npgsql"; o.ConnectionString = connection; });
            }
            else
            {
                // Embedded default: localhost clustering (loopback only), in-memory grain state and reminders.
                silo.UseLocalhostClustering(ports.SiloPort, ports.GatewayPort, serviceId: ports.ServiceId, clusterId: ports.ClusterId);
                silo.AddOrleansSerializedMemoryStorage(GrainStorage.Personnel);
                silo.AddOrleansSerializedMemoryStorage(GrainStorage.Cases);
                silo.UseInMemoryReminderService();
            }
        });

        // Registered after the silo: hosted services stop in reverse order, so the follower stops calling the grid
        // directory before the silo goes away.
        builder.Services.AddSingleton<GridDirectoryFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GridDirectoryFollower>());
        // Also after the silo: it schedules the loaded modules' checks through grains.
        builder.Services.AddHostedService<ScheduledCheckFollower>();
        // Also after the silo: the uploaded modules and edited templates the cluster's catalogs name, on this silo.
        builder.Services.AddHostedService<ModulePackageFollower>();
        builder.Services.AddHostedService<TemplateFollower>();
        builder.Services.AddHostedService<DeadlineClockStarter>();

        var app = builder.Build();
        var clusterLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterTls).FullName!);
        var gateway = ports.GatewayPort == 0 ? "(no gateway)" : $"and gateway port {ports.GatewayPort}";
        if (tls is not null)
        {
            tls.Logger = clusterLog;
            tls.LogStart(ports.ClusterId, ports.SiloPort, gateway);
        }
        else if (ports.Tls.AllowPlainText)
        {
            ClusterTls.LogPlainText(clusterLog, ports.ClusterId, ports.SiloPort, gateway);
        }
        app.Services.GetRequiredService<Credentials>();   // made now, so a missing operator key is said at start
        app.Services.GetRequiredService<NoticeTemplateStore>();   // and a missing templates folder, or a broken built-in template
        app.Services.GetRequiredService<PackageGate>();           // and which keys module packages are trusted by
        if (!durable && app.Services.GetRequiredService<IOptions<GridServer.Silo.Cases.RetentionOptions>>().Value is not { ClosedCasesAfter: null, NoticesAfter: null })
            GridServer.Silo.Cases.CaseRetention.LogNoArchive(app.Logger);   // set, but nothing here to move it to
        app.UseTrustedProxies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        GridServer.Silo.Console.ConsoleHosting.UseConsole(app);
        app.UseAuthentication();
        app.UseReadLimits();
        app.UseAuditTrail();   // before authorization: a refused change (403) is recorded too
        app.UseAuthorization();
        app.MapGet("/health", (GridCatalog catalog, IOptions<StorageOptions> options) => TypedResults.Ok(new
        {
            status = "ok",
            grids = catalog.Count,
            storage = options.Value.IsPostgres ? "postgresql" : "embedded (in memory)",
        })).AllowAnonymous();
        app.MapGridServerHealth();
        app.MapGridServerMetrics();
        app.MapGridServerDashboard();
        app.MapOpenApi().AllowAnonymous();   // GET /openapi/v1.json: every endpoint, its parameters and answers
        app.MapGridEndpoints();
        app.MapGridChangeEndpoints();
        app.MapGridBrowseEndpoints();
        app.MapGridTileEndpoints();
        app.MapCrsEndpoints();
        GridServer.Silo.Geocoding.GeocodeEndpoints.MapGeocodeEndpoints(app);
        GridServer.Silo.Catalog.CatalogEndpoints.MapCatalogEndpoints(app);
        app.MapCaseEndpoints();
        GridServer.Silo.Media.MediaEndpoints.MapMediaEndpoints(app);
        GridServer.Silo.Evaluation.EvaluationEndpoints.MapEvaluationEndpoints(app);
        app.MapPersonnelEndpoints();
        app.MapOpen311Endpoints();
        app.MapAccessEndpoints();
        app.MapPluginEndpoints();
        app.MapPackageEndpoints();
        app.MapTemplateEndpoints();
        app.MapScheduledCheckEndpoints();
        GridServer.Silo.Sensors.SensorEndpoints.MapSensorEndpoints(app);
        GridServer.Silo.Reference.ReferenceEndpoints.MapReferenceEndpoints(app);
        GridServer.Silo.Cases.PartyEndpoints.MapPartyEndpoints(app);
        app.MapWebhookEndpoints();
        app.MapInboxEndpoints();
        app.MapAuditEndpoints();
        return app;
    }

    /// <summary>The category of ASP.NET Core's request lines ("Request starting HTTP/1.1 GET http://…/path?query").</summary>
    public const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>The category of Kestrel's word on a malformed request, which quotes the request line ("Invalid request line: 'GET /path?query …'") at Debug.</summary>
    public const string BadRequestLogCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    /// <summary>
    /// Keeps ASP.NET Core's request lines, which carry the whole URL with its query string, below what any logger
    /// writes: a key sent where it does not belong (<c>?api_key=</c>, refused) must not land in a log. Added after
    /// configuration, for every logger configuration names and for all others: the most specific rules, so
    /// <c>Logging:LogLevel</c> or <c>Logging:Console:LogLevel</c> cannot turn these lines back on. Failures of the
    /// hosting layer itself (Warning and above) still appear. Kestrel's lines on malformed requests quote the request
    /// line too, and are kept out the same way.
    /// </summary>
    public static void KeepQueryStringsOutOfLogs(IServiceCollection services) =>
        services.PostConfigure<LoggerFilterOptions>(o =>
        {
            foreach (var provider in o.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList())
            {
                o.Rules.Add(new LoggerFilterRule(provider, RequestLogCategory, LogLevel.Warning, null));
                o.Rules.Add(new LoggerFilterRule(provider, BadRequestLogCategory, LogLevel.Warning, null));
            }
        });
}
