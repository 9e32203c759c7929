using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GridServer.Bench.Cases;
using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using GridServer.Domain.Personnel;
using GridServer.Storage.Cases;
using GridServer.Storage.Grids;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Bench.Evaluation;

/// <summary>
/// 考核评价 on a generated year of a city in PostgreSQL: the indicator table of one month at grid level (every grid),
/// the same at district level, and one officer's year, each read and computed as <c>GET /api/evaluation</c> does
/// (the case store's facts of the period and of the period before, then <see cref="Evaluator"/>); against a baseline in
/// the same run: the cheapest per-grid table there is, a bare <c>count(*) … GROUP BY grid_code</c> of the month.
/// Cases are played through the domain's own steps (open, accept, feedback, verify, close; returns, late work,
/// rework, voids, cases left open) so that their facts are what the server would write; rows are written with COPY.
/// </summary>
internal static class EvaluationBench
{
    private const string Usage = """
        GridServer.Bench evaluation: indicator tables over a generated year of cases in PostgreSQL

          --postgres CONNSTR   a fresh database with the migrations (scripts/postgis.sh start --dir DIR; --fast for speed
                               of loading: the figures are reads)
          --cases N            cases in the year (default 1000000)
          --grids N            grids of the city, 5 per officer, 50 officers per squad (default 50000)
          --repeat N           timed runs of each table; the median is reported (default 5)
          --seed N             (default 1)
          --reuse              time the tables on the cases a previous run of this benchmark left in the database
        """;

    private static readonly DateTimeOffset YearStart = new(2026, 1, 1, 0, 0, 0, EvaluationPeriod.Offset);
    private static readonly DateTimeOffset AsOf = new(2027, 1, 5, 9, 0, 0, EvaluationPeriod.Offset);

