using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Grains.Cases;
using GridServer.Domain.Access;
using GridServer.Domain.Cases;
using GridServer.Silo.Access;
using GridServer.Domain.Geo;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GridServer.Silo.Cases;

/// <summary>
/// A located report, as posted to <c>POST /api/cases</c>. <see cref="Crs"/>: wgs84 (default), gcj02, bd09 or cgcs2000.
/// <see cref="ReporterId"/>: who reported (a citizen's reference); the caller when not given.
/// </summary>
/// <see cref="Accuracy"/>: how accurate the position is, in metres (a phone's geolocation gives it); a circle that touches
/// more than one grid marks the case ambiguous.
/// <param name="Photo">The id of a photo uploaded first (POST /api/media): the report's own photo, seen by staff.</param>
/// <param name="Address">Where, in words (a hotline caller's 人民路12号门口): with no lon/lat, the gazetteer places the
/// report when it is sure, else the command center does (docs/geocoding.md).</param>
public sealed record CaseReportRequest(string? Matter, double? Lon, double? Lat, string? Crs, string? ReporterId, string? Description,
    Dictionary<string, string>? Attributes = null, double? Accuracy = null, string? Photo = null, string? Address = null);

/// <summary>The command center moves a case to another grid, as posted to <c>POST /api/cases/{id}/move</c> (an ambiguous report's other candidate).</summary>
public sealed record CaseMoveBody(string? GridCode, string? Note);

/// <summary>An action on a case, as posted to <c>POST /api/cases/{id}/actions</c>.</summary>
public sealed record CaseActionBody(string? Action, string? Note, string[]? Evidence, DateTimeOffset? NewDeadline);

/// <summary>
/// A case search, as posted to <c>POST /api/cases/search</c> (the same criteria as the query of <c>GET /api/cases</c>,
/// plus <see cref="Within"/>: a GeoJSON Polygon or MultiPolygon, lon/lat WGS84, that must cover the reported point).
/// <see cref="Street"/>, <see cref="Community"/>: the case's grid lies in that street or community (as the served grids say).
/// <see cref="Channel"/>: reported through that channel. <see cref="Overdue"/> (超期), <see cref="Warned"/> (预警, not yet
/// overdue), <see cref="Supervised"/> (督办): true for those only, false for the others.
/// </summary>
public sealed record CaseSearchBody(
    string? Grid, string? Squad, string? Officer, string? Matter, string? State, bool? Open,
    DateTimeOffset? From, DateTimeOffset? To, System.Text.Json.JsonElement? Within, int? Limit, int? Offset,
    string? Street = null, string? Community = null, string? Channel = null, bool? Overdue = null, bool? Warned = null, bool? Supervised = null);

/// <summary>Where the command center places a case, as posted to <c>POST /api/cases/{id}/locate</c>; <see cref="Crs"/> as for a report.</summary>
public sealed record CaseLocateBody(double? Lon, double? Lat, string? Crs);

/// <summary>A follow-up (回访) taken by telephone, as posted to <c>POST /api/cases/{id}/follow-up</c>.</summary>
public sealed record CaseFollowUpBody(string? Verdict, string? Comment);

/// <summary>
/// A manual dispatch, as posted to <c>POST /api/cases/{id}/dispatch</c>: a grid code sends a case from the queue to that
/// grid (by its AB posts); a squad, with or without one of its officers, names who takes it (指派).
/// </summary>
public sealed record CaseDispatchBody(string? GridCode, string? SquadId = null, string? OfficerId = null);

/// <summary>
/// Cases over HTTP: open one from a located report, read it, act on it, dispatch it by hand; the command-center
/// queue. Endpoints talk to grains only. The actor of every action is the caller's credential: dispatchers see and
/// direct every case; officers work the cases dispatched to them or their squad; liaisons read those in their grids.
/// </summary>
public static partial class CaseEndpoints
{
    public const int MaxDescription = 4000;
    public const int MaxNote = 4000;
    public const int MaxId = 128;

    /// <summary>The most points a search polygon may have: a district's outline drawn by hand has hundreds.</summary>
    public const int MaxWithinPoints = 10_000;

    /// <summary>The largest search body (a polygon of <see cref="MaxWithinPoints"/> points is about 400 kB).</summary>
    public const int MaxSearchBodyBytes = 1024 * 1024;
    public const int MaxEvidence = 20;

