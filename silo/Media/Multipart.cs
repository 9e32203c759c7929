using Microsoft.AspNetCore.Http.Features;

namespace GridServer.Silo.Media;

/// <summary>Reading a <c>multipart/form-data</c> body within bounds: the one way uploads (photos, Open311 reports with one) are read.</summary>
internal static class Multipart
{
    public static bool Is(HttpRequest request) => request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// The form, or (status, why): 413 past <paramref name="limit"/> bytes, 400 for a body that does not read as
    /// multipart (a broken boundary or part header, a body cut off) or with more fields or longer values than allowed.
    /// </summary>
    public static async Task<(IFormCollection? Form, int Status, string? Error)> ReadAsync(HttpRequest request, long limit, int maxFields, int maxValueLength)
    {
        var tooLarge = $"the body may have at most {limit / (1024.0 * 1024):0.#} MiB";
        if (request.ContentLength > limit) return (null, 413, tooLarge);
        try
        {
            request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions
            {
                MultipartBodyLengthLimit = limit, ValueCountLimit = maxFields, ValueLengthLimit = maxValueLength, MultipartHeadersCountLimit = 8,
            }));
            return (await request.ReadFormAsync(request.HttpContext.RequestAborted), 0, null);
        }
        catch (InvalidDataException e) when (e.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, 413, tooLarge);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, 400, e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? $"the multipart/form-data body has more than {maxFields} fields or a value longer than {maxValueLength} bytes"
                : "the multipart/form-data body does not read: a boundary or part header is broken, or the body is cut off");
        }
    }

    /// <summary>A part's bytes (its length was checked against the bound by the caller).</summary>
    public static async Task<byte[]> BytesAsync(IFormFile file, CancellationToken cancellationToken)
    {
        var bytes = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }
}
