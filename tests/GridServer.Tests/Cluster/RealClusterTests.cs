using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Silo.Plugins;
using GridServer.Storage.Grids;
using GridServer.Tests.Plugins;
using GridServer.Tests.Support;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using Xunit.Abstractions;

namespace GridServer.Tests.Cluster;

/// <summary>
/// A real cluster: three silo processes on loopback sharing one PostgreSQL (membership, grain state, reminders,
/// grids). Cases are opened through all three while parking-bay sensors send readings and the billboard module's
/// scheduled check runs; one silo is killed with SIGKILL mid-way. Every acknowledged case must survive with its whole
/// timeline, its deadline reminders must fire on the survivors, every bay and every expired permit must end with
/// exactly one case once the senders have retried, and a boundary change made through one silo must be served by the
/// others.
/// </summary>
/// <remarks>
/// Deadlines here are real time: the matter "fast" must be accepted within 30 seconds (its warning comes 6 seconds
/// before). Nobody accepts, so every case is warned of and then supervised by its durable reminder. Waits are
/// bounded polls for a condition, never a sleep that a slower machine could outlast.
/// </remarks>
public sealed class RealClusterTests(PostgisDatabase database, ITestOutputHelper output) : IClassFixture<PostgisDatabase>
{
    private const int Cases = 90;

    /// <summary>No-parking bays with a sensor, one in each staffed grid; each sends one batch that opens its case.</summary>
    private const int Bays = 30;