    /// <summary>A retry with the same key gets the case the first attempt opened.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Who reads cases (officers and liaisons within their scope).</summary>
    internal static readonly Role[] Readers = [Role.Dispatcher, Role.Officer, Role.Liaison];

    public static IEndpointRouteBuilder MapCaseEndpoints(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/cases").WithTags("Cases");
        cases.MapPost("/", Open).RequireRoles(Role.Dispatcher, Role.Officer).WithSummary("Opens a case from a report: a located one matched to its grid and dispatched by the AB-post rule, or queued for the command center; one with only an address placed by the gazetteer when it is sure, else queued with its candidates.");
        cases.MapGet("/", SearchByQuery).RequireRoles(Readers)
            .WithSummary("Cases by grid, street, community, squad, officer, matter, state, channel, open, overdue, warned, supervised, and reporting time (from inclusive, to exclusive), newest first.");
        cases.MapPost("/search", SearchByBody).RequireRoles(Readers).WithMetadata(new RequestSizeLimitAttribute(MaxSearchBodyBytes))
            .WithSummary("The same search with a polygon ('within': GeoJSON) the reported point must lie in.");
        cases.MapGet("/stream", CaseStream.StreamAsync).RequireRoles(Readers)
            .WithSummary("Server-sent events: each case that changes (event 'case', its summary), within the caller's scope; 'reload' when more changed than can be told.");
        cases.MapGet("/{id}", Get).RequireRoles(Readers).WithSummary("A case with its whole timeline.");
        cases.MapGet("/{id}/actions", Allowed).RequireRoles(Readers)
            .WithSummary("The actions the caller may take on the case now (its state's, in the caller's hand), and the time left to each running deadline (in working time where the matter counts so).");
        cases.MapPost("/{id}/actions", Act).RequireRoles(Role.Dispatcher, Role.Officer)
            .WithSummary("An action of the workflow: officers Accept, Return, StartHandling, Give…Feedback, RequestExtension; dispatchers the rest.");
        cases.MapPost("/{id}/locate", Locate).RequireRoles(Role.Dispatcher)
            .WithSummary("Places a case (a report with an address only, or a wrong pin): its point and grid change and it is dispatched there.");
        cases.MapPost("/{id}/follow-up", FollowUp).RequireRoles(Role.Dispatcher)
            .WithSummary("回访 by telephone: the reporter's verdict on a closed case (satisfied, basically_satisfied, dissatisfied) and comment; a dissatisfied one reopens the case when its matter says so.");
        cases.MapPost("/{id}/move", Move).RequireRoles(Role.Dispatcher)
            .WithSummary("Moves a case to another grid (an ambiguous report's other candidate): dispatched there if not yet taken up, transferred if in hand.");
        cases.MapPost("/{id}/dispatch", Dispatch).RequireRoles(Role.Dispatcher)
            .WithSummary("Dispatches again by the AB-post rule, optionally to another grid; or assigns the case to a squad's officer (指派).");
        app.MapGet("/api/command-center/queue", Queue).RequireRoles(Role.Dispatcher).WithTags("Cases").WithSummary("Cases waiting for manual dispatch, oldest report first, with why they wait.");
        app.MapGet("/api/command-center/counts", Counts).RequireRoles(Role.Dispatcher).WithTags("Cases").WithSummary("How many cases are open, by state.");
        app.MapGet("/api/command-center/supervision", Supervision).RequireRoles(Role.Dispatcher).WithTags("Cases").WithSummary("The supervision list (督办): open cases escalated (a missed deadline, a repeat offence), longest escalated first.");
        return app;
    }

