using System.Text.Json;
using GridServer.Domain.Access;
using GridServer.Domain.Geo;
using GridServer.Domain.Geocoding;
using GridServer.Domain.Import;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using GridServer.Silo.Reference;

namespace GridServer.Silo.Geocoding;

/// <summary>
/// The bureau's address gazetteer (地理编码, CJ/T 215): <c>/api/gazetteer</c> to import it (door plates, buildings and
/// places with their points, as GeoJSON or CSV in UTF-8 or GBK, replaced whole) and its aliases, and
/// <c>/api/geocode?q=</c> to match an address as a caller gives it. Reports with only an address are matched at intake
/// the same way. docs/geocoding.md.
/// </summary>
public static class GeocodeEndpoints
{
    /// <summary>The most entries a gazetteer holds: a city of ten million has some hundreds of thousands of door plates.</summary>
    public const int MaxEntries = 2_000_000;

    /// <summary>The largest gazetteer body.</summary>
    public const long MaxImportBytes = 512L * 1024 * 1024;

    /// <summary>The most aliases, and the longest alias or name.</summary>
    public const int MaxAliases = 20_000, MaxAliasLength = 100;

    /// <summary>The longest query (<see cref="AddressText.MaxLength"/>); longer is refused, not cut.</summary>
    public const int MaxQuery = AddressText.MaxLength;

    /// <summary>How many entries the matcher cannot read an answer names, as examples.</summary>
    public const int MaxListedUnreadable = 10;

    /// <summary>The gazetteer read as records: a key (<c>id</c> or <c>key</c>), the address, and a point.</summary>
    internal static readonly ReferenceDataSet Set = new("gazetteer", "门牌、楼栋、兴趣点 the bureau's addresses", ReferenceShape.Point,
        [new ReferenceField("address", "the address as the bureau writes it: 鹿城区五马街道人民路12号3栋", Required: true)]);

    public static IEndpointRouteBuilder MapGeocodeEndpoints(this IEndpointRouteBuilder app)
    {
        var gazetteer = app.MapGroup("/api/gazetteer").WithTags("Addresses");
        gazetteer.MapGet("/", Summary).RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("The gazetteer served: its version, entries, entries the matcher cannot read, aliases, when and by whom it was imported.");
        gazetteer.MapPut("/", Import).RequireRoles(Role.Operator)
            .WithSummary("Replaces the gazetteer with a GeoJSON FeatureCollection of points or a CSV (id, address, lon, lat; UTF-8 or GBK); ?crs= for points not in WGS 84, ?encoding= to name the CSV's, ?dryRun=true checks only.");
        gazetteer.MapGet("/aliases", Aliases).RequireRoles(Role.Operator, Role.Dispatcher).WithSummary("The aliases: another name → the gazetteer's name.");
        gazetteer.MapPut("/aliases", PutAliases).RequireRoles(Role.Operator)
            .WithSummary("Replaces the aliases: a JSON object {\"alias\": \"name\"} or a CSV with columns alias,name (老街名 → 今名, 简称 → 全称).");
        app.MapGet("/api/geocode", Geocode).WithTags("Addresses").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("Matches an address (?q=, at most 200 characters) to the gazetteer: the best candidates (limit, at most 5) with point, grid, score and why, and whether the best is sure.");
        return app;
    }

    internal static async Task<IResult> Summary(GazetteerService gazetteer, CancellationToken cancellationToken)
    {
        var served = await gazetteer.LoadAsync(cancellationToken);
        return TypedResults.Ok(new
        {
            version = served.Version,
            entries = served.Entries,
            unreadable = served.Unreadable,
            aliases = served.Aliases.Count,
            importedAt = served.ImportedAt,
            importedBy = served.ImportedBy,
        });
    }

