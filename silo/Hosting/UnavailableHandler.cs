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
/// what (never the inner error, which is logged): the client retries, it does not take it for a bug of its own.
/// </summary>
public sealed class UnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var what = exception switch
        {
            DependencyUnavailableException d => d.What,
            Npgsql.NpgsqlException { IsTransient: true } => "the database",
            SiloUnavailableException => "a silo of the cluster",
            TimeoutException => "a part of the cluster",
            _ => null,
        };
        if (what is null) return false;
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = 503, Title = "Service unavailable", Detail = $"{what} did not answer; try again in {RetryAfterSeconds} s" },
        });
    }
}
