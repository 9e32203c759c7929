using GridServer.Domain.Grids;
using GridServer.Silo.Grids;
using GridServer.Storage.Grids;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace GridServer.Silo.Hosting;

/// <summary>Builds the server: Orleans silo, grid catalog and HTTP endpoints, configured by validated options.</summary>
public static class SiloHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OrleansOptions>().BindConfiguration(OrleansOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.IsPostgres && !string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            builder.Services.AddSingleton(_ => PostgisGridStore.CreateDataSource(storage.ConnectionString));
            builder.Services.AddSingleton<IGridStore, PostgisGridStore>();
        }
        else
        {
            builder.Services.AddSingleton<IGridStore, InMemoryGridStore>();
        }
        builder.Services.AddSingleton<GridCatalog>();
        builder.Services.AddHostedService<GridLoader>();
        builder.Services.AddProblemDetails();

        var ports = builder.Configuration.GetSection(OrleansOptions.Section).Get<OrleansOptions>() ?? new OrleansOptions();
        builder.UseOrleans(silo =>
        {
            // Embedded default and single-machine runs: localhost clustering, in-memory grain state.
            silo.UseLocalhostClustering(ports.SiloPort, ports.GatewayPort);
            silo.Configure<ClusterOptions>(o => { o.ClusterId = "gridserver"; o.ServiceId = "gridserver"; });
            silo.AddMemoryGrainStorageAsDefault();
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapGet("/health", (GridCatalog catalog, IOptions<StorageOptions> options) => TypedResults.Ok(new
        {
            status = "ok",
            grids = catalog.Count,
            storage = options.Value.IsPostgres ? "postgresql" : "embedded (in memory)",
        }));
        app.MapGridEndpoints();
        return app;
    }
}
