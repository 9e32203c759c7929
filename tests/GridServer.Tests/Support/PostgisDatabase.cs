using GridServer.Storage.Grids;
using Npgsql;

namespace GridServer.Tests.Support;

/// <summary>
/// A private database for one test class, copied from the migrated template database that
/// scripts/test.sh starts (GRIDSERVER_TEST_POSTGRES). Dropped at the end.
/// </summary>
public sealed class PostgisDatabase : IAsyncLifetime
{
    public const string Variable = "GRIDSERVER_TEST_POSTGRES";

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private readonly string _name = "test_" + Guid.NewGuid().ToString("N")[..12];

    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";

    /// <summary>Why PostGIS tests cannot run here, or null when they can.</summary>
    public static string? Unavailable =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } ? null
        : $"{Variable} is not set: run the suite with scripts/test.sh, which starts PostGIS";

    public async Task InitializeAsync()
    {
        if (Unavailable is { } reason)
        {
            // In CI a missing database is a failure, never a skip.
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 }) throw new InvalidOperationException(reason);
            return;
        }
        var template = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(Variable));
        var admin = new NpgsqlConnectionStringBuilder(template.ConnectionString) { Database = "postgres", Pooling = false };
        await TemplateGate.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_name} TEMPLATE \"{template.Database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        finally
        {
            TemplateGate.Release();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(template.ConnectionString) { Database = _name }.ConnectionString;
        DataSource = PostgisGridStore.CreateDataSource(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (DataSource is null) return;
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        var admin = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(Variable)) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A fact that needs PostGIS: skipped outside scripts/test.sh (and failing in CI, see <see cref="PostgisDatabase"/>).</summary>
public sealed class PostgisFactAttribute : FactAttribute
{
    public PostgisFactAttribute()
    {
        if (PostgisDatabase.Unavailable is { } reason && Environment.GetEnvironmentVariable("CI") is not { Length: > 0 }) Skip = reason;
    }
}

/// <summary>A theory whose cases need PostGIS (some of them): skipped outside scripts/test.sh, like <see cref="PostgisFactAttribute"/>.</summary>
public sealed class PostgisTheoryAttribute : TheoryAttribute
{
    public PostgisTheoryAttribute()
    {
        if (PostgisDatabase.Unavailable is { } reason && Environment.GetEnvironmentVariable("CI") is not { Length: > 0 }) Skip = reason;
    }
}