    public static int Run(IReadOnlyList<string> args)
    {
        string? postgres = null;
        int cases = 1_000_000, grids = 50_000, repeat = 5, seed = 1;
        var reuse = false;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Count(string name) => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new ArgumentException($"{name} must be a whole number above zero");
            try
            {
                switch (args[i])
                {
                    case "--postgres": postgres = Next(); break;
                    case "--cases": cases = Count("--cases"); break;
                    case "--grids": grids = Count("--grids"); break;
                    case "--repeat": repeat = Count("--repeat"); break;
                    case "--seed": seed = Count("--seed"); break;
                    case "--reuse": reuse = true; break;
                    case "--help" or "-h": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"GridServer.Bench evaluation: {e.Message}\n{Usage}");
                return 2;
            }
        }
        if (postgres is null)
        {
            Console.Error.WriteLine($"GridServer.Bench evaluation: --postgres is required\n{Usage}");
            return 2;
        }
        try
        {
            return RunAsync(postgres, cases, grids, repeat, seed, reuse).GetAwaiter().GetResult();
        }
        catch (DatabaseRefusedException e)
        {
            Console.Error.WriteLine($"GridServer.Bench evaluation: refusing the database: {e.Message}");
            return 3;
        }
    }

    /// <summary>A CJ/T 213 code for grid <paramref name="i"/>: 20 communities of 50 grids per street, 50 streets per district.</summary>
    private static string GridCode(int i) => $"{330302 + i / 50_000:D6}{i / 1000 % 50 + 1:D3}{i / 50 % 20 + 1:D3}{i % 50 + 1:D2}";

    private static GridPlace Place(string code) =>
        new(code, "网格" + code[^6..], code[..12], "社区" + code[9..12], code[..9], "街道" + code[6..9], code[..6]);

    private static async Task<int> RunAsync(string postgres, int caseCount, int gridCount, int repeat, int seed, bool reuse)
    {
        Program.PrintMachine("GridServer.Bench evaluation: indicator tables over a generated year of cases");
        if (!reuse)
        {
            await using var check = new CaseDatabase(postgres);
            await check.CheckFreshAsync();
        }
        await using var dataSource = PostgisGridStore.CreateDataSource(postgres);
        await using (var settings = dataSource.CreateCommand("SELECT current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit') || ', ' || version()"))
            Console.WriteLine($"postgres: fsync {(string)(await settings.ExecuteScalarAsync())!}");

        if (!reuse)
        {
            var started = Stopwatch.GetTimestamp();
            var written = await WriteYearAsync(dataSource, caseCount, gridCount, seed);
            await using (var analyze = dataSource.CreateCommand("ANALYZE gridserver.cases")) await analyze.ExecuteNonQueryAsync();
            Console.WriteLine($"data:     {written:N0} cases reported in 2026 over {gridCount:N0} grids ({gridCount / 5:N0} officers, {gridCount / 250:N0} squads), "
                + $"generated through the domain's steps and written with COPY in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s (seed {seed})");
        }
        else
        {
            Console.WriteLine($"data:     the cases a previous run left ({gridCount:N0} grids as given)");
        }

        var store = new PostgisCaseStore(dataSource);
        var evaluator = new Evaluator(code => Place(code), WorkingHoursCalendar.OfficeHours(), ScoreWeights.Default);
        var november = new EvaluationPeriod(new DateTimeOffset(2026, 11, 1, 0, 0, 0, EvaluationPeriod.Offset), new DateTimeOffset(2026, 12, 1, 0, 0, 0, EvaluationPeriod.Offset), "month");
        var year = new EvaluationPeriod(YearStart, YearStart.AddYears(1), "year");
        var officer = "O-" + (gridCount / 5 / 2).ToString("D5", CultureInfo.InvariantCulture);

        async Task<(int Rows, long Cases)> Table(EvaluationLevel level, EvaluationPeriod period, string? officerId)
        {
            // As GET /api/evaluation does: the period and the one before read side by side.
            var reading = store.FactsAsync(new CaseFactsQuery(period.From, period.To, OfficerId: officerId));
            var before = await store.FactsAsync(new CaseFactsQuery(period.Previous.From, period.Previous.To, OfficerId: officerId));
            var table = evaluator.Evaluate(level, period.From, period.To, AsOf, await reading, before);
            return (table.Rows.Length, table.Total.Counts["received"]);
        }

        async Task<(int Rows, long Cases)> Baseline()
        {
            await using var command = dataSource.CreateCommand(
                "SELECT grid_code, count(*) FROM gridserver.cases WHERE reported_at >= $1 AND reported_at < $2 GROUP BY grid_code");
            command.Parameters.Add(new NpgsqlParameter { Value = november.From.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = november.To.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var (rows, total) = (0, 0L);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) (rows, total) = (rows + 1, total + reader.GetInt64(1));
            return (rows, total);
        }

        IReadOnlyList<CaseFacts>? held = null, heldBefore = null;
        // The city's grids as squares of about 100 m (250 a row), in code order as the catalogue serves them.
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        var gridShapes = Enumerable.Range(0, gridCount).Select(g =>
        {
            var code = GridCode(g);
            var (x, y) = (120.5 + g % 250 * 0.001, 27.9 + g / 250 * 0.001);
            var square = factory.CreatePolygon([new(x, y), new(x + 0.001, y), new(x + 0.001, y + 0.001), new(x, y + 0.001), new(x, y)]);
            var place = Place(code);
            return new GridServer.Domain.Grids.Grid(code, place.Name, place.StreetCode, place.StreetName, place.CommunityCode, place.CommunityName,
                square, 10_000, 1, YearStart);
        }).OrderBy(g => g.Code, StringComparer.Ordinal).ToList();
        var geoJsonBytes = 0L;
        var runs = new (string Name, Func<Task<(int Rows, long Cases)>> Run)[]
        {
            ("baseline: count(*) of November by grid, SQL only", Baseline),
            ("November and October: the facts read, nothing computed", async () =>
            {
                var reading = store.FactsAsync(new CaseFactsQuery(november.From, november.To));
                heldBefore = await store.FactsAsync(new CaseFactsQuery(november.Previous.From, november.Previous.To));
                held = await reading;
                return (0, held.Count);
            }),
            ("November, grid level: computing only (the facts read above, in memory)", () =>
            {
                var table = evaluator.Evaluate(EvaluationLevel.Grid, november.From, november.To, AsOf, held!, heldBefore);
                return Task.FromResult((table.Rows.Length, table.Total.Counts["received"]));
            }),
            ("November, grid level (every indicator, score, rank, change on October)", () => Table(EvaluationLevel.Grid, november, null)),
            ("November, district level", () => Table(EvaluationLevel.District, november, null)),
            ($"November, the choropleth: every grid's indicators and boundary as GeoJSON ({gridCount:N0} grids)", async () =>
            {
                var reading = store.FactsAsync(new CaseFactsQuery(november.From, november.To));
                var before = await store.FactsAsync(new CaseFactsQuery(november.Previous.From, november.Previous.To));
                var table = evaluator.Evaluate(EvaluationLevel.Grid, november.From, november.To, AsOf, await reading, before);
                using var buffer = new MemoryStream();
                GridServer.Domain.Export.GeoJsonEvaluationWriter.Write(buffer, table, gridShapes);
                geoJsonBytes = buffer.Length;
                return (gridShapes.Count, table.Total.Counts["received"]);
            }),
            ($"officer {officer}, the whole year (change on 2025)", () => Table(EvaluationLevel.Officer, year, officer)),
        };
        double? baseline = null;
        Console.WriteLine($"timed:    median of {repeat} runs each, after one untimed run");
        foreach (var (name, run) in runs)
        {
            // Each from a settled heap: what the one before left for the collector is not this one's cost.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var answer = await run();
            var times = new List<double>();
            for (var i = 0; i < repeat; i++)
            {
                var t = Stopwatch.GetTimestamp();
                answer = await run();
                times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            times.Sort();
            var median = times[times.Count / 2];
            baseline ??= median;
            Console.WriteLine($"  {name,-75} {median,8:0.0} ms  ({median / baseline.Value,5:0.0}× baseline; {answer.Rows:N0} rows, {answer.Cases:N0} cases)");
        }
        Console.WriteLine($"          the choropleth's GeoJSON: {geoJsonBytes / (1024.0 * 1024):0.0} MiB");
        return 0;
    }

    /// <summary>Plays <paramref name="count"/> cases through the domain's steps and writes them with their facts.</summary>
    private static async Task<long> WriteYearAsync(NpgsqlDataSource dataSource, int count, int gridCount, int seed)
    {
        var workflow = MatterPolicies.Defaults().Default;
        const int Chunk = 50_000;
        long written = 0;
        for (var start = 0; start < count; start += Chunk)
        {
            var n = Math.Min(Chunk, count - start);
            var records = new CaseRecord[n];
            Parallel.For(0, n, i => records[i] = Play(start + i, count, gridCount, seed, workflow));
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY gridserver.cases (case_id, matter, state, grid_code, squad_id, officer_id, reporter_id, geom, supervised, rework_count, "
                + "reported_at, updated_at, closed_at, last_sequence, version, extension_count, accept_by, handle_by, verify_by, past_deadlines, "
                + "entered_by, dispatcher, registered, dispatched_at, accepted_at, feedback_at, verified_at, return_count, evaluation_supervised, "
                + "late_kinds) FROM STDIN (FORMAT BINARY)");
            foreach (var r in records)
            {
                var f = r.File;
                await copy.StartRowAsync();
                await copy.WriteAsync(r.Id, NpgsqlDbType.Text);
                await copy.WriteAsync(f.Matter, NpgsqlDbType.Text);
                await copy.WriteAsync(f.State.ToString(), NpgsqlDbType.Text);
                await copy.WriteAsync(r.GridCode, NpgsqlDbType.Text);
                await Nullable(copy, r.Holder.SquadId);
                await Nullable(copy, r.Holder.OfficerId);
                await copy.WriteAsync(r.Report.ReporterId, NpgsqlDbType.Text);
                await copy.WriteAsync((Geometry)new Point(r.Report.Lon, r.Report.Lat) { SRID = 4326 });
                await copy.WriteAsync(f.Supervised, NpgsqlDbType.Boolean);
                await copy.WriteAsync(f.ReworkCount, NpgsqlDbType.Integer);
                await copy.WriteAsync(f.ReportedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(f.UpdatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz);
                await Time(copy, f.ClosedAt);
                await copy.WriteAsync(f.Timeline[^1].Sequence, NpgsqlDbType.Integer);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
                await copy.WriteAsync(f.ExtensionCount, NpgsqlDbType.Integer);
                foreach (var due in new[] { f.Deadlines.AcceptBy, f.Deadlines.HandleBy, f.Deadlines.VerifyBy }) await Time(copy, due);
                await copy.WriteAsync(JsonSerializer.Serialize(f.PastDeadlines, CaseJson.Options), NpgsqlDbType.Jsonb);
                var facts = CaseFacts.Of(r);
                await copy.WriteAsync(facts.EnteredBy, NpgsqlDbType.Text);
                await Nullable(copy, facts.Dispatcher);
                await copy.WriteAsync(facts.Registered, NpgsqlDbType.Boolean);
                foreach (var at in new[] { facts.DispatchedAt, facts.AcceptedAt, facts.FeedbackAt, facts.VerifiedAt }) await Time(copy, at);
                await copy.WriteAsync(facts.Returns, NpgsqlDbType.Integer);
                await copy.WriteAsync(facts.Supervised, NpgsqlDbType.Boolean);
                await copy.WriteAsync((short)((facts.AcceptLate ? 1 : 0) | (facts.HandlingLate ? 2 : 0) | (facts.VerificationLate ? 4 : 0)), NpgsqlDbType.Smallint);
            }
            await copy.CompleteAsync();
            written += n;
        }
        return written;
    }

    private static async Task Time(NpgsqlBinaryImporter copy, DateTimeOffset? value)
    {
        if (value is { } at) await copy.WriteAsync(at.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        else await copy.WriteNullAsync();
    }

    private static async Task Nullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) await copy.WriteNullAsync();
        else await copy.WriteAsync(value, NpgsqlDbType.Text);
    }

    /// <summary>
    /// Case <paramref name="i"/>: reported at its share of 2026 in a random grid; 80 % closed (a quarter of them
    /// handled late, one in ten accepted late), 5 % returned once and closed after a second dispatch, 4 % reworked once,
    /// 3 % extended, 3 % voided, 5 % left open at some stage.
    /// </summary>
    private static CaseRecord Play(int i, int count, int gridCount, int seed, CaseWorkflow workflow)
    {
        var random = new Random(HashCode.Combine(seed, i));
        var grid = random.Next(gridCount);
        var officer = $"O-{grid / 5:D5}";
        var squad = $"SQ-{grid / 250:D4}";
        var decision = new DispatchDecision(DispatchPost.A, squad, officer, "on duty");
        // Reported in the order of their numbers through the year, as a live server writes them (a few minutes' jitter).
        var at = YearStart.AddMinutes(365.0 * 24 * 60 * i / count + random.Next(5));
        var channel = random.Next(20) == 0 ? "wechat" : null;
        var report = new CaseReportFacts(120.6 + random.NextDouble() / 10, 28.0 + random.NextDouble() / 10, "citizen", null, ReportingChannel: channel);
        var kind = random.Next(100);
        var record = CaseSteps.Open($"C-{i:D8}", kind % 4 == 0 ? "litter" : "parking", report, GridCode(grid), channel ?? "collector-1", at, workflow,
            decision, null).Record;
        var minute = 0.0;
        CaseRecord Do(CaseAction action, double after, string actor, string? note = null, DateTimeOffset? wanted = null)
        {
            minute += after;
            var step = CaseSteps.Act(record, new CaseCommand(action, actor, at.AddMinutes(minute), note, default, wanted), workflow);
            return step.Accepted ? step.Record : throw new InvalidOperationException($"case {i}: {step.Refusal!.Message}");
        }
        if (kind < 3)
        {
            record = Do(CaseAction.Return, 3, officer, "not ours");
            return Do(CaseAction.Void, 30, "D-1", "not a case");
        }
        if (kind < 8)
        {
            record = Do(CaseAction.Return, 3, officer, "not ours");
            minute += 5;
            record = CaseSteps.Dispatch(record, "D-1", null, at.AddMinutes(minute), workflow, decision).Record;
        }
        record = Do(CaseAction.Accept, random.Next(10) == 0 ? 12 + random.Next(30) : 1 + random.Next(9), officer);
        if (kind >= 95) return record;
        record = Do(CaseAction.StartHandling, 2, officer);
        if (kind >= 92 && kind < 95)
        {
            record = Do(CaseAction.RequestExtension, 60, officer, "parts", at.AddMinutes(minute + 600));
            record = Do(CaseAction.ApproveExtension, 10, "D-1");
        }
        record = Do(CaseAction.GiveFinalFeedback, random.Next(4) == 0 ? 250 + random.Next(600) : 20 + random.Next(200), officer, "done");
        record = Do(CaseAction.StartVerification, 5 + random.Next(30), "D-1");
        if (kind >= 8 && kind < 12)
        {
            record = Do(CaseAction.Rework, 10, "D-1", "still there");
            record = Do(CaseAction.GiveFinalFeedback, 30 + random.Next(100), officer, "done again");
            record = Do(CaseAction.StartVerification, 10, "D-1");
        }
        record = Do(CaseAction.PassVerification, 10 + random.Next(40), "D-1");
        return Do(CaseAction.Close, 1, "D-1");
    }
}
