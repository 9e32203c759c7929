using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.Domain.Spatial;
using GridServer.Silo.Hosting;
using GridServer.Storage.Grids;
using Npgsql;

namespace GridServer.Silo.Grids;

/// <summary>
/// The <c>grids</c> verbs of the silo executable: import, export, locate. Exit codes a script can rely on
/// are the constants below.
/// </summary>
public static class GridCommands
{
    public const int Ok = 0;
    public const int UsageError = 1;
    public const int FileError = 2;
    public const int Refused = 3;
    public const int DatabaseError = 4;
    public const int UnexpectedError = 5;

    private const string PostgresVariable = "GRIDSERVER_POSTGRES";

    private static readonly string[] AddedColumns = ["grid_code", "grid_name", "street", "community", "status", "nearest_grid", "distance_m", "reason"];

    /// <summary>Where <c>status</c> and <c>reason</c> are among <see cref="AddedColumns"/>.</summary>
    private const int StatusAt = 4, ReasonAt = 7;

    /// <summary>The grids to match against: the index, and each grid's name, street and community for the output.</summary>
    private sealed record Locator(GridIndex Index, IReadOnlyDictionary<string, Grid> Grids)
    {
        public static Locator Of(IReadOnlyList<Grid> grids) =>
            new(GridIndex.Build(grids.Select(g => (g.Code, g.Boundary))), grids.ToDictionary(g => g.Code, StringComparer.Ordinal));
    }

    /// <param name="environment">Reads an environment variable (<c>GRIDSERVER_POSTGRES</c>); the process's by default.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var root = new RootCommand("GridServer: grid management for city management. Without arguments the server starts.");
        var grids = new Command("grids", "Import, export and locate unit grids.");
        root.Subcommands.Add(grids);
        grids.Subcommands.Add(ImportCommand(output, error, time, environment));
        grids.Subcommands.Add(ExportCommand(output, error, time, environment));
        grids.Subcommands.Add(LocateCommand(output, error, time, environment));
        var parsed = root.Parse(args);
        // Usage errors go to stderr alone: a script reading CSV from stdout must not get the help text.
        if (parsed.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h") && !args.Contains("-?"))
        {
            foreach (var e in parsed.Errors) await error.WriteLineAsync("error: " + e.Message);
            var path = new List<string>();
            for (var c = parsed.CommandResult; c?.Parent is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult) path.Insert(0, c.Command.Name);
            await error.WriteLineAsync($"see: {string.Join(' ', path)} --help");
            return UsageError;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault, not a user error: say it plainly with its own exit code; the trace helps a bug report.
            await error.WriteLineAsync($"unexpected error: {e.Message}");
            await error.WriteLineAsync(e.ToString());
            return UnexpectedError;
        }
    }

