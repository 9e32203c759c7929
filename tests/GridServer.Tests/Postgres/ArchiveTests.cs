using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Silo.Cases;
using GridServer.Storage.Grids;
using GridServer.Tests.Silo;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Postgres;

/// <summary>
/// Retention (V028, <c>GridServer:Retention</c>): a case closed longer ago than the retention moves with its timeline to
/// the archive, whole; it is still read by its id, read only, and its period's evaluation does not change; open cases
/// stay; old notices move too. The archive's tables keep the live tables' columns.
/// </summary>
public sealed class ArchiveTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    [PostgisFact]
    public async Task ArchiveTables_HaveTheLiveTablesColumns_InTheSameOrder()
    {
        foreach (var table in new[] { "cases", "case_events", "notices" })
        {
            var (live, archived) = (await ColumnsAsync("gridserver", table), await ColumnsAsync("gridserver_archive", table));
            Assert.NotEmpty(live);
            Assert.Equal(live, archived);
        }
    }

    private async Task<string> ColumnsAsync(string schema, string table)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT coalesce(string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position), '') FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task EmbeddedDefault_RetentionSet_SaysAtStartThatNothingIsArchived()
    {
        await using var factory = new SiloFactory(new() { ["GridServer:Retention:ClosedCasesAfter"] = "365.00:00:00" });
        using var client = factory.CreateClient();
        using var health = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains(factory.Everything.Messages, m => m.Contains("GridServer:Retention is set, but the embedded default", StringComparison.Ordinal));
    }

    [PostgisFact]
    public async Task ClosedCasePastTheRetention_MovesWhole_ReadByItsIdOnly_RefusesChanges_EvaluationUnchanged_OpenCaseStays()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var silo = new EmbeddedSiloWith(new()
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            ["GridServer:Retention:ClosedCasesAfter"] = "30.00:00:00",
            ["GridServer:Retention:NoticesAfter"] = "7.00:00:00",
        });
        await silo.InitializeAsync();
        try
        {
            var grid = sample[11].Code;
            var staff = await silo.StaffAsync(grid);
            var officer = await silo.AsAsync("Officer", staff.A);
            // Opened under an idempotency key, which names its case: the same key later must find this case, archived or not.
            var key = $"archive-{Guid.NewGuid():N}";
            var at = sample[11].Boundary.InteriorPoint;
            var report = new { matter = "parking", lon = at.X, lat = at.Y, reporterId = "r", description = "closed, then archived" };
            string closed;
            using (var opened = await silo.Dispatcher.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/cases") { Content = JsonContent.Create(report), Headers = { { "Idempotency-Key", key } } }))
            {
                Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
                closed = (await JsonOf(opened)).GetProperty("caseId").GetString()!;
            }
            await silo.CloseAsync(closed, officer);
            var open = await silo.OpenInAsync(grid, "still open");
            var timeline = Actions(await CaseAsync(silo, closed));
            var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
            var period = $"/api/evaluation?level=grid&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
            var evaluated = await GridRowAsync(silo, period, grid);
            var (noticesBefore, lastNotice) = (await CountAsync("SELECT count(*) FROM gridserver.notices"), await CountAsync("SELECT max(seq) FROM gridserver.notices"));
            Assert.True(noticesBefore > 0);

            // A month and a day later: past both retentions.
            var retention = silo.Factory.Services.GetRequiredService<CaseRetention>();
            var (cases, notices) = await retention.ArchiveAsync(DateTimeOffset.UtcNow.AddDays(31), CancellationToken.None);
            Assert.Equal(1L, cases);
            Assert.True(notices >= noticesBefore, $"{notices} notices moved of {noticesBefore}");
            Assert.Equal((0L, 0L), await retention.ArchiveAsync(DateTimeOffset.UtcNow.AddDays(31), CancellationToken.None));

            // Moved whole: the case and every step of its timeline, nothing left behind; the open case and its timeline stay.
            Assert.Equal(
                (0L, 0L, 1L, (long)timeline.Length, 1L, 0L, 0L),
                (await CountAsync($"SELECT count(*) FROM gridserver.cases WHERE case_id = '{closed}'"),
                 await CountAsync($"SELECT count(*) FROM gridserver.case_events WHERE case_id = '{closed}'"),
                 await CountAsync($"SELECT count(*) FROM gridserver_archive.cases WHERE case_id = '{closed}'"),
                 await CountAsync($"SELECT count(*) FROM gridserver_archive.case_events WHERE case_id = '{closed}'"),
                 await CountAsync($"SELECT count(*) FROM gridserver.cases WHERE case_id = '{open}'"),
                 await CountAsync($"SELECT count(*) FROM gridserver_archive.cases WHERE case_id = '{open}'"),
                 await CountAsync($"SELECT count(*) FROM gridserver.notices WHERE seq <= {lastNotice}")));
            Assert.Equal(notices, await CountAsync("SELECT count(*) FROM gridserver_archive.notices"));

            // The case's activation still holds it as it was live: its change is stopped by the store (the row is gone,
            // and a case is new only at its first version), answered as a conflict, and the activation reads it again.
            var followUp = new { verdict = "Satisfied", comment = "回访满意" };
            using (var first = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{closed}/follow-up", followUp))
                Assert.True(first.StatusCode == HttpStatusCode.Conflict, $"{first.StatusCode}: {await first.Content.ReadAsStringAsync()}");
            Assert.Equal(0L, await CountAsync($"SELECT count(*) FROM gridserver.cases WHERE case_id = '{closed}'"));
            // Read again from the archive: read only.
            using (var again = await silo.Dispatcher.PostAsJsonAsync($"/api/cases/{closed}/follow-up", followUp))
            {
                Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
                Assert.Contains("archived: it is kept for reading only", (await JsonOf(again)).GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
            var archived = await CaseAsync(silo, closed);
            Assert.True(archived.GetProperty("archived").GetBoolean());
            Assert.Equal("Closed", archived.GetProperty("state").GetString());
            Assert.Equal(timeline, Actions(archived));
            using (var allowed = await silo.Dispatcher.GetAsync($"/api/cases/{closed}/actions"))
                Assert.Equal(0, (await JsonOf(allowed)).GetProperty("actions").GetArrayLength());
            Assert.False((await CaseAsync(silo, open)).GetProperty("archived").GetBoolean());

            // Lists show live cases; the period's evaluation counts the archived one as before.
            using (var listed = await silo.Dispatcher.GetAsync($"/api/cases?grid={grid}&limit=100"))
            {
                var ids = (await JsonOf(listed)).EnumerateArray().Select(c => c.GetProperty("caseId").GetString()).ToList();
                Assert.Equal((true, false), (ids.Contains(open), ids.Contains(closed)));
            }
            Assert.Equal(evaluated, await GridRowAsync(silo, period, grid));

            // Its id stays taken: the same report under the same key answers the archived case and opens nothing.
            using (var resent = await silo.Dispatcher.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/cases") { Content = JsonContent.Create(report), Headers = { { "Idempotency-Key", key } } }))
            {
                Assert.True(resent.IsSuccessStatusCode, $"{resent.StatusCode}: {await resent.Content.ReadAsStringAsync()}");
                var view = await JsonOf(resent);
                Assert.Equal((closed, "Closed"), (view.GetProperty("caseId").GetString(), view.GetProperty("state").GetString()));
            }
            Assert.Equal(0L, await CountAsync($"SELECT count(*) FROM gridserver.cases WHERE case_id = '{closed}'"));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    private static string[] Actions(JsonElement view) => [.. view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("action").GetString()!)];

    private static async Task<JsonElement> CaseAsync(EmbeddedSiloWith silo, string id)
    {
        using var response = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonOf(response);
    }

    private static async Task<string> GridRowAsync(EmbeddedSiloWith silo, string period, string grid)
    {
        using var table = await silo.Dispatcher.GetAsync(period);
        return Assert.Single((await JsonOf(table)).GetProperty("rows").EnumerateArray(), r => r.GetProperty("code").GetString() == grid).GetRawText();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
