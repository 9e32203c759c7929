using System.Globalization;
using GridServer.Silo.Hosting;
using GridServer.Storage;
using GridServer.Tests.Support;
using Npgsql;

namespace GridServer.Tests.Postgres;

/// <summary>
/// The one migration runner (DbUp behind the server's <c>migrate</c> verb) on real PostgreSQL: a fresh database to the
/// last version, a database the earlier shell runner migrated taken up where it stopped (its journal is the same table),
/// concurrent runs taking turns, and a failing migration leaving nothing of itself behind.
/// </summary>
public sealed class SchemaMigrationsTests(PostgisDatabase migrated) : IClassFixture<PostgisDatabase>
{
    private static async Task<(int Code, string Out, string Err)> MigrateAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await MigrateCommand.RunAsync(["migrate", .. args], output, error, _ => null);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<List<string>> JournalAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM gridserver.schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<string>();
        while (await reader.ReadAsync()) versions.Add(reader.GetString(0));
        return versions;
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [PostgisFact]
    public async Task FreshDatabase_EveryMigrationOnce_ThenNothingToApply()
    {
        await using var empty = await EmptyDatabase.CreateAsync();

        var first = await MigrateAsync("--postgres", empty.ConnectionString);
        var second = await MigrateAsync("--postgres", empty.ConnectionString);

        Assert.True(first.Code == MigrateCommand.Ok, first.Err);
        Assert.Contains($"migrations: applied {SchemaMigrations.Versions.Count} of {SchemaMigrations.Versions.Count}", first.Out, StringComparison.Ordinal);
        Assert.Equal(SchemaMigrations.Versions, await JournalAsync(empty.ConnectionString));
        Assert.Equal(MigrateCommand.Ok, second.Code);
        Assert.Contains($"nothing to apply ({SchemaMigrations.Versions.Count} already applied)", second.Out, StringComparison.Ordinal);
    }

    [PostgisFact]
    public async Task ADatabaseTheShellRunnerMigrated_IsTakenUpWhereItStopped()
    {
        // The class's database was migrated when the suite started; take the last migration back out as if it were new.
        var last = SchemaMigrations.Versions[^1];
        Assert.Equal("V031__component_census", last);
        await ScalarAsync(migrated.ConnectionString,
            $"DROP TABLE gridserver.component_census, gridserver.component_census_state; DELETE FROM gridserver.schema_migrations WHERE version = '{last}'");

        var run = await MigrateAsync("--postgres", migrated.ConnectionString);

        Assert.True(run.Code == MigrateCommand.Ok, run.Err);
        Assert.Contains($"migrations: applied 1 of {SchemaMigrations.Versions.Count} ({last})", run.Out, StringComparison.Ordinal);
        Assert.Equal(SchemaMigrations.Versions, await JournalAsync(migrated.ConnectionString));
        Assert.Equal(true, await ScalarAsync(migrated.ConnectionString, "SELECT to_regclass('gridserver.component_census_state') IS NOT NULL"));
    }

    [PostgisFact]
    public async Task TwoRunsAtOnce_TakeTurns_EachMigrationAppliedOnce()
    {
        await using var empty = await EmptyDatabase.CreateAsync();

        var runs = await Task.WhenAll(
            SchemaMigrations.ApplyAsync(empty.ConnectionString, _ => { }),
            SchemaMigrations.ApplyAsync(empty.ConnectionString, _ => { }));

        Assert.All(runs, r => Assert.Null(r.Error));
        Assert.Equal(SchemaMigrations.Versions, runs.SelectMany(r => r.Applied).Order(StringComparer.Ordinal));
        Assert.Equal(SchemaMigrations.Versions, await JournalAsync(empty.ConnectionString));
    }

    [PostgisFact]
    public async Task AMigrationThatFails_LeavesNothingOfItself_AndSaysWhich()
    {
        await using var empty = await EmptyDatabase.CreateAsync();
        Assert.Equal(MigrateCommand.Ok, (await MigrateAsync("--postgres", empty.ConnectionString)).Code);
        // V031 forgotten by the journal, its first table gone and its second still there: applying it again creates the
        // first, then fails at the second, and the first must go with it.
        await ScalarAsync(empty.ConnectionString,
            "DROP TABLE gridserver.component_census; DELETE FROM gridserver.schema_migrations WHERE version = 'V031__component_census'");

        var run = await MigrateAsync("--postgres", empty.ConnectionString);

        Assert.Equal(MigrateCommand.Failed, run.Code);
        Assert.Contains("migration V031__component_census failed (nothing of it was applied)", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("V031__component_census", await JournalAsync(empty.ConnectionString));
        Assert.Equal(true, await ScalarAsync(empty.ConnectionString, "SELECT to_regclass('gridserver.component_census') IS NULL"));
    }

    [Theory]
    [InlineData(new string[0], "give the database as --postgres CONNSTR")]
    [InlineData(new[] { "--database", "x" }, "unknown argument '--database'")]
    public async Task Usage_IsExplained(string[] args, string expected)
    {
        var run = await MigrateAsync(args);

        Assert.Equal(MigrateCommand.UsageError, run.Code);
        Assert.Contains(expected, run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableDatabase_FailsSayingSo()
    {
        var run = await MigrateAsync("--postgres", $"Host=127.0.0.1;Port={FreePorts.Next()};Username=postgres;Database=none;Timeout=2");

        Assert.Equal(MigrateCommand.Failed, run.Code);
        Assert.Contains("cannot reach the database", run.Err, StringComparison.Ordinal);
    }
}
