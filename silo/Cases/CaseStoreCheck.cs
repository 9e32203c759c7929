using GridServer.Domain.Cases;
using GridServer.Storage.Cases;

namespace GridServer.Silo.Cases;

/// <summary>
/// Stops the server at start when the database lacks the case store's tables (migration V010), naming the migration,
/// instead of failing the first report.
/// </summary>
public sealed class CaseStoreCheck(ICaseStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is PostgisCaseStore postgis) await postgis.CheckSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
