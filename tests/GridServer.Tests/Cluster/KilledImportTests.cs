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
/// A silo SIGKILLed in the middle of a grid import (a whole city's file, <c>?mode=replace</c>): the change is all or
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

            // The import will wait at its first write to the history, with everything before it done.
            await using var blocker = await database.DataSource.OpenConnectionAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await using (var lockHistory = new NpgsqlCommand("LOCK TABLE gridserver.grid_history IN SHARE MODE", blocker, hold))
                await lockHistory.ExecuteNonQueryAsync();

            var import = silo.Operator.PostAsync("/api/grids?mode=replace", new StringContent(file.ToJsonString(), Encoding.UTF8, "application/geo+json"));
            await Eventually.HoldsAsync("the import's transaction waiting on the history's lock after copying the file", async () =>
            {
                await using var command = database.DataSource.CreateCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' " +
                    "AND query LIKE 'UPDATE gridserver.grid_history%' AND pid <> pg_backend_pid()");
                return (long)(await command.ExecuteScalarAsync())! == 1;
            }, Patience);
            silo.Kill();
            output.WriteLine("silo killed with the import's transaction open");
            await Assert.ThrowsAnyAsync<Exception>(() => import);
            await hold.RollbackAsync();

            // The killed silo's connection is gone, and its transaction with it: nothing of the file was kept.
            await Eventually.HoldsAsync("the killed silo's backend to end", async () =>
            {
                await using var command = database.DataSource.CreateCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'UPDATE gridserver.grid_history%'");
                return (long)(await command.ExecuteScalarAsync())! == 0;
            }, Patience);
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
}