    internal static async Task<IResult> Import(HttpRequest request, GazetteerService gazetteer, IGazetteerStore store, ICrsDefinitionStore crsDefinitions,
        TimeProvider time, string? crs, string? encoding, bool? dryRun, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ReferenceEndpoints.ParseBodyAsync(request, Set, MaxImportBytes, MaxEntries, crsDefinitions, crs, encoding, cancellationToken);
        if (parsed is null) return refusal!;
        if (!parsed.Problems.IsEmpty)
        {
            return TypedResults.Problem(ReferenceImport.Summary(parsed.Problems), statusCode: 422, title: "Import refused",
                extensions: new Dictionary<string, object?>
                {
                    ["problems"] = parsed.Problems.Take(ReferenceImport.MaxListedProblems).ToList(),
                    ["problemCount"] = parsed.Problems.Length,
                    ["ignoredFields"] = parsed.IgnoredFields,
                });
        }
        if (parsed.Records.IsEmpty) return Problems.Of(422, "Import refused", "the file holds no entries; a gazetteer is replaced whole, so an empty one would remove every address");
        var entries = parsed.Records.Select(r => new GazetteerEntry(r.Key, r.Fields["address"], r.Lon!.Value, r.Lat!.Value)).ToList();
        // Entries the matcher cannot read (no road word it knows) are kept but never matched: the answer names some, so
        // that a file with the address in another column, or only place names, is noticed before it is relied on.
        var unreadable = entries.Where(e => !Gazetteer.Readable(e.Address)).ToList();
        var body = new Dictionary<string, object?>
        {
            ["entries"] = entries.Count,
            ["unreadable"] = unreadable.Count,
            ["unreadableExamples"] = unreadable.Take(MaxListedUnreadable).Select(e => new { id = e.Id, address = e.Address }).ToList(),
            ["ignoredFields"] = parsed.IgnoredFields,
            ["encoding"] = parsed.Encoding,
        };
        if (dryRun ?? false) return TypedResults.Ok(new Dictionary<string, object?>(body) { ["dryRun"] = true });
        var version = await store.ReplaceEntriesAsync(entries, request.HttpContext.RequiredCaller().Subject, time.GetUtcNow(), cancellationToken);
        var served = await gazetteer.LoadAsync(cancellationToken);
        body["version"] = version;
        body["servedVersion"] = served.Version;
        return TypedResults.Ok(body);
    }

    internal static async Task<IResult> Aliases(GazetteerService gazetteer, CancellationToken cancellationToken)
    {
        var stored = await gazetteer.LoadAsync(cancellationToken);
        return TypedResults.Ok(new { version = stored.Version, aliases = stored.Aliases });
    }

