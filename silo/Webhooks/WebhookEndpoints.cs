using System.Collections.Immutable;
using GridServer.Abstractions.Notices;
using GridServer.Abstractions.Webhooks;
using GridServer.Domain.Access;
using GridServer.Domain.Webhooks;
using GridServer.Grains.Webhooks;
using GridServer.Notices;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Webhooks;

/// <summary>A community's webhook as put to <c>PUT /api/communities/{code}/webhook</c>: the URL, and an optional secret to sign with.</summary>
public sealed record WebhookBody(string? Url, string? Secret);

/// <summary>
/// Webhooks over HTTP: operators set, read, test and remove a community's target; operators and dispatchers read what the
/// community's webhook was given and the dead letters, and re-send or discard those.
/// </summary>
public static class WebhookEndpoints
{
    public const int MaxId = 128;

    /// <summary>The HTTP sender and its named client, for the silo and for test silos that want the real thing.</summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services)
    {
        services.AddHttpClient(HttpWebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => HttpWebhookSender.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>(), sp.GetService<HttpWebhookSender.Resolver>()));
        services.AddSingleton<IWebhookSender, HttpWebhookSender>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Webhooks");
        api.MapPut("/communities/{code}/webhook", Put).RequireRoles(Role.Operator)
            .WithSummary("Sets the community's webhook: an absolute https URL (http only where GridServer:Webhooks:AllowPlainHttp), and an optional secret the body is signed with (HMAC-SHA256).");
        api.MapGet("/communities/{code}/webhook", Get).RequireRoles(Role.Operator)
            .WithSummary("The community's webhook: URL, whether it signs, messages waiting, delivered, the last error.");
        api.MapDelete("/communities/{code}/webhook", Delete).RequireRoles(Role.Operator)
            .WithSummary("Removes the community's webhook; messages still waiting go to the dead letters.");
        api.MapPost("/communities/{code}/webhook/test", Test).RequireRoles(Role.Operator)
            .WithSummary("Sends a test message to the community's webhook now and answers what happened: delivered or the error, the HTTP status, the time taken.");
        api.MapGet("/communities/{code}/notices", ListNotices).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("What the community's webhook was given (its liaison alerts, batched), newest first, with each message's delivery state.");
        api.MapGet("/webhooks/dead-letters", ListDeadLetters).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("Webhook messages that were not delivered, oldest first, with the last error (?community= narrows).");
        api.MapPost("/webhooks/dead-letters/{id}/resend", Resend).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("Puts a dead letter back at the end of its community's webhook queue, its attempts counted afresh.");
        api.MapDelete("/webhooks/dead-letters/{id}", Discard).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("Discards a dead letter for good.");
        return app;
    }

    internal static async Task<Results<Ok<WebhookTargetView>, ProblemHttpResult>> Put(
        string code, WebhookBody? body, IGrainFactory grains, GridCatalog catalog, IOptions<WebhookOptions> options)
    {
        if (body is null) return Problems.Of(400, "Missing body", "the body must be JSON: url, and optionally secret");
        if (UnknownCommunity(code, catalog) is { } unknown) return unknown;
        var (url, error) = WebhookRules.CheckUrl(body.Url, options.Value);
        if (error is { } refused) return Problems.Of(400, "Invalid webhook URL", WebhookRules.Describe(refused));
        if (WebhookRules.CheckSecret(body.Secret) is { } secretProblem) return Problems.Of(400, "Invalid webhook secret", secretProblem);
        return TypedResults.Ok(await grains.GetGrain<IWebhookGrain>(code).ConfigureAsync(url!.OriginalString, body.Secret));
    }

    internal static async Task<Results<Ok<WebhookTargetView>, ProblemHttpResult>> Get(string code, IGrainFactory grains, GridCatalog catalog)
    {
        if (UnknownCommunity(code, catalog) is { } unknown) return unknown;
        return await grains.GetGrain<IWebhookGrain>(code).GetAsync() is { } view ? TypedResults.Ok(view) : NoWebhook(code);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(string code, IGrainFactory grains, GridCatalog catalog, HttpContext context)
    {
        if (UnknownCommunity(code, catalog) is { } unknown) return unknown;
        return await grains.GetGrain<IWebhookGrain>(code).RemoveAsync(context.RequiredCaller().Subject) ? TypedResults.NoContent() : NoWebhook(code);
    }

    /// <summary>
    /// A test message to the target as it is set: the address rules apply at the send as for any message (a URL made
    /// private since, or a name resolving to a private address, is refused and reported, not sent). A target that does
    /// not accept the message is an answer (200, delivered false), not an error of this call.
    /// </summary>
    internal static async Task<Results<Ok<WebhookTestResult>, ProblemHttpResult>> Test(string code, IGrainFactory grains, GridCatalog catalog, HttpContext context)
    {
        if (UnknownCommunity(code, catalog) is { } unknown) return unknown;
        return await grains.GetGrain<IWebhookGrain>(code).TestAsync(context.RequiredCaller().Subject) is { } result ? TypedResults.Ok(result) : NoWebhook(code);
    }

    internal static async Task<Results<Ok<NoticePage>, ProblemHttpResult>> ListNotices(string code, IGrainFactory grains, GridCatalog catalog, int? limit, int? offset)
    {
        if (UnknownCommunity(code, catalog) is { } unknown) return unknown;
        var take = limit ?? 50;
        if (take is < 1 or > INoticeInboxGrain.MaxKept) return Problems.Of(400, "Invalid limit", $"'limit' must lie between 1 and {INoticeInboxGrain.MaxKept}");
        if (offset is < 0) return Problems.Of(400, "Invalid offset", "'offset' must not be negative");
        return TypedResults.Ok(await grains.GetGrain<INoticeInboxGrain>(NoticeInboxes.Community(code)).GetAsync(offset ?? 0, take));
    }

    internal static async Task<Results<Ok<ImmutableArray<DeadLetter>>, ProblemHttpResult>> ListDeadLetters(string? community, IGrainFactory grains)
    {
        if (community is not null && IdProblem("community", community) is { } problem) return problem;
        return TypedResults.Ok(await DeadLetters(grains).ListAsync(community));
    }

    internal static async Task<Results<Ok<WebhookTargetView>, ProblemHttpResult>> Resend(string id, IGrainFactory grains)
    {
        if (IdProblem("dead letter id", id) is { } problem) return problem;
        if (await DeadLetters(grains).FindAsync(id) is not { } letter) return UnknownLetter(id);
        var target = grains.GetGrain<IWebhookGrain>(letter.Message.Community);
        return await target.ResendAsync(id) switch
        {
            WebhookEnqueued.Queued => TypedResults.Ok((await target.GetAsync())!),
            WebhookEnqueued.NoTarget => Problems.Of(409, "No webhook", $"community '{Problems.Shorten(letter.Message.Community)}' has no webhook now; set one, then re-send"),
            _ => UnknownLetter(id),   // re-sent or discarded by someone else meanwhile
        };
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Discard(string id, IGrainFactory grains)
    {
        if (IdProblem("dead letter id", id) is { } problem) return problem;
        return await DeadLetters(grains).DiscardAsync(id) ? TypedResults.NoContent() : UnknownLetter(id);
    }

    private static IWebhookDeadLettersGrain DeadLetters(IGrainFactory grains) => grains.GetGrain<IWebhookDeadLettersGrain>(IWebhookDeadLettersGrain.Key);

    /// <summary>Webhooks are set for communities that exist: a community is known by the grids that lie in it.</summary>
    private static ProblemHttpResult? UnknownCommunity(string code, GridCatalog catalog) =>
        IdProblem("community code", code) ?? (catalog.All().Any(g => g.CommunityCode == code)
            ? null
            : Problems.Of(404, "Community not found", $"no grid lies in a community with the code '{Problems.Shorten(code)}'"));

    private static ProblemHttpResult? IdProblem(string name, string value) =>
        string.IsNullOrWhiteSpace(value) || value.Length > MaxId || value.Any(char.IsControl)
            ? Problems.Of(400, "Invalid id", $"'{name}' must be 1 to {MaxId} characters without control characters")
            : null;

    private static ProblemHttpResult NoWebhook(string code) => Problems.Of(404, "No webhook", $"community '{Problems.Shorten(code)}' has no webhook");

    private static ProblemHttpResult UnknownLetter(string id) => Problems.Of(404, "Dead letter not found", $"no dead letter has the id '{Problems.Shorten(id)}'");
}
