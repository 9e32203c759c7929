using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Plugins;
using GridServer.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace GridServer.Tests.Cluster;

/// <summary>
/// A silo SIGKILLed in the middle of a grid import (a whole city's file, <c>?mode=replace</c>), of one grid's redraw, or
/// of a reference-data import: the change is all or nothing. The test holds a lock that stops the import's transaction after it has read the grids, planned the versions
/// and copied the whole file into the database, at its first write to the history; kills the silo there; and then finds
/// every grid as it was, one open version each, served as before by a new silo.
/// </summary>
public sealed class KilledImportTests(PostgisDatabase database, ITestOutputHelper output) : IClassFixture<PostgisDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [PostgisFact]
    public async Task SiloKilledMidImport_NothingOfTheImportIsKept_ANewSiloServesTheGridsAsTheyWere()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var file = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(SharedData.RepositoryRoot, "gis-data", "lucheng-grids.geojson")))!;
        foreach (var feature in file["features"]!.AsArray()) feature!["properties"]!["name"] = "imported " + feature["properties"]!["name"]!.GetValue<string>();
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        };
        await WithSilosAsync(async start =>
        {
            var silo = start("import-killed", settings);
            await silo.WaitHealthyAsync(Patience);

            // The import waits at its first write to the history, with everything before it done; the silo dies there.
            await KillAtTheHistoryWriteAsync(silo, "the import",
                () => silo.Operator.PostAsync("/api/grids?mode=replace", new StringContent(file.ToJsonString(), Encoding.UTF8, "application/geo+json")));
            // The killed silo's connection is gone, and its transaction with it: nothing of the file was kept.
            await using (var command = database.DataSource.CreateCommand(
                "SELECT (SELECT count(*) FROM gridserver.grids), (SELECT count(*) FROM gridserver.grids WHERE name LIKE 'imported %'), " +
                "(SELECT count(*) FROM gridserver.grid_history WHERE valid_to IS NULL), (SELECT count(*) FROM gridserver.grid_history WHERE name LIKE 'imported %')"))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal((sample.Count, 0L, sample.Count, 0L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }

            var next = start("after-the-kill", settings);
            await next.WaitHealthyAsync(Patience);
            using var served = await next.Dispatcher.GetAsync($"/api/grids/{sample[0].Code}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(sample[0].Name, JsonNode.Parse(await served.Content.ReadAsStringAsync())!["properties"]!["name"]!.GetValue<string>());
        });
    }

    /// <summary>Runs <paramref name="body"/> with a way to start silo processes; their output is printed when it fails, and every one is killed at its end.</summary>
    private async Task WithSilosAsync(Func<Func<string, IReadOnlyDictionary<string, string>, SiloProcess>, Task> body)
    {
        var started = new List<SiloProcess>();
        try
        {
            await body((name, settings) =>
            {
                var silo = new SiloProcess(name, settings);
                started.Add(silo);
                return silo;
            });
        }
        catch
        {
            foreach (var silo in started) output.WriteLine(silo.Output);
            throw;
        }
        finally
        {
            foreach (var silo in started) await silo.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts a change of grids through <paramref name="silo"/> while a lock holds the history table, so that the change's
    /// transaction stops at its first write to the history with everything before it done; kills the silo there; and
    /// waits until the killed silo's database session (and its open transaction) is gone.
    /// </summary>
    private async Task KillAtTheHistoryWriteAsync(SiloProcess silo, string what, Func<Task<HttpResponseMessage>> change)
    {
        await using var blocker = await database.DataSource.OpenConnectionAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockHistory = new NpgsqlCommand("LOCK TABLE gridserver.grid_history IN SHARE MODE", blocker, hold))
            await lockHistory.ExecuteNonQueryAsync();
        var changing = change();
        await Eventually.HoldsAsync($"{what}'s transaction waiting on the history's lock", async () => await HistoryWritersAsync(waiting: true) == 1, Patience);
        silo.Kill();
        output.WriteLine($"silo killed with {what}'s transaction open");
        await Assert.ThrowsAnyAsync<Exception>(() => changing);
        await hold.RollbackAsync();
        await Eventually.HoldsAsync("the killed silo's backend to end", async () => await HistoryWritersAsync(waiting: false) == 0, Patience);
    }

    private Task<long> HistoryWritersAsync(bool waiting) => SessionsAsync("UPDATE gridserver.grid_history%", waiting);

    /// <summary>Database sessions (other than the test's own) whose current or last statement is like <paramref name="statement"/>; only those waiting on a lock when <paramref name="waiting"/>.</summary>
    private async Task<long> SessionsAsync(string statement, bool waiting)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE $1 AND pid <> pg_backend_pid()" +
            (waiting ? " AND wait_event_type = 'Lock'" : ""));
        command.Parameters.Add(new NpgsqlParameter { Value = statement });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// One grid redrawn by hand (PUT /api/grids/{code}), the silo SIGKILLed while the redraw's transaction waits at its
    /// write to the history: the grid keeps its old outline and its one open version, and a new silo serves it so.
    /// </summary>
    [PostgisFact]
    public async Task SiloKilledMidRedraw_TheGridKeepsItsOutline_ANewSiloServesItAsItWas()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var grid = sample[17];
        // Shrunk by a tenth towards its middle: a real change of outline, inside its old one.
        var ring = grid.Boundary.Coordinates;
        var (cx, cy) = (ring.SkipLast(1).Average(c => c.X), ring.SkipLast(1).Average(c => c.Y));
        var shrunk = new JsonArray(new JsonArray([.. ring.Select(c => (JsonNode)new JsonArray(cx + (c.X - cx) * 0.9, cy + (c.Y - cy) * 0.9))]));
        var body = new JsonObject { ["type"] = "Polygon", ["coordinates"] = shrunk }.ToJsonString();
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        };
        await WithSilosAsync(async start =>
        {
            var silo = start("redraw-killed", settings);
            await silo.WaitHealthyAsync(Patience);
            await KillAtTheHistoryWriteAsync(silo, "the redraw",
                () => silo.Operator.PutAsync($"/api/grids/{grid.Code}", new StringContent(body, Encoding.UTF8, "application/geo+json")));
            await using (var command = database.DataSource.CreateCommand(
                "SELECT (SELECT count(*) FROM gridserver.grid_history WHERE code = $1), (SELECT count(*) FROM gridserver.grid_history WHERE code = $1 AND valid_to IS NULL), " +
                "(SELECT ST_Equals(g.geom, ST_GeomFromText($2, 4326)) FROM gridserver.grids g WHERE g.code = $1)"))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = grid.Code });
                command.Parameters.Add(new NpgsqlParameter { Value = grid.Boundary.AsText() });
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal((1L, 1L, true), (reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2)));
            }

            var next = start("after-the-redraw-kill", settings);
            await next.WaitHealthyAsync(Patience);
            using var served = await next.Dispatcher.GetAsync($"/api/grids/{grid.Code}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            var corners = JsonNode.Parse(await served.Content.ReadAsStringAsync())!["geometry"]!["coordinates"]![0]!.AsArray();
            Assert.Equal(ring.Length, corners.Count);
            Assert.Equal(ring[0].X, corners[0]![0]!.GetValue<double>(), 6);
            Assert.Equal(ring[0].Y, corners[0]![1]!.GetValue<double>(), 6);
        });
    }

    /// <summary>
    /// A reference set (the shopfront module's shops) replaced through the API, the silo SIGKILLed while the set's one
    /// state write waits on a lock held on its row: a new silo serves either the old set or the new one, whole, with
    /// the version that goes with it; never part of either.
    /// </summary>
    [PostgisFact]
    public async Task SiloKilledMidReferenceImport_ANewSiloServesTheOldSetOrTheNewOneWhole()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var p = sample[7].Boundary.InteriorPoint;
        var plugins = PluginSilo.NewDirectory(("shopfront", "GridServer.Plugins.Shopfront"));
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Plugins:Directory"] = plugins,
        };
        try
        {
            await WithSilosAsync(async start =>
            {
                var silo = start("reference-killed", settings);
                await silo.WaitHealthyAsync(Patience);
                await Support.Eventually.HoldsAsync("the shopfront module loaded", async () =>
                {
                    using var sets = await silo.Operator.GetAsync("/api/reference");
                    return sets.StatusCode == HttpStatusCode.OK && (await sets.Content.ReadAsStringAsync()).Contains("\"shops\"", StringComparison.Ordinal);
                }, Patience);
                using (var first = await silo.Operator.PutAsync("/api/reference/shops", Shops(p.X, p.Y, ("S-1", "原来的店"))))
                    Assert.Equal(HttpStatusCode.OK, first.StatusCode);

                // The set's row locked: the replacing import reads, checks and hands its records to the set's grain, whose
                // write then waits on the lock; the silo dies there.
                await using (var blocker = await database.DataSource.OpenConnectionAsync())
                await using (var hold = await blocker.BeginTransactionAsync())
                {
                    await using (var lockRow = new NpgsqlCommand("SELECT count(*) FROM (SELECT 1 FROM orleans.grain_state WHERE grain_id_extension = 'shops' FOR UPDATE) locked", blocker, hold))
                        Assert.Equal(1L, (long)(await lockRow.ExecuteScalarAsync())!);
                    var importing = silo.Operator.PutAsync("/api/reference/shops", Shops(p.X, p.Y, ("S-1", "导入中的店"), ("S-2", "新来的店")));
                    await Support.Eventually.HoldsAsync("the import's state write waiting on the row's lock",
                        async () => await SessionsAsync("%write_grain_state%", waiting: true) == 1, Patience);
                    silo.Kill();
                    output.WriteLine("silo killed with the reference set's write waiting");
                    await Assert.ThrowsAnyAsync<Exception>(() => importing);
                    await hold.RollbackAsync();
                }
                await Support.Eventually.HoldsAsync("the killed silo's sessions to end", async () => await SessionsAsync("%write_grain_state%", waiting: false) == 0, Patience);

                var next = start("after-the-reference-kill", settings);
                await next.WaitHealthyAsync(Patience);
                JsonNode? served = null;
                await Support.Eventually.HoldsAsync("the new silo serving the shops", async () =>
                {
                    using var response = await next.Operator.GetAsync("/api/reference/shops");
                    if (response.StatusCode != HttpStatusCode.OK) return false;
                    served = JsonNode.Parse(await response.Content.ReadAsStringAsync());
                    return true;
                }, Patience);
                // The write is one statement on one row. Sent before the silo died, it still commits when the lock goes,
                // unless PostgreSQL noticed the dead client first: either way the set is one of the two files, whole.
                var version = served!["version"]!.GetValue<long>();
                var records = served["features"]!.AsArray().Select(f => (f!["id"]!.GetValue<string>(), f["properties"]!["name"]!.GetValue<string>())).ToArray();
                output.WriteLine($"after the kill the set is at version {version}: {string.Join(", ", records)}");
                Assert.Equal(records.Length, served["total"]!.GetValue<int>());
                if (version == 1) Assert.Equal([("S-1", "原来的店")], records);
                else
                {
                    Assert.Equal(2L, version);
                    Assert.Equal([("S-1", "导入中的店"), ("S-2", "新来的店")], records);
                }
            });
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    /// <summary>Shops as a GeoJSON import: each a small square at the point.</summary>
    private static StringContent Shops(double lon, double lat, params (string Key, string Name)[] shops)
    {
        var features = shops.Select((shop, i) =>
        {
            var (x0, y0) = (lon + i * 0.0003, lat);
            var (x1, y1) = (x0 + 0.0001, y0 + 0.0001);
            return string.Create(CultureInfo.InvariantCulture,
                $$$"""{"type":"Feature","properties":{"key":"{{{shop.Key}}}","name":"{{{shop.Name}}}","contact":"13812345678"},"geometry":{"type":"Polygon","coordinates":[[[{{{x0}}},{{{y0}}}],[{{{x1}}},{{{y0}}}],[{{{x1}}},{{{y1}}}],[{{{x0}}},{{{y1}}}],[{{{x0}}},{{{y0}}}]]]}}""");
        });
        return new StringContent($$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""", Encoding.UTF8, "application/geo+json");
    }
}
