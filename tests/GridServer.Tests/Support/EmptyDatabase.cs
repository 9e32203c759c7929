using Npgsql;

namespace GridServer.Tests.Support;

/// <summary>
/// A database on the test server without the GridServer schema (as if the migrations were never applied).
/// Dropped at dispose.
/// </summary>
public sealed class EmptyDatabase : IAsyncDisposable
{
    private readonly string _name = "empty_" + Guid.NewGuid().ToString("N")[..12];

    private EmptyDatabase()
    {
    }

    public string ConnectionString { get; private set; } = "";

    public static async Task<EmptyDatabase> CreateAsync()
    {
        var database = new EmptyDatabase();
        await ExecuteOnAdminAsync($"CREATE DATABASE {database._name}");
        database.ConnectionString = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgisDatabase.Variable)) { Database = database._name }.ConnectionString;
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnAdminAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }

    private static async Task ExecuteOnAdminAsync(string sql)
    {
        var admin = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgisDatabase.Variable)) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