    internal static async Task<IResult> PutAliases(HttpRequest request, GazetteerService gazetteer, IGazetteerStore store, TimeProvider time, string? encoding,
        CancellationToken cancellationToken)
    {
        var (bytes, refusal) = await GridChangeEndpoints.ReadBodyAsync(request, MaxAliases * 2L * MaxAliasLength * 4 + 4096, cancellationToken);
        if (refusal is not null) return refusal;
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        List<(int Row, string? Alias, string? Name)> pairs;
        try
        {
            pairs = type is "text/csv" or "application/csv" ? AliasesFromCsv(bytes, encoding ?? CharsetOf(request.ContentType))
                : type is null or "application/json" ? AliasesFromJson(bytes)
                : throw new FormatException($"content type '{Problems.Shorten(type)}' is neither JSON (application/json) nor CSV (text/csv)");
        }
        catch (FormatException e)
        {
            return Problems.Of(400, "Unreadable aliases", e.Message);
        }
        var problems = new List<string>();
        var aliases = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (row, alias, name) in pairs)
        {
            if (problems.Count >= ReferenceImport.MaxListedProblems) break;
            var (a, n) = (alias?.Trim() ?? "", name?.Trim() ?? "");
            string? problem = a.Length == 0 || n.Length == 0 ? "give both the alias and the name"
                : a.Length > MaxAliasLength || n.Length > MaxAliasLength ? $"an alias and a name are at most {MaxAliasLength} characters"
                : a.Any(char.IsControl) || n.Any(char.IsControl) ? "control characters are not allowed"
                : AddressText.Normalize(a).Length == 0 ? "the alias has no letters or digits"
                : AddressText.Normalize(a) == AddressText.Normalize(n) ? "the alias is the name itself"
                : aliases.ContainsKey(a) ? $"'{Problems.Shorten(a)}' is given twice"
                : null;
            if (problem is null) aliases[a] = n;
            else problems.Add($"{row}: {problem}");
        }
        if (problems.Count > 0)
            return Problems.Of(422, "Aliases refused", $"{problems.Count} problem{(problems.Count == 1 ? "" : "s")}; nothing was stored. {string.Join("; ", problems.Take(5))}");
        if (aliases.Count > MaxAliases) return Problems.Of(422, "Aliases refused", $"{aliases.Count} aliases; at most {MaxAliases}");
        var version = await store.ReplaceAliasesAsync(aliases, request.HttpContext.RequiredCaller().Subject, time.GetUtcNow(), cancellationToken);
        var served = await gazetteer.LoadAsync(cancellationToken);
        return TypedResults.Ok(new { aliases = aliases.Count, version, servedVersion = served.Version });
    }

    internal static async Task<IResult> Geocode(string? q, int? limit, GazetteerService gazetteer, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q)) return Problems.Of(400, "No address", "give the address to match as ?q=, e.g. ?q=人民路12号");
        if (q.Length > MaxQuery) return Problems.Of(400, "Address too long", $"an address is at most {MaxQuery} characters; give the place, not the whole note");
        if (limit is < 1 or > Gazetteer.MaxCandidates) return Problems.Of(400, "Bad limit", $"limit is 1 to {Gazetteer.MaxCandidates}");
        // The copy served, not a store round trip per query: an import here loads it at once, one elsewhere within the poll.
        var served = await gazetteer.CurrentAsync(cancellationToken);
        if (served.Version == 0)
            return Problems.Of(409, "No gazetteer", "no gazetteer is imported; an operator imports one with PUT /api/gazetteer (docs/geocoding.md)");
        var match = served.Index.Match(q);
        var parsed = AddressText.Parse(q);
        return TypedResults.Ok(new
        {
            query = q,
            normalized = new { place = parsed.Place, number = parsed.Number, lane = parsed.Lane, building = parsed.Building, unit = parsed.Unit, room = parsed.Room },
            confident = match.Confident,
            version = served.Version,
            candidates = match.Candidates.Take(limit ?? Gazetteer.MaxCandidates).Select(c => new
            {
                id = c.Entry.Id,
                address = c.Entry.Address,
                lon = c.Entry.Lon,
                lat = c.Entry.Lat,
                gridCode = gazetteer.GridOf(c.Entry.Lon, c.Entry.Lat),
                score = c.Score,
                why = c.Why,
            }),
        });
    }

    private static string? CharsetOf(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.Charset.Value : null;

    private static List<(int, string?, string?)> AliasesFromJson(byte[] bytes)
    {
        Dictionary<string, JsonElement>? map;
        try
        {
            map = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(bytes);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the body is not a JSON object of alias → name: {Problems.Shorten(e.Message)}");
        }
        if (map is null) throw new FormatException("the body is not a JSON object of alias → name");
        var row = 0;
        return [.. map.Select(p => (++row, (string?)p.Key, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null))];
    }

    private static List<(int, string?, string?)> AliasesFromCsv(byte[] bytes, string? encoding)
    {
        var text = ImportText.Decode(bytes, encoding).Text;
        using var reader = new StringReader(text);
        using var lines = Csv.Read(reader).GetEnumerator();
        var header = lines.MoveNext() ? lines.Current : null;
        if (header?.Error is { } headerError) throw new FormatException($"the header row: {headerError}");
        if (header is null || !header.Fields.Select(h => h.Trim()).SequenceEqual(["alias", "name"]))
            throw new FormatException("the CSV's header row must be: alias,name");
        var pairs = new List<(int, string?, string?)>();
        for (var row = 1; lines.MoveNext(); row++)
        {
            var (fields, error, blank) = lines.Current;
            if (error is not null) throw new FormatException($"data row {row}: {error}");
            if (blank) continue;
            if (fields.Count != 2) throw new FormatException($"data row {row} has {fields.Count} columns; the header has 2");
            if (pairs.Count >= MaxAliases) throw new FormatException($"more than {MaxAliases} aliases");
            pairs.Add((row, fields[0], fields[1]));
        }
        return pairs;
    }
}
