using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GridServer.Tests.Support;
using Npgsql;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Postgres;

/// <summary>
/// The database's disk fills during writes. The case tables are moved to a tablespace on a 3 MiB tmpfs, and
/// reports are posted until it is full. A refused report gets 503 and an answer that says the database is out of disk
/// space. Nothing of a refused report is kept (no case without its timeline). Every acknowledged case is whole. Once
/// space is freed, reports are taken again.
/// </summary>
public sealed class DiskFullTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private const string Grid = "33030200200910";

    [TmpfsFact]
    public async Task CaseTimelinesOnAFullDisk_Refused503SayingSo_NothingHalfWritten_AcceptedAgainOnceFreed()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"gridserver-diskfull-{Guid.NewGuid():N}");
        var tablespace = $"diskfull_{Guid.NewGuid():N}"[..20];
        Directory.CreateDirectory(dir);
        var admin = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        var mounted = false;
        var moved = false;
        try
        {
            Run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir);
            mounted = true;
            Run("chown", "postgres:postgres", dir);
            await ExecuteAsync(admin, $"CREATE TABLESPACE {tablespace} LOCATION '{dir}'");
            await ExecuteAsync(database.ConnectionString,
                $"ALTER TABLE gridserver.cases SET TABLESPACE {tablespace}; ALTER TABLE gridserver.case_events SET TABLESPACE {tablespace}");
            moved = true;
            await new GridServer.Storage.Grids.PostgisGridStore(database.DataSource, TimeProvider.System)
                .SaveAsync(GridServer.SampleData.LuchengSample.Generate(), GridServer.Domain.Grids.GridSaveMode.Replace);

            await using var factory = new SiloFactory(new()
            {
                ["GridServer:Storage:Provider"] = "PostgreSQL",
                ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
            });
            using var operatorClient = factory.CreateOperatorClient();
            using var dispatcher = factory.CreateDispatcherClient();
            await Staffing.StaffAsync(operatorClient, Grid);
            // A long description of random digits: the case row carries it, and it does not compress away.
            string Filler() => string.Concat(Enumerable.Range(0, 100).Select(_ => Guid.NewGuid().ToString("N")));
            var accepted = new List<string>();
            JsonElement? refusal = null;
            for (var i = 0; i < 5000 && refusal is null; i++)
            {
                using var response = await dispatcher.PostAsync("/api/cases", JsonBody(JsonSerializer.Serialize(
                    new { matter = "parking", lon = 120.65, lat = 28.0, reporterId = $"r-{i}", description = $"{i} {Filler()}" })));
                if (response.StatusCode == HttpStatusCode.Created) accepted.Add((await JsonOf(response)).GetProperty("caseId").GetString()!);
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    refusal = await JsonOf(response);
                }
            }
            Assert.True(refusal is not null, $"the disk never filled ({accepted.Count} reports taken)");
            Assert.NotEmpty(accepted);
            Assert.Contains("out of disk space", refusal!.Value.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // Exactly the acknowledged cases are stored, each with its whole timeline.
            await using (var command = new NpgsqlCommand("""
                SELECT (SELECT count(*) FROM gridserver.cases),
                       (SELECT count(*) FROM gridserver.cases c WHERE c.case_id = ANY($1)
                          AND (SELECT count(*) FROM gridserver.case_events e WHERE e.case_id = c.case_id) = c.last_sequence),
                       (SELECT count(*) FROM gridserver.case_events e WHERE NOT EXISTS (SELECT 1 FROM gridserver.cases c WHERE c.case_id = e.case_id))
                """))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = accepted.ToArray() });
                await using var connection = await database.DataSource.OpenConnectionAsync();
                command.Connection = connection;
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal(((long)accepted.Count, (long)accepted.Count, 0L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
            using (var read = await dispatcher.GetAsync($"/api/cases/{accepted[^1]}"))
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);

            // Space freed (the table moved back to the main disk): reports are taken again.
            await ExecuteAsync(database.ConnectionString, MoveBack);
            moved = false;
            using var again = await dispatcher.PostAsync("/api/cases", JsonBody("""{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"after"}"""));
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        }
        finally
        {
            if (moved) await ExecuteAsync(database.ConnectionString, MoveBack);
            try { await ExecuteAsync(admin, $"DROP TABLESPACE IF EXISTS {tablespace}"); }
            catch (NpgsqlException) { /* left behind only if the table could not move back; the assertion above says why */ }
            if (mounted) Run("umount", dir);
            Directory.Delete(dir);
        }
    }

    private const string MoveBack = "ALTER TABLE gridserver.cases SET TABLESPACE pg_default; ALTER TABLE gridserver.case_events SET TABLESPACE pg_default";

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {error}");
    }
}

/// <summary>
/// A test that mounts a small tmpfs (as the database's full disk): it needs PostGIS (as <see cref="PostgisFactAttribute"/>)
/// and root, which scripts/test.sh and CI have; skipped for an unprivileged developer run.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (PostgisDatabase.Unavailable is { } reason && Environment.GetEnvironmentVariable("CI") is not { Length: > 0 }) Skip = reason;
        else if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess) Skip = "mounting a tmpfs needs root on Linux";
    }
}
