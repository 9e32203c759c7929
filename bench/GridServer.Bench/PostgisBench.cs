using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace GridServer.Bench;

/// <summary>The database is not one the benchmark may use; the message says why and what to do.</summary>
internal sealed class DatabaseRefusedException(string message) : Exception(message);

/// <summary>
/// (c) and (d): the same grids in PostGIS, looked up with <c>gridserver.locate</c> (ST_Covers, lowest
/// code in COLLATE "C" order). Runs only on an empty migrated database, and empties it again.
/// </summary>
internal sealed class PostgisBench : IDisposable
{
    private const string LocateOne = "SELECT gridserver.locate($1, $2)";
    private const string LocateBatch =
        "SELECT t.i, gridserver.locate(t.x, t.y) FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y, i)";

    private readonly NpgsqlDataSource _dataSource;
    private bool _loaded;

    public PostgisBench(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseNetTopologySuite();
        _dataSource = builder.Build();
    }

    /// <summary>"PostgreSQL 15.x …" and postgis_full_version().</summary>
    public (string Server, string PostGis) Versions()
    {
        using var conn = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT version(), postgis_full_version()", conn);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetString(0), reader.GetString(1));
    }

    /// <summary>Refuses a database without the migrations or with grids in it: the benchmark truncates the table.</summary>
    public void CheckEmptyAndMigrated()
    {
        using var conn = _dataSource.OpenConnection();
        using (var cmd = new NpgsqlCommand(
            "SELECT to_regclass('gridserver.grids') IS NOT NULL, " +
            "to_regprocedure('gridserver.locate(double precision, double precision)') IS NOT NULL", conn))
        using (var reader = cmd.ExecuteReader())
        {
            reader.Read();
            if (!reader.GetBoolean(0) || !reader.GetBoolean(1))
            {
                throw new DatabaseRefusedException(
                    "the database has no gridserver.grids table or no gridserver.locate function: apply " +
                    "gis-data/migrations first (scripts/postgis.sh start does, or scripts/postgis.sh migrate CONNSTR)");
            }
        }
        using (var cmd = new NpgsqlCommand("SELECT count(*) FROM gridserver.grids", conn))
        {
            var rows = (long)cmd.ExecuteScalar()!;
            if (rows > 0)
            {
                throw new DatabaseRefusedException(
                    $"gridserver.grids already holds {rows:N0} row(s). The benchmark loads its own grids and truncates " +
                    "the table when it ends, so it runs only on an empty database: start a throw-away one with " +
                    "`scripts/postgis.sh start --fast` and pass its connection string");
            }
        }
    }

