using GridServer.Domain.Media;
using System.Collections.Immutable;
using System.Globalization;
using GridServer.Abstractions.Cases;
using GridServer.Grains.Cases;
using GridServer.Domain.Cases;
using GridServer.Domain.Geo;
using GridServer.Domain.Access;
using GridServer.Domain.Privacy;
using GridServer.Grains.Notices;
using GridServer.Notices;
using GridServer.Silo.Access;
using GridServer.Silo.Cases;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Open311;

/// <summary>
/// Open311 GeoReport v2 under <c>/open311/v2</c>: what hotline systems, apps and web forms speak. Every resource in
/// <c>.json</c> and <c>.xml</c>; refusals in Open311's error list. A report opens a case exactly as
/// <c>POST /api/cases</c> does. Anonymous readers see only cases that came through a reporting channel and are
/// marked public, and of those only the public view (<see cref="PublicRequestObject"/>, docs/open311.md).
/// </summary>
/// <remarks>
/// Extensions (README, "Open311"): <c>crs</c> names the coordinate system of <c>lat</c>/<c>long</c> (wgs84,
/// gcj02, bd09, cgcs2000); an <c>Idempotency-Key</c> header or <c>idempotency_key</c> field makes a retry
/// answer with the case the first attempt opened. Answers give positions in WGS84, as the spec says.
/// </remarks>
public static class Open311Endpoints
{
    public const string Prefix = "/open311/v2";

    /// <summary>The most ids one <c>GET requests</c> may name.</summary>
    public const int MaxIds = 100;

    public const int MaxAddress = 500;
    public const int MaxMediaUrl = 2048;

    public static IEndpointRouteBuilder MapOpen311Endpoints(this IEndpointRouteBuilder app)
    {
        // Open to all: reading is public in GeoReport v2, and a report carries its channel's api_key in the form.
        var open311 = app.MapGroup(Prefix).WithTags("Open311").AllowAnonymous();
        open311.MapGet("/discovery.{format}", Discovery).WithSummary("GeoReport v2 service discovery.");
        open311.MapGet("/services.{format}", Services).WithSummary("The services (matters) a citizen can report.");
        open311.MapGet("/services/{code}.{format}", Definition).WithSummary("A service's definition: the attributes a report of it carries.");
        open311.MapPost("/requests.{format}", Post).WithSummary("Submits a report: opens a case (form-encoded, or JSON). Needs api_key.");
        open311.MapGet("/requests.{format}", List).WithSummary("Requests by service_request_id (a comma list), filtered by service_code, status, start_date, end_date.");
        open311.MapGet("/requests/{id}.{format}", GetOne).WithSummary("One request, public view.");
        open311.MapPost("/requests/{id}/feedback.{format}", Feedback)
            .WithSummary("Extension (回访): the reporting channel's verdict on its closed request — verdict satisfied, basically_satisfied or dissatisfied, and a comment. Needs the api_key the request came with.");
        open311.MapGet("/requests/{id}/media/{file}", PublicMedia).WithSummary("Extension: a photo of a public request that is marked public (the request's media_url), as a JPEG; ?size=thumb for its thumbnail.");
        open311.MapGet("/tokens/{token}.{format}", Token).WithSummary("The service_request_id a deferred report's token stands for.");
        return app;
    }

    /// <summary>True for xml, false for json, null for any other extension.</summary>
    private static bool? IsXml(string format) =>
        string.Equals(format, "xml", StringComparison.OrdinalIgnoreCase) ? true
        : string.Equals(format, "json", StringComparison.OrdinalIgnoreCase) ? false : null;

    private static IResult UnknownFormat(string format) =>
        Open311Document.Error(404, $"unknown format '{Problems.Shorten(format)}': use .json or .xml").ToResult(xml: false);

    private static IResult Error(bool xml, int status, string description) => Open311Document.Error(status, description).ToResult(xml);

    /// <summary>What this server takes and gives beyond GeoReport v2, as the discovery document names it (docs/open311.md says more).</summary>
    internal static IReadOnlyList<string> Extensions(int maxUploadMiB) =>
    [
        $"media: POST requests takes the photo itself as a multipart/form-data file field 'media' (JPEG, PNG, HEIC/HEIF, AVIF or WebP, at most {maxUploadMiB} MiB); media_url then serves the stored photo (GPS and camera metadata removed), shown only when marked public",
        "crs: POST requests reads lat/long as wgs84 (default), gcj02, bd09 or cgcs2000",
        "accuracy: POST requests takes the position's accuracy in metres; a circle touching two grids waits for the command center",
        "public: POST requests with public=false keeps the request out of public reads",
        "idempotency_key: POST requests with the same key (or an Idempotency-Key header) from the same channel answers the request it first opened",
        "feedback: POST requests/{id}/feedback takes the reporter's verdict on a closed request (satisfied, basically_satisfied, dissatisfied)",
    ];