    internal static async Task<Results<Created<CaseView>, Ok<CaseView>, ProblemHttpResult>> Open(
        CaseReportRequest? report, HttpRequest request, IGrainFactory grains, TimeProvider time, Scopes scopes, ICaseIntake intake, GridServer.Silo.Plugins.ModuleRegistry modules,
        GridServer.Domain.Media.IMediaStore photos)
    {
        if (report is null) return Problems.Of(400, "Missing report", "the body must be a JSON report: matter, lon, lat, reporterId");
        var caller = request.HttpContext.RequiredCaller();
        report = report with { ReporterId = report.ReporterId ?? caller.Subject };
        if (FieldProblem("matter", report.Matter, 64, MatterPattern()) is { } matterProblem) return matterProblem;
        if (FieldProblem("reporterId", report.ReporterId, MaxId, null) is { } reporterProblem) return reporterProblem;
        if (report.Address is { } address && (address.Length > Open311.Open311Endpoints.MaxAddress || string.IsNullOrWhiteSpace(address)))
            return Problems.Of(400, "Unusable address", $"'address' is 1 to {Open311.Open311Endpoints.MaxAddress} characters of text");
        if ((report.Lon is null) != (report.Lat is null)) return Problems.Of(400, "Missing coordinate", "give both 'lon' and 'lat' (decimal degrees), or neither and an 'address'");
        if (report.Lon is null && report.Address is null)
            return Problems.Of(400, "Missing location", "give 'lon' and 'lat' (decimal degrees), or 'address' (where, in words) for the gazetteer or the command center to place");
        var (lon, lat) = (report.Lon ?? double.NaN, report.Lat ?? double.NaN);
        if (report.Lon is not null && LonLat.Problem(lon, lat) is { } position) return Problems.Of(400, "Coordinate out of range", position);
        if (report.Description is { Length: > MaxDescription }) return Problems.Of(400, "Description too long", $"'description' may have at most {MaxDescription} characters");
        if ((TextProblem("description", report.Description) ?? TextProblem("reporterId", report.ReporterId) ?? TextProblem("address", report.Address)) is { } textProblem) return textProblem;
        if (!PointCrsExtensions.TryParse(report.Crs ?? "wgs84", out var crs, out var crsError)) return Problems.Of(400, "Unknown coordinate system", crsError);

        var (wLon, wLat) = report.Lon is null ? (double.NaN, double.NaN) : crs.ToWgs84(lon, lat);
        if (AccuracyProblem(report.Accuracy) is { } accuracyProblem) return Problems.Of(400, "Unreadable accuracy", accuracyProblem);
        if (report.Attributes is { Count: > MaxAttributes }) return Problems.Of(400, "Too many attributes", $"at most {MaxAttributes} attributes");
        foreach (var (name, value) in report.Attributes ?? [])
        {
            if ((FieldProblem("attribute name", name, 64, null) ?? TextProblem($"attribute '{Problems.Shorten(name)}'", value)) is { } attributeProblem) return attributeProblem;
            if (value is { Length: > MaxDescription }) return Problems.Of(400, "Attribute too long", $"attribute '{Problems.Shorten(name)}' may have at most {MaxDescription} characters");
        }
        var attributes = report.Attributes is { Count: > 0 } given ? given.ToImmutableSortedDictionary(StringComparer.Ordinal) : null;
        string? photo = null;
        if (report.Photo is { } photoId)
        {
            if (!GridServer.Domain.Media.MediaIds.IsValid(photoId) || await photos.FindAsync(photoId, request.HttpContext.RequestAborted) is null)
                return Problems.Of(400, "Unknown photo", $"'photo' must be the id of a stored photo: upload it first (POST /api/media), got '{Problems.Shorten(photoId)}'");
            photo = new GridServer.Domain.Media.PhotoRef(GridServer.Domain.Media.PhotoStage.Report, photoId).ToString();
        }
        var opening = new CaseReport(report.Matter!, wLon, wLat, null, report.ReporterId!, report.Description, report.Address?.Trim(), MediaUrl: photo, Attributes: attributes,
            SubmittedBy: caller.Subject, AccuracyMetres: report.Accuracy);
        // The matter's duty module checks a report from staff as it checks a citizen's.
        var module = modules.Current.Matters.TryGetValue(opening.Matter, out var matter) ? matter.Module : null;
        if (await GridServer.Silo.Plugins.ModuleRouting.ProblemsAsync(module, opening) is { } refused)
            return Problems.Of(400, "Report refused by its duty module", $"the report of matter '{opening.Matter}' is refused: {refused}");
        var key = request.Headers[IdempotencyHeader].ToString();
        if (key.Length > MaxId) return Problems.Of(400, "Idempotency key too long", $"{IdempotencyHeader} may have at most {MaxId} characters");
        var id = key.Length > 0 ? KeyedId(caller, key) : NewId(time.GetUtcNow());
        var grain = grains.GetGrain<ICaseGrain>(id);
        var earlier = key.Length > 0 ? await grain.GetAsync() : null;
        // A retry answers with the case the key opened, but only as far as the caller may still see it (an officer's
        // report dispatched to another squad is no longer theirs to read).
        if (earlier is not null && !await scopes.MaySeeCaseAsync(request.HttpContext, earlier))
            return Problems.Of(409, "Already opened", $"this Idempotency-Key opened case {earlier.CaseId}, which is no longer yours to see");
        var existed = earlier is not null;
        var view = await intake.OpenAsync(id, opening, knownNew: !existed);   // looked up just above, or a fresh random id
        if (existed) return TypedResults.Ok(view);
        return TypedResults.Created($"/api/cases/{id}", view);
    }

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Get(string id, IGrainFactory grains, HttpContext context, Scopes scopes,
        Microsoft.Extensions.Options.IOptions<CaseOptions> options)
    {
        if (id.Length > MaxId) return NotFound(id);
        if (await grains.GetGrain<ICaseGrain>(id).GetAsync() is not { } view || !await scopes.MaySeeCaseAsync(context, view)) return NotFound(id);
        return TypedResults.Ok(context.RequiredCaller().Role == Role.Liaison ? LiaisonDetail.Of(view, options.Value.LiaisonDetailFull) : view);
    }

