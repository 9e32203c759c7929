using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace GridServer.Tests.Cluster;

/// <summary>
/// The backup procedure of docs/deployment.md, as an operator runs it: a running cluster's database dumped with
/// <c>scripts/postgis.sh backup</c>, restored with <c>restore</c> into a new database, and a new cluster on it serves
/// the same grids and cases (a voided one among them) — and takes new reports.
/// </summary>
public sealed class BackupRestoreTests(PostgisDatabase database, ITestOutputHelper output) : IClassFixture<PostgisDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private static async Task<JsonElement> CaseAsync(SiloProcess silo, string id)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [PostgisFact]
    public async Task RunningClusterBackedUp_RestoredIntoANewDatabase_ANewClusterServesTheSameGridsAndCases()
    {
        var grids = LuchengSample.Generate().Take(40).ToList();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(grids, GridSaveMode.Replace);
        var restoredName = "gs_restored_" + Guid.NewGuid().ToString("N")[..10];
        var restored = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = restoredName, Pooling = false }.ConnectionString;
        var admin = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        var file = Path.Combine(Path.GetTempPath(), $"gridserver-backup-{Guid.NewGuid():N}.dump");
        Dictionary<string, string> On(string connection) => new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = connection,
        };
        SiloProcess? before = null, after = null;
        try
        {
            before = new SiloProcess("backup-before", On(database.ConnectionString));
            await before.WaitHealthyAsync(Patience);
            var (squad, officer) = ($"SQ-{Guid.NewGuid():N}"[..12], $"O-{Guid.NewGuid():N}"[..12]);
            var week = Enum.GetNames<DayOfWeek>().Select(d => new { day = d, start = "00:00", end = "00:00" }).ToArray();
            using (var roster = await before.Operator.PutAsJsonAsync($"/api/officers/{officer}/roster", new { weekly = week, utcOffsetMinutes = 480 }))
                Assert.Equal(HttpStatusCode.NoContent, roster.StatusCode);
            using (var staffed = await before.Operator.PutAsJsonAsync($"/api/grids/{grids[3].Code}/responsibility", new { squadId = squad, officerA = officer }))
                Assert.Equal(HttpStatusCode.OK, staffed.StatusCode);
            var ids = new List<string>();
            foreach (var grid in new[] { grids[3], grids[3], grids[5] })
            {
                var point = grid.Boundary.InteriorPoint;
                using var opened = await before.Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "parking", lon = point.X, lat = point.Y, reporterId = "citizen" });
                Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
                ids.Add(JsonDocument.Parse(await opened.Content.ReadAsStringAsync()).RootElement.GetProperty("caseId").GetString()!);
            }
            using (var voided = await before.Dispatcher.PostAsJsonAsync($"/api/cases/{ids[2]}/actions", new { action = "Void", note = "a duplicate, before the backup" }))
                Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
            var cases = new List<JsonElement>();
            foreach (var id in ids) cases.Add(await CaseAsync(before, id));

            // While the cluster runs.
            var backup = await PostgisScript.RunAsync("backup", database.ConnectionString, file);
            Assert.True(backup.Code == 0, backup.Err);
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {restoredName}", connection);
                await create.ExecuteNonQueryAsync();
            }
            var restore = await PostgisScript.RunAsync("restore", restored, file);
            Assert.True(restore.Code == 0, restore.Err);
            // A second restore into the same database is refused: it is not empty any more.
            var again = await PostgisScript.RunAsync("restore", restored, file);
            Assert.NotEqual(0, again.Code);
            Assert.Contains("restore into an empty database", again.Err, StringComparison.Ordinal);
            await before.DisposeAsync();
            before = null;

            after = new SiloProcess("backup-after", On(restored));
            await after.WaitHealthyAsync(Patience);
            using (var health = await after.Client.GetAsync("/health"))
                Assert.Equal(grids.Count, JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("grids").GetInt32());
            for (var i = 0; i < ids.Count; i++)
            {
                var now = await CaseAsync(after, ids[i]);
                foreach (var field in new[] { "state", "gridCode", "officerId", "squadId", "supervised" })
                    Assert.Equal(cases[i].GetProperty(field).ToString(), now.GetProperty(field).ToString());
                Assert.Equal(cases[i].GetProperty("timeline").GetArrayLength(), now.GetProperty("timeline").GetArrayLength());
            }
            var next = grids[3].Boundary.InteriorPoint;
            using var newReport = await after.Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "parking", lon = next.X, lat = next.Y, reporterId = "citizen" });
            Assert.Equal(HttpStatusCode.Created, newReport.StatusCode);
            Assert.Equal(officer, JsonDocument.Parse(await newReport.Content.ReadAsStringAsync()).RootElement.GetProperty("officerId").GetString());
        }
        catch
        {
            foreach (var silo in new[] { before, after }.OfType<SiloProcess>()) output.WriteLine(silo.Output);
            throw;
        }
        finally
        {
            if (before is not null) await before.DisposeAsync();
            if (after is not null) await after.DisposeAsync();
            File.Delete(file);
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {restoredName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