    // Options shared by the verbs that read a grid file.
    private sealed class FileOptions
    {
        public readonly Option<string?> Srs = new("--srs") { Description = "Coordinate system of the file when it declares none or declares it wrongly: wgs84, cgcs2000, any geographic or projected EPSG code (EPSG:4549, EPSG:32650, EPSG:2263), gcj02, bd09, local:NAME (a system the bureau defined; needs --postgres), or WKT." };
        public readonly Option<string> CodeField = new("--code-field") { Description = "Attribute holding the grid code.", DefaultValueFactory = _ => "code" };
        public readonly Option<string> NameField = new("--name-field") { Description = "Attribute holding the grid name.", DefaultValueFactory = _ => "name" };
        public readonly Option<string?> Encoding = new("--encoding") { Description = "Shapefile attribute encoding (UTF-8, GBK, GB18030, ...); default: the .cpg, else detected." };
        public readonly Option<bool> AllowOverlaps = new("--allow-overlaps") { Description = "Accept overlapping grids; a point in an overlap goes to the lowest code." };
        public readonly Option<bool> SkipInvalid = new("--skip-invalid") { Description = "Import the valid features and report the invalid ones instead of refusing the file." };
        public readonly Option<string> CodeScheme = new("--code-scheme") { Description = "cjt213 (14-digit CJ/T 213 codes) or free (letters, digits, '-', '_', up to 32).", DefaultValueFactory = _ => "cjt213" };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { Srs, CodeField, NameField, Encoding, AllowOverlaps, SkipInvalid, CodeScheme }) command.Options.Add(o);
        }

        public GridImportOptions ImportOptions(ParseResult r) => new()
        {
            CodeField = r.GetValue(CodeField)!,
            NameField = r.GetValue(NameField)!,
            AllowOverlaps = r.GetValue(AllowOverlaps),
            SkipInvalid = r.GetValue(SkipInvalid),
            CodeScheme = string.Equals(r.GetValue(CodeScheme), "free", StringComparison.OrdinalIgnoreCase) ? GridCodeScheme.Free : GridCodeScheme.CjT213,
        };

        public void Validate(System.CommandLine.Parsing.CommandResult result)
        {
            var scheme = result.GetValue(CodeScheme);
            if (scheme is not null && !string.Equals(scheme, "free", StringComparison.OrdinalIgnoreCase) && !string.Equals(scheme, "cjt213", StringComparison.OrdinalIgnoreCase))
                result.AddError($"--code-scheme must be cjt213 or free, not '{scheme}'");
        }
    }

    private static Option<string?> PostgresOption() => new("--postgres")
    {
        Description = $"Npgsql connection string of the PostGIS store (default: ${PostgresVariable}). Without it, nothing is stored.",
    };

    private static Command ImportCommand(TextWriter output, TextWriter error, TimeProvider time, Func<string, string?> environment)
    {
        var file = new Argument<string>("FILE") { Description = "Grid file: " + GridFiles.SupportedFormats };
        var files = new FileOptions();
        var postgres = PostgresOption();
        var replace = new Option<bool>("--replace") { Description = "The file is the whole set: current grids missing from it are retired." };
        var command = new Command("import", "Check a grid file (codes, CRS, validity, overlaps, gaps) and store it in PostGIS, all or nothing.") { file, postgres, replace };
        files.AddTo(command);
        command.Validators.Add(files.Validate);
        command.Validators.Add(result =>
        {
            // Skipped features are missing from the set, so --replace would retire grids the file still holds.
            if (result.GetValue(replace) && result.GetValue(files.SkipInvalid))
                result.AddError("--replace and --skip-invalid cannot go together: the grids of skipped features would be retired; fix the file, or import without --replace");
        });
        command.SetAction(async (r, ct) =>
        {
            var connection = r.GetValue(postgres) ?? environment(PostgresVariable);
            Func<string, GridServer.Domain.Geo.CrsDefinition?>? named = null;
            if (r.GetValue(files.Srs) is { } srs && srs.Trim().StartsWith(GridServer.Domain.Geo.CrsDefinition.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                // The bureau's named systems live beside its grids.
                if (string.IsNullOrWhiteSpace(connection))
                {
                    await error.WriteLineAsync($"--srs {srs}: a named coordinate system is read from the database; pass --postgres (or set {PostgresVariable})");
                    return UsageError;
                }
                var loaded = await WithDataSourceAsync(connection, error, async source =>
                {
                    var store = new GridServer.Storage.Geo.PostgisCrsDefinitionStore(source);
                    await store.CheckSchemaAsync(ct);
                    named = await GridServer.Domain.Geo.CrsDefinitionStoreExtensions.LookupAsync(store, ct);
                    return Ok;
                });
                if (loaded != Ok) return loaded;
            }
            var checkedFile = CheckFile(r.GetValue(file)!, files, r, output, error, time, out var result, named: named);
            if (checkedFile != Ok) return checkedFile;
            if (!result!.Accepted)
            {
                await error.WriteLineAsync($"refused: {result.Errors.Count()} error(s); nothing was stored");
                return Refused;
            }
            if (string.IsNullOrWhiteSpace(connection))
            {
                await output.WriteLineAsync($"checked: {result.Grids.Count} grids are ready to import; pass --postgres to store them");
                return Ok;
            }
            return await WithStoreAsync(connection, error, time, async store =>
            {
                var plan = await store.SaveAsync(result.Grids, r.GetValue(replace) ? GridSaveMode.Replace : GridSaveMode.Merge, actor: $"grids import ({Environment.UserName})", cancellationToken: ct);
                await output.WriteLineAsync($"stored in {store.Description}: {plan}");
                return Ok;
            });
        });
        return command;
    }

    private static Command ExportCommand(TextWriter output, TextWriter error, TimeProvider time, Func<string, string?> environment)
    {
        var file = new Argument<string>("FILE") { Description = "Output: .geojson/.json (RFC 7946) or .shp (Shapefile set)." };
        var postgres = PostgresOption();
        postgres.Description = $"Export the grids stored in PostGIS (default: ${PostgresVariable}); without it, the shipped sample district.";
        var command = new Command("export", "Write the current grids as GeoJSON or Shapefile.") { file, postgres };
        command.SetAction(async (r, ct) =>
        {
            var path = r.GetValue(file)!;
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".geojson" or ".json" or ".shp"))
            {
                await error.WriteLineAsync($"{path}: unknown output type '{extension}'; use .geojson, .json or .shp");
                return UsageError;
            }
            IReadOnlyList<Grid> grids;
            var connection = r.GetValue(postgres) ?? environment(PostgresVariable);
            if (string.IsNullOrWhiteSpace(connection))
            {
                var (result, _, _) = GridFiles.Check(GridLoader.DefaultGridsFile, new GridImportOptions(), null, null, time);
                grids = result.Grids;
            }
            else
            {
                grids = [];
                var code = await WithStoreAsync(connection, error, time, async store => { grids = await store.LoadCurrentAsync(ct); return Ok; });
                if (code != Ok) return code;
            }
            try
            {
                if (extension == ".shp")
                {
                    ShapefileGridWriter.Write(path, grids);
                }
                else
                {
                    GeoJsonGridWriter.WriteFile(path, grids);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                await error.WriteLineAsync($"{path}: cannot write: {e.Message}");
                return FileError;
            }
            await output.WriteLineAsync($"exported {grids.Count} grids to {path}");
            return Ok;
        });
        return command;
    }

    private static Command LocateCommand(TextWriter output, TextWriter error, TimeProvider time, Func<string, string?> environment)
    {
        var gridsFile = new Option<string?>("--grids") { Description = "Grid file to match against (default: the stored grids with --postgres, else the shipped sample)." };
        var files = new FileOptions();
        var postgres = PostgresOption();
        postgres.Description = $"Match against the grids stored in PostGIS (default: ${PostgresVariable}, unless --grids is given).";
        var csv = new Option<string?>("--csv") { Description = "Input CSV (RFC 4180, UTF-8, header row)." };
        var latColumn = new Option<string>("--lat-column") { Description = "CSV column holding the latitude.", DefaultValueFactory = _ => "lat" };
        var lonColumn = new Option<string>("--lon-column") { Description = "CSV column holding the longitude.", DefaultValueFactory = _ => "lon" };
        var pointCrs = new Option<string>("--point-crs") { Description = "Coordinate system of the points: wgs84, gcj02, bd09 or cgcs2000.", DefaultValueFactory = _ => "wgs84" };
        var outFile = new Option<string?>("--out") { Description = "Output CSV (default: standard output)." };
        var csvEncoding = new Option<string>("--csv-encoding") { Description = "Text encoding of the input CSV (UTF-8, GBK, GB18030, ...). The output is UTF-8.", DefaultValueFactory = _ => "UTF-8" };
        var lon = new Option<double?>("--lon") { Description = "Longitude of one point, degrees.", CustomParser = r => Degrees(r, "--lon") };
        var lat = new Option<double?>("--lat") { Description = "Latitude of one point, degrees.", CustomParser = r => Degrees(r, "--lat") };
        var command = new Command("locate", "Find the grid covering each point: one point (--lon/--lat) or every row of a CSV (--csv).")
        {
            gridsFile, postgres, csv, latColumn, lonColumn, pointCrs, outFile, csvEncoding, lon, lat,
        };
        files.AddTo(command);
        command.Validators.Add(files.Validate);
        command.Validators.Add(result =>
        {
            // A value that does not convert (--lon abc) is already a parse error; reading it here would throw.
            if (result.GetResult(lon) is { Tokens.Count: > 0 } l && !TryDegrees(l.Tokens[0].Value, out _)) return;
            if (result.GetResult(lat) is { Tokens.Count: > 0 } b && !TryDegrees(b.Tokens[0].Value, out _)) return;
            var hasCsv = result.GetValue(csv) is not null;
            var hasPoint = result.GetValue(lon) is not null || result.GetValue(lat) is not null;
            if (hasCsv == hasPoint) result.AddError("give either --csv FILE or both --lon and --lat");
            else if (hasPoint && (result.GetValue(lon) is null || result.GetValue(lat) is null)) result.AddError("--lon and --lat go together");
            if (result.GetValue(pointCrs) is { Length: > 0 } given && !PointCrsExtensions.TryParse(given, out _, out var crsError)) result.AddError("--point-crs: " + crsError);
        });
        command.SetAction(async (r, ct) =>
        {
            var crs = PointCrsExtensions.Parse(r.GetValue(pointCrs));
            IReadOnlyList<Grid> grids = [];
            var connection = r.GetValue(postgres) ?? environment(PostgresVariable);
            if (!string.IsNullOrWhiteSpace(connection) && r.GetValue(gridsFile) is null)
            {
                var code = await WithStoreAsync(connection, error, time, async store => { grids = await store.LoadCurrentAsync(ct); return Ok; });
                if (code != Ok) return code;
            }
            else
            {
                // Matching needs valid grids, not a tiling report: overlaps are settled by the tie-break rule.
                var code = CheckFile(r.GetValue(gridsFile) ?? GridLoader.DefaultGridsFile, files, r, TextWriter.Null, error, time, out var result, checkTiling: false);
                if (code != Ok) return code;
                if (!result!.Accepted)
                {
                    await error.WriteLineAsync($"the grid file was refused: {result.Errors.Count()} error(s)");
                    return Refused;
                }
                grids = result.Grids;
            }
            var index = Locator.Of(grids);

            if (r.GetValue(csv) is { } csvPath)
                return await LocateCsvAsync(index, csvPath, r.GetValue(csvEncoding)!, r.GetValue(lonColumn)!, r.GetValue(latColumn)!, crs, r.GetValue(outFile), output, error);

            var row = LocateRow(index, r.GetValue(lon)!.Value, r.GetValue(lat)!.Value, crs);
            using (var csvOut = Csv.Writer(output))
            {
                csvOut.WriteRecord([.. AddedColumns.Prepend("lat").Prepend("lon")]);
                csvOut.WriteRecord([.. row.Prepend(Invariant(r.GetValue(lat)!.Value)).Prepend(Invariant(r.GetValue(lon)!.Value))]);
            }
            // The row says invalid, and so does the exit code: a script checking only $? must not take it for an answer.
            if (row[StatusAt] != "invalid") return Ok;
            await error.WriteLineAsync($"invalid point: {row[ReasonAt]}");
            return UsageError;
        });
        return command;
    }

    private static async Task<int> LocateCsvAsync(Locator index, string path, string encodingName, string lonColumn, string latColumn, PointCrs crs, string? outPath, TextWriter output, TextWriter error)
    {
        if (ShapefileEncodings.Resolve(encodingName) is not { } named)
        {
            await error.WriteLineAsync($"--csv-encoding: unknown encoding '{encodingName}'; use UTF-8, GBK, GB18030 or another code page name");
            return UsageError;
        }
        // Decoded strictly and whole before anything is written: a wrong encoding stops the run with a
        // message instead of turning names into replacement characters.
        var strict = System.Text.Encoding.GetEncoding(named.CodePage, System.Text.EncoderFallback.ExceptionFallback, System.Text.DecoderFallback.ExceptionFallback);
        TextReader reader;
        try
        {
            var bytes = await File.ReadAllBytesAsync(path);
            var start = named.CodePage == 65001 && bytes.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            reader = new StringReader(strict.GetString(bytes, start, bytes.Length - start));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{path}: cannot read: {e.Message}");
            return FileError;
        }
        catch (System.Text.DecoderFallbackException e)
        {
            await error.WriteLineAsync($"{path}: not valid {named.WebName} text ({e.Message}); pass --csv-encoding with the file's encoding, e.g. --csv-encoding GBK");
            return FileError;
        }
        using (reader)
        using (var lines = Csv.Read(reader).GetEnumerator())
        {
            var header = lines.MoveNext() ? lines.Current.Fields : null;
            if (header is null)
            {
                await error.WriteLineAsync($"{path}: the file is empty; it needs a header row naming the columns");
                return FileError;
            }
            var lonAt = ColumnOf(header, lonColumn);
            var latAt = ColumnOf(header, latColumn);
            if (lonAt < 0 || latAt < 0)
            {
                var missing = lonAt < 0 ? lonColumn : latColumn;
                await error.WriteLineAsync($"{path}: no column '{missing}' in the header ({string.Join(", ", header.Take(20))}); name the columns with --lon-column and --lat-column");
                return UsageError;
            }
            TextWriter writer;
            try
            {
                writer = outPath is null ? output : new StreamWriter(outPath, append: false, new System.Text.UTF8Encoding(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"{outPath}: cannot write: {e.Message}");
                return FileError;
            }
            int rows = 0, covered = 0, noGrid = 0, invalid = 0, blank = 0;
            try
            {
                using var csvOut = Csv.Writer(writer);
                csvOut.WriteRecord([.. header.Concat(AddedColumns)]);
                var clock = Stopwatch.StartNew();
                while (lines.MoveNext())
                {
                    var (record, malformed, isBlank) = lines.Current;
                    if (isBlank)
                    {
                        blank++;
                        continue;
                    }
                    rows++;
                    string?[] added;
                    if (malformed is not null) added = Invalid(malformed);
                    else if (record.Count < header.Count) added = Invalid($"row has {record.Count} fields, the header {header.Count}");
                    else if (record.Count > header.Count) added = Invalid($"row has {record.Count} fields, the header {header.Count}; the {record.Count - header.Count} extra field(s) are left out here");
                    else if (string.IsNullOrWhiteSpace(record[lonAt])) added = Invalid($"{lonColumn} is empty");
                    else if (string.IsNullOrWhiteSpace(record[latAt])) added = Invalid($"{latColumn} is empty");
                    else if (!TryDegrees(record[lonAt], out var x)) added = Invalid($"{lonColumn} '{Shorten(record[lonAt])}' is not a number");
                    else if (!TryDegrees(record[latAt], out var y)) added = Invalid($"{latColumn} '{Shorten(record[latAt])}' is not a number");
                    else added = LocateRow(index, x, y, crs);
                    switch (added[StatusAt]) { case "covered": covered++; break; case "no_grid": noGrid++; break; default: invalid++; break; }
                    // Every output row is as wide as the header, so the added columns stay under their names.
                    var fields = record.Count >= header.Count ? record.Take(header.Count) : record.Concat(Enumerable.Repeat("", header.Count - record.Count));
                    csvOut.WriteRecord([.. fields.Concat(added)]);
                    if (rows % 100_000 == 0) await error.WriteLineAsync($"located {rows:N0} rows ({rows / clock.Elapsed.TotalSeconds:N0}/s)");
                }
            }
            catch (FormatException e)   // a record past the reader's limit: an open quote swallowing the file
            {
                await error.WriteLineAsync($"{path}: after row {rows}: {e.Message}");
                return FileError;
            }
            finally
            {
                if (outPath is not null) await writer.DisposeAsync();
                else await writer.FlushAsync();
                if (blank > 0) await error.WriteLineAsync($"{blank} blank line(s) skipped");
            }
            await error.WriteLineAsync($"{rows} rows: {covered} covered, {noGrid} in no grid, {invalid} invalid");
            return Ok;
        }

        static string?[] Invalid(string reason) => Row(status: "invalid", reason: reason);
    }

    /// <summary>The column named exactly, else the only one equal to it ignoring case and surrounding spaces.</summary>
    private static int ColumnOf(IReadOnlyList<string> header, string name)
    {
        var exact = header.ToList().IndexOf(name);
        if (exact >= 0) return exact;
        var loose = header.Select((h, i) => (h, i)).Where(c => string.Equals(c.h.Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        return loose.Count == 1 ? loose[0].i : -1;
    }

    /// <summary>The <see cref="AddedColumns"/> of one point.</summary>
    private static string?[] LocateRow(Locator locator, double x, double y, PointCrs crs)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y)) return Row(status: "invalid", reason: "coordinates must be finite numbers");
        if (x is < -180 or > 180 || y is < -90 or > 90)
            return Row(status: "invalid", reason: $"({Invariant(x)}, {Invariant(y)}) is not lon/lat in degrees" + (LonLat.LooksSwapped(x, y) ? " (are lon and lat swapped?)" : ""));
        var (lon, lat) = crs.ToWgs84(x, y);
        var match = locator.Index.Match(lon, lat);
        return match.Covered
            ? Row(locator.Grids[match.GridCode!], "covered")
            : Row(status: "no_grid", nearest: match.NearestGridCode, distance: match.DistanceMetres is { } d ? d.ToString("F2", CultureInfo.InvariantCulture) : null);
    }

    private static string?[] Row(Grid? grid = null, string? status = null, string? nearest = null, string? distance = null, string? reason = null) =>
        [grid?.Code, grid?.Name, grid is null ? null : grid.StreetName ?? grid.StreetCode, grid is null ? null : grid.CommunityName ?? grid.CommunityCode, status, nearest, distance, reason];

    private static int CheckFile(string path, FileOptions files, ParseResult r, TextWriter output, TextWriter error, TimeProvider time,
        out GridImportResult? result, bool checkTiling = true, Func<string, GridServer.Domain.Geo.CrsDefinition?>? named = null)
    {
        result = null;
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var progress = new SynchronousProgress(p =>
        {
            if (p.Done != p.Total && clock.Elapsed - lastReport < TimeSpan.FromSeconds(1)) return;
            lastReport = clock.Elapsed;
            var rate = p.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            error.WriteLine($"{p.Phase}: {p.Done:N0}/{p.Total:N0} ({rate:N0}/s)");
        });
        try
        {
            var (checkedResult, dataset, crs) = GridFiles.Check(path, files.ImportOptions(r) with { CheckTiling = checkTiling }, r.GetValue(files.Srs), r.GetValue(files.Encoding), time, progress, named);
            result = checkedResult;
            output.WriteLine($"read {dataset.Features.Count} features from {dataset.FileName} (coordinate system: {crs.Name}" +
                (dataset.Encoding is null ? ")" : $"; encoding: {dataset.Encoding})"));
            if (crs.Shift is { } shift) output.WriteLine($"datum: {shift}");
            var shown = 0;
            foreach (var issue in result.Issues.OrderByDescending(i => i.IsError))
            {
                if (shown++ == 200) { error.WriteLine($"... and {result.Issues.Count - 200} more findings"); break; }
                error.WriteLine(issue.ToString());
            }
            return Ok;
        }
        catch (GridFileException e)
        {
            error.WriteLine(e.Message);
            return FileError;
        }
    }

    private static Task<int> WithStoreAsync(string connectionString, TextWriter error, TimeProvider time, Func<PostgisGridStore, Task<int>> action) =>
        WithDataSourceAsync(connectionString, error, async source =>
        {
            var store = new PostgisGridStore(source, time);
            await store.CheckSchemaAsync();
            return await action(store);
        });

    private static async Task<int> WithDataSourceAsync(string connectionString, TextWriter error, Func<Npgsql.NpgsqlDataSource, Task<int>> action)
    {
        if (StorageOptions.ConnectionStringError(connectionString) is { } problem)
        {
            await error.WriteLineAsync($"--postgres: not a valid connection string: {problem}");
            return UsageError;
        }
        var source = PostgisGridStore.CreateDataSource(connectionString);
        await using (source)
        {
            try
            {
                return await action(source);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                await error.WriteLineAsync($"database: {e.Message}");
                return DatabaseError;
            }
        }
    }

    private static double? Degrees(System.CommandLine.Parsing.ArgumentResult result, string option)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryDegrees(token, out var value)) return value;
        result.AddError($"{option} must be a decimal number of degrees, got '{Shorten(token)}'");
        return null;
    }

    private static bool TryDegrees(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Shorten(string s) => s.Length <= 30 ? s : s[..30] + "…";

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
