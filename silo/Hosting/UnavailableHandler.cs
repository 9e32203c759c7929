using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;

namespace GridServer.Silo.Hosting;

/// <summary>A part the server depends on (the credential registry, the database, a silo) did not answer in time.</summary>
public sealed class DependencyUnavailableException(string what, Exception inner) : Exception($"{what} did not answer", inner)
{
    public string What { get; } = what;
}

/// <summary>
/// A request that failed because something the server depends on did not answer gets 503 with Retry-After and says
/// what (never the inner error, which is logged): the client retries, it does not take it for a bug of its own. One that
/// met another writer (<see cref="Orleans.Storage.InconsistentStateException"/>) gets 409: read again, then retry.
/// </summary>
public sealed class UnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A full disk is no passing fault and no silence: say so (the database rolled the request back whole).
        if (exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DiskFull })
            return await WriteAsync(httpContext, exception, StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                "the database is out of disk space: nothing of this request was kept; try again once an operator has freed space");
        // Two writers met (a grain activation that another silo's, or the archiver, overtook): it reloads; a retry finds
        // the record as it now stands. A conflict of the moment, not a fault: 409, and nothing was done.
        if (exception is Orleans.Storage.InconsistentStateException)
            return await WriteAsync(httpContext, exception, StatusCodes.Status409Conflict, "Conflict",
                "the record was changed elsewhere meanwhile; nothing of this request was done: read it again and retry");
        var what = exception switch
        {
            DependencyUnavailableException d => d.What,
            Npgsql.NpgsqlException { IsTransient: true } => "the database",
            SiloUnavailableException => "a silo of the cluster",
            TimeoutException => "a part of the cluster",
            _ => null,
        };
        if (what is null) return false;
        return await WriteAsync(httpContext, exception, StatusCodes.Status503ServiceUnavailable, "Service unavailable", $"{what} did not answer; try again in {RetryAfterSeconds} s");
    }

    private async ValueTask<bool> WriteAsync(HttpContext httpContext, Exception exception, int status, string title, string detail)
    {
        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable) httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
