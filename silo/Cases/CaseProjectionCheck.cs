using GridServer.Domain.Cases;
using GridServer.Storage.Cases;

namespace GridServer.Silo.Cases;

/// <summary>
/// Stops the server at start when the database lacks the case projection's tables. Without it every case
/// change would only log a failed projection write, and the tables would stay empty unnoticed.
/// </summary>
public sealed class CaseProjectionCheck(ICaseProjection projection) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (projection is PostgisCaseProjection postgis) await postgis.CheckSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
