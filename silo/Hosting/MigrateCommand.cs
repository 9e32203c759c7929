using GridServer.Storage;

namespace GridServer.Silo.Hosting;

/// <summary>
/// <c>migrate --postgres CONNSTR</c>: brings a PostgreSQL database's schema up to date with the migrations this build
/// carries (<see cref="SchemaMigrations"/>). The connection string may also come from
/// <c>GridServer__Storage__ConnectionString</c>. scripts/postgis.sh, the test script and the benchmarks migrate
/// through it; so does an operator before starting a new version of the server.
/// </summary>
public static class MigrateCommand
{
    public const int Ok = 0, Failed = 1, UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        environment ??= Environment.GetEnvironmentVariable;
        string? connectionString = null;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--postgres" && i + 1 < args.Length) connectionString = args[++i];
            else
            {
                await error.WriteLineAsync($"migrate: unknown argument '{args[i]}'; usage: migrate --postgres CONNSTR");
                return UsageError;
            }
        }
        connectionString ??= environment("GridServer__Storage__ConnectionString");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await error.WriteLineAsync("migrate: give the database as --postgres CONNSTR (an Npgsql connection string) or GridServer__Storage__ConnectionString");
            return UsageError;
        }
        MigrationResult result;
        try
        {
            result = await SchemaMigrations.ApplyAsync(connectionString, line => output.WriteLine("migrate: " + line));
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or ArgumentException or InvalidOperationException)
        {
            await error.WriteLineAsync($"migrate: cannot reach the database: {e.Message}");
            return Failed;
        }
        if (result.Error is { } failure)
        {
            await error.WriteLineAsync($"migrate: {failure}");
            return Failed;
        }
        await output.WriteLineAsync(result.Applied.Count == 0
            ? $"migrations: nothing to apply ({result.AlreadyApplied} already applied)"
            : $"migrations: applied {result.Applied.Count} of {SchemaMigrations.Versions.Count} ({string.Join(", ", result.Applied)})");
        return Ok;
    }
}