    /// <summary>
    /// The case's state, the actions the caller may take in it (the workflow's for the state, in the caller's hand), and
    /// the time left to each running deadline now (<see cref="CaseWorkflow.TimeLeft"/>: handling in working time when the
    /// matter is so timed; negative past it).
    /// </summary>
    public sealed record AllowedActions(CaseState State, string[] Actions, DeadlineLeftView[] Deadlines);

    /// <summary>A running deadline: which, when due, seconds left (negative: past it), and whether they are working time.</summary>
    public sealed record DeadlineLeftView(DeadlineKind Kind, DateTimeOffset Due, long LeftSeconds, bool WorkingTime);

    internal static async Task<Results<Ok<AllowedActions>, ProblemHttpResult>> Allowed(string id, IGrainFactory grains, HttpContext context, Scopes scopes,
        MatterPolicies policies, TimeProvider time)
    {
        if (id.Length > MaxId || await grains.GetGrain<ICaseGrain>(id).GetAsync() is not { } view || !await scopes.MaySeeCaseAsync(context, view)) return NotFound(id);
        var role = context.RequiredCaller().Role;
        var left = policies.For(view.Matter).TimeLeft(new CaseDeadlines(view.AcceptBy, view.HandleBy, view.VerifyBy), time.GetUtcNow());
        return TypedResults.Ok(new AllowedActions(view.State,
            // A case under supervision is not supervised again.
            // An archived case is read only.
            [.. CaseWorkflow.AllowedIn(view.State).Where(a => !view.Archived && AccessRules.RoleFor(a) == role && !(a == CaseAction.Supervise && view.Supervised)).Select(a => a.ToString())],
            [.. left.Select(d => new DeadlineLeftView(d.Kind, d.Due, (long)d.Left.TotalSeconds, d.WorkingTime))]));
    }

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Act(
        string id, CaseActionBody? body, IGrainFactory grains, HttpContext context, Scopes scopes, DenialLog denials, GridServer.Domain.Media.IMediaStore photos)
    {
        if (body is null) return Problems.Of(400, "Missing action", "the body must be a JSON action: action, note");
        if (FieldProblem("action", body.Action, 64, null) is { } actionProblem) return actionProblem;
        if (body.Note is { Length: > MaxNote }) return Problems.Of(400, "Note too long", $"'note' may have at most {MaxNote} characters");
        if (TextProblem("note", body.Note) is { } textProblem) return textProblem;
        var caller = context.RequiredCaller();
        // An action by its name only: a number or a list would pass Enum.TryParse and slip past the check of whose hand it is in.
        if (!AccessRules.TryParseName<CaseAction>(body.Action, out var action) || action == CaseAction.Report)
            return Problems.Of(400, "Unknown action", $"'action' '{Problems.Shorten(body.Action!)}' is not an action; use one of {string.Join(", ", Enum.GetNames<CaseAction>().Skip(1))}");
        if (AccessRules.RoleFor(action) != caller.Role)
        {
            var reason = AccessRules.RoleFor(action) is { } role
                ? $"{action} is for the {(role == Role.Officer ? "officer the case is dispatched to" : "command center (a dispatcher)")}, not {(caller.Role == Role.Officer ? "an officer" : "a " + caller.Role.ToString().ToLowerInvariant())}"
                : $"{action} is the server's own action; nobody asks for it";
            denials.Log(context, reason);
            return Problems.Of(403, "Forbidden", reason);
        }
        if (body.Evidence is { Length: > MaxEvidence } || body.Evidence?.Any(e => string.IsNullOrWhiteSpace(e) || e.Length > 2048) == true)
            return Problems.Of(400, "Bad evidence", $"'evidence' is at most {MaxEvidence} references of at most 2048 characters each");
        if (await GridServer.Silo.Media.MediaEndpoints.EvidenceProblemAsync(body.Evidence ?? [], photos, context.RequestAborted) is { } photoProblem) return photoProblem;
        if (RequestKeyProblem(context, out var requestKey) is { } keyProblem) return keyProblem;
        if (id.Length > MaxId) return NotFound(id);
        var grain = grains.GetGrain<ICaseGrain>(id);
        if (await grain.GetAsync() is not { } view || !await scopes.MaySeeCaseAsync(context, view)) return NotFound(id);
        var result = await grain.ActAsync(new CaseActionRequest(action, caller.Subject, body.Note, [.. body.Evidence ?? []], body.NewDeadline,
            AsOfficer: caller.Role == Role.Officer, RequestKey: requestKey));
        return Answer(result);
    }

