using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Storage.Cases;
using GridServer.Tests.Support;

namespace GridServer.Tests.Postgres;

/// <summary>The case projection in PostGIS (gis-data/migrations/V003__cases.sql), in a private database. Every test writes its own case ids.</summary>
public class PostgisCaseProjectionTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);

    private static string NewId() => "C-" + Guid.NewGuid().ToString("N");

    private PostgisCaseProjection Projection() => new(database.DataSource);

    private static CaseEvent Event(int sequence, CaseAction action, CaseState from, CaseState to, string? note = null, ImmutableArray<string> evidence = default) =>
        new(sequence, T0.AddMinutes(sequence), "officer-1", action, from, to, note, evidence.IsDefault ? [] : evidence);

    /// <summary>Report, Register, Dispatch: the first three events of a case opened in a grid.</summary>
    private static CaseEvent[] Opening() =>
    [
        Event(1, CaseAction.Report, CaseState.Reported, CaseState.Reported, "car on the pavement"),
        Event(2, CaseAction.Register, CaseState.Reported, CaseState.Registered),
        Event(3, CaseAction.Dispatch, CaseState.Registered, CaseState.Dispatched, "A is on duty"),
    ];

    private static CaseProjectionRow Row(string id, CaseState state, int lastSequence, double lon = 120.65, double lat = 28.0) =>
        new(id, "parking", state, "33030200100101", "SQ-1", "officer-1", "A", "citizen-1", "blocked lane", lon, lat,
            state == CaseState.Dispatched ? T0.AddMinutes(13) : null, null, null, false, 0,
            T0.AddMinutes(1), T0.AddMinutes(lastSequence), null, lastSequence);

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<(int Sequence, string Action, string? Note, string[] Evidence)>> EventsAsync(string id)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT sequence, action, note, evidence FROM gridserver.case_events WHERE case_id = $1 ORDER BY sequence");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<(int, string, string?, string[])>();
        while (await reader.ReadAsync())
            events.Add((reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<string[]>(3)));
        return events;
    }

    /// <summary>The SQL search and the in-memory one (the embedded default's) give the same answers on the same rows.</summary>
    [PostgisFact]
    public async Task Search_EachCriterion_SameAnswersAsTheInMemoryStore()
    {
        var postgis = Projection();
        var memory = new InMemoryCaseProjection();
        var squad = "SQ-" + Guid.NewGuid().ToString("N")[..8];
        var far = NewId();
        var rows = new[]
        {
            Row(NewId(), CaseState.Dispatched, 3) with { SquadId = squad, ReportedAt = T0.AddHours(1), Channel = "app-citizens", Public = true },
            // A writer that says public without a channel is not believed; a channel's case not marked public stays private.
            Row(NewId(), CaseState.Closed, 9) with { SquadId = squad, Matter = "dust", ClosedAt = T0.AddHours(5), ReportedAt = T0.AddHours(2), Public = true },
            Row(far, CaseState.Registered, 2, lon: 121.5, lat: 28.5) with { SquadId = squad, GridCode = null, OfficerId = null, ReportedAt = T0.AddHours(3), Channel = "hotline" },
            Row(NewId(), CaseState.Registered, 2, lon: double.NaN, lat: double.NaN) with { SquadId = squad, GridCode = null, ReportedAt = T0.AddHours(4) },
        };
        foreach (var row in rows)
        {
            await postgis.WriteAsync(row, []);
            await memory.WriteAsync(row, []);
        }
        var box = new NetTopologySuite.IO.WKTReader(new NetTopologySuite.NtsGeometryServices(new NetTopologySuite.Geometries.PrecisionModel(), 4326))
            .Read("POLYGON((121.4 28.4,121.6 28.4,121.6 28.6,121.4 28.6,121.4 28.4))");
        var queries = new (string What, CaseQuery Query, int Expected)[]
        {
            ("squad", new(SquadId: squad), 4),
            ("matter", new(SquadId: squad, Matter: "dust"), 1),
            ("state", new(SquadId: squad, State: CaseState.Registered), 2),
            ("open", new(SquadId: squad, Open: true), 3),
            ("closed", new(SquadId: squad, Open: false), 1),
            ("period", new(SquadId: squad, ReportedFrom: T0.AddHours(2), ReportedTo: T0.AddHours(4)), 2),
            ("within", new(SquadId: squad, Within: box), 1),
            ("grid", new(SquadId: squad, GridCode: "33030200100101"), 2),
            ("page", new(SquadId: squad, Limit: 2, Offset: 1), 2),
            ("public", new(SquadId: squad, PublicOnly: true), 1),
        };
        foreach (var (what, query, expected) in queries)
        {
            var fromSql = await postgis.SearchAsync(query);
            var fromMemory = await memory.SearchAsync(query);
            Assert.True(expected == fromSql.Count, $"{what}: {fromSql.Count} rows from PostGIS, expected {expected}");
            Assert.Equal(fromMemory.Select(r => r.CaseId).ToArray(), fromSql.Select(r => r.CaseId).ToArray());
        }
        var found = Assert.Single(await postgis.SearchAsync(new CaseQuery(SquadId: squad, Within: box)));
        Assert.Equal((far, 121.5, 28.5, "hotline", false), (found.CaseId, found.Lon, found.Lat, found.Channel, found.Public));
        var published = Assert.Single(await postgis.SearchAsync(new CaseQuery(SquadId: squad, PublicOnly: true)));
        Assert.Equal((rows[0].CaseId, "app-citizens", true), (published.CaseId, published.Channel, published.Public));
        Assert.True(double.IsNaN((await postgis.SearchAsync(new CaseQuery(SquadId: squad, Limit: 1)))[0].Lon));   // newest: the address-only one
    }

    [PostgisFact]
    public async Task Projection_NewCase_StoresRowAndEvents()
    {
        var id = NewId();
        await Projection().CheckSchemaAsync();

        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), Opening());

        await using var command = database.DataSource.CreateCommand(
            "SELECT matter, state, grid_code, squad_id, officer_id, post, reporter_id, description, accept_by, handle_by, supervised, " +
            "rework_count, reported_at, updated_at, closed_at, last_sequence FROM gridserver.cases WHERE case_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("parking", "Dispatched", "33030200100101", "SQ-1", "officer-1", "A", "citizen-1", "blocked lane"),
            (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7)));
        Assert.Equal(T0.AddMinutes(13), reader.GetFieldValue<DateTimeOffset>(8));
        Assert.True(reader.IsDBNull(9));
        Assert.Equal((false, 0), (reader.GetBoolean(10), reader.GetInt32(11)));
        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(3)), (reader.GetFieldValue<DateTimeOffset>(12), reader.GetFieldValue<DateTimeOffset>(13)));
        Assert.True(reader.IsDBNull(14));
        Assert.Equal(3, reader.GetInt32(15));
        await reader.DisposeAsync();

        var events = await EventsAsync(id);
        Assert.Equal([(1, "Report"), (2, "Register"), (3, "Dispatch")], events.Select(e => (e.Sequence, e.Action)));
        Assert.Equal("A is on duty", events[2].Note);
    }

    [PostgisFact]
    public async Task Projection_SameTailWrittenTwice_NoDuplicates()
    {
        var id = NewId();
        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), Opening());

        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), Opening());

        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.cases WHERE case_id = $1", id));
        Assert.Equal([1, 2, 3], (await EventsAsync(id)).Select(e => e.Sequence));
    }

    [PostgisFact]
    public async Task Projection_Update_MovesStateAndDeadlines()
    {
        var id = NewId();
        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), Opening());
        var handling = Row(id, CaseState.Handling, 5) with { AcceptBy = null, HandleBy = T0.AddHours(4), Supervised = true, ReworkCount = 1 };

        await Projection().WriteAsync(handling,
            [Event(4, CaseAction.Accept, CaseState.Dispatched, CaseState.Accepted), Event(5, CaseAction.StartHandling, CaseState.Accepted, CaseState.Handling)]);

        await using var command = database.DataSource.CreateCommand(
            "SELECT state, accept_by IS NULL, handle_by, supervised, rework_count, updated_at, last_sequence FROM gridserver.cases WHERE case_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("Handling", true, T0.AddHours(4), true, 1, T0.AddMinutes(5), 5),
            (reader.GetString(0), reader.GetBoolean(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3), reader.GetInt32(4),
             reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6)));
    }

    [PostgisFact]
    public async Task Projection_LaterWriteWithMoreEvents_AppendsOnlyTheNewOnes()
    {
        var id = NewId();
        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), Opening());
        // A lagging projection resends its whole tail: the stored events stay as they were, the new one is added.
        var resent = Opening().Select(e => e with { Note = "must not overwrite" }).ToList();
        resent.Add(Event(4, CaseAction.Accept, CaseState.Dispatched, CaseState.Accepted, "accepted"));

        await Projection().WriteAsync(Row(id, CaseState.Accepted, 4), resent);

        var events = await EventsAsync(id);
        Assert.Equal([1, 2, 3, 4], events.Select(e => e.Sequence));
        Assert.Equal(["car on the pavement", null, "A is on duty", "accepted"], events.Select(e => e.Note));
    }

    [PostgisFact]
    public async Task Projection_OlderRowAfterNewerOne_KeepsTheNewer()
    {
        var id = NewId();
        await Projection().WriteAsync(Row(id, CaseState.Accepted, 4), [.. Opening(), Event(4, CaseAction.Accept, CaseState.Dispatched, CaseState.Accepted)]);

        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), Opening());

        Assert.Equal("Accepted", await ScalarAsync<string>("SELECT state FROM gridserver.cases WHERE case_id = $1", id));
    }

    [PostgisFact]
    public async Task Projection_SameSequenceNewGrid_UpdatesTheRow()
    {
        var id = NewId();
        await Projection().WriteAsync(Row(id, CaseState.Registered, 2) with { GridCode = null }, Opening()[..2]);

        await Projection().WriteAsync(Row(id, CaseState.Registered, 2) with { GridCode = "33030200100102" }, []);

        Assert.Equal("33030200100102", await ScalarAsync<string>("SELECT grid_code FROM gridserver.cases WHERE case_id = $1", id));
    }

    [PostgisFact]
    public async Task Projection_Location_IsA4326PointAtLonLat()
    {
        var id = NewId();

        await Projection().WriteAsync(Row(id, CaseState.Dispatched, 3, lon: 120.6543211, lat: 28.0012345), Opening());

        await using var command = database.DataSource.CreateCommand(
            "SELECT ST_SRID(geom), GeometryType(geom), ST_X(geom), ST_Y(geom) FROM gridserver.cases WHERE case_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((4326, "POINT", 120.6543211, 28.0012345), (reader.GetInt32(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3)));
    }

    [PostgisFact]
    public async Task Projection_ReportWithOnlyAnAddress_IsAnEmptyPoint()
    {
        var id = NewId();

        await Projection().WriteAsync(Row(id, CaseState.Registered, 2, lon: double.NaN, lat: double.NaN), Opening()[..2]);

        Assert.True(await ScalarAsync<bool>("SELECT ST_IsEmpty(geom) AND ST_SRID(geom) = 4326 FROM gridserver.cases WHERE case_id = $1", id));
    }

    [PostgisFact]
    public async Task Projection_SearchWithinPolygon_FindsTheCasesInsideOnly()
    {
        // Ids share a prefix so the search sees this test's cases only.
        var prefix = NewId();
        var (inside1, inside2, outside) = (prefix + "-in1", prefix + "-in2", prefix + "-out");
        await Projection().WriteAsync(Row(inside1, CaseState.Dispatched, 3, 120.601, 28.001), Opening());
        await Projection().WriteAsync(Row(inside2, CaseState.Dispatched, 3, 120.609, 28.009), Opening());
        await Projection().WriteAsync(Row(outside, CaseState.Dispatched, 3, 120.611, 28.005), Opening());

        await using var command = database.DataSource.CreateCommand(
            "SELECT case_id FROM gridserver.cases WHERE case_id LIKE $1 || '%' " +
            "AND ST_Within(geom, ST_GeomFromText('POLYGON((120.6 28.0, 120.61 28.0, 120.61 28.01, 120.6 28.01, 120.6 28.0))', 4326)) ORDER BY case_id");
        command.Parameters.AddWithValue(prefix);
        var found = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) found.Add(reader.GetString(0));

        Assert.Equal([inside1, inside2], found);
    }

    [PostgisFact]
    public async Task Projection_HostileStrings_SurviveTheRoundTrip()
    {
        var id = NewId() + "-'\"; DROP TABLE gridserver.cases; --";
        const string Unit = "挂账 O'Brien \"quoted\" \\backslash\\ 🚗 é \u202Ertl\u202C ";
        var note = string.Concat(Enumerable.Repeat(Unit, 10_000 / Unit.Length));
        note += new string('x', 10_000 - note.Length);   // whole units only: never half a surrogate pair
        ImmutableArray<string> evidence = ["{a,b}", "\"x\"", "NULL", "", "photo 1.jpg", "照片/😀.png", "back\\slash"];
        var description = "'); DELETE FROM gridserver.case_events; -- 路面 \t\r\n end";
        var row = Row(id, CaseState.Dispatched, 3) with { Description = description, ReporterId = "市民'1", Matter = "占道 \"经营\"" };
        CaseEvent[] events = [.. Opening()[..2], Event(3, CaseAction.Dispatch, CaseState.Registered, CaseState.Dispatched, note, evidence)];

        await Projection().WriteAsync(row, events);

        await using var command = database.DataSource.CreateCommand(
            "SELECT c.case_id, c.description, c.reporter_id, c.matter, e.note, e.evidence " +
            "FROM gridserver.cases c JOIN gridserver.case_events e USING (case_id) WHERE c.case_id = $1 AND e.sequence = 3");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((id, description, "市民'1", "占道 \"经营\""), (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        Assert.Equal(10_000, reader.GetString(4).Length);
        Assert.Equal(note, reader.GetString(4));
        Assert.Equal(evidence.ToArray(), reader.GetFieldValue<string[]>(5));
    }

    [PostgisFact]
    public async Task Projection_OneEventRefused_NothingOfTheWriteIsStored()
    {
        var id = NewId();
        // PostgreSQL text cannot hold a NUL character: the third event is refused, and with it the whole write.
        CaseEvent[] events = [.. Opening()[..2], Event(3, CaseAction.Dispatch, CaseState.Registered, CaseState.Dispatched, "nul \0 here")];

        await Assert.ThrowsAnyAsync<Exception>(() => Projection().WriteAsync(Row(id, CaseState.Dispatched, 3), events));

        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.cases WHERE case_id = $1", id));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.case_events WHERE case_id = $1", id));
    }

    [PostgisFact]
    public async Task Projection_DeadlineWithAnOffset_StoredAsTheSameInstant()
    {
        var id = NewId();
        var local = new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.FromHours(8));

        await Projection().WriteAsync(Row(id, CaseState.Handling, 3) with { HandleBy = local }, Opening());

        await using var command = database.DataSource.CreateCommand("SELECT handle_by FROM gridserver.cases WHERE case_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(local, reader.GetFieldValue<DateTimeOffset>(0));
    }
}