    /// <summary>Expired billboard permits, each a finding of the module's scheduled check.</summary>
    private const int Permits = 15;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [PostgisFact]
    public async Task ThreeSilos_OneKilledMidway_WithSensorsAndChecksRunning_NothingAcknowledgedLost_NothingOpenedTwice_RedrawServedByAll()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var plugins = PluginSilo.NewDirectory(("parking", "GridServer.Plugins.Parking"), ("billboard", "GridServer.Plugins.Billboard"));
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Cases:Matters:fast:AcceptWithin"] = "00:00:30",
            ["GridServer:Plugins:Directory"] = plugins,
        };
        var silos = Enumerable.Range(0, 3).Select(i => new SiloProcess($"silo-{i}", settings)).ToArray();
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitHealthyAsync(Patience)));
            await Eventually("three active silos in the membership table", async () => await ActiveSilosAsync() == 3);

            // Thirty staffed grids, staffed through all three silos; officers A on duty all week.
            var grids = sample.Where((_, i) => i % 100 == 7).Take(30).ToList();
            var week = Enum.GetNames<DayOfWeek>().Select(d => new { day = d, start = "00:00", end = "00:00" }).ToArray();
            for (var i = 0; i < grids.Count; i++)
            {
                var client = silos[i % 3].Operator;
                using (var roster = await client.PutAsJsonAsync($"/api/officers/A-{i}/roster", new { weekly = week, utcOffsetMinutes = 480 }))
                    Assert.Equal(HttpStatusCode.NoContent, roster.StatusCode);
                using var put = await client.PutAsJsonAsync($"/api/grids/{grids[i].Code}/responsibility", new { squadId = $"SQ-{i % 4}", officerA = $"A-{i}", officerB = $"B-{i}" });
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            // A no-parking bay in each staffed grid (a vehicle may stand a minute) and expired permits, served by all three.
            var bays = Enumerable.Range(0, Bays).Select(i => (Key: $"BAY-{i:D2}", At: grids[i % grids.Count].Boundary.InteriorPoint)).ToList();
            var permits = Enumerable.Range(0, Permits).Select(i => (Key: $"P-{i:D2}", At: grids[i % grids.Count].Boundary.InteriorPoint)).ToList();
            await Task.WhenAll(silos.Select(s => Eventually($"the modules loaded on {s.Name}", async () =>
            {
                using var sets = await s.Operator.GetAsync("/api/reference");
                var text = await sets.Content.ReadAsStringAsync();
                return sets.StatusCode == HttpStatusCode.OK && text.Contains("\"bays\"", StringComparison.Ordinal) && text.Contains("\"permits\"", StringComparison.Ordinal);
            })));
            using (var imported = await silos[0].Operator.PutAsync("/api/reference/bays", Points(bays, _ => "\"no_parking\":\"true\",\"max_minutes\":\"1\"")))
                Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            using (var imported = await silos[1].Operator.PutAsync("/api/reference/permits", Points(permits, p => $"\"holder\":\"{p}广告公司\",\"expires\":\"2020-01-01\"")))
                Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            await Task.WhenAll(silos.Select(s => Eventually($"both sets served by {s.Name}", async () =>
            {
                using var sets = await s.Operator.GetAsync("/api/reference");
                using var body = JsonDocument.Parse(await sets.Content.ReadAsStringAsync());
                return body.RootElement.EnumerateArray().Count(d => d.GetProperty("served") is { ValueKind: JsonValueKind.Object } served
                    && served.GetProperty("records").GetInt32() == (d.GetProperty("name").GetString() == "bays" ? Bays : Permits)) == 2;
            })));
            // Each bay's batch: the vehicle seen at the start and two minutes later, past the bay's minute.
            var seen = DateTimeOffset.UtcNow.AddMinutes(-3);
            var batches = bays.Select(b => $$"""{"readings":[{{Reading(b.Key, b.At, seen)}},{{Reading(b.Key, b.At, seen.AddMinutes(2))}}]}""").ToList();

            // Open cases through all three, while every third report comes with a bay's batch and every tenth with a run
            // of the scheduled check, through all three too; the third silo dies when half the cases are acknowledged.
            var acknowledged = new ConcurrentDictionary<string, string[]>();
            var refused = 0;
            var killed = 0;
            var (batchesTaken, checkRuns) = (0, 0);
            await Parallel.ForEachAsync(Enumerable.Range(0, Cases), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (n, token) =>
            {
                if (acknowledged.Count >= Cases / 2 && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    silos[2].Kill();
                    output.WriteLine($"killed silo-2 after {acknowledged.Count} acknowledged cases");
                }
                if (n % 3 == 0 && await AnsweredAsync(silos[n / 3 % 3], "/api/sensors/readings", batches[n / 3], token)) Interlocked.Increment(ref batchesTaken);
                if (n % 10 == 5 && await AnsweredAsync(silos[n / 10 % 3], "/api/plugins/billboard/check", "{}", token)) Interlocked.Increment(ref checkRuns);
                var grid = grids[n % grids.Count];
                var point = grid.Boundary.InteriorPoint;
                try
                {
                    using var response = await silos[n % 3].Dispatcher.PostAsJsonAsync("/api/cases",
                        new { matter = "fast", lon = point.X, lat = point.Y, reporterId = $"citizen-{n}", description = $"report {n}" }, token);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref refused);
                        return;
                    }
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token));
                    var view = body.RootElement;
                    Assert.Equal(grid.Code, view.GetProperty("gridCode").GetString());
                    acknowledged[view.GetProperty("caseId").GetString()!] = Actions(view);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refused);   // the silo died under the request: never acknowledged
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref refused);
                }
            });
            Assert.Equal(1, killed);
            output.WriteLine($"{acknowledged.Count} cases acknowledged, {refused} not (sent to or through the dying silo)");
            Assert.True(acknowledged.Count >= Cases / 2, $"only {acknowledged.Count} of {Cases} acknowledged");
            Assert.All(acknowledged.Values, actions => Assert.Equal(["Report", "Register", "Dispatch"], actions));
            var survivors = silos.Take(2).ToArray();

            // Clients retry with an idempotency key until answered: through the survivors every such report
            // becomes exactly one dispatched case, even while the cluster is still learning that silo-2 is gone.
            var retried = 0;
            for (var n = Cases; n < Cases + 30; n++)
            {
                var grid = grids[n % grids.Count];
                var point = grid.Boundary.InteriorPoint;
                var key = $"retry-{n}-{Guid.NewGuid():N}";
                JsonElement? view = null;
                await Eventually($"report {n} answered through a survivor", async () =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases")
                    {
                        Content = JsonContent.Create(new { matter = "fast", lon = point.X, lat = point.Y, reporterId = $"citizen-{n}" }),
                        Headers = { { "Idempotency-Key", key } },
                    };
                    try
                    {
                        using var response = await survivors[n % 2].Dispatcher.SendAsync(request);
                        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                        {
                            retried++;
                            return false;
                        }
                        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        view = body.RootElement.Clone();
                        return true;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        retried++;
                        return false;
                    }
                });
                Assert.Equal(("Dispatched", grid.Code), (view!.Value.GetProperty("state").GetString(), view.Value.GetProperty("gridCode").GetString()));
                var actions = Actions(view.Value);
                Assert.Equal(["Report", "Register", "Dispatch"], actions.Take(3).ToArray());
                Assert.Single(actions, a => a == "Dispatch");
                acknowledged[view.Value.GetProperty("caseId").GetString()!] = actions.Take(3).ToArray();
            }
            output.WriteLine($"30 more reports answered through the survivors after {retried} retries");

            // The sensors send every batch again until a survivor answers, and the check runs once more: a batch already
            // taken is the same readings again, and a finding whose case exists opens nothing.
            output.WriteLine($"during the kill {batchesTaken} of {Bays} batches and {checkRuns} of {Cases / 10} check runs were answered");
            for (var b = 0; b < Bays; b++)
            {
                var (batch, through) = (batches[b], survivors[b % 2]);
                await Eventually($"bay {bays[b].Key}'s batch answered through a survivor", () => AnsweredAsync(through, "/api/sensors/readings", batch, CancellationToken.None));
            }
            await Eventually("the scheduled check run through a survivor", () => AnsweredAsync(survivors[0], "/api/plugins/billboard/check", "{}", CancellationToken.None));

            // Every acknowledged case is still there with the timeline it was acknowledged with, and then its
            // deadline reminder supervises it, wherever that reminder lived. It warns first when it fires inside the
            // warning's window; a reminder that fires only after the deadline (its silo was killed, and a loaded
            // machine took its time to move it) supervises without a late warning — never a warning after supervision.
            var clock = Stopwatch.StartNew();   // from the last acknowledged report
            var lastPending = "";
            try
            {
                await Eventually("every acknowledged case supervised by its reminder", async () =>
                {
                    var pending = new List<string>();
                    foreach (var (id, before) in acknowledged)
                    {
                        var now = await TryGetActionsAsync(survivors[Random.Shared.Next(2)], id);
                        Assert.True(now is null || now.Take(before.Length).SequenceEqual(before), $"{id}: timeline {string.Join(",", now ?? [])} lost part of {string.Join(",", before)}");
                        if (now is not null && now.Contains("Warn") && now.Contains("Supervise"))
                            Assert.True(Array.IndexOf(now, "Warn") < Array.IndexOf(now, "Supervise"), $"{id}: warned after supervision: {string.Join(",", now)}");
                        if (now is null || !now.Contains("Supervise")) pending.Add($"{id}: {string.Join(",", now ?? ["(unreadable)"])}");
                    }
                    lastPending = string.Join("; ", pending.Take(10));
                    return pending.Count == 0;
                });
            }
            finally
            {
                if (lastPending.Length > 0) output.WriteLine($"still pending: {lastPending}");
            }
            output.WriteLine($"all reminders fired on the survivors within {clock.Elapsed.TotalSeconds:F0} s of the last report");
            await Eventually("the dead silo declared dead", async () => await ActiveSilosAsync() == 2);

            // The queryable projection caught up with every acknowledged case.
            await Eventually("every acknowledged case projected with its whole timeline", async () =>
            {
                await using var command = database.DataSource.CreateCommand(
                    "SELECT count(*) FROM gridserver.cases c WHERE c.case_id = ANY($1) AND c.supervised " +
                    "AND (SELECT count(*) FROM gridserver.case_events e WHERE e.case_id = c.case_id) = c.last_sequence");
                command.Parameters.AddWithValue(acknowledged.Keys.ToArray());
                return (long)(await command.ExecuteScalarAsync())! == acknowledged.Count;
            });

            // Every bay: both readings kept once, one episode, one case, dispatched; every expired permit: one case, dispatched;
            // and no other case of either matter.
            var bayCases = bays.Select(b => SensorSubjectCaseId("parking", "bay:" + b.Key)).ToArray();
            var permitCases = permits.Select(p => CheckRunner.CaseId("billboard", $"permit:{p.Key}:expired:2020-01-01")).ToArray();
            await Eventually("each bay and each expired permit with exactly one dispatched case", async () =>
            {
                await using var command = database.DataSource.CreateCommand(
                    "SELECT (SELECT count(*) FROM gridserver.sensor_readings WHERE module = 'parking'), " +
                    "(SELECT count(*) FROM gridserver.sensor_subjects WHERE module = 'parking' AND episodes = 1 AND episode_case_id = ANY($1)), " +
                    "(SELECT count(*) FROM gridserver.cases WHERE matter = 'parking'), " +
                    "(SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($1) AND dispatched_at IS NOT NULL), " +
                    "(SELECT count(*) FROM gridserver.cases WHERE matter = 'billboard_expired'), " +
                    "(SELECT count(*) FROM gridserver.cases WHERE case_id = ANY($2) AND dispatched_at IS NOT NULL)");
                command.Parameters.AddWithValue(bayCases);
                command.Parameters.AddWithValue(permitCases);
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                var found = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
                // Never more cases than bays and permits, at any moment: a case opened twice would show here for good.
                Assert.True(found.Item3 <= Bays && found.Item5 <= Permits, $"cases opened twice: {found}");
                return found == (2L * Bays, Bays, Bays, Bays, Permits, Permits);
            });
            using (var checks = await survivors[1].Operator.GetAsync("/api/plugins/checks"))
            {
                using var body = JsonDocument.Parse(await checks.Content.ReadAsStringAsync());
                var billboard = Assert.Single(body.RootElement.EnumerateArray(), c => c.GetProperty("folder").GetString() == "billboard");
                Assert.True(billboard.GetProperty("scheduled").GetBoolean(), "the billboard check's reminder was lost with the killed silo");
            }

            // A boundary change through one survivor is served by the other.
            var (code, shrunk, leftOut) = ShrinkOne(sample, grids);
            foreach (var silo in survivors) Assert.Equal(code, await LocateAsync(silo, leftOut));
            using (var redraw = await survivors[0].Operator.PutAsync($"/api/grids/{code}", new StringContent(shrunk, Encoding.UTF8, "application/json")))
                Assert.Equal(HttpStatusCode.OK, redraw.StatusCode);
            var served = Stopwatch.StartNew();
            Assert.Null(await LocateAsync(survivors[0], leftOut));   // the answer came once silo-0 served it
            await Eventually("the redraw served by silo-1", async () => await LocateAsync(survivors[1], leftOut) is null, TimeSpan.FromSeconds(30));
            output.WriteLine($"silo-1 served the redraw {served.Elapsed.TotalMilliseconds:F0} ms after silo-0 answered it");
        }
        catch
        {
            foreach (var silo in silos) output.WriteLine(silo.Output);
            throw;
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
            Directory.Delete(plugins, recursive: true);
        }
    }

    /// <summary>Posts a body with the operator's key; true when answered 200, false when refused or the silo is gone.</summary>
    private static async Task<bool> AnsweredAsync(SiloProcess silo, string path, string body, CancellationToken token)
    {
        try
        {
            using var response = await silo.Operator.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), token);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static string SensorSubjectCaseId(string module, string subject) => GridServer.Grains.Sensors.SensorSubjectGrain.CaseId(module, subject, 1);

    private static string Reading(string sensor, Point at, DateTimeOffset when) => string.Create(CultureInfo.InvariantCulture,
        $$$"""{"sensorId":"{{{sensor}}}","kind":"bay","lon":{{{at.X:R}}},"lat":{{{at.Y:R}}},"at":"{{{when:O}}}","values":{"occupied":1}}""");

    /// <summary>Point records as a GeoJSON import, with the given properties beside each key.</summary>
    private static StringContent Points(IEnumerable<(string Key, Point At)> records, Func<string, string> properties)
    {
        var features = records.Select(r => string.Create(CultureInfo.InvariantCulture,
            $$$"""{"type":"Feature","properties":{"key":"{{{r.Key}}}",{{{properties(r.Key)}}}},"geometry":{"type":"Point","coordinates":[{{{r.At.X:R}}},{{{r.At.Y:R}}}]}}"""));
        return new StringContent($"{{\"type\":\"FeatureCollection\",\"features\":[{string.Join(",", features)}]}}", Encoding.UTF8, "application/geo+json");
    }

    private static string[] Actions(JsonElement view) =>
        view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray();

    private static async Task<string[]?> TryGetActionsAsync(SiloProcess silo, string id)
    {
        try
        {
            using var response = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
            if (!response.IsSuccessStatusCode) return null;   // a grain whose silo just died answers again shortly
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return Actions(body.RootElement);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<string?> LocateAsync(SiloProcess silo, Coordinate point)
    {
        using var response = await silo.Dispatcher.GetAsync(string.Create(CultureInfo.InvariantCulture, $"/api/grids/locate?lon={point.X:R}&lat={point.Y:R}"));
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("gridCode").GetString();
    }

    private async Task<long> ActiveSilosAsync()
    {
        await using var command = database.DataSource.CreateCommand("SELECT count(*) FROM orleans.membership WHERE status = 3");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A grid (not one with cases) shrunk to 30% around its interior point, and a point it no longer covers.</summary>
    private static (string Code, string GeoJson, Coordinate LeftOut) ShrinkOne(IReadOnlyList<Grid> sample, IReadOnlyList<Grid> staffed)
    {
        var grid = sample.First(g => !staffed.Contains(g) && g.Boundary is Polygon);
        var centre = grid.Boundary.InteriorPoint.Coordinate;
        var shrink = AffineTransformation.ScaleInstance(0.3, 0.3, centre.X, centre.Y);
        var shrunk = (Polygon)shrink.Transform(grid.Boundary);
        var leftOut = grid.Boundary.Coordinates
            .Select(v => new Coordinate(centre.X + 0.8 * (v.X - centre.X), centre.Y + 0.8 * (v.Y - centre.Y)))
            .First(c => grid.Boundary.Covers(new Point(c)) && !shrunk.Covers(new Point(c)));
        var ring = string.Join(",", shrunk.ExteriorRing.Coordinates.Select(c => string.Create(CultureInfo.InvariantCulture, $"[{c.X:R},{c.Y:R}]")));
        return (grid.Code, $"{{\"type\":\"Polygon\",\"coordinates\":[[{ring}]]}}", leftOut);
    }

    private static Task Eventually(string what, Func<Task<bool>> condition, TimeSpan? within = null) =>
        Support.Eventually.HoldsAsync(what, condition, within ?? Patience);
}
