using GridServer.Domain.Cases;
using GridServer.Domain.Sensors;
using GridServer.Storage.Cases;
using GridServer.Storage.Sensors;

namespace GridServer.Silo.Cases;

/// <summary>
/// Stops the server at start when the database lacks the case, sensor or photo store's tables (migrations V010, V020, V026, V029, V030, V031), naming the migration,
/// instead of failing the first report.
/// </summary>
public sealed class CaseStoreCheck(ICaseStore store, ISensorStore sensors, GridServer.Domain.Media.IMediaStore photos, GridServer.Domain.Geo.ICrsDefinitionStore crsDefinitions,
    GridServer.Domain.Geocoding.IGazetteerStore gazetteer, GridServer.Domain.Catalog.IComponentStore census) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is PostgisCaseStore postgis) await postgis.CheckSchemaAsync(cancellationToken);
        if (sensors is PostgisSensorStore sensorStore) await sensorStore.CheckSchemaAsync(cancellationToken);
        if (photos is GridServer.Storage.Media.PostgisMediaStore photoStore) await photoStore.CheckSchemaAsync(cancellationToken);
        if (crsDefinitions is GridServer.Storage.Geo.PostgisCrsDefinitionStore crsStore) await crsStore.CheckSchemaAsync(cancellationToken);
        if (gazetteer is GridServer.Storage.Geo.PostgisGazetteerStore gazetteerStore) await gazetteerStore.CheckSchemaAsync(cancellationToken);
        if (census is GridServer.Storage.Geo.PostgisComponentStore censusStore) await censusStore.CheckSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
