using GridServer.Domain.Cases;
using GridServer.Domain.Sensors;
using GridServer.Storage.Cases;
using GridServer.Storage.Sensors;

namespace GridServer.Silo.Cases;

/// <summary>
/// Stops the server at start when the database lacks the case or sensor store's tables (migrations V010, V020), naming the migration,
/// instead of failing the first report.
/// </summary>
public sealed class CaseStoreCheck(ICaseStore store, ISensorStore sensors) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is PostgisCaseStore postgis) await postgis.CheckSchemaAsync(cancellationToken);
        if (sensors is PostgisSensorStore sensorStore) await sensorStore.CheckSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
