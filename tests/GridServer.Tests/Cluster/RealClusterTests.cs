using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using Xunit.Abstractions;

namespace GridServer.Tests.Cluster;

/// <summary>
/// A real cluster: three silo processes on loopback sharing one PostgreSQL (membership, grain state, reminders,
/// grids). Cases are opened through all three; one is killed with SIGKILL mid-way. Every acknowledged case must
/// survive with its whole timeline, its deadline reminders must fire on the survivors, and a boundary change
/// made through one silo must be served by the others.
/// </summary>
/// <remarks>
/// Deadlines here are real time: the matter "fast" must be accepted within 30 seconds (its warning comes 6 seconds
/// before). Nobody accepts, so every case is warned of and then supervised by its durable reminder. Waits are
/// bounded polls for a condition, never a sleep that a slower machine could outlast.
/// </remarks>
public sealed class RealClusterTests(PostgisDatabase database, ITestOutputHelper output) : IClassFixture<PostgisDatabase>
{
    private const int Cases = 90;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [PostgisFact]
    public async Task ThreeSilos_OneKilledMidway_AcknowledgedCasesKeepTimelines_RemindersFireOnSurvivors_RedrawServedByAll()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Cases:Matters:fast:AcceptWithin"] = "00:00:30",
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

            // Open cases through all three; the third silo dies when half are acknowledged.
            var acknowledged = new ConcurrentDictionary<string, string[]>();
            var refused = 0;
            var killed = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, Cases), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (n, token) =>
            {
                if (acknowledged.Count >= Cases / 2 && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    silos[2].Kill();
                    output.WriteLine($"killed silo-2 after {acknowledged.Count} acknowledged cases");
                }
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
        }
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