    /// <summary>The most a position's accuracy may say, in metres: a circle wider than a district says nothing (the grids it touches are looked for within 1 km).</summary>
    public const double MaxAccuracyMetres = 10_000;

    /// <summary>Why an accuracy cannot be taken, or null (none given is fine).</summary>
    internal static string? AccuracyProblem(double? accuracy) =>
        accuracy is not { } metres ? null
        : !double.IsFinite(metres) || metres < 0 || metres > MaxAccuracyMetres ? $"'accuracy' is metres from 0 to {MaxAccuracyMetres:0}, got {metres.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        : null;

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Move(string id, CaseMoveBody? body, IGrainFactory grains, GridCatalog catalog, HttpContext context)
    {
        if (body?.GridCode is not { Length: > 0 } grid) return Problems.Of(400, "Missing grid", "'gridCode' is required: the grid the case moves to");
        if (catalog.Find(grid) is null) return Problems.Of(422, "Unknown grid", $"no grid has the code '{Problems.Shorten(grid)}'");
        if (body.Note is { Length: > MaxNote }) return Problems.Of(400, "Note too long", $"'note' may have at most {MaxNote} characters");
        if (TextProblem("note", body.Note) is { } textProblem) return textProblem;
        if (id.Length > MaxId) return NotFound(id);
        if (RequestKeyProblem(context, out var requestKey) is { } keyProblem) return keyProblem;
        var grain = grains.GetGrain<ICaseGrain>(id);
        if (await grain.GetAsync() is null) return NotFound(id);
        var actor = context.RequiredCaller().Subject;
        return Answer(await grain.MoveToGridAsync(actor, grid, string.IsNullOrWhiteSpace(body.Note) ? $"moved to grid {grid} by {actor}" : body.Note.Trim(), requestKey));
    }

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> FollowUp(string id, CaseFollowUpBody? body, IGrainFactory grains, HttpContext context)
    {
        if (body is null) return Problems.Of(400, "Missing verdict", "the body must be JSON: verdict (satisfied, basically_satisfied, dissatisfied), comment");
        if (!CaseFollowUp.TryParseVerdict(body.Verdict, out var verdict))
            return Problems.Of(400, "Unknown verdict", $"'verdict' must be satisfied, basically_satisfied or dissatisfied, got '{Problems.Shorten(body.Verdict ?? "")}'");
        if (body.Comment is { Length: > CaseFollowUp.MaxComment }) return Problems.Of(400, "Comment too long", $"'comment' may have at most {CaseFollowUp.MaxComment} characters");
        if (TextProblem("comment", body.Comment) is { } textProblem) return textProblem;
        if (id.Length > MaxId) return NotFound(id);
        var grain = grains.GetGrain<ICaseGrain>(id);
        if (await grain.GetAsync() is null) return NotFound(id);
        return Answer(await grain.FollowUpAsync(context.RequiredCaller().Subject, verdict, body.Comment, CaseFollowUp.Telephone));
    }

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Dispatch(
        string id, CaseDispatchBody? body, IGrainFactory grains, GridCatalog catalog, HttpContext context)
    {
        body ??= new CaseDispatchBody(null);
        if (body.GridCode is { } grid && catalog.Find(grid) is null) return Problems.Of(422, "Unknown grid", $"no grid has the code '{Problems.Shorten(grid)}'");
        if (body.OfficerId is not null && body.SquadId is null) return Problems.Of(400, "Missing squad", "'officerId' needs the officer's 'squadId'");
        if (body.SquadId is not null && body.GridCode is not null)
            return Problems.Of(400, "Grid or squad", "name a grid (dispatched by its posts) or a squad and officer (assigned), not both");
        foreach (var (name, value) in new[] { ("squadId", body.SquadId), ("officerId", body.OfficerId) })
        {
            if (value is not null && (value.Length is 0 or > MaxId || TextError(name, value) is not null))
                return Problems.Of(400, "Invalid field", $"'{name}' must be an id of 1 to {MaxId} characters");
        }
        if (id.Length > MaxId) return NotFound(id);
        if (RequestKeyProblem(context, out var requestKey) is { } keyProblem) return keyProblem;
        var grain = grains.GetGrain<ICaseGrain>(id);
        if (await grain.GetAsync() is null) return NotFound(id);
        return Answer(body.SquadId is { } squad
            ? await grain.AssignAsync(context.RequiredCaller().Subject, squad, body.OfficerId, requestKey)
            : await grain.DispatchAsync(context.RequiredCaller().Subject, body.GridCode, requestKey));
    }

