using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.Silo.Hosting;
using GridServer.Storage.Grids;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Grids;

/// <summary>
/// Fills the <see cref="GridCatalog"/> at start-up, from PostGIS or, embedded, from the grid file. Later changes reach
/// the catalog through <see cref="GridDirectoryFollower"/>.
/// </summary>
public sealed partial class GridLoader(
    GridCatalog catalog, IGridStore store, IOptions<StorageOptions> options, TimeProvider time, ILogger<GridLoader> logger) : IHostedService
{
    /// <summary>The shipped sample district, copied beside the executable.</summary>
    public static string DefaultGridsFile => Path.Combine(AppContext.BaseDirectory, "gis-data", "lucheng-grids.geojson");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (store is PostgisGridStore postgis)
        {
            await postgis.CheckSchemaAsync(cancellationToken);
        }
        else
        {
            var file = settings.GridsFile ?? DefaultGridsFile;
            var (result, dataset, crs) = GridFiles.Check(file, new GridImportOptions { CodeScheme = settings.CodeScheme }, settings.GridsFileSrs, null, time);
            if (!result.Accepted)
            {
                var errors = string.Join(Environment.NewLine, result.Errors.Take(20));
                throw new InvalidOperationException($"{StorageOptions.Section}:GridsFile '{file}' was refused:{Environment.NewLine}{errors}");
            }
            await store.SaveAsync(result.Grids, GridSaveMode.Replace, cancellationToken: cancellationToken);
            LogEmbedded(logger, file, dataset.Features.Count, crs.Name);
        }
        // The revision is read before the grids: a change in between leaves the index behind, never ahead, and
        // the directory follower catches up.
        var revision = await store.GetRevisionAsync(cancellationToken);
        var grids = await store.LoadCurrentAsync(cancellationToken);
        catalog.Load(grids, revision, time.GetUtcNow());
        LogLoaded(logger, grids.Count, store.Description);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Embedded default: grids from {File} ({Count} features, {Crs}); state is kept in memory and lost at exit. " +
        "For production set GridServer:Storage:Provider=PostgreSQL and GridServer:Storage:ConnectionString.")]
    private static partial void LogEmbedded(ILogger logger, string file, int count, string crs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Count} grids from {Store}")]
    private static partial void LogLoaded(ILogger logger, int count, string store);
}
