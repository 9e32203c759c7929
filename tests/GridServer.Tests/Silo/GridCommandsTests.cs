using System.Globalization;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Import;
using GridServer.Domain.Spatial;
using GridServer.SampleData;
using GridServer.Silo.Grids;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static GridServer.Tests.Support.TestImport;

namespace GridServer.Tests.Silo;

/// <summary>
/// The <c>grids import|export|locate</c> verbs, run in-process as the executable runs them, with files each
/// test writes into its own temporary folder. The commands see no environment: a GRIDSERVER_POSTGRES set where the tests run changes nothing.
/// </summary>
public sealed class GridCommandsTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>, IDisposable
{
    private const string A = "33030200100101", B = "33030200100102", C = "33030200100103";

    /// <summary>The street and community of A, B and C by their codes (their files name neither): CJ/T 213 codes hold them.</summary>
    private const string Street = "330302001", Community = "330302001001";

    /// <summary>A point of the shipped sample inside grid 33030200200910, away from its edges.</summary>
    private const double SampleLon = 120.65, SampleLat = 28.0;
    private const string SampleGrid = "33030200200910";

    private static readonly string[] AddedColumns = ["grid_code", "grid_name", "street", "community", "status", "nearest_grid", "distance_m", "reason"];

    /// <summary>The reference the answers are checked against: an index over the generated sample.</summary>
    private static readonly Lazy<GridIndex> SampleIndex = new(() => GridIndex.Build(LuchengSample.Generate().Select(g => (g.Code, g.Boundary))));

    private readonly string _dir = Directory.CreateTempSubdirectory("gridserver-cli-").FullName;
    // In UTC, as TimeProvider.GetUtcNow promises: Npgsql refuses to store any other offset.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record CliRun(int ExitCode, string Out, string Err);

    private async Task<CliRun> Grids(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await GridCommands.RunAsync(["grids", .. args], output, error, _clock, environment: _ => null);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string WriteFile(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        return PathOf(name);
    }

    /// <summary>A GeoJSON file of unit squares (see <see cref="TestImport.Square"/>): (code, x0, y0, side).</summary>
    private string WriteSquares(string name, params (string Code, double X, double Y, double Side)[] squares) =>
        WriteFile(name, Collection(squares.Select(s => (s.Code, Square(s.X, s.Y, s.Side))).ToArray()));

    private static string I(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Parses CSV output into records (with the product's reader: the writer is tested on raw text elsewhere).</summary>
    private static List<List<string>> Records(string csv)
    {
        using var reader = new StringReader(csv);
        var records = new List<List<string>>();
        foreach (var line in Csv.Read(reader))
        {
            Assert.Null(line.Error);
            records.Add([.. line.Fields]);
        }
        return records;
    }

    /// <summary>The single data row of a one-point locate, by column name.</summary>
    private static Dictionary<string, string> OnePoint(CliRun run, int exitCode = GridCommands.Ok)
    {
        Assert.Equal(exitCode, run.ExitCode);
        var records = Records(run.Out);
        Assert.Equal(["lon", "lat", .. AddedColumns], records[0]);
        Assert.Equal(2, records.Count);
        return records[0].Zip(records[1]).ToDictionary(p => p.First, p => p.Second);
    }

    // ---- import, checking only ------------------------------------------------------------------

    [Fact]
    public async Task Import_GoodGeoJsonWithoutPostgres_ChecksAndSaysReady()
    {
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1), (B, 1, 0, 1), (C, 2, 0, 1));

        var run = await Grids("import", file);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains("read 3 features from", run.Out);
        Assert.Contains("checked: 3 grids are ready to import; pass --postgres to store them", run.Out);
    }

    [Fact]
    public async Task Import_OverlappingGrids_RefusedNamingBothGridsAndArea()
    {
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1), (B, 0.5, 0, 1));

        var run = await Grids("import", file);

        Assert.Equal(GridCommands.Refused, run.ExitCode);
        var finding = Assert.Single(run.Err.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(A, finding);
        Assert.Contains(B, finding);
        Assert.Contains(" m²", finding);
        Assert.Contains("pass --allow-overlaps to accept", finding);
        Assert.Contains("refused: 1 error(s); nothing was stored", run.Err);
        Assert.DoesNotContain("checked:", run.Out);
    }