    internal static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Locate(
        string id, CaseLocateBody? body, IGrainFactory grains, GridCatalog catalog, HttpContext context)
    {
        if (body?.Lon is not { } lon || body.Lat is not { } lat) return Problems.Of(400, "Missing coordinate", "'lon' and 'lat' are required (decimal degrees)");
        if (LonLat.Problem(lon, lat) is { } position) return Problems.Of(400, "Coordinate out of range", position);
        if (!PointCrsExtensions.TryParse(body.Crs ?? "wgs84", out var crs, out var crsError)) return Problems.Of(400, "Unknown coordinate system", crsError);
        if (id.Length > MaxId) return NotFound(id);
        if (RequestKeyProblem(context, out var requestKey) is { } keyProblem) return keyProblem;
        var grain = grains.GetGrain<ICaseGrain>(id);
        if (await grain.GetAsync() is null) return NotFound(id);
        var (wLon, wLat) = crs.ToWgs84(lon, lat);
        return Answer(await grain.LocateAsync(context.RequiredCaller().Subject, wLon, wLat, catalog.Match(wLon, wLat).GridCode, requestKey));
    }

    /// <summary>The query of <c>GET /api/cases</c>: the criteria of <see cref="CaseSearchBody"/> but the polygon.</summary>
    internal sealed record CaseSearchQuery(string? Grid, string? Squad, string? Officer, string? Matter, string? State, bool? Open,
        DateTimeOffset? From, DateTimeOffset? To, int? Limit, int? Offset, string? Street, string? Community, string? Channel,
        bool? Overdue, bool? Warned, bool? Supervised);

    internal static Task<Results<Ok<CaseSummaryView[]>, ProblemHttpResult>> SearchByQuery(
        IGrainFactory grains, HttpContext context, Scopes scopes, GridCatalog catalog, [AsParameters] CaseSearchQuery q) =>
        SearchAsync(grains, context, scopes, catalog, new CaseSearchBody(q.Grid, q.Squad, q.Officer, q.Matter, q.State, q.Open, q.From, q.To, null, q.Limit, q.Offset,
            q.Street, q.Community, q.Channel, q.Overdue, q.Warned, q.Supervised));

    internal static Task<Results<Ok<CaseSummaryView[]>, ProblemHttpResult>> SearchByBody(CaseSearchBody? body, IGrainFactory grains, HttpContext context, Scopes scopes,
        GridCatalog catalog) =>
        body is null
            ? Task.FromResult<Results<Ok<CaseSummaryView[]>, ProblemHttpResult>>(Problems.Of(400, "Missing search", "the body must be JSON search criteria"))
            : SearchAsync(grains, context, scopes, catalog, body);

