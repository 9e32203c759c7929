using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace GridServer.Tests.Cluster;

/// <summary>
/// A silo SIGKILLed in the middle of a grid import, or of one grid's redraw (a whole city's file, <c>?mode=replace</c>): the change is all or
/// nothing. The test holds a lock that stops the import's transaction after it has read the grids, planned the versions
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
        SiloProcess? silo = null, next = null;
        try
        {
            silo = new SiloProcess("import-killed", settings);
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

            next = new SiloProcess("after-the-kill", settings);
            await next.WaitHealthyAsync(Patience);
            using var served = await next.Dispatcher.GetAsync($"/api/grids/{sample[0].Code}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(sample[0].Name, JsonNode.Parse(await served.Content.ReadAsStringAsync())!["properties"]!["name"]!.GetValue<string>());
        }
        catch
        {
            foreach (var s in new[] { silo, next }.OfType<SiloProcess>()) output.WriteLine(s.Output);
            throw;
        }
        finally
        {
            if (silo is not null) await silo.DisposeAsync();
            if (next is not null) await next.DisposeAsync();
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

    private async Task<long> HistoryWritersAsync(bool waiting)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'UPDATE gridserver.grid_history%' AND pid <> pg_backend_pid()" +
            (waiting ? " AND wait_event_type = 'Lock'" : ""));
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
        SiloProcess? silo = null, next = null;
        try
        {
            silo = new SiloProcess("redraw-killed", settings);
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

            next = new SiloProcess("after-the-redraw-kill", settings);
            await next.WaitHealthyAsync(Patience);
            using var served = await next.Dispatcher.GetAsync($"/api/grids/{grid.Code}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            var corners = JsonNode.Parse(await served.Content.ReadAsStringAsync())!["geometry"]!["coordinates"]![0]!.AsArray();
            Assert.Equal(ring.Length, corners.Count);
            Assert.Equal(ring[0].X, corners[0]![0]!.GetValue<double>(), 6);
            Assert.Equal(ring[0].Y, corners[0]![1]!.GetValue<double>(), 6);
        }
        catch
        {
            foreach (var s in new[] { silo, next }.OfType<SiloProcess>()) output.WriteLine(s.Output);
            throw;
        }
        finally
        {
            if (silo is not null) await silo.DisposeAsync();
            if (next is not null) await next.DisposeAsync();
        }
    }
}
