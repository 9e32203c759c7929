using Microsoft.AspNetCore.Diagnostics;

namespace GridServer.Silo.Hosting;

/// <summary>
/// A request the framework could not read (malformed JSON, a value of the wrong type, a body too large) gets its
/// own status code and the reason as problem details, not a 500 that hides whose fault it was.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        httpContext.Response.StatusCode = bad.StatusCode;
        // The framework's message names the parameter; the inner JSON error says where the body went wrong.
        var detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = "Unreadable request", Detail = detail },
        });
    }
}