    private static async Task<Results<Ok<CaseSummaryView[]>, ProblemHttpResult>> SearchAsync(
        IGrainFactory grains, HttpContext context, Scopes scopes, GridCatalog catalog, CaseSearchBody body)
    {
        var limit = body.Limit ?? 100;
        if (limit is < 1 or > Domain.Cases.CaseQuery.MaxLimit) return Problems.Of(400, "Invalid limit", $"'limit' must lie between 1 and {Domain.Cases.CaseQuery.MaxLimit}");
        if (body.Offset is < 0) return Problems.Of(400, "Invalid offset", "'offset' must not be negative");
        if (body.From is { } from && body.To is { } to && to <= from) return Problems.Of(400, "Empty period", "'to' must be after 'from'");
        foreach (var (name, value) in new[] { ("grid", body.Grid), ("squad", body.Squad), ("officer", body.Officer), ("matter", body.Matter), ("state", body.State),
            ("street", body.Street), ("community", body.Community), ("channel", body.Channel) })
        {
            if (value is { Length: > MaxId }) return Problems.Of(400, "Field too long", $"'{name}' may have at most {MaxId} characters");
        }
        string? within = null;
        if (body.Within is { } geometry && geometry.ValueKind != System.Text.Json.JsonValueKind.Null)
        {
            var wrapped = $"{{\"type\":\"FeatureCollection\",\"features\":[{{\"type\":\"Feature\",\"properties\":{{}},\"geometry\":{geometry.GetRawText()}}}]}}";
            try
            {
                var feature = Domain.Import.GeoJsonGridReader.Read(Encoding.UTF8.GetBytes(wrapped), "within").Features.Single();
                if (feature.Geometry is { NumPoints: > MaxWithinPoints })
                    return Problems.Of(400, "Polygon too large", $"'within' may have at most {MaxWithinPoints} points; it has {feature.Geometry!.NumPoints} (simplify it)");
                if (feature.Geometry is not (NetTopologySuite.Geometries.Polygon or NetTopologySuite.Geometries.MultiPolygon) || !feature.Geometry.IsValid)
                    return Problems.Of(400, "Invalid polygon", feature.GeometryError ?? "'within' must be a valid GeoJSON Polygon or MultiPolygon");
                within = feature.Geometry.AsText();
            }
            catch (Domain.Import.GridFileException e)
            {
                return Problems.Of(400, "Invalid polygon", e.Message.Replace("within: ", "", StringComparison.Ordinal));
            }
        }
        // Officers search their own cases, or a squad's they belong to; liaisons the cases of their grids.
        var caller = context.RequiredCaller();
        ImmutableHashSet<string>? grids = null;
        if (caller.Role == Role.Officer)
        {
            if (body.Squad is null) body = body with { Officer = body.Officer ?? caller.Subject };
            if ((body.Squad is { } squad && !await scopes.IsInSquadAsync(caller.Subject, squad)) || (body.Squad is null && body.Officer != caller.Subject))
                return TypedResults.Ok(Array.Empty<CaseSummaryView>());
        }
        else if (caller.Role == Role.Liaison)
        {
            grids = [.. scopes.WatchedGrids(await scopes.LiaisonAsync(caller.Subject))];
        }
        // A street or community is the grids the catalog puts in it (a code scheme need not spell the street in the grid code).
        if (body.Street is not null || body.Community is not null)
        {
            var area = catalog.All().Where(g => (body.Street is null || g.StreetCode == body.Street) && (body.Community is null || g.CommunityCode == body.Community))
                .Select(g => g.Code).ToImmutableHashSet(StringComparer.Ordinal);
            grids = grids is null ? area : grids.Intersect(area);
        }
        CaseState? state = null;
        if (body.State is { } stateName)
        {
            if (!AccessRules.TryParseName<CaseState>(stateName, out var parsed))
                return Problems.Of(400, "Invalid search", $"unknown state '{Problems.Shorten(stateName)}'; use one of {string.Join(", ", Enum.GetNames<CaseState>())}");
            state = parsed;
        }
        try
        {
            var found = await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).SearchAsync(new CaseSearchRequest(
                body.Grid, body.Squad, body.Officer, body.Matter, state, body.Open, body.From, body.To, within, limit, body.Offset ?? 0, grids,
                Channel: body.Channel, Supervised: body.Supervised, Overdue: body.Overdue, Warned: body.Warned));
            return TypedResults.Ok(found.ToArray());
        }
        catch (ArgumentException e)
        {
            return Problems.Of(400, "Invalid search", e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    internal static async Task<Ok<CaseMarkView[]>> Queue(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).QueueAsync(Domain.Cases.CaseQuery.MaxLimit)).ToArray());

