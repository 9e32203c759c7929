using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;
using GridServer.Domain.Access;
using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using GridServer.Silo.Access;
using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;
using Microsoft.Extensions.Options;
using MiniExcelLibs;

namespace GridServer.Silo.Evaluation;

/// <summary>
/// 考核评价 over HTTP: the indicator table of a level for a period (JSON, CSV, XLSX), the cases behind any figure, and the
/// indicators' definitions. Operators and the command center read them; the console and other bureaus' systems read the
/// same. Definitions: docs/evaluation.md.
/// </summary>
public static class EvaluationEndpoints
{
    /// <summary>The most cases one trace answer lists; page with offset.</summary>
    public const int MaxTrace = 1000;

    private static readonly Role[] Readers = [Role.Operator, Role.Dispatcher];

    public static IEndpointRouteBuilder MapEvaluationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/evaluation").WithTags("Evaluation");
        group.MapGet("/", Table).RequireRoles(Readers)
            .WithSummary("One row per unit of a level (grid, community, street, district, squad, officer, dispatcher, channel, matter) with its indicators for the cases reported in a period; format=json, csv, xlsx, or geojson (grids, communities, streets, districts with their outlines).");
        group.MapGet("/cases", Trace).RequireRoles(Readers)
            .WithSummary("The cases behind one figure: the cases an indicator counts for a unit (or all units) in a period, newest first.");
        group.MapGet("/bulletin", Bulletin).RequireRoles(Readers)
            .WithSummary("通报: the period's bulletin (period=month&date=…, as the table) rendered from the bulletin template as a printable HTML page; download=true to save it.");
        group.MapGet("/density", Density).RequireRoles(Readers)
            .WithSummary("Hot spots: the cases reported in a period (of a matter, if named) counted in hexagons of size metres (10 to 5,000, default 200), as GeoJSON.");
        group.MapGet("/indicators", (Delegate)Definitions).RequireRoles(Readers).WithSummary("Every indicator: its English field name, its Chinese name, and for rates what over what.");
        return app;
    }

    private sealed record Asked(EvaluationLevel Level, EvaluationPeriod Period);

    private static bool TryAsk(HttpRequest request, TimeProvider time, out Asked? asked, out IResult? problem)
    {
        asked = null;
        problem = null;
        var q = request.Query;
        var levelText = (string?)q["level"] ?? "grid";
        if (!Enum.TryParse<EvaluationLevel>(levelText, ignoreCase: true, out var level) || !Enum.IsDefined(level) || levelText.Any(char.IsDigit))
        {
            problem = Problems.Of(400, "Unknown level", $"level '{Problems.Shorten(levelText)}' is not one of {string.Join(", ", Enum.GetNames<EvaluationLevel>().Select(n => n.ToLowerInvariant()))}");
            return false;
        }
        if (q.Keys.Any(k => q[k].Count > 1))
        {
            problem = Problems.Of(400, "Repeated parameter", $"'{q.Keys.First(k => q[k].Count > 1)}' is given more than once");
            return false;
        }
        if (q.ContainsKey("period") || q.ContainsKey("date") || q.ContainsKey("from") || q.ContainsKey("to"))
        {
            if (!EvaluationPeriod.TryParse(q["period"], q["date"], q["from"], q["to"], time.GetUtcNow(), out var period, out var error))
            {
                problem = Problems.Of(400, "Unreadable period", error!);
                return false;
            }
            asked = new Asked(level, period!);
            return true;
        }
        // Without a period: this month.
        EvaluationPeriod.TryParse("month", null, null, null, time.GetUtcNow(), out var month, out _);
        asked = new Asked(level, month!);
        return true;
    }

    private static Evaluator EvaluatorOf(GridCatalog catalog, MatterPolicies policies, IOptions<EvaluationOptions> options,
        GridServer.Grains.Cases.IMatterRouting routing, Func<EvaluationLevel, string, string?>? names = null) =>
        new(code => catalog.Find(code) is { } grid ? GridPlace.Of(grid) : null, policies.WorkingCalendar, options.Value.ToWeights(), names, routing.ClassOf);

    /// <summary>
    /// The evaluator with the names the server knows beyond places: a dispatcher's or a reporting channel's by the label of
    /// its newest credential, a matter's by its service, staff-entered and the server's own reports by what they are.
    /// </summary>
    private static async Task<Evaluator> NamingEvaluatorAsync(GridCatalog catalog, MatterPolicies policies, IOptions<EvaluationOptions> options,
        Credentials credentials, GridServer.Grains.Cases.IMatterRouting routing, GridServer.Domain.Catalog.MatterCatalog classes)
    {
        var labels = (await credentials.ListAsync()).Where(c => !string.IsNullOrWhiteSpace(c.Label))
            .GroupBy(c => c.Subject, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.MaxBy(c => c.CreatedAt)!.Label!, StringComparer.Ordinal);
        return EvaluatorOf(catalog, policies, options, routing, (level, code) => level switch
            {
                EvaluationLevel.Matter => routing.NameOf(code),
                EvaluationLevel.Class or EvaluationLevel.ClassMajor when code == Evaluator.Unclassified => "未分类 unclassified",
                EvaluationLevel.Class or EvaluationLevel.ClassMajor => classes.Find(code)?.Name,
                EvaluationLevel.Channel when code == "staff" => GridServer.Notices.Bulletins.StaffChannel,
                EvaluationLevel.Channel when code == CaseSteps.System => GridServer.Notices.Bulletins.SystemChannel,
                EvaluationLevel.Channel or EvaluationLevel.Dispatcher => labels.GetValueOrDefault(code),
                _ => null,
            });
    }

    internal static async Task<IResult> Table(HttpRequest request, ICaseFactsSource source, GridCatalog catalog, EvaluationAreas areas, MatterPolicies policies,
        IOptions<EvaluationOptions> options, Credentials credentials, GridServer.Grains.Cases.IMatterRouting routing, GridServer.Domain.Catalog.MatterCatalog classes,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryAsk(request, time, out var asked, out var problem)) return problem!;
        var format = ((string?)request.Query["format"] ?? "json").ToLowerInvariant();
        if (format is not ("json" or "csv" or "xlsx" or "geojson"))
            return Problems.Of(400, "Unknown format", $"format '{Problems.Shorten(format)}' is not one of json, csv, xlsx, geojson");
        var (level, period) = (asked!.Level, asked.Period);
        if (format == "geojson" && !Domain.Export.EvaluationArea.IsArea(level))
            return Problems.Of(400, "GeoJSON is of areas", $"format=geojson draws areas with their indicators: grid, community, street or district, not {level.ToString().ToLowerInvariant()}");
        var previous = period.Previous;
        var now = time.GetUtcNow();
        // The period and the one before are read side by side (each a scan of its own cases; the database has the cores).
        var reading = source.FactsAsync(new CaseFactsQuery(period.From, period.To), cancellationToken);
        var before = await source.FactsAsync(new CaseFactsQuery(previous.From, previous.To), cancellationToken);
        var evaluator = await NamingEvaluatorAsync(catalog, policies, options, credentials, routing, classes);
        var table = evaluator.Evaluate(level, period.From, period.To, now, await reading, before);
        var name = $"evaluation-{level.ToString().ToLowerInvariant()}-{period.From.ToOffset(EvaluationPeriod.Offset):yyyyMMdd}-{period.To.ToOffset(EvaluationPeriod.Offset).AddDays(-1):yyyyMMdd}";
        var chinese = string.Equals(request.Query["headers"], "zh", StringComparison.OrdinalIgnoreCase);
        return format switch
        {
            "csv" => Results.File(Csv(table, chinese), "text/csv; charset=utf-8", name + ".csv"),
            "xlsx" => Results.File(Xlsx(table, chinese), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx"),
            "geojson" => Results.File(GeoJson(table, areas.Of(level)), "application/geo+json", name + ".geojson"),
            _ => Results.Json(Json(table, period)),
        };
    }

    /// <summary>The columns of a table, in order (<see cref="EvaluationColumns.Names"/>).</summary>
    public static IReadOnlyList<string> Columns => EvaluationColumns.Names;

    private static IEnumerable<object?> Values(EvaluationRow row) => EvaluationColumns.Values(row);

    private static string Header(string column, bool chinese) => chinese ? EvaluationColumns.ChineseName(column) : column;

    private static JsonObject Row(EvaluationRow row)
    {
        var json = new JsonObject();
        foreach (var (column, value) in Columns.Zip(Values(row))) json[column] = JsonValue.Create(value);
        return json;
    }

    private static JsonObject Json(EvaluationTable table, EvaluationPeriod period) => new()
    {
        ["level"] = table.Level.ToString().ToLowerInvariant(),
        ["from"] = period.From.ToOffset(EvaluationPeriod.Offset),
        ["to"] = period.To.ToOffset(EvaluationPeriod.Offset),
        ["previousFrom"] = period.Previous.From.ToOffset(EvaluationPeriod.Offset),
        ["asOf"] = table.AsOf,
        ["total"] = Row(table.Total),
        ["rows"] = new JsonArray([.. table.Rows.Select(r => (JsonNode)Row(r))]),
    };

    /// <summary>The rows of a table, the total last.</summary>
    private static IEnumerable<IEnumerable<object?>> Sheet(EvaluationTable table) => table.Rows.Append(table.Total with { Code = "total" }).Select(Values);

    private static byte[] Csv(EvaluationTable table, bool chinese) => Csv([.. Columns.Select(c => Header(c, chinese))], Sheet(table));

    private static byte[] Xlsx(EvaluationTable table, bool chinese) => Xlsx([.. Columns.Select(c => Header(c, chinese))], Sheet(table));

    /// <summary>RFC 4180 CSV in UTF-8 with a byte-order mark (Excel reads the Chinese names right), one header line.</summary>
    private static byte[] Csv(IReadOnlyList<string> headers, IEnumerable<IEnumerable<object?>> rows)
    {
        using var buffer = new MemoryStream();
        // A unit's name comes from an operator's import: one starting with = + - @ is escaped, never run as a formula.
        using (var csv = CsvWriter.Create(buffer, new CsvWriterOptions { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, true))
        {
            foreach (var header in headers) csv.WriteField(header);
            csv.EndRecord();
            foreach (var row in rows)
            {
                foreach (var value in row) csv.WriteField(Format(value));
                csv.EndRecord();
            }
        }
        return buffer.ToArray();
    }

    private static byte[] Xlsx(IReadOnlyList<string> headers, IEnumerable<IEnumerable<object?>> rows)
    {
        var sheet = rows.Select(row =>
        {
            var sheetRow = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (header, value) in headers.Zip(row)) sheetRow[header] = value;
            return sheetRow;
        }).ToList();
        using var buffer = new MemoryStream();
        buffer.SaveAs(sheet, sheetName: "evaluation");
        return buffer.ToArray();
    }

    /// <summary>Every area of the level, with its row (zero counts for one without a case), written in memory first: the writer is synchronous.</summary>
    private static byte[] GeoJson(EvaluationTable table, IReadOnlyList<Domain.Export.EvaluationArea> areas)
    {
        using var buffer = new MemoryStream();
        Domain.Export.GeoJsonEvaluationWriter.Write(buffer, table, areas);
        return buffer.ToArray();
    }

    internal static async Task<IResult> Bulletin(HttpRequest request, HttpResponse response, ICaseFactsSource source, GridCatalog catalog, MatterPolicies policies,
        IOptions<EvaluationOptions> options, Credentials credentials, GridServer.Grains.Cases.IMatterRouting routing, GridServer.Notices.NoticeRenderer renderer,
        GridServer.Domain.Catalog.MatterCatalog classes, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryAsk(request, time, out var asked, out var problem)) return problem!;
        var period = asked!.Period;
        var reading = source.FactsAsync(new CaseFactsQuery(period.From, period.To), cancellationToken);
        var before = await source.FactsAsync(new CaseFactsQuery(period.Previous.From, period.Previous.To), cancellationToken);
        var model = GridServer.Notices.Bulletins.Of(period, time.GetUtcNow(), await NamingEvaluatorAsync(catalog, policies, options, credentials, routing, classes),
            await reading, before, routing.NameOf);
        var rendering = renderer.Render(model);
        // The page is the bureau's own template: whatever it holds, it runs no script and loads nothing.
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
        response.Headers.XContentTypeOptions = "nosniff";
        if (rendering.Error is { } error) response.Headers["X-Template-Fallback"] = Uri.EscapeDataString(error.ToString());
        var html = System.Text.Encoding.UTF8.GetBytes(rendering.Text);
        return string.Equals(request.Query["download"], "true", StringComparison.OrdinalIgnoreCase)
            ? Results.File(html, "text/html; charset=utf-8", $"bulletin-{model.Number}.html")
            : Results.Bytes(html, "text/html; charset=utf-8");
    }

    internal static async Task<IResult> Density(HttpRequest request, ICaseFactsSource source, EvaluationAreas areas, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryAsk(request, time, out var asked, out var problem)) return problem!;
        var sizeText = (string?)request.Query["size"];
        var size = 200.0;
        if (sizeText is not null && (!double.TryParse(sizeText, NumberStyles.Float, CultureInfo.InvariantCulture, out size)
                                     || !(size >= HexBins.MinSizeMetres && size <= HexBins.MaxSizeMetres)))
            return Problems.Of(400, "Unreadable size", $"size is a hexagon's size in metres (centre to corner), from {HexBins.MinSizeMetres:0} to {HexBins.MaxSizeMetres:0}; got '{Problems.Shorten(sizeText)}'");
        var matter = (string?)request.Query["matter"];
        var period = asked!.Period;
        var points = await source.PointsAsync(new CaseFactsQuery(period.From, period.To, Matter: string.IsNullOrEmpty(matter) ? null : matter), cancellationToken);
        // Anchored at the middle of the grids served: next month's map bins into the same hexagons.
        var bins = HexBins.Of(points, size, areas.Middle());
        using var buffer = new MemoryStream();
        using (var json = Domain.Export.GeoJsonGridWriter.CreateWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            json.WriteString("from", period.From.ToOffset(EvaluationPeriod.Offset));
            json.WriteString("to", period.To.ToOffset(EvaluationPeriod.Offset));
            json.WriteNumber("sizeMetres", size);
            json.WriteNumber("cases", points.Count);
            json.WriteStartArray("features");
            foreach (var bin in bins)
            {
                json.WriteStartObject();
                json.WriteString("type", "Feature");
                json.WriteString("id", string.Create(CultureInfo.InvariantCulture, $"{bin.Q},{bin.R}"));
                json.WritePropertyName("properties");
                json.WriteStartObject();
                json.WriteNumber("count", bin.Count);
                json.WriteEndObject();
                json.WritePropertyName("geometry");
                Domain.Export.GeoJsonGridWriter.WriteGeometry(json, bin.Outline);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Results.File(buffer.ToArray(), "application/geo+json", $"density-{period.From.ToOffset(EvaluationPeriod.Offset):yyyyMMdd}.geojson");
    }

    /// <summary>A moment in the bureau's time (UTC+8), as spreadsheets show times: without an offset.</summary>
    private static DateTime Local(DateTimeOffset at) => at.ToOffset(EvaluationPeriod.Offset).DateTime;

    private static string Format(object? value) => value switch
    {
        null => "",
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        double d => d.ToString("0.######", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    internal static async Task<IResult> Trace(HttpRequest request, ICaseFactsSource source, GridCatalog catalog, MatterPolicies policies,
        IOptions<EvaluationOptions> options, GridServer.Grains.Cases.IMatterRouting routing, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryAsk(request, time, out var asked, out var problem)) return problem!;
        var q = request.Query;
        var indicatorName = (string?)q["indicator"];
        if (indicatorName is null) return Problems.Of(400, "Missing indicator", "name the counted indicator whose cases to list, e.g. indicator=closedOnTime");
        if (Indicators.Count(indicatorName) is not { } indicator)
        {
            var hint = Indicators.Rate(indicatorName) is { } rate ? $"; a rate's cases are those of {rate.Numerator} and of {rate.Denominator}" : "";
            return Problems.Of(400, "Unknown indicator", $"'{Problems.Shorten(indicatorName)}' is not a counted indicator{hint}; counted: {string.Join(", ", Indicators.Counts.Select(c => c.Name))}");
        }
        if (!Paging(q["limit"], 100, MaxTrace, out var limit) || !Paging(q["offset"], 0, int.MaxValue, out var offset))
            return Problems.Of(400, "Unreadable paging", $"limit must be a whole number from 0 to {MaxTrace}, offset 0 or more");
        var anyUnit = !q.ContainsKey("unit");
        var unit = (string?)q["unit"];
        var level = asked!.Level;
        var period = asked.Period;
        // The unit narrows what is read where the store can (an officer's year is read by officer, not the whole city's).
        var query = new CaseFactsQuery(period.From, period.To,
            GridCode: level == EvaluationLevel.Grid && !anyUnit ? unit : null,
            SquadId: level == EvaluationLevel.Squad && !anyUnit ? unit : null,
            OfficerId: level == EvaluationLevel.Officer && !anyUnit ? unit : null,
            Matter: level == EvaluationLevel.Matter && !anyUnit ? unit : null);
        var format = ((string?)q["format"] ?? "json").ToLowerInvariant();
        if (format is not ("json" or "csv" or "xlsx")) return Problems.Of(400, "Unknown format", $"format '{Problems.Shorten(format)}' is not one of json, csv, xlsx");
        var facts = await source.FactsAsync(query, cancellationToken);
        var now = time.GetUtcNow();
        // unit= (empty): the cases with no unit at this level.
        var traced = EvaluatorOf(catalog, policies, options, routing).Trace(level, string.IsNullOrEmpty(unit) ? null : unit, anyUnit, indicator, now, facts).ToList();
        if (format is "csv" or "xlsx")
        {
            // A download is the whole list (the table it came from is in memory already); paging is for the screen.
            var chinese = string.Equals(q["headers"], "zh", StringComparison.OrdinalIgnoreCase);
            string[] headers = [.. TraceColumns.Select(c => chinese ? c.Chinese : c.Name)];
            var rows = traced.Select(f => (IEnumerable<object?>)[f.CaseId, f.Matter, f.State.ToString(), f.GridCode, f.SquadId, f.OfficerId, f.Channel,
                Local(f.ReportedAt), f.ClosedAt is { } closed ? Local(closed) : null]);
            var file = $"cases-{indicator.Name}-{level.ToString().ToLowerInvariant()}-{period.From.ToOffset(EvaluationPeriod.Offset):yyyyMMdd}";
            return format == "csv"
                ? Results.File(Csv(headers, rows), "text/csv; charset=utf-8", file + ".csv")
                : Results.File(Xlsx(headers, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file + ".xlsx");
        }
        return Results.Json(new JsonObject
        {
            ["level"] = level.ToString().ToLowerInvariant(),
            ["unit"] = anyUnit ? null : unit,
            ["indicator"] = indicator.Name,
            ["indicatorName"] = indicator.ChineseName,
            ["from"] = period.From.ToOffset(EvaluationPeriod.Offset),
            ["to"] = period.To.ToOffset(EvaluationPeriod.Offset),
            ["asOf"] = now,
            ["total"] = traced.Count,
            ["cases"] = new JsonArray([.. traced.Skip(offset).Take(limit).Select(f => (JsonNode)new JsonObject
            {
                ["caseId"] = f.CaseId, ["matter"] = f.Matter, ["state"] = f.State.ToString(), ["gridCode"] = f.GridCode,
                ["squadId"] = f.SquadId, ["officerId"] = f.OfficerId, ["reportedAt"] = f.ReportedAt, ["closedAt"] = f.ClosedAt,
            })]),
        });
    }

    /// <summary>The columns of a case list download, with their Chinese headers.</summary>
    private static readonly (string Name, string Chinese)[] TraceColumns =
    [
        ("caseId", "案件编号"), ("matter", "问题类型"), ("state", "状态"), ("gridCode", "网格"), ("squadId", "责任队伍"), ("officerId", "网格员"),
        ("channel", "上报渠道"), ("reportedAt", "上报时间"), ("closedAt", "结案时间"),
    ];

    private static bool Paging(string? text, int fallback, int max, out int value)
    {
        value = fallback;
        return text is null || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max);
    }

    private static IResult Definitions() => Results.Json(new JsonObject
    {
        ["counts"] = new JsonArray([.. Indicators.Counts.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["chineseName"] = c.ChineseName })]),
        ["rates"] = new JsonArray([.. Indicators.Rates.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Name, ["chineseName"] = r.ChineseName, ["numerator"] = r.Numerator, ["denominator"] = r.Denominator,
            ["complement"] = r.Complement, ["lowerIsBetter"] = r.Inverted,
        })]),
        ["levels"] = new JsonArray([.. Enum.GetNames<EvaluationLevel>().Select(n => (JsonNode)JsonValue.Create(n.ToLowerInvariant()))]),
    });
}
