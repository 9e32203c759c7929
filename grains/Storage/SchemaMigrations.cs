using System.Data;
using System.Text.RegularExpressions;
using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;
using Npgsql;

namespace GridServer.Storage;

/// <summary>What a migration run did: the migrations applied (by version), those already applied before, and the failure, if any.</summary>
public sealed record MigrationResult(IReadOnlyList<string> Applied, int AlreadyApplied, string? Error);

/// <summary>
/// The one way the schema is brought up to date: the migrations gis-data/migrations/V*.sql (embedded in this assembly),
/// applied in order by DbUp, each in its own transaction together with its record in
/// <c>gridserver.schema_migrations</c> (version = the file name without <c>.sql</c>: the journal every database kept
/// before, so a database migrated by the earlier shell runner goes on where it stopped). Concurrent runs against one
/// database take turns under an advisory lock; the second applies nothing the first did.
/// </summary>
public static partial class SchemaMigrations
{
    /// <summary>The advisory-lock key migration runs take turns on.</summary>
    public const long LockKey = 4757200101;

    /// <summary>Every migration this build carries, by version, in the order they apply.</summary>
    public static IReadOnlyList<string> Versions { get; } =
        [.. typeof(SchemaMigrations).Assembly.GetManifestResourceNames().Where(n => MigrationFile().IsMatch(n)).Select(Version).Order(StringComparer.Ordinal)];

    /// <summary>Applies the migrations not yet applied; <paramref name="log"/> hears each one.</summary>
    public static async Task<MigrationResult> ApplyAsync(string connectionString, Action<string> log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        // The lock is held on a connection of its own for the whole run (DbUp opens its own).
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", lockConnection))
            await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = new List<string>();
            var engine = DeployChanges.To.PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(SchemaMigrations).Assembly, name => MigrationFile().IsMatch(name))
                .JournalTo((connections, _) => new Journal(connections))
                .WithTransactionPerScript()
                .WithVariablesDisabled()   // the SQL is PostgreSQL's own: $$ bodies, not DbUp's $variables$
                .LogTo(new Log(log))
                .Build();
            var pending = engine.GetScriptsToExecute().Select(s => Version(s.Name)).ToList();
            var result = engine.PerformUpgrade();
            applied.AddRange(result.Scripts.Select(s => Version(s.Name)));
            return new MigrationResult(applied, Versions.Count - pending.Count,
                result.Successful ? null : $"migration {Version(result.ErrorScript?.Name ?? "?")} failed (nothing of it was applied): {result.Error?.Message}");
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Version(string scriptName) => scriptName.EndsWith(".sql", StringComparison.Ordinal) ? scriptName[..^4] : scriptName;

    [GeneratedRegex(@"^V[0-9]+__[A-Za-z0-9_]+\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex MigrationFile();

    /// <summary>gridserver.schema_migrations as DbUp's journal: one row a version, written in the migration's transaction.</summary>
    private sealed class Journal(Func<IConnectionManager> connections) : IJournal
    {
        public string[] GetExecutedScripts() =>
            connections().ExecuteCommandsWithManagedConnection(command =>
            {
                using (var exists = command())
                {
                    exists.CommandText = "SELECT to_regclass('gridserver.schema_migrations') IS NOT NULL";
                    if (exists.ExecuteScalar() is not true) return Array.Empty<string>();
                }
                using var read = command();
                read.CommandText = "SELECT version FROM gridserver.schema_migrations ORDER BY version";
                using var reader = read.ExecuteReader();
                var names = new List<string>();
                while (reader.Read()) names.Add(reader.GetString(0) + ".sql");
                return names.ToArray();
            });

        public void StoreExecutedScript(SqlScript script, Func<IDbCommand> dbCommandFactory)
        {
            EnsureTableExistsAndIsLatestVersion(dbCommandFactory);
            using var insert = dbCommandFactory();
            insert.CommandText = "INSERT INTO gridserver.schema_migrations (version) VALUES (@version)";
            var version = insert.CreateParameter();
            version.ParameterName = "version";
            version.Value = Version(script.Name);
            insert.Parameters.Add(version);
            insert.ExecuteNonQuery();
        }

        public void EnsureTableExistsAndIsLatestVersion(Func<IDbCommand> dbCommandFactory)
        {
            using var create = dbCommandFactory();
            create.CommandText = """
                CREATE SCHEMA IF NOT EXISTS gridserver;
                CREATE TABLE IF NOT EXISTS gridserver.schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                """;
            create.ExecuteNonQuery();
        }
    }

    private sealed class Log(Action<string> log) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }

        public void LogDebug(string format, params object[] args) { }

        public void LogInformation(string format, params object[] args) => log(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogWarning(string format, params object[] args) => log("warning: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(string format, params object[] args) => log("error: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(Exception ex, string format, params object[] args) => log("error: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args) + ": " + ex.Message);
    }
}