    internal static async Task<Ok<ImmutableSortedDictionary<CaseState, long>>> Counts(IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).CountOpenAsync());

    internal static async Task<Ok<CaseMarkView[]>> Supervision(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).EscalatedAsync(Domain.Cases.CaseQuery.MaxLimit)).ToArray());

    /// <summary>The most matter attributes a report carries.</summary>
    public const int MaxAttributes = 50;

    /// <summary>A new case id: the day and 64 random bits, "C-20261128-3F9A0C1D2E4B5A69".</summary>
    public static string NewId(DateTimeOffset now) => $"C-{now.UtcDateTime:yyyyMMdd}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}";

    /// <summary>
    /// The request's <see cref="IdempotencyHeader"/>, as its step keeps it (<see cref="RequestKeyOf"/>; null without one), or
    /// why it cannot be taken.
    /// </summary>
    private static ProblemHttpResult? RequestKeyProblem(HttpContext context, out string? requestKey)
    {
        requestKey = null;
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > MaxId) return Problems.Of(400, "Idempotency key too long", $"{IdempotencyHeader} may have at most {MaxId} characters");
        if (key.Length > 0) requestKey = RequestKeyOf(context.RequiredCaller(), key);
        return null;
    }

    /// <summary>An action request's key as its step keeps it: the caller's key hashed with who sent it (one caller cannot replay another's).</summary>
    public static string RequestKeyOf(Caller caller, string key) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"action\n{caller.Role}\n{caller.Subject}\n{key}")).AsSpan(0, 16));

    /// <summary>
    /// The case id a client's idempotency key stands for: the same key from the same caller always names the same
    /// case; another caller's same key names another (one channel cannot reach another's case by guessing its keys).
    /// </summary>
    public static string KeyedId(Caller caller, string key) =>
        $"C-K-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{caller.Role}\n{caller.Subject}\n{key}")).AsSpan(0, 12))}";

    /// <summary>The one place a case's refusal becomes an HTTP status: no such case 404, a request that is wrong in itself 422, anything the case's state refuses 409.</summary>
    public static int StatusOf(CaseRefusalCode code) => code switch
    {
        CaseRefusalCode.NotFound => StatusCodes.Status404NotFound,
        CaseRefusalCode.Invalid => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status409Conflict,
    };

    private static Results<Ok<CaseView>, ProblemHttpResult> Answer(CaseActionResult result) =>
        result.Refusal is not { } refusal ? TypedResults.Ok(result.Case)
        : TypedResults.Problem(refusal.Message, statusCode: StatusOf(refusal.Code), title: "Action refused",
            extensions: new Dictionary<string, object?> { ["state"] = result.Case.State.ToString() });

    private static ProblemHttpResult? FieldProblem(string name, string? value, int max, Regex? pattern)
    {
        if (string.IsNullOrWhiteSpace(value)) return Problems.Of(400, "Missing field", $"'{name}' is required");
        if (value.Length > max) return Problems.Of(400, "Field too long", $"'{name}' may have at most {max} characters");
        if (pattern is not null && !pattern.IsMatch(value))
            return Problems.Of(400, "Invalid field", $"'{name}' '{Problems.Shorten(value)}' must be letters, digits, '.', '_' or '-'");
        return null;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Text every store can keep: no NUL (PostgreSQL text cannot hold it) and no half of a surrogate pair (not
    /// Unicode; JSON's \u escapes can carry one).
    /// </summary>
    private static ProblemHttpResult? TextProblem(string name, string? value) =>
        TextError(name, value) is { } error ? Problems.Of(400, "Invalid text", error) : null;

    /// <summary>As <see cref="TextProblem"/>, the reason alone (for answers in other formats, such as Open311's).</summary>
    internal static string? TextError(string name, string? value)
    {
        if (value is null) return null;
        if (value.Contains('\0', StringComparison.Ordinal)) return $"'{name}' must not contain NUL characters";
        try
        {
            StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            return $"'{name}' is not valid Unicode (an unpaired surrogate)";
        }
        return null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]+$")]
    private static partial Regex MatterPattern();

    private static ProblemHttpResult NotFound(string id) => Problems.Of(404, "Case not found", $"no case has the id '{Problems.Shorten(id)}'");

}
