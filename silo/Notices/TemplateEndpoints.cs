using System.Globalization;
using System.Text;
using System.Text.Json;
using GridServer.Abstractions;
using GridServer.Abstractions.Notices;
using GridServer.Domain.Access;
using GridServer.Notices;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Notices;

/// <summary>
/// <c>/api/templates</c>: the notice templates, edited through the API for the whole cluster. A template is named as its
/// file would be: <c>dispatch</c> (the kind's default) or <c>dispatch.parking</c> (one matter). A save is checked first
/// (errors with line and column; nothing is stored), becomes the next version with its author and time, and serves on
/// every silo within seconds; any saved version can serve again (a rollback), or none (the files serve again). The
/// files in <c>templates/</c> stay the shipped defaults.
/// </summary>
public static class TemplateEndpoints
{
    /// <summary>The longest template text taken, in bytes.</summary>
    public const int MaxTemplateBytes = 64 * 1024;

    /// <summary>A save: the text, and a note saying why (optional).</summary>
    public sealed record SaveRequest(string? Text, string? Note);

    public sealed record ActivateRequest(int? Version);

    public sealed record PreviewRequest(string? Text);

    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/api/templates").WithTags("Notices");
        templates.MapGet("/", ListAsync).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("Every notice template: what serves each kind and matter on this silo (edited version, file, module or built-in), the edited version that serves the cluster, and errors.");
        templates.MapGet("/{name}", GetAsync).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("One template (dispatch, or dispatch.parking): the text serving on this silo, its saved versions (author, time, note) and history.");
        templates.MapGet("/{name}/versions/{version:int}", VersionAsync).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("One saved version's text.");
        templates.MapPut("/{name}", SaveAsync).RequireRoles(Role.Operator)
            .WithSummary("Saves a new version (text/plain: the template; or JSON {text, note}); checked first, 422 with line and column when it fails. Serves on every silo within seconds.");
        templates.MapPost("/{name}/activate", ActivateAsync).RequireRoles(Role.Operator)
            .WithSummary("Makes a saved version serve again ({version}): a rollback.");
        templates.MapDelete("/{name}", RevertAsync).RequireRoles(Role.Operator)
            .WithSummary("No saved version serves: the templates folder's file, a module's template or the built-in serves again. The versions stay.");
        templates.MapPost("/{name}/preview", PreviewAsync).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("Renders a text (text/plain, or JSON {text}; none: what serves now) against the kind's sample cases: the notices, or the errors with line and column.");
        return app;
    }

    internal static async Task<IResult> ListAsync(NoticeTemplateStore store, IGrainFactory grains)
    {
        var catalog = await grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).GetAsync();
        var names = NoticeKinds.All.Select(k => NoticeTemplateStore.NameOf(k, null))
            .Concat(store.Templates.Where(t => t.Matter is not null).Select(t => NoticeTemplateStore.NameOf(t.Kind, t.Matter)))
            .Concat(catalog.Activations.Select(a => a.Name))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return TypedResults.Ok(new
        {
            revision = catalog.Revision,
            templates = names.Select(name => Summary(name, store, catalog)),
        });
    }

    internal static async Task<IResult> GetAsync(string name, NoticeTemplateStore store, IGrainFactory grains)
    {
        if (Unknown(name, out var kind, out var matter) is { } unknown) return unknown;
        var catalog = await grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).GetAsync();
        var serving = Serving(store, kind, matter);
        return TypedResults.Ok(new
        {
            summary = Summary(name, store, catalog),
            text = serving.Text,
            versions = catalog.Versions.Where(v => v.Name == name).OrderByDescending(v => v.Version)
                .Select(v => new { version = v.Version, author = v.Author, savedAt = v.SavedAt, note = v.Note, length = v.Text.Length }),
            history = catalog.History.Where(h => h.Name == name).Select(h => new { h.Seq, h.Action, h.Version, h.Actor, h.At }),
        });
    }

    internal static async Task<IResult> VersionAsync(string name, int version, IGrainFactory grains)
    {
        if (Unknown(name, out _, out _) is { } unknown) return unknown;
        var catalog = await grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).GetAsync();
        return catalog.Versions.FirstOrDefault(v => v.Name == name && v.Version == version) is { } found
            ? TypedResults.Ok(new { name, version, text = found.Text, author = found.Author, savedAt = found.SavedAt, note = found.Note })
            : Problems.Of(404, "No such version", $"template {name} has no saved version {version}");
    }

    internal static async Task<IResult> SaveAsync(string name, HttpRequest request, NoticeTemplateStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (Unknown(name, out var kind, out var matter) is { } unknown) return unknown;
        var (body, refusal) = await ReadAsync<SaveRequest>(request, text => new SaveRequest(text, null), cancellationToken);
        if (refusal is not null) return refusal;
        if (string.IsNullOrWhiteSpace(body!.Text)) return Problems.Of(400, "No template", "the body must be the template's text (text/plain), or JSON {\"text\": \"…\", \"note\": \"…\"}");
        if (body.Note is { Length: > 500 }) return Problems.Of(400, "Note too long", "a note holds at most 500 characters");
        var (_, errors) = store.Sandbox.Check(kind, body.Text, name);
        if (!errors.IsEmpty) return Refused(name, errors);
        var result = await grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key)
            .SaveAsync(name, body.Text, request.HttpContext.RequiredCaller().Subject, body.Note);
        var version = int.Parse(result.Message!, CultureInfo.InvariantCulture);
        // This silo serves it before it answers; the others within their next poll.
        store.SetEdited(kind, matter, body.Text, TemplateFollower.SourceOf(name, version));
        return TypedResults.Created($"/api/templates/{name}/versions/{version}", new { name, version, revision = result.Revision });
    }

    internal static async Task<IResult> ActivateAsync(string name, ActivateRequest body, HttpContext context, NoticeTemplateStore store, IGrainFactory grains)
    {
        if (Unknown(name, out var kind, out var matter) is { } unknown) return unknown;
        if (body?.Version is not { } version) return Problems.Of(400, "No version", "name the version to serve: {\"version\": 2}");
        var catalog = grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key);
        var result = await catalog.ActivateAsync(name, version, context.RequiredCaller().Subject);
        if (result.Outcome == CatalogOutcome.NotFound) return Problems.Of(404, "No such version", result.Message!);
        var text = (await catalog.GetAsync()).Versions.First(v => v.Name == name && v.Version == version).Text;
        store.SetEdited(kind, matter, text, TemplateFollower.SourceOf(name, version));
        return TypedResults.Ok(new { name, version, changed = result.Outcome == CatalogOutcome.Done, revision = result.Revision });
    }

    internal static async Task<IResult> RevertAsync(string name, HttpContext context, NoticeTemplateStore store, IGrainFactory grains)
    {
        if (Unknown(name, out var kind, out var matter) is { } unknown) return unknown;
        var result = await grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).RevertAsync(name, context.RequiredCaller().Subject);
        store.RemoveEdited(kind, matter);
        return TypedResults.Ok(new { name, changed = result.Outcome == CatalogOutcome.Done, revision = result.Revision, servedBy = Serving(store, kind, matter).Source });
    }

    internal static async Task<IResult> PreviewAsync(string name, HttpRequest request, NoticeTemplateStore store, CancellationToken cancellationToken)
    {
        if (Unknown(name, out var kind, out var matter) is { } unknown) return unknown;
        var (body, refusal) = await ReadAsync<PreviewRequest>(request, text => new PreviewRequest(text), cancellationToken);
        if (refusal is not null) return refusal;
        var text = string.IsNullOrEmpty(body?.Text) ? Serving(store, kind, matter).Text : body.Text;
        var preview = NoticePreviews.Of(store.Sandbox, kind, matter, text, name);
        if (preview.Renderings.IsEmpty) return Refused(name, preview.Errors);
        return TypedResults.Ok(new
        {
            name,
            notices = preview.Renderings.Select(r => new { sampleCase = r.CaseId, text = r.Text }),
            errors = preview.Errors.Select(Error),
        });
    }

    private static object Summary(string name, NoticeTemplateStore store, TemplateCatalogView catalog)
    {
        // The names listed are the store's and the catalog's own: each parses.
        if (!NoticeTemplateStore.TryParseName(name, out var kind, out var matter)) throw new ArgumentException($"'{name}' is no template name", nameof(name));
        var serving = Serving(store, kind, matter);
        var activation = catalog.Activations.FirstOrDefault(a => a.Name == name);
        return new
        {
            name,
            kind = NoticeKinds.FileStem(kind),
            matter,
            activeVersion = activation?.ActiveVersion,
            changedBy = activation?.ChangedBy,
            changedAt = activation?.ChangedAt,
            versions = catalog.Versions.Count(v => v.Name == name),
            servedBy = new { source = serving.Source, origin = serving.Origin.ToString() },
            errors = store.EditedErrors.TryGetValue((kind, matter), out var errors) ? errors.Select(Error) : [],
        };
    }

    /// <summary>What renders a notice of this name on this silo: for a matter, its template or the kind's default.</summary>
    private static NoticeTemplate Serving(NoticeTemplateStore store, NoticeKind kind, string? matter) =>
        matter is null ? store.Default(kind) : store.Resolve(kind, matter);

    private static object Error(NoticeTemplateError e) => new { line = e.Line, column = e.Column, message = e.Message };

    private static ProblemHttpResult Refused(string name, IReadOnlyList<NoticeTemplateError> errors) =>
        TypedResults.Problem($"{name}({errors[0].Line},{errors[0].Column}): {errors[0].Message}", statusCode: 422, title: "Template refused",
            extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(Error).ToList() });

    private static ProblemHttpResult? Unknown(string name, out NoticeKind kind, out string? matter) =>
        NoticeTemplateStore.TryParseName(name, out kind, out matter)
            ? null
            : Problems.Of(404, "Unknown template", $"'{Problems.Shorten(name)}' is no template name: a kind ({string.Join(", ", NoticeKinds.All.Select(NoticeKinds.FileStem))}), or a kind and a matter (dispatch.parking)");

    /// <summary>The body as JSON (<typeparamref name="T"/>), or as the template's text when it is not JSON.</summary>
    private static async Task<(T? Body, ProblemHttpResult? Refusal)> ReadAsync<T>(HttpRequest request, Func<string, T> fromText, CancellationToken cancellationToken) where T : class
    {
        var (bytes, refusal) = await GridChangeEndpoints.ReadBodyAsync(request, MaxTemplateBytes, cancellationToken);
        if (refusal is not null) return (null, refusal);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (null, Problems.Of(400, "Not UTF-8", "a template is UTF-8 text"));
        }
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true) return (fromText(text), null);
        if (text.Length == 0) return (null, null);
        try
        {
            return (JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Of(400, "Unreadable body", $"the body is not the JSON expected: {e.Message}"));
        }
    }
}