    [Fact]
    public async Task Import_OverlapWithAllowOverlaps_AcceptedWithWarning()
    {
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1), (B, 0.5, 0, 1));

        var run = await Grids("import", file, "--allow-overlaps");

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains($"warning: feature 0 ({A}): overlaps grid '{B}'", run.Err);
        Assert.Contains($"points in the overlap go to '{A}' (lowest code)", run.Err);
        Assert.Contains("checked: 2 grids are ready to import", run.Out);
    }

    [Fact]
    public async Task Import_MissingFile_FileErrorNoSuchFile()
    {
        var missing = PathOf("absent.geojson");

        var run = await Grids("import", missing);

        Assert.Equal(GridCommands.FileError, run.ExitCode);
        Assert.Contains($"{missing}: no such file", run.Err);
    }

    [Fact]
    public async Task Import_UnknownExtension_FileErrorListingFormats()
    {
        var file = WriteFile("grids.txt", "code,wkt\n");

        var run = await Grids("import", file);

        Assert.Equal(GridCommands.FileError, run.ExitCode);
        Assert.Contains($"{file}: unknown file type '.txt'; use {GridFiles.SupportedFormats}", run.Err);
    }

    [Fact]
    public async Task Import_ShapefileWithoutPrjOrSrs_FileErrorTellingToPassSrs()
    {
        var shp = WriteShapefile("grids", (A, 0, 0), (B, 1, 0));
        File.Delete(PathOf("grids.prj"));

        var run = await Grids("import", shp);

        Assert.Equal(GridCommands.FileError, run.ExitCode);
        Assert.Contains("declares no coordinate system (no .prj beside it); pass --srs", run.Err);
    }

    [Fact]
    public async Task Import_ShapefileWithoutPrjButSrs_Checked()
    {
        var shp = WriteShapefile("grids", (A, 0, 0), (B, 1, 0));
        File.Delete(PathOf("grids.prj"));

        var run = await Grids("import", shp, "--srs", "wgs84");

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains("checked: 2 grids are ready to import", run.Out);
    }

    [Fact]
    public async Task Import_BogusCodeScheme_UsageErrorNamingOption()
    {
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1));

        var run = await Grids("import", file, "--code-scheme", "bogus");

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains("--code-scheme must be cjt213 or free, not 'bogus'", run.Err);
    }

    private string WriteShapefile(string name, params (string Code, double X, double Y)[] squares)
    {
        var grids = Check(Collection(squares.Select(s => (s.Code, Square(s.X, s.Y))).ToArray())).Grids;
        ShapefileGridWriter.Write(PathOf(name + ".shp"), grids);
        return PathOf(name + ".shp");
    }

    // ---- import into PostGIS --------------------------------------------------------------------

    private async Task<PostgisGridStore> EmptyStoreAsync()
    {
        await using var clear = database.DataSource.CreateCommand("TRUNCATE gridserver.grids, gridserver.grid_history");
        await clear.ExecuteNonQueryAsync();
        return new PostgisGridStore(database.DataSource, _clock);
    }

    private async Task ImportIntoPostgresAsync(string file)
    {
        var run = await Grids("import", file, "--postgres", database.ConnectionString);
        Assert.True(run.ExitCode == GridCommands.Ok, $"import exited {run.ExitCode}: {run.Err}");
    }

    [PostgisFact]
    public async Task Import_WithPostgresThenChangedFile_StoresAndVersionsTheChangedGrid()
    {
        var store = await EmptyStoreAsync();
        var first = WriteSquares("v1.geojson", (A, 0, 0, 1), (B, 1, 0, 1));

        var run = await Grids("import", first, "--postgres", database.ConnectionString);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains("stored in PostGIS at", run.Out);
        Assert.Contains("2 added, 0 changed (new version), 0 unchanged, 0 retired", run.Out);
        Assert.Equal([(A, 1), (B, 1)], (await store.LoadCurrentAsync()).Select(g => (g.Code, g.Version)));

        _clock.Advance(TimeSpan.FromDays(1));
        var second = WriteSquares("v2.geojson", (A, 0, 0, 1), (B, 1, 0, 1.5));
        run = await Grids("import", second, "--postgres", database.ConnectionString);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains("0 added, 1 changed (new version), 1 unchanged, 0 retired", run.Out);
        var current = await store.LoadCurrentAsync();
        Assert.Equal([(A, 1), (B, 2)], current.Select(g => (g.Code, g.Version)));
        Assert.Equal(_clock.GetUtcNow(), current[1].ValidFrom);
    }

    [PostgisFact]
    public async Task Import_ReplaceWithGridMissing_RetiresItWhileMergeKeepsIt()
    {
        var store = await EmptyStoreAsync();
        await ImportIntoPostgresAsync(WriteSquares("all.geojson", (A, 0, 0, 1), (B, 1, 0, 1), (C, 2, 0, 1)));
        var withoutC = WriteSquares("two.geojson", (A, 0, 0, 1), (B, 1, 0, 1));

        var merge = await Grids("import", withoutC, "--postgres", database.ConnectionString);
        Assert.Equal(GridCommands.Ok, merge.ExitCode);
        Assert.Equal([A, B, C], (await store.LoadCurrentAsync()).Select(g => g.Code));

        var replace = await Grids("import", withoutC, "--postgres", database.ConnectionString, "--replace");

        Assert.Equal(GridCommands.Ok, replace.ExitCode);
        Assert.Contains("0 added, 0 changed (new version), 2 unchanged, 1 retired", replace.Out);
        Assert.Equal([A, B], (await store.LoadCurrentAsync()).Select(g => g.Code));
        Assert.NotNull(Assert.Single(await store.HistoryAsync(C)).ValidTo);
    }

    [PostgisFact]
    public async Task Import_RefusedFileWithPostgres_StoresNothing()
    {
        var store = await EmptyStoreAsync();
        var file = WriteSquares("overlap.geojson", (A, 0, 0, 1), (B, 0.5, 0, 1));

        var run = await Grids("import", file, "--postgres", database.ConnectionString);

        Assert.Equal(GridCommands.Refused, run.ExitCode);
        Assert.Contains("nothing was stored", run.Err);
        Assert.Empty(await store.LoadCurrentAsync());
    }

    [Theory]
    [InlineData("nonsense", "--postgres: not a valid connection string: ")]
    [InlineData("Host=127.0.0.1;Port=abc", "--postgres: not a valid connection string: Couldn't set port")]
    [InlineData("Username=postgres", "--postgres: not a valid connection string: it names no Host")]
    [InlineData("Host=127.0.0.1;Port=99999", "--postgres: not a valid connection string: Port 99999 is not between 1 and 65535")]
    public async Task Import_MalformedConnectionString_UsageErrorSayingWhy(string connection, string message)
    {
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1));

        var run = await Grids("import", file, "--postgres", connection);

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains(message, run.Err);
    }

    [Fact]
    public async Task Import_PostgresOnClosedPort_DatabaseErrorNamingTheAddress()
    {
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1));
        var port = FreePorts.Next();

        var run = await Grids("import", file, "--postgres", $"Host=127.0.0.1;Port={port};Username=postgres");

        Assert.Equal(GridCommands.DatabaseError, run.ExitCode);
        Assert.Contains($"database: Failed to connect to 127.0.0.1:{port}", run.Err);
    }

    [PostgisFact]
    public async Task Import_DatabaseWithoutSchema_DatabaseErrorPointingToMigrate()
    {
        await using var empty = await EmptyDatabase.CreateAsync();
        var file = WriteSquares("grids.geojson", (A, 0, 0, 1));

        var run = await Grids("import", file, "--postgres", empty.ConnectionString);

        Assert.Equal(GridCommands.DatabaseError, run.ExitCode);
        Assert.Contains("lacks the GridServer schema", run.Err);
        Assert.Contains("scripts/postgis.sh migrate", run.Err);
    }

    // ---- export ---------------------------------------------------------------------------------

    [PostgisFact]
    public async Task Export_FromPostgresToGeoJsonAndShapefile_BothReadBackWithTheStoredCodes()
    {
        await EmptyStoreAsync();
        await ImportIntoPostgresAsync(WriteSquares("in.geojson", (A, 0, 0, 1), (B, 1, 0, 1), (C, 0, 1, 1)));
        var geojson = PathOf("out.geojson");
        var shp = PathOf("out.shp");

        var toGeoJson = await Grids("export", geojson, "--postgres", database.ConnectionString);
        var toShapefile = await Grids("export", shp, "--postgres", database.ConnectionString);

        Assert.Equal((GridCommands.Ok, $"exported 3 grids to {geojson}"), (toGeoJson.ExitCode, toGeoJson.Out.Trim()));
        Assert.Equal((GridCommands.Ok, $"exported 3 grids to {shp}"), (toShapefile.ExitCode, toShapefile.Out.Trim()));
        Assert.Equal([A, B, C], GeoJsonGridReader.ReadFile(geojson).Features.Select(f => f.Attributes["code"]));
        Assert.Equal([A, B, C], ShapefileGridReader.Read(shp).Features.Select(f => f.Attributes["code"]));
        // Both re-import cleanly through the same front door.
        Assert.True(GridFiles.Check(geojson, new GridImportOptions(), null, null, _clock).Result.Accepted);
        Assert.True(GridFiles.Check(shp, new GridImportOptions(), null, null, _clock).Result.Accepted);
    }

    [Fact]
    public async Task Export_WithoutPostgres_WritesTheShippedSampleAsGeoJson()
    {
        var file = PathOf("sample.geojson");

        var run = await Grids("export", file);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains($"exported 3000 grids to {file}", run.Out);
        var written = GeoJsonGridReader.ReadFile(file);
        Assert.Equal(LuchengSample.Generate().Select(g => g.Code), written.Features.Select(f => (string?)f.Attributes["code"]));
    }

    [Fact]
    public async Task Export_UnknownExtension_UsageErrorNamingTypes()
    {
        var file = PathOf("grids.kml");

        var run = await Grids("export", file);

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains($"{file}: unknown output type '.kml'; use .geojson, .json or .shp", run.Err);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Export_FolderMissing_FileErrorCannotWrite()
    {
        var file = Path.Combine(_dir, "absent", "grids.geojson");

        var run = await Grids("export", file);

        Assert.Equal(GridCommands.FileError, run.ExitCode);
        Assert.Contains($"{file}: cannot write:", run.Err);
    }

    // ---- usage and faults -----------------------------------------------------------------------

    [Fact]
    public async Task UsageError_PrintsErrorAndHintOnStderr_NothingOnStdout()
    {
        var run = await Grids("locate", "--lon", "abc", "--lat", "28");

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains("error: ", run.Err);
        Assert.Contains("--help", run.Err);
    }

    [Fact]
    public async Task LocateCsv_BlankLinesAndLooseColumnNames_SkippedAndMatched()
    {
        var csv = WriteFile("loose.csv", $"id, Lon ,LAT\n1,{I(SampleLon)},{I(SampleLat)}\n\n2,{I(SampleLon)},{I(SampleLat)}\n");

        var run = await Grids("locate", "--csv", csv);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Equal(3, run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("1 blank line(s) skipped", run.Err);
        Assert.Contains("2 rows: 2 covered, 0 in no grid, 0 invalid", run.Err);
    }

    [Fact]
    public async Task Import_ReplaceWithSkipInvalid_RefusedAsUsageError()
    {
        var file = WriteSquares("r.geojson", (A, 0, 0, 1));

        var run = await Grids("import", file, "--replace", "--skip-invalid");

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains("--replace and --skip-invalid cannot go together", run.Err);
    }

    [Fact]
    public async Task LocateCsv_GbkFile_RefusedAsUtf8_ReadWithCsvEncoding()
    {
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        var gbk = System.Text.Encoding.GetEncoding("GBK");
        var path = PathOf("gbk.csv");
        await File.WriteAllBytesAsync(path, gbk.GetBytes($"名称,lon,lat\n五马街道,{I(SampleLon)},{I(SampleLat)}\n"));

        var refused = await Grids("locate", "--csv", path);
        var read = await Grids("locate", "--csv", path, "--csv-encoding", "GBK");

        Assert.Equal(GridCommands.FileError, refused.ExitCode);
        Assert.Contains("--csv-encoding", refused.Err);
        Assert.Equal(GridCommands.Ok, read.ExitCode);
        Assert.Contains("五马街道," + I(SampleLon), read.Out);
        Assert.Contains(SampleGrid + ",松台水街社区第10网格,松台街道,松台水街社区,covered", read.Out);
    }

    [Fact]
    public async Task LocateCsv_TextAfterClosingQuoteAndQuotedEmptyLine_KeptAsInvalidRows()
    {
        var csv = WriteFile("quotes.csv", $"name,lon,lat\n\"a\"b,{I(SampleLon)},{I(SampleLat)}\n\"\"\n");

        var run = await Grids("locate", "--csv", csv);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains("text follows the closing quote", run.Out);
        Assert.Contains("2 rows: 0 covered, 0 in no grid, 2 invalid", run.Err);
    }

    [Fact]
    public async Task Export_ShapefileWithTooLongName_FileErrorNamingTheLimit()
    {
        var file = WriteFile("long.geojson", Collection((A, Square(0, 0))).Replace("网格01", new string('长', 100)));
        var stored = Check(File.ReadAllText(file));
        Assert.True(stored.Accepted);
        var path = PathOf("long.shp");

        var e = Assert.Throws<ArgumentException>(() => ShapefileGridWriter.Write(path, stored.Grids));

        Assert.Contains("254", e.Message);
    }

    [Fact]
    public async Task Locate_WithoutPostgresOption_UsesGridServerPostgresFromTheEnvironment()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = await GridCommands.RunAsync(["grids", "locate", "--lon", "120.65", "--lat", "28"], output, error, _clock,
            environment: name => name == "GRIDSERVER_POSTGRES" ? "Host=127.0.0.1;Port=1;Username=nobody;Timeout=5" : null);

        Assert.Equal(GridCommands.DatabaseError, code);   // it tried the store the variable names (nothing listens on port 1)
    }

    // ---- locate one point -----------------------------------------------------------------------

    [Fact]
    public async Task Locate_PointInsideSampleGrid_Covered()
    {
        var row = OnePoint(await Grids("locate", "--lon", I(SampleLon), "--lat", I(SampleLat)));

        Assert.Equal(("120.65", "28", SampleGrid, "covered", "", "", ""),
            (row["lon"], row["lat"], row["grid_code"], row["status"], row["nearest_grid"], row["distance_m"], row["reason"]));
        // The sample's names of the grid, its street and community, as a person reads them.
        Assert.Equal(("松台水街社区第10网格", "松台街道", "松台水街社区"), (row["grid_name"], row["street"], row["community"]));
    }

    [Fact]
    public async Task Locate_PointFarFromSample_NoGridWithNearestGridAndDistance()
    {
        var expected = SampleIndex.Value.Match(121.5, 28.0);

        var row = OnePoint(await Grids("locate", "--lon", "121.5", "--lat", "28"));

        Assert.Equal(("", "no_grid", expected.NearestGridCode), (row["grid_code"], row["status"], row["nearest_grid"]));
        Assert.Equal(("", "", ""), (row["grid_name"], row["street"], row["community"]));
        Assert.Equal(expected.DistanceMetres!.Value.ToString("F2", CultureInfo.InvariantCulture), row["distance_m"]);
        Assert.True(expected.DistanceMetres > 70_000, "121.5°E lies some 80 km east of the sample");
    }

    [Fact]
    public async Task Locate_LatitudeBeyond90_InvalidWithReason()
    {
        var run = await Grids("locate", "--lon", "120.65", "--lat", "95");
        var row = OnePoint(run, GridCommands.UsageError);

        Assert.Equal(("", "invalid"), (row["grid_code"], row["status"]));
        Assert.Contains("invalid point: (120.65, 95) is not lon/lat in degrees", run.Err, StringComparison.Ordinal);
        Assert.Equal("(120.65, 95) is not lon/lat in degrees", row["reason"]);
    }

    [Fact]
    public async Task Locate_LonAndLatSwapped_InvalidWithSwapHint()
    {
        var row = OnePoint(await Grids("locate", "--lon", "28", "--lat", "120.65"), GridCommands.UsageError);

        Assert.Equal("invalid", row["status"]);
        Assert.Equal("(28, 120.65) is not lon/lat in degrees (are lon and lat swapped?)", row["reason"]);
    }

    [Fact]
    public async Task Locate_Gcj02Point_MatchesTheGridOfItsWgs84Position()
    {
        // The same place as seen on an Amap/WeChat map: some 500 m away in raw numbers.
        var (gcjLon, gcjLat) = ChineseOffsets.Wgs84ToGcj02(SampleLon, SampleLat);

        var asGcj02 = OnePoint(await Grids("locate", "--lon", I(gcjLon), "--lat", I(gcjLat), "--point-crs", "gcj02"));
        var asWgs84 = OnePoint(await Grids("locate", "--lon", I(gcjLon), "--lat", I(gcjLat)));

        Assert.Equal(SampleGrid, asGcj02["grid_code"]);
        Assert.Equal(SampleIndex.Value.Locate(gcjLon, gcjLat), asWgs84["grid_code"]);
        Assert.NotEqual(SampleGrid, asWgs84["grid_code"]);
    }

    [Fact]
    public async Task Locate_UnknownPointCrs_UsageErrorListingTheKnownOnes()
    {
        var run = await Grids("locate", "--lon", "120.65", "--lat", "28", "--point-crs", "mars");

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains("--point-crs: unknown point coordinate system 'mars'; use wgs84, gcj02, bd09 or cgcs2000", run.Err);
    }

    [Fact]
    public async Task Locate_LonWithoutLat_UsageErrorSayingTheyGoTogether()
    {
        var run = await Grids("locate", "--lon", "120.65");

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains("--lon and --lat go together", run.Err);
    }

    [Fact]
    public async Task Locate_NeitherPointNorCsv_UsageErrorSayingWhatToGive()
    {
        var run = await Grids("locate");

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains("give either --csv FILE or both --lon and --lat", run.Err);
    }

    // ---- locate a CSV ---------------------------------------------------------------------------

    /// <summary>Two grids side by side: A over x 0..1, B over x 1..2 (units of 0.001° from 120.6°E, 28°N).</summary>
    private string WriteTwoGrids() => WriteSquares("two.geojson", (A, 0, 0, 1), (B, 1, 0, 1));

    [Fact]
    public async Task LocateCsv_MessyRows_EveryRowKeptWithItsStatusAndReason()
    {
        var grids = WriteTwoGrids();
        var far = DistanceTo(grids, 121.5, 28.0);
        var csv = "\uFEFFid,note,lon,lat\r\n" +
                  "1,\"a, b\",120.6005,28.0005\r\n" +
                  "2,\"two\nlines\",120.6015,28.0005\r\n" +
                  "3,far,121.5,28.0\r\n" +
                  "4,text,abc,28.0\r\n" +
                  "5,empty,,28.0\r\n" +
                  "6,nan,NaN,28.0\r\n" +
                  "7,range,120.6,95\r\n" +
                  "8,swapped,28.0005,120.6005\r\n" +
                  "8b,nonsense,10,500\r\n" +
                  "9,short\r\n" +
                  "10,\"say \"\"hi\"\"\",120.6005,28.0005,extra\r\n" +
                  "11,\"open,120.6,28";
        var input = WriteFile("points.csv", csv);

        var run = await Grids("locate", "--grids", grids, "--csv", input);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains("12 rows: 2 covered, 1 in no grid, 9 invalid", run.Err);
        var records = Records(run.Out);
        Assert.Equal(["id", "note", "lon", "lat", .. AddedColumns], records[0]);
        string[][] expected =
        [
            ["1", "a, b", "120.6005", "28.0005", A, "网格01", Street, Community, "covered", "", "", ""],
            ["2", "two\nlines", "120.6015", "28.0005", B, "网格02", Street, Community, "covered", "", "", ""],
            ["3", "far", "121.5", "28.0", "", "", "", "", "no_grid", B, far, ""],
            ["4", "text", "abc", "28.0", "", "", "", "", "invalid", "", "", "lon 'abc' is not a number"],
            ["5", "empty", "", "28.0", "", "", "", "", "invalid", "", "", "lon is empty"],
            ["6", "nan", "NaN", "28.0", "", "", "", "", "invalid", "", "", "coordinates must be finite numbers"],
            ["7", "range", "120.6", "95", "", "", "", "", "invalid", "", "", "(120.6, 95) is not lon/lat in degrees"],
            ["8", "swapped", "28.0005", "120.6005", "", "", "", "", "invalid", "", "", "(28.0005, 120.6005) is not lon/lat in degrees (are lon and lat swapped?)"],
            ["8b", "nonsense", "10", "500", "", "", "", "", "invalid", "", "", "(10, 500) is not lon/lat in degrees"],
            ["9", "short", "", "", "", "", "", "", "invalid", "", "", "row has 2 fields, the header 4"],
            ["10", "say \"hi\"", "120.6005", "28.0005", "", "", "", "", "invalid", "", "", "row has 5 fields, the header 4; the 1 extra field(s) are left out here"],
            ["11", "open,120.6,28", "", "", "", "", "", "", "invalid", "", "", "a quoted field is not closed before the end of the file"],
        ];
        Assert.Equal(expected.Length + 1, records.Count);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], records[i + 1]);
    }

    /// <summary>Distance from a point to the nearest grid of a GeoJSON file, with the two decimals the command writes.</summary>
    private static string DistanceTo(string geojsonFile, double lon, double lat) =>
        GridIndex.Build(Check(File.ReadAllText(geojsonFile)).Grids.Select(g => (g.Code, g.Boundary)))
            .Match(lon, lat).DistanceMetres!.Value.ToString("F2", CultureInfo.InvariantCulture);

    [Fact]
    public async Task LocateCsv_Output_QuotesOnlyFieldsThatNeedItAndEndsLinesWithLf()
    {
        var input = WriteFile("points.csv", "id,note,lon,lat\n1,\"a, b\",120.6005,28.0005\n2,plain,120.6015,28.0005\n");

        var run = await Grids("locate", "--grids", WriteTwoGrids(), "--csv", input);

        Assert.Equal(
            "id,note,lon,lat,grid_code,grid_name,street,community,status,nearest_grid,distance_m,reason\n" +
            $"1,\"a, b\",120.6005,28.0005,{A},网格01,{Street},{Community},covered,,,\n" +
            $"2,plain,120.6015,28.0005,{B},网格02,{Street},{Community},covered,,,\n",
            run.Out);
    }

    [Fact]
    public async Task LocateCsv_NamedColumns_ReadFromThoseColumns()
    {
        var input = WriteFile("points.csv", "y,x\n28.0005,120.6005\n");

        var run = await Grids("locate", "--grids", WriteTwoGrids(), "--csv", input, "--lon-column", "x", "--lat-column", "y");

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Equal(["28.0005", "120.6005", A, "网格01", Street, Community, "covered", "", "", ""], Records(run.Out)[1]);
    }

    [Fact]
    public async Task LocateCsv_NoLatColumn_UsageErrorNamingTheColumn()
    {
        var input = WriteFile("points.csv", "id,lon,latitude\n1,120.6005,28.0005\n");

        var run = await Grids("locate", "--grids", WriteTwoGrids(), "--csv", input);

        Assert.Equal(GridCommands.UsageError, run.ExitCode);
        Assert.Contains($"{input}: no column 'lat' in the header (id, lon, latitude); name the columns with --lon-column and --lat-column", run.Err);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task LocateCsv_OutOption_WritesTheFileWithoutBomAndNothingToStdout()
    {
        var input = WriteFile("points.csv", "lon,lat\n120.6005,28.0005\n");
        var output = PathOf("located.csv");

        var run = await Grids("locate", "--grids", WriteTwoGrids(), "--csv", input, "--out", output);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains("1 rows: 1 covered, 0 in no grid, 0 invalid", run.Err);
        var bytes = File.ReadAllBytes(output);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal($"lon,lat,grid_code,grid_name,street,community,status,nearest_grid,distance_m,reason\n120.6005,28.0005,{A},网格01,{Street},{Community},covered,,,\n", System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task LocateCsv_EmptyFile_FileErrorAskingForHeader()
    {
        var input = WriteFile("points.csv", "");

        var run = await Grids("locate", "--grids", WriteTwoGrids(), "--csv", input);

        Assert.Equal(GridCommands.FileError, run.ExitCode);
        Assert.Contains($"{input}: the file is empty; it needs a header row naming the columns", run.Err);
    }

    [Fact]
    public async Task LocateCsv_MissingFile_FileErrorCannotRead()
    {
        var input = PathOf("absent.csv");

        var run = await Grids("locate", "--grids", WriteTwoGrids(), "--csv", input);

        Assert.Equal(GridCommands.FileError, run.ExitCode);
        Assert.Contains($"{input}: cannot read:", run.Err);
    }

    // ---- help -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(new string[0], "Import, export and locate unit grids.", "grids [command] [options]")]
    [InlineData(new[] { "import" }, "Check a grid file", "grids import <FILE> [options]")]
    [InlineData(new[] { "export" }, "Write the current grids as GeoJSON or Shapefile.", "grids export <FILE> [options]")]
    [InlineData(new[] { "locate" }, "Find the grid covering each point", "grids locate [options]")]
    public async Task Help_EveryVerb_ExitsZeroPrintingUsage(string[] verb, string description, string usage)
    {
        var run = await Grids([.. verb, "--help"]);

        Assert.Equal(GridCommands.Ok, run.ExitCode);
        Assert.Contains(description, run.Out);
        Assert.Contains("Usage:", run.Out);
        Assert.Contains(usage, run.Out);
        Assert.Equal("", run.Err);
    }
}
