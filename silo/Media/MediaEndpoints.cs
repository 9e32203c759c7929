using GridServer.Abstractions.Cases;
using GridServer.Domain.Access;
using GridServer.Domain.Media;
using GridServer.Silo.Access;
using GridServer.Silo.Cases;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Media;

/// <summary>A photo of a case as staff see it: where it is named, who took it, what it said about itself, where to fetch it.</summary>
public sealed record CasePhotoView(
    string Id, string Stage, bool Public, int? Sequence, string? Action, string? ActorId, DateTimeOffset? At, string Url, string ThumbnailUrl,
    int? Width, int? Height, DateTimeOffset? TakenAt, double? Lon, double? Lat, double? MetresFromCase);

/// <summary>The answer to an upload: the photo's id and the references that attach it to an action.</summary>
public sealed record UploadedPhoto(string Id, string Before, string After, int Width, int Height, long Bytes, DateTimeOffset? TakenAt, double? Lon, double? Lat,
    string OriginalFormat);

/// <summary>
/// Photos over HTTP: uploaded first (<c>POST /api/media</c>), then named in an action's evidence; read through the case
/// that names them, by whoever may read the case (liaisons: only the photos marked public).
/// </summary>
public static class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/media", Upload).RequireRoles(Role.Dispatcher, Role.Officer).WithTags("Cases")
            .WithMetadata(new RequestSizeLimitAttribute(100L * 1024 * 1024 + 64 * 1024))   // the option's bound is checked inside
            .WithSummary("Uploads a photo (multipart field 'file', or the image as the body): cleaned, stored, answered with its id and the evidence references photo:before:<id> and photo:after:<id>.");
        app.MapGet("/api/cases/{id}/photos", List).RequireRoles(CaseEndpoints.Readers).WithTags("Cases")
            .WithSummary("The photos a case names (its report's and its actions' evidence), with who took them, when and where.");
        app.MapGet("/api/cases/{id}/photos/{media}", Get).RequireRoles(CaseEndpoints.Readers).WithTags("Cases")
            .WithSummary("A photo the case names, as a JPEG; ?size=thumb for its thumbnail.");
        return app;
    }

    internal static async Task<Results<Created<UploadedPhoto>, Ok<UploadedPhoto>, ProblemHttpResult>> Upload(
        HttpRequest request, PhotoIntake intake, IOptions<MediaOptions> options)
    {
        var (file, problem) = await ReadFileAsync(request, "file", options.Value);
        if (file is null) return problem!;
        var (photo, created, refusal) = await intake.StoreAsync(file, request.HttpContext.RequiredCaller().Subject, request.HttpContext.RequestAborted);
        if (photo is null) return Problems.Of(refusal!.Status, refusal.Title, refusal.Detail);
        var answer = new UploadedPhoto(photo.Id, new PhotoRef(PhotoStage.Before, photo.Id).ToString(), new PhotoRef(PhotoStage.After, photo.Id).ToString(),
            photo.Width, photo.Height, photo.Bytes, photo.Metadata.TakenAt, photo.Metadata.Lon, photo.Metadata.Lat, photo.Metadata.OriginalFormat);
        return created ? TypedResults.Created($"/api/media/{photo.Id}", answer) : TypedResults.Ok(answer);
    }

    /// <summary>
    /// A file from a request: the multipart field <paramref name="field"/>, or the whole body when it is sent as an
    /// image; bounded by the upload limit before more than that is read.
    /// </summary>
    internal static async Task<(byte[]? File, ProblemHttpResult? Problem)> ReadFileAsync(HttpRequest request, string field, MediaOptions options)
    {
        var max = options.MaxUploadBytes;
        var tooLarge = Problems.Of(413, "Photo too large", $"a photo may have at most {options.MaxUploadMiB} MiB");
        if (request.ContentLength > max + 64 * 1024) return (null, tooLarge);
        if (request.HasFormContentType)
        {
            if (!Multipart.Is(request))
                return (null, Problems.Of(415, "Not a file upload", $"send the photo as multipart/form-data with the field '{field}', or as the body with its image type"));
            var (form, status, error) = await Multipart.ReadAsync(request, max + 64 * 1024, maxFields: 20, maxValueLength: 4096);
            if (form is null) return (null, status == 413 ? tooLarge : Problems.Of(status, "Malformed upload", error!));
            if (form.Files.Count != 1 || form.Files[0].Name != field)
                return (null, Problems.Of(400, "One photo", $"send exactly one file, in the field '{field}' ({form.Files.Count} file(s) came{(form.Files.Count == 1 ? $", in '{Problems.Shorten(form.Files[0].Name)}'" : "")})"));
            if (form.Files[0].Length > max) return (null, tooLarge);
            return (await Multipart.BytesAsync(form.Files[0], request.HttpContext.RequestAborted), null);
        }
        var type = request.ContentType ?? "";
        if (!type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.Of(415, "Not a file upload", $"send the photo as multipart/form-data with the field '{field}', or as the body with its image type"));
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max) return (null, tooLarge);
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), null);
    }

    /// <summary>Every photo a case names: its report's, then its actions' in timeline order.</summary>
    public static IEnumerable<(PhotoRef Photo, CaseEventView? Event)> PhotosOf(CaseView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (PhotoRef.Names(view.MediaUrl) && PhotoRef.Parse(view.MediaUrl!, out _) is { } reported) yield return (reported, null);
        foreach (var e in view.Timeline.IsDefault ? [] : view.Timeline)
            foreach (var photo in PhotoRef.In(e.Evidence.IsDefault ? [] : e.Evidence))
                yield return (photo, e);
    }

    internal static async Task<Results<Ok<CasePhotoView[]>, ProblemHttpResult>> List(string id, IGrainFactory grains, HttpContext context, Scopes scopes, IMediaStore store)
    {
        if (await ReadableAsync(id, grains, context, scopes) is not { } view) return CaseNotFound(id);
        var onlyPublic = context.RequiredCaller().Role == Role.Liaison;
        var photos = new List<CasePhotoView>();
        foreach (var (photo, e) in PhotosOf(view).Where(p => !onlyPublic || p.Photo.Public))
        {
            var stored = await store.FindAsync(photo.MediaId, context.RequestAborted);
            var meta = stored?.Metadata;
            double? away = meta is { Lon: { } lon, Lat: { } lat } && view.Lon is { } caseLon && view.Lat is { } caseLat
                ? Math.Round(PhotoFacts.MetresBetween(lon, lat, caseLon, caseLat), 1) : null;
            var url = $"/api/cases/{Uri.EscapeDataString(view.CaseId)}/photos/{photo.MediaId}";
            photos.Add(new CasePhotoView(photo.MediaId, photo.Stage.ToString().ToLowerInvariant(), photo.Public, e?.Sequence, e?.Action.ToString(), e?.ActorId ?? view.Timeline[0].ActorId,
                e?.At ?? view.Timeline[0].At, url, url + "?size=thumb", stored?.Width, stored?.Height,
                onlyPublic ? null : meta?.TakenAt, onlyPublic ? null : meta?.Lon, onlyPublic ? null : meta?.Lat, onlyPublic ? null : away));
        }
        return TypedResults.Ok(photos.ToArray());
    }

    internal static async Task<IResult> Get(string id, string media, string? size, IGrainFactory grains, HttpContext context, Scopes scopes, IMediaStore store)
    {
        if (await ReadableAsync(id, grains, context, scopes) is not { } view) return CaseNotFound(id);
        var onlyPublic = context.RequiredCaller().Role == Role.Liaison;
        if (!PhotosOf(view).Any(p => p.Photo.MediaId == media && (!onlyPublic || p.Photo.Public)))
            return Problems.Of(404, "Photo not found", $"case {Problems.Shorten(view.CaseId)} names no photo '{Problems.Shorten(media)}'");
        return await ServeAsync(store, media, size, context, publicCache: false);
    }

    /// <summary>
    /// A stored photo's bytes as a JPEG that no browser may take for anything else: never sniffed, never run as a page,
    /// cached by its id (a photo never changes under its id).
    /// </summary>
    internal static async Task<IResult> ServeAsync(IMediaStore store, string media, string? size, HttpContext context, bool publicCache)
    {
        if (size is not (null or "" or "thumb" or "full")) return Problems.Of(400, "Unknown size", $"'size' is thumb or full, not '{Problems.Shorten(size)}'");
        if (!MediaIds.IsValid(media) || await store.ReadAsync(media, size == "thumb", context.RequestAborted) is not { } bytes)
            return Problems.Of(404, "Photo not found", $"no photo '{Problems.Shorten(media)}' is stored");
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.CacheControl = publicCache ? "public, max-age=86400, immutable" : "private, max-age=86400, immutable";
        headers.ContentDisposition = $"inline; filename=\"{media[..16]}{(size == "thumb" ? "-thumb" : "")}.jpg\"";
        return TypedResults.File(bytes, StoredPhoto.ContentType, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{media}{(size == "thumb" ? "-t" : "")}\""));
    }

    private static async Task<CaseView?> ReadableAsync(string id, IGrainFactory grains, HttpContext context, Scopes scopes)
    {
        if (id.Length > CaseEndpoints.MaxId) return null;
        return await grains.GetGrain<ICaseGrain>(id).GetAsync() is { } view && await scopes.MaySeeCaseAsync(context, view) ? view : null;
    }

    /// <summary>
    /// Why an action's evidence cannot be taken, or null: each reference that names a photo must read, be taken before
    /// or after handling (a report's photo comes with the report), and be stored already.
    /// </summary>
    internal static async Task<ProblemHttpResult?> EvidenceProblemAsync(IEnumerable<string> evidence, IMediaStore store, CancellationToken cancellationToken)
    {
        foreach (var reference in evidence.Where(PhotoRef.Names))
        {
            if (PhotoRef.Parse(reference, out var error) is not { } photo) return Problems.Of(400, "Bad photo reference", error!);
            if (photo.Stage == PhotoStage.Report)
                return Problems.Of(400, "Bad photo reference", "an action's photo is taken before or after handling (photo:before:<id>, photo:after:<id>); a report's photo comes with the report");
            if (await store.FindAsync(photo.MediaId, cancellationToken) is null)
                return Problems.Of(400, "Unknown photo", $"no photo {photo.MediaId} is stored: upload it first (POST /api/media) and name the id it answers");
        }
        return null;
    }

    private static ProblemHttpResult CaseNotFound(string id) => Problems.Of(404, "Case not found", $"no case has the id '{Problems.Shorten(id)}'");
}