    internal static IResult Discovery(string format, HttpRequest request, IOptions<GridServer.Silo.Media.MediaOptions> media)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        var changeset = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
        var endpoint = Open311Object.Of(
            ("specification", "http://wiki.open311.org/GeoReport_v2"),
            ("url", $"{request.Scheme}://{request.Host}{Prefix}"),
            ("changeset", changeset),
            ("type", "production"),
            ("formats", new Open311Array("format", ["application/json", "text/xml"])));
        return new Open311Document("discovery", Open311Object.Of(
            ("changeset", changeset),
            ("contact", "the city-management command center (指挥中心)"),
            ("key_service", "ask the command center for an api_key (an operator issues it: POST /api/credentials, role Reporter)"),
            ("endpoints", new Open311Array("endpoint", [endpoint])),
            ("extensions", new Open311Array("extension", [.. Extensions(media.Value.MaxUploadMiB)])))).ToResult(xml);
    }

    internal static IResult Services(string format, Open311Services services)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        var items = services.All.Select(s => (object?)Open311Object.Of(
            ("service_code", s.Code), ("service_name", s.Name), ("description", s.Description), ("metadata", s.Metadata),
            ("type", "realtime"), ("keywords", s.Keywords), ("group", s.Group))).ToList();
        return new Open311Document("services", new Open311Array("service", items)).ToResult(xml);
    }

    internal static IResult Definition(string code, string format, Open311Services services)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        if (services.Find(code) is not { } service) return Error(xml, 404, $"no service has the code '{Problems.Shorten(code)}'; GET services.{format} lists them");
        var attributes = service.Attributes.IsDefault ? [] : service.Attributes.OrderBy(a => a.Order).Select(a => (object?)Open311Object.Of(
            ("variable", true), ("code", a.Code), ("datatype", a.Datatype), ("required", a.Required),
            ("datatype_description", a.DatatypeDescription), ("order", a.Order), ("description", a.Description),
            ("values", new Open311Array("value", a.Values.IsDefault ? [] : [.. a.Values.Select(v => (object?)Open311Object.Of(("key", v.Key), ("name", v.Name)))])))).ToList();
        return new Open311Document("service_definition", Open311Object.Of(
            ("service_code", service.Code), ("attributes", new Open311Array("attribute", attributes)))).ToResult(xml);
    }

    internal static async Task<IResult> Post(string format, HttpRequest request, IGrainFactory grains, GridCatalog catalog,
        TimeProvider time, Credentials credentials, IntakeLimiter limiter, DenialLog denials, Open311Services services, ICaseIntake intake,
        IOptions<Open311Options> options, GridServer.Silo.Media.PhotoIntake photos, IOptions<GridServer.Silo.Media.MediaOptions> media)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        var (form, status, readError) = await Open311Form.ReadAsync(request, media.Value.MaxUploadBytes);
        if (form is null) return Error(xml, status, readError!);

        var (caller, denied) = await ChannelAsync(form, request, xml, credentials, denials);
        if (caller is null) return denied!;
        var (allowed, retryAfter) = await limiter.TryTakeAsync(caller);
        if (!allowed)
        {
            request.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Error(xml, 429, $"too many reports from this api_key: at most {limiter.PerMinute} a minute; try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s");
        }

        foreach (var name in form.Names)
        {
            foreach (var value in form.All(name))
            {
                if (CaseEndpoints.TextError(Problems.Shorten(name), value) is { } textError) return Error(xml, 400, textError);
            }
        }
        var parsed = Parse(form, request, services);
        if (parsed.Error is not null) return Error(xml, 400, parsed.Error);
        var report = parsed.Report!;
        if (await GridServer.Silo.Plugins.ModuleRouting.ProblemsAsync(parsed.Service!.Module, report) is { } refused)
            return Error(xml, 400, $"the report of service '{parsed.Service.Code}' is refused: {refused}");
        // Public when the channel may publish and the report did not ask to stay private (docs/open311.md).
        var isPublic = parsed.Public && options.Value.Public.IsPublicChannel(caller.Subject);
        // A photo sent with the report: cleaned and stored once the report is known to be taken, named by the case.
        if (form.Media is { } file)
        {
            if (report.MediaUrl is not null) return Error(xml, 400, "send the photo as the file 'media' or link it as 'media_url', not both");
            var (photo, _, photoRefusal) = await photos.StoreAsync(file, caller.Subject, request.HttpContext.RequestAborted);
            if (photo is null) return Error(xml, photoRefusal!.Status, $"'media': {photoRefusal.Detail}");
            report = report with { MediaUrl = new PhotoRef(PhotoStage.Report, photo.Id, isPublic && options.Value.Public.ReportPhotosPublic).ToString() };
        }

        var id = parsed.IdempotencyKey is { Length: > 0 } key ? CaseEndpoints.KeyedId(caller, key) : CaseEndpoints.NewId(time.GetUtcNow());
        var grain = grains.GetGrain<ICaseGrain>(id);
        var existed = parsed.IdempotencyKey is { Length: > 0 } && await grain.GetAsync() is not null;
        var view = await intake.OpenAsync(id, report with { SubmittedBy = caller.Subject, ReportingChannel = caller.Subject, Public = isPublic },
            knownNew: !existed);   // a keyed report was just looked up; an unkeyed one has a fresh random id
        var answer = view.Lon is not null
            // The fixed sentence, not the rendered template: a report's answer costs no render (the hot path).
            ? RequestObject(view, services, ServiceNotice(view), StatusNotes(view),
                PhotoRef.Names(view.MediaUrl) ? PublicMediaUrl(view, request) : view.MediaUrl)
            : Open311Object.Of(("token", view.CaseId), ("service_notice",
                "received without a position: the command center locates it; GET tokens/{token} gives its service_request_id"));
        return new Open311Document("service_requests", new Open311Array("request", [answer]), existed ? 200 : 201).ToResult(xml);
    }

    private sealed record Parsed(CaseReport? Report, string? IdempotencyKey, string? Error, Open311Service? Service = null, bool Public = true);

    private static Parsed Parse(Open311Form form, HttpRequest request, Open311Services services)
    {
        static Parsed Fail(string error) => new(null, null, error);

        var code = form["service_code"];
        if (string.IsNullOrWhiteSpace(code)) return Fail("'service_code' is required; GET services.json lists the codes");
        if (services.Find(code) is not { } service) return Fail($"unknown service_code '{Problems.Shorten(code)}'; GET services.json lists the codes");

        var (latText, longText) = (form["lat"], form["long"]);
        double lon = double.NaN, lat = double.NaN;
        if (!string.IsNullOrWhiteSpace(latText) || !string.IsNullOrWhiteSpace(longText))
        {
            if (string.IsNullOrWhiteSpace(latText) || string.IsNullOrWhiteSpace(longText)) return Fail("give both 'lat' and 'long' (decimal degrees), or neither");
            if (!TryDegrees(longText, out lon)) return Fail($"'long' must be a decimal number of degrees, got '{Problems.Shorten(longText)}'");
            if (!TryDegrees(latText, out lat)) return Fail($"'lat' must be a decimal number of degrees, got '{Problems.Shorten(latText)}'");
            if ((LonLat.RangeProblem("long", lon, -180, 180) ?? LonLat.RangeProblem("lat", lat, -90, 90, lon)) is { } range) return Fail(range);
            if (!PointCrsExtensions.TryParse(form["crs"] ?? "wgs84", out var crs, out var crsError)) return Fail($"'crs': {crsError}");
            (lon, lat) = crs.ToWgs84(lon, lat);
        }
        // Extension: 'accuracy', metres, as a phone's geolocation gives it (a circle touching two grids marks the case ambiguous).
        double? accuracy = null;
        if (form["accuracy"] is { Length: > 0 } accuracyText)
        {
            if (!double.TryParse(accuracyText, NumberStyles.Float, CultureInfo.InvariantCulture, out var metres) || CaseEndpoints.AccuracyProblem(metres) is not null)
                return Fail($"'accuracy' must be metres from 0 to {CaseEndpoints.MaxAccuracyMetres:0}, got '{Problems.Shorten(accuracyText)}'");
            accuracy = metres;
        }
        var address = form["address_string"];
        if (address is { Length: > MaxAddress }) return Fail($"'address_string' may have at most {MaxAddress} characters");
        if (string.IsNullOrWhiteSpace(address)) address = null;
        if (double.IsNaN(lon) && address is null)
        {
            return Fail(form["address_id"] is { Length: > 0 }
                ? "'address_id' is not supported here: give 'lat' and 'long', or 'address_string'"
                : "a location is required: 'lat' and 'long' (decimal degrees, WGS84 unless 'crs' says otherwise), or 'address_string'");
        }

        var description = form["description"];
        if (description is { Length: > CaseEndpoints.MaxDescription }) return Fail($"'description' may have at most {CaseEndpoints.MaxDescription} characters");
        if (string.IsNullOrWhiteSpace(description)) description = null;
        var media = form["media_url"];
        if (string.IsNullOrWhiteSpace(media)) media = null;
        else if (media.Length > MaxMediaUrl || !Uri.TryCreate(media, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return Fail($"'media_url' must be an absolute http(s) URL of at most {MaxMediaUrl} characters");

        var attributes = Attributes(form, service, out var attributeError);
        if (attributeError is not null) return Fail(attributeError);

        // Extension: public=false keeps the report out of the public reads (the reporter did not agree to publication).
        var publicText = form["public"];
        bool isPublic;
        if (string.IsNullOrWhiteSpace(publicText) || publicText is "true" or "1") isPublic = true;
        else if (publicText is "false" or "0") isPublic = false;
        else return Fail($"'public' must be true or false, got '{Problems.Shorten(publicText)}'");

        var key = request.Headers[CaseEndpoints.IdempotencyHeader].ToString();
        if (key.Length == 0) key = form["idempotency_key"] ?? "";
        if (key.Length > CaseEndpoints.MaxId) return Fail($"the idempotency key may have at most {CaseEndpoints.MaxId} characters");

        // Who reported, as the channel names them; e-mail, phone and names are not kept (the public intake stores
        // no personal data it does not need).
        var reporter = form["account_id"] ?? form["device_id"];
        reporter = string.IsNullOrWhiteSpace(reporter) ? "open311" : "open311:" + reporter;
        if (reporter.Length > CaseEndpoints.MaxId) return Fail($"'account_id'/'device_id' may have at most {CaseEndpoints.MaxId - 8} characters");

        return new Parsed(new CaseReport(service.Code, lon, lat, null, reporter, description, address, media, attributes, AccuracyMetres: accuracy),
            key, null, service, isPublic);
    }

    private static bool TryDegrees(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>
    /// The <c>attribute[code]</c> answers checked against the service definition: known codes only, required ones
    /// present, list values among the keys, numbers and datetimes parseable, each value bounded.
    /// </summary>
    private static ImmutableSortedDictionary<string, string>? Attributes(Open311Form form, Open311Service service, out string? error)
    {
        error = null;
        var given = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var name in form.Names)
        {
            if (!name.StartsWith("attribute[", StringComparison.Ordinal)) continue;
            var code = name.EndsWith("[]", StringComparison.Ordinal) ? name[10..^2] : name[10..];
            if (!code.EndsWith(']')) { error = $"'{Problems.Shorten(name)}' is not an attribute field: write attribute[code]"; return null; }
            code = code[..^1];
            if (!service.Attributes.IsDefault && service.Attributes.Any(a => a.Code == code))
            {
                if (!given.TryGetValue(code, out var list)) given[code] = list = [];
                list.AddRange(form.All(name).Where(v => v.Length > 0));
            }
            else
            {
                error = $"service '{service.Code}' has no attribute '{Problems.Shorten(code)}'; GET services/{service.Code}.json defines its attributes";
                return null;
            }
        }
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var attribute in service.Attributes.IsDefault ? [] : service.Attributes)
        {
            var values = given.GetValueOrDefault(attribute.Code) ?? [];
            var field = $"attribute[{attribute.Code}]";
            if (values.Count == 0)
            {
                if (attribute.Required) { error = $"{field} is required for service '{service.Code}': {attribute.Description}"; return null; }
                continue;
            }
            if (values.Any(v => v.Length > Open311Question.MaxValueLength)) { error = $"{field} may have at most {Open311Question.MaxValueLength} characters"; return null; }
            var keys = attribute.Values.IsDefault ? [] : attribute.Values.Select(v => v.Key).ToList();
            switch (attribute.Datatype)
            {
                case "singlevaluelist" when values.Count != 1 || !keys.Contains(values[0]):
                case "multivaluelist" when values.Any(v => !keys.Contains(v)):
                    error = $"{field} must be {(attribute.Datatype == "singlevaluelist" ? "one" : "some")} of {string.Join(", ", keys)}; got '{Problems.Shorten(string.Join(",", values))}'";
                    return null;
                case "number" when values.Count != 1 || !TryNumber(values[0]):
                    error = $"{field} must be a number"; return null;
                case "datetime" when values.Count != 1 || !DateTimeOffset.TryParse(values[0], CultureInfo.InvariantCulture, DateTimeStyles.None, out _):
                    error = $"{field} must be an ISO 8601 date and time"; return null;
                case "string" or "text" when values.Count != 1:
                    error = $"{field} takes one value"; return null;
            }
            result[attribute.Code] = string.Join(",", values);
        }
        return result.Count == 0 ? null : result.ToImmutable();
    }

    private static bool TryNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);

    internal static async Task<IResult> List(string format, HttpRequest request, IGrainFactory grains, Open311Services services, TimeProvider time,
        NoticeRenderer renderer, IOptions<Open311Options> options)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        var shown = options.Value.Public;
        var query = request.Query;
        var ids = query["service_request_id"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count > MaxIds) return Error(xml, 400, $"'service_request_id' may name at most {MaxIds} requests");
        if (ids.Any(i => i.Length > CaseEndpoints.MaxId)) return Error(xml, 400, $"a service_request_id has at most {CaseEndpoints.MaxId} characters");

        var codes = query["service_code"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var statuses = query["status"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (statuses.FirstOrDefault(s => s is not ("open" or "closed")) is { } badStatus) return Error(xml, 400, $"'status' must be open or closed, got '{Problems.Shorten(badStatus)}'");
        if (!TryDate(query["start_date"], out var start) || !TryDate(query["end_date"], out var end))
            return Error(xml, 400, "'start_date' and 'end_date' must be W3C date-times, e.g. 2026-11-28T08:00:00+08:00");
        if (!TryPage(query["page"], 1, int.MaxValue, 1, out var page) || !TryPage(query["page_size"], 1, MaxIds, 50, out var pageSize))
            return Error(xml, 400, $"'page' must be a whole number from 1, 'page_size' from 1 to {MaxIds}");

        if (ids.Count == 0)
        {
            if (!shown.Search) return Error(xml, 403, "searching the requests is turned off here; ask for requests by service_request_id");
            // A search over the public requests, from the cases' queryable projection. As the spec says, without dates
            // the last 90 days.
            if (codes.Length > 1) return Error(xml, 400, "without 'service_request_id', name at most one 'service_code'");
            if (codes.FirstOrDefault() is { Length: > 64 }) return Error(xml, 400, "'service_code' has at most 64 characters");
            if (start is null && end is null) start = time.GetUtcNow().AddDays(-90);
            if (start is { } from && end is { } until && until < from) return Error(xml, 400, "'end_date' must not be before 'start_date'");
            var offset = (long)(page - 1) * pageSize;
            if (offset > int.MaxValue) return Error(xml, 400, "'page' is too large");
            var found = await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).SearchAsync(new CaseSearchRequest(
                Matter: codes.FirstOrDefault(), Open: statuses.Distinct().Count() == 1 ? statuses[0] == "open" : null,
                ReportedFrom: start, ReportedTo: end?.AddTicks(1), Limit: pageSize, Offset: (int)offset, PublicOnly: true));
            ids = [.. found.Select(f => f.CaseId)];
            (start, end, page) = (null, null, 1);   // the search applied them; the ids below are this page
        }
        else
        {
            ids = await PublicAmongAsync(grains, ids);
        }

        var views = await Task.WhenAll(ids.Select(i => grains.GetGrain<ICaseGrain>(i).GetAsync().AsTask()));
        var items = views.OfType<CaseView>()
            .Where(IsPublic)   // a case named by id that is not public is left out, as an unknown id is
            .Where(v => codes.Length == 0 || codes.Contains(v.Matter, StringComparer.Ordinal))
            .Where(v => statuses.Length == 0 || statuses.Contains(v.Ended ? "closed" : "open"))
            .Where(v => start is null || v.Timeline[0].At >= start)
            .Where(v => end is null || v.Timeline[0].At <= end)
            .Skip((int)Math.Min(int.MaxValue, (long)(page - 1) * pageSize)).Take(pageSize)
            .Select(v => (object?)PublicRequestObject(v, services, renderer, shown, request)).ToList();
        return new Open311Document("service_requests", new Open311Array("request", items)).ToResult(xml);
    }

    private static bool TryDate(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        value = parsed;
        return true;
    }

    private static bool TryPage(string? text, int min, int max, int fallback, out int value)
    {
        value = fallback;
        if (string.IsNullOrEmpty(text)) return true;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    internal static async Task<IResult> GetOne(string id, string format, IGrainFactory grains, Open311Services services, NoticeRenderer renderer,
        IOptions<Open311Options> options, HttpRequest request)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        // A case that is not public answers exactly as one that does not exist: probing ids tells nothing.
        if (id.Length > CaseEndpoints.MaxId || await PublicAmongAsync(grains, [id]) is [] || await grains.GetGrain<ICaseGrain>(id).GetAsync() is not { } view || !IsPublic(view))
            return Error(xml, 404, $"no request has the id '{Problems.Shorten(id)}'");
        return new Open311Document("service_requests", new Open311Array("request", [PublicRequestObject(view, services, renderer, options.Value.Public, request)])).ToResult(xml);
    }

    /// <summary>The reporting channel whose api_key the form carries, or the Open311 error that refuses it (logged).</summary>
    private static async Task<(Caller? Caller, IResult? Refusal)> ChannelAsync(Open311Form form, HttpRequest request, bool xml, Credentials credentials, DenialLog denials)
    {
        // The key travels in the body only, as the spec has it: a query string lands in access logs and proxies' logs.
        var apiKey = form["api_key"];
        if (string.IsNullOrEmpty(apiKey) && request.Query.ContainsKey("api_key"))
        {
            denials.Log(request.HttpContext, "api_key in the query string");
            return (null, Error(xml, 403, "'api_key' goes in the request body (form field or JSON member), not the query string, which logs keep"));
        }
        if (string.IsNullOrEmpty(apiKey))
        {
            denials.Log(request.HttpContext, "no api_key");
            return (null, Error(xml, 403, "'api_key' is required: a reporting channel's key, issued by an operator (POST /api/credentials, role Reporter)"));
        }
        var (caller, refusal) = await credentials.AuthenticateAsync(apiKey, request.HttpContext.RequestAborted);
        if (caller is null || caller.Role != Role.Reporter)
        {
            // Another role's key is no api_key: staff credentials never travel in a citizen channel's form.
            var reason = caller is null ? refusal! : $"the api_key is a {caller.Role.ToString().ToLowerInvariant()}'s credential, not a reporting channel's";
            denials.Log(request.HttpContext, "api_key: " + reason);
            return (null, Error(xml, 403, caller is null ? "the api_key is not valid" : reason));
        }
        return (caller, null);
    }

    /// <summary>
    /// 回访 over Open311 (an extension): the channel that reported a request gives the reporter's verdict once it is closed.
    /// Another channel's request, or none, answers 404 as if it did not exist; an open one 400.
    /// </summary>
    internal static async Task<IResult> Feedback(string id, string format, HttpRequest request, IGrainFactory grains, Credentials credentials, DenialLog denials)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        var (form, status, readError) = await Open311Form.ReadAsync(request, maxMediaBytes: 0);
        if (form is null) return Error(xml, status, readError!);
        var (caller, denied) = await ChannelAsync(form, request, xml, credentials, denials);
        if (caller is null) return denied!;
        if (!CaseFollowUp.TryParseVerdict(form["verdict"], out var verdict))
            return Error(xml, 400, $"'verdict' must be satisfied, basically_satisfied or dissatisfied, got '{Problems.Shorten(form["verdict"] ?? "")}'");
        var comment = form["comment"];
        if (comment is { Length: > CaseFollowUp.MaxComment }) return Error(xml, 400, $"'comment' may have at most {CaseFollowUp.MaxComment} characters");
        if (comment is not null && CaseEndpoints.TextError("comment", comment) is { } textError) return Error(xml, 400, textError);
        var grain = grains.GetGrain<ICaseGrain>(id);
        if (id.Length > CaseEndpoints.MaxId || await grain.GetAsync() is not { } view || view.ReportingChannel != caller.Subject)
        {
            denials.Log(request.HttpContext, $"feedback on request {Problems.Shorten(id)}, not one of channel {caller.Subject}'s");
            return Error(xml, 404, $"no request has the id '{Problems.Shorten(id)}'");
        }
        var result = await grain.FollowUpAsync(caller.Subject, verdict, comment, CaseFollowUp.Reporter);
        if (result.Refusal is { } refused) return Error(xml, 400, refused.Message);
        return new Open311Document("service_requests", new Open311Array("request", [Open311Object.Of(
            ("service_request_id", result.Case.CaseId), ("status", result.Case.Ended ? "closed" : "open"),
            ("verdict", CaseFollowUp.WireName(verdict)))])).ToResult(xml);
    }

    /// <summary>A token is the case id itself: a deferred report's case is opened at once (in the command-center queue).</summary>
    internal static async Task<IResult> Token(string token, string format, IGrainFactory grains)
    {
        if (IsXml(format) is not { } xml) return UnknownFormat(format);
        if (token.Length > CaseEndpoints.MaxId || await PublicAmongAsync(grains, [token]) is [] || await grains.GetGrain<ICaseGrain>(token).GetAsync() is not { } view || !IsPublic(view))
            return Error(xml, 404, $"no request has the token '{Problems.Shorten(token)}'");
        return new Open311Document("service_requests", new Open311Array("request",
            [Open311Object.Of(("service_request_id", view.CaseId), ("token", token))])).ToResult(xml);
    }


    /// <summary>
    /// Which of these ids name public cases, asked of the case store in one query: an anonymous reader's made-up ids
    /// never wake a case (each would cost an activation and a read), and a case that is not public is not woken either.
    /// </summary>
    private static async Task<List<string>> PublicAmongAsync(IGrainFactory grains, List<string> ids)
    {
        if (ids.Count == 0) return ids;
        var found = await grains.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key).SearchAsync(new CaseSearchRequest(
            Limit: ids.Count, PublicOnly: true, CaseIds: [.. ids]));
        var known = found.Select(f => f.CaseId).ToHashSet(StringComparer.Ordinal);
        return [.. ids.Where(known.Contains)];
    }

    /// <summary>Whether anonymous readers may see the case at all: it came through a reporting channel and was marked public at intake.</summary>
    private static bool IsPublic(CaseView view) => view.Public && view.ReportingChannel is not null;

    /// <summary>
    /// A case as anonymous readers see it: the request object without what the reporter wrote that cannot be vetted —
    /// the address text and the media link are left out — with the description left out or its phone and ID numbers
    /// masked, and the position left out or rounded, as the bureau's settings say. The status notes are rendered
    /// from a model without the address, so no template edit can publish it.
    /// </summary>
    private static Open311Object PublicRequestObject(CaseView view, Open311Services services, NoticeRenderer renderer, Open311PublicOptions shown, HttpRequest request)
    {
        var decimals = shown.PositionDecimals;
        var published = view with
        {
            Description = shown.ShowsDescription ? PersonalData.MaskNumbers(view.Description) : null,
            Lon = shown.ShowsPosition && view.Lon is { } lon ? PersonalData.RoundDegrees(lon, decimals) : null,
            Lat = shown.ShowsPosition && view.Lat is { } lat ? PersonalData.RoundDegrees(lat, decimals) : null,
            Address = null,
            MediaUrl = null,
        };
        return RequestObject(published, services, null, ReporterNotes(published, services, renderer), PublicMediaUrl(view, request));
    }

    /// <summary>
    /// The public view of a case: no officer, no timeline notes. <c>agency_responsible</c> is the squad;
    /// <c>expected_datetime</c> the earliest running deadline; lat/long WGS84, null for a report with only an address.
    /// </summary>
    private static Open311Object RequestObject(CaseView view, Open311Services services, string? notice, string statusNotes, string? mediaUrl)
    {
        var expected = ExpectedBy(view);
        return Open311Object.Of(
            ("service_request_id", view.CaseId),
            ("status", view.Ended ? "closed" : "open"),
            ("status_notes", statusNotes),
            ("service_name", services.Find(view.Matter)?.Name),
            ("service_code", view.Matter),
            ("description", view.Description),
            ("agency_responsible", view.SquadId),
            ("service_notice", notice),
            ("requested_datetime", view.Timeline[0].At),
            ("updated_datetime", view.Timeline[^1].At),
            ("expected_datetime", expected),
            ("address", view.Address),
            ("address_id", null),
            ("zipcode", null),
            ("lat", view.Lat),
            ("long", view.Lon),
            ("media_url", mediaUrl));
    }

    /// <summary>
    /// The photo a public case shows: the last one marked public (an after photo shows how it ended), served cleaned from
    /// here; null when none is. A link a reporter gave (media_url) is never shown: nobody vetted it.
    /// </summary>
    private static string? PublicMediaUrl(CaseView view, HttpRequest request) =>
        GridServer.Silo.Media.MediaEndpoints.PhotosOf(view).LastOrDefault(p => p.Photo.Public) is { Photo: { } photo }
            ? $"{request.Scheme}://{request.Host}{Prefix}/requests/{Uri.EscapeDataString(view.CaseId)}/media/{photo.MediaId}.jpg"
            : null;

    /// <summary>A photo of a public case that is marked public, as a JPEG; anything else answers 404 as an unknown photo does.</summary>
    internal static async Task<IResult> PublicMedia(string id, string file, string? size, IGrainFactory grains, IMediaStore store, HttpContext context)
    {
        var media = file.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) ? file[..^4] : file;
        var notFound = Open311Document.Error(404, $"request '{Problems.Shorten(id)}' shows no photo '{Problems.Shorten(file)}'").ToResult(xml: false);
        if (id.Length > CaseEndpoints.MaxId || !MediaIds.IsValid(media) || await PublicAmongAsync(grains, [id]) is []
            || await grains.GetGrain<ICaseGrain>(id).GetAsync() is not { } view || !IsPublic(view)
            || !GridServer.Silo.Media.MediaEndpoints.PhotosOf(view).Any(p => p.Photo.Public && p.Photo.MediaId == media))
            return notFound;
        return await GridServer.Silo.Media.MediaEndpoints.ServeAsync(store, media, size, context, publicCache: true);
    }

    /// <summary>
    /// The reporter-status template (办理进度) rendered for the case as it stands, when it is read: the model holds only
    /// what the reporter may know, so no template edit can show an officer or a note staff wrote. A broken template
    /// falls back to the default (the renderer never throws).
    /// </summary>
    internal static string ReporterNotes(CaseView view, Open311Services services, NoticeRenderer renderer) =>
        renderer.Render(CaseNoticePlan.ReporterStatus(view.CaseId, view.Matter, view.MatterName ?? services.Find(view.Matter)?.Name ?? view.Matter, view.State,
            view.GridCode is not null, view.Address, view.Timeline.IsDefaultOrEmpty ? DateTimeOffset.UnixEpoch : view.Timeline[0].At, ExpectedBy(view),
            duplicateOf: view.DuplicateOf)).Text;

    /// <summary>The earliest running deadline: when the reporter may expect the next step; null once closed.</summary>
    private static DateTimeOffset? ExpectedBy(CaseView view) =>
        view.Ended ? null : new[] { view.AcceptBy, view.HandleBy, view.VerifyBy }.Where(d => d.HasValue).Min();

    /// <summary>A fixed public sentence per state (a report's answer): nothing an officer or dispatcher wrote reaches the public.</summary>
    internal static string StatusNotes(CaseView view) => view.State switch
    {
        CaseState.Reported or CaseState.Registered when view.GridCode is null => "received; the command center is locating it",
        CaseState.Reported or CaseState.Registered => "received; waiting for dispatch",
        CaseState.Dispatched => "dispatched to the responsible squad",
        CaseState.Accepted => "accepted by the responsible squad",
        CaseState.Handling => "being handled on site",
        CaseState.Parked => "cannot be solved within the usual time limit; it stays on the books",
        CaseState.FeedbackGiven or CaseState.Verifying or CaseState.Verified => "handled; the command center is checking the result",
        CaseState.Returned => "being sent to the right unit by the command center",
        CaseState.Closed => "closed: handled and checked",
        CaseState.Void => "closed: not taken up as a case",
        // The reporter is told which case handles their report, and hears of its end through their channel.
        CaseState.Duplicate => $"closed as a duplicate: the same problem is handled as request {view.DuplicateOf}",
        _ => "open",
    };

    private static string ServiceNotice(CaseView view) => view.State == CaseState.Dispatched && view.AcceptBy is { } by
        ? $"dispatched to the responsible squad; it is to be taken up by {by.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
        : StatusNotes(view);
}