    /// <summary>Binary COPY of all grids, then ANALYZE. Returns the time taken.</summary>
    public TimeSpan Load(IReadOnlyList<BenchGrid> grids)
    {
        var started = Stopwatch.GetTimestamp();
        using var conn = _dataSource.OpenConnection();
        _loaded = true;   // from here on, Dispose truncates, even if the COPY fails half-way
        var validFrom = DateTime.UtcNow;
        using (var writer = conn.BeginBinaryImport(
            "COPY gridserver.grids (code, name, street_code, community_code, geom, area_m2, version, valid_from) " +
            "FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var grid in grids)
            {
                writer.StartRow();
                writer.Write(grid.Code, NpgsqlDbType.Text);
                writer.Write($"Benchmark grid {grid.Code}", NpgsqlDbType.Text);
                writer.Write(grid.Code[..9], NpgsqlDbType.Text);
                writer.Write(grid.Code[..12], NpgsqlDbType.Text);
                writer.Write(grid.Boundary, NpgsqlDbType.Geometry);
                writer.Write(Workload.AreaSquareMetres(grid.Boundary), NpgsqlDbType.Double);
                writer.Write(1, NpgsqlDbType.Integer);
                writer.Write(validFrom, NpgsqlDbType.TimestampTz);
            }
            writer.Complete();
        }
        using (var analyze = new NpgsqlCommand("ANALYZE gridserver.grids", conn))
            analyze.ExecuteNonQuery();
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Bytes of gridserver.grids on disk: table, TOAST and indexes (the server's data, for context).</summary>
    public long RelationBytes()
    {
        using var conn = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT pg_total_relation_size('gridserver.grids')", conn);
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>
    /// (c) One prepared query per point, one connection, points [0, count). Fills <paramref name="answers"/>
    /// and <paramref name="latencyTicks"/> (Stopwatch ticks of each round trip); returns the total time.
    /// </summary>
    public TimeSpan LocateOneByOne(double[] xs, double[] ys, int count, string?[] answers, long[] latencyTicks)
    {
        using var conn = _dataSource.OpenConnection();
        using var cmd = new NpgsqlCommand(LocateOne, conn);
        var lon = new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double };
        var lat = new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double };
        cmd.Parameters.Add(lon);
        cmd.Parameters.Add(lat);
        cmd.Prepare();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            lon.TypedValue = xs[i];
            lat.TypedValue = ys[i];
            answers[i] = cmd.ExecuteScalar() as string;   // DBNull (no grid) becomes null
            latencyTicks[i] = Stopwatch.GetTimestamp() - t0;
        }
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// (d) All points in batches of <paramref name="batchSize"/>, one unnest query per batch, spread over
    /// <paramref name="connections"/> connections working in parallel (batch k goes to connection k mod n).
    /// </summary>
    public TimeSpan LocateBatched(double[] xs, double[] ys, int batchSize, int connections, string?[] answers)
    {
        var batches = (xs.Length + batchSize - 1) / batchSize;
        var conns = new NpgsqlConnection[connections];
        try
        {
            for (var c = 0; c < connections; c++) conns[c] = _dataSource.OpenConnection();
            var started = Stopwatch.GetTimestamp();
            if (connections == 1)
            {
                Worker(0);
            }
            else
            {
                // Plain threads: each drives its own connection synchronously; the work is on the server.
                var threads = new Thread[connections];
                var errors = new Exception?[connections];
                for (var c = 0; c < connections; c++)
                {
                    var slot = c;
                    threads[c] = new Thread(() =>
                    {
                        try { Worker(slot); }
                        catch (NpgsqlException e) { errors[slot] = e; }
                    });
                    threads[c].Start();
                }
                foreach (var thread in threads) thread.Join();
                if (errors.FirstOrDefault(e => e is not null) is { } error)
                    throw new InvalidOperationException("a batched query failed", error);
            }
            return Stopwatch.GetElapsedTime(started);
        }
        finally
        {
            foreach (var conn in conns) conn?.Dispose();
        }

        void Worker(int c)
        {
            using var cmd = new NpgsqlCommand(LocateBatch, conns[c]);
            var lon = new NpgsqlParameter<double[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double };
            var lat = new NpgsqlParameter<double[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double };
            cmd.Parameters.Add(lon);
            cmd.Parameters.Add(lat);
            cmd.Prepare();
            for (var b = c; b < batches; b += connections)
            {
                var start = b * batchSize;
                var length = Math.Min(batchSize, xs.Length - start);
                lon.TypedValue = xs.AsSpan(start, length).ToArray();
                lat.TypedValue = ys.AsSpan(start, length).ToArray();
                var rows = 0;
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var i = reader.GetInt64(0);
                    answers[start + (int)i - 1] = reader.IsDBNull(1) ? null : reader.GetString(1);
                    rows++;
                }
                if (rows != length)
                    throw new InvalidOperationException($"batch at point {start} returned {rows} rows for {length} points");
            }
        }
    }

    /// <summary>Empties gridserver.grids again when this run loaded it.</summary>
    public void Dispose()
    {
        try
        {
            if (_loaded)
            {
                using var conn = _dataSource.OpenConnection();
                using var cmd = new NpgsqlCommand("TRUNCATE gridserver.grids", conn);
                cmd.ExecuteNonQuery();
                Console.WriteLine("PostGIS: gridserver.grids truncated again.");
            }
        }
        finally
        {
            _dataSource.Dispose();
        }
    }
}
