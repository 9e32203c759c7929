using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Evaluation;
using GridServer.Domain.Notices;
using GridServer.Domain.Personnel;
using GridServer.Storage.Cases;
using GridServer.Storage.Notices;
using GridServer.Tests.Support;
using NetTopologySuite.Geometries;

namespace GridServer.Tests.Postgres;

/// <summary>
/// The case store and the notice store in PostGIS (migrations V003, V010), in a private database, each checked against
/// the in-memory stores of the embedded default where both answer the same question. Every test writes its own case ids.
/// </summary>
public class PostgisCaseStoreTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
    private static readonly CaseWorkflow Workflow = MatterPolicies.Defaults().Default;

    private static string NewId() => "C-" + Guid.NewGuid().ToString("N");

    private PostgisCaseStore Store() => new(database.DataSource);

    private static DispatchDecision ToA(string squad = "SQ-1") => new(DispatchPost.A, squad, "officer-1", "A officer officer-1 is on duty");

    /// <summary>A case opened at <see cref="T0"/> in a grid and dispatched to officer-1.</summary>
    private static CaseRecord Opened(string id, string? grid = "33030200100101", double lon = 120.65, double lat = 28.0, string squad = "SQ-1",
        CaseReportFacts? report = null, string matter = "parking") =>
        CaseSteps.Open(id, matter, report ?? new CaseReportFacts(lon, lat, "citizen-1", "blocked lane"), grid, "app-1", T0, Workflow,
            grid is null ? DispatchRule.Decide(null, _ => DutyStatus.OffDuty) : ToA(squad), "L-1").Record;

    private static CaseWrite First(CaseRecord record, ImmutableArray<NoticeEntry> notices = default, ImmutableArray<NoticeEntry> outbox = default) =>
        new(record with { Version = 1 }, 0, CaseSteps.NextWake(record, Workflow), notices.IsDefault ? [] : notices, outbox.IsDefault ? [] : outbox);

    private static NoticeEntry Notice(string caseId, string recipient, string text = "派遣通知", string? grid = "33030200100101") =>
        new("N-" + Guid.NewGuid().ToString("N"), recipient, NoticeChannel.Inbox, "dispatch", [caseId], grid is null ? [] : [grid], text, "dispatch.scriban", T0, "recorded",
            ["330302001001"]);

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static void AssertSame(CaseRecord expected, CaseRecord actual)
    {
        Assert.Equal(expected with { File = expected.File with { Timeline = [], History = null }, Report = expected.Report with { Attributes = null, CandidateGrids = null }, Duplicates = null },
            actual with { File = actual.File with { Timeline = [], History = null }, Report = actual.Report with { Attributes = null, CandidateGrids = null }, Duplicates = null });
        Assert.Equal(expected.LinkedDuplicates, actual.LinkedDuplicates);
        Assert.Equal(expected.Report.CandidateGrids?.ToArray(), actual.Report.CandidateGrids?.ToArray());
        Assert.Equal(expected.File.History, actual.File.History);
        Assert.Equal(expected.Report.Attributes?.ToArray(), actual.Report.Attributes?.ToArray());
        Assert.Equal(expected.File.Timeline.Count, actual.File.Timeline.Count);
        foreach (var (e, a) in expected.File.Timeline.Zip(actual.File.Timeline))
        {
            Assert.Equal(e with { Evidence = [] }, a with { Evidence = [] });
            Assert.Equal(e.Evidence.IsDefault ? [] : e.Evidence.ToArray(), a.Evidence.ToArray());
        }
    }

    [PostgisFact]
    public async Task Write_NewCase_LoadsBackAsWritten()
    {
        await using var store = Store();
        var id = NewId();
        var record = Opened(id) with { Version = 1 };
        Assert.True(await store.WriteAsync(First(record)));
        var load = await store.LoadAsync(id);
        Assert.False(load.Legacy);
        AssertSame(record, load.Record!);
        Assert.Equal(1, await ScalarAsync<int>("SELECT version FROM gridserver.cases WHERE case_id = $1", id));
        Assert.Equal(3L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.case_events WHERE case_id = $1", id));
    }

    [PostgisFact]
    public async Task Write_EveryField_RoundTrips()
    {
        await using var store = Store();
        var id = NewId();
        var party = new CasePartyFacts("shops", "S-'1\"", "张记小吃", "frontage zone", "0577-8888 1234", 2, true, true, 30);
        var report = new CaseReportFacts(120.65, 28.0, "citizen-\u00e9", "'; DROP TABLE gridserver.cases; --", "人民路 12 号门口", "https://x.test/a.jpg?b=1&c=2",
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("plate", "浙C12345"), KeyValuePair.Create("quote\"", "a\\b")]),
            "违停", "app-1", party);
        var opened = Opened(id, report: report);
        var now = T0.AddMinutes(1);
        var accepted = CaseSteps.Act(opened, new CaseCommand(CaseAction.Accept, "officer-1", now, RequestKey: "0123456789ABCDEF0123456789ABCDEF"), Workflow).Record;
        Assert.Equal("0123456789ABCDEF0123456789ABCDEF", accepted.File.Timeline[^1].RequestKey);
        var handling = CaseSteps.Act(accepted, new CaseCommand(CaseAction.StartHandling, "officer-1", now, Evidence: ["photo-1", "https://x.test/\"2\""]), Workflow).Record;
        var asked = CaseSteps.Act(handling, new CaseCommand(CaseAction.RequestExtension, "officer-1", now, "more time", NewDeadline: now.AddDays(2)), Workflow).Record;
        var parked = CaseSteps.Act(asked, new CaseCommand(CaseAction.Park, "officer-1", now.AddMinutes(1), "waiting for parts"), Workflow).Record;
        var record = parked with { WarnedFor = T0.AddMinutes(8), Escalation = new CaseEscalation(T0.AddMinutes(9), "the accept deadline passed"), QueueReason = "nobody on duty", Version = 1 };
        Assert.True(await store.WriteAsync(new CaseWrite(record, 0, null, [], [])));
        AssertSame(record, (await store.LoadAsync(id)).Record!);
    }

    [PostgisFact]
    public async Task Write_ReportWithOnlyAnAddress_StoredAsEmptyPointAndLoadsAsNaN()
    {
        await using var store = Store();
        var id = NewId();
        var record = Opened(id, grid: null, lon: double.NaN, lat: double.NaN);
        Assert.True(record.Queued);
        Assert.True(await store.WriteAsync(First(record)));
        Assert.True(await ScalarAsync<bool>("SELECT ST_IsEmpty(geom) FROM gridserver.cases WHERE case_id = $1", id));
        var loaded = (await store.LoadAsync(id)).Record!;
        Assert.True(double.IsNaN(loaded.Report.Lon) && double.IsNaN(loaded.Report.Lat));
    }

    [PostgisFact]
    public async Task Write_Location_IsA4326PointAtLonLat()
    {
        await using var store = Store();
        var id = NewId();
        Assert.True(await store.WriteAsync(First(Opened(id, lon: 120.6512345, lat: 28.0012345))));
        Assert.Equal("SRID=4326;POINT(120.6512345 28.0012345)", await ScalarAsync<string>("SELECT ST_AsEWKT(geom) FROM gridserver.cases WHERE case_id = $1", id));
    }

    [PostgisFact]
    public async Task Write_LaterStep_AppendsOnlyItsNewEvents()
    {
        await using var store = Store();
        var id = NewId();
        var opened = Opened(id) with { Version = 1 };
        Assert.True(await store.WriteAsync(First(opened)));
        var accepted = CaseSteps.Act(opened, new CaseCommand(CaseAction.Accept, "officer-1", T0.AddMinutes(2)), Workflow).Record with { Version = 2 };
        Assert.True(await store.WriteAsync(new CaseWrite(accepted, opened.File.Timeline.Count, CaseSteps.NextWake(accepted, Workflow), [], [])));
        var loaded = (await store.LoadAsync(id)).Record!;
        Assert.Equal([CaseAction.Report, CaseAction.Register, CaseAction.Dispatch, CaseAction.Accept], loaded.File.Timeline.Select(e => e.Action));
        Assert.Equal((CaseState.Accepted, 2), (loaded.State, loaded.Version));
        Assert.Equal(accepted.File.Deadlines, loaded.File.Deadlines);
    }

    [PostgisFact]
    public async Task Write_StaleVersion_RefusedAndNothingOfItWritten()
    {
        await using var store = Store();
        var id = NewId();
        var opened = Opened(id) with { Version = 1 };
        Assert.True(await store.WriteAsync(First(opened)));
        // A second activation that read version 1 too writes first; this one's step (also version 2) must not land.
        var winner = CaseSteps.Act(opened, new CaseCommand(CaseAction.Accept, "officer-1", T0.AddMinutes(2)), Workflow).Record with { Version = 2 };
        var loser = CaseSteps.Act(opened, new CaseCommand(CaseAction.Return, "officer-1", T0.AddMinutes(2), "not ours"), Workflow).Record with { Version = 2 };
        Assert.True(await store.WriteAsync(new CaseWrite(winner, 3, null, [], [])));
        Assert.False(await store.WriteAsync(new CaseWrite(loser, 3, null, [Notice(id, "officer:O-LOSER")], [Notice(id, "liaison:L-LOSER")])));
        var loaded = (await store.LoadAsync(id)).Record!;
        Assert.Equal((CaseState.Accepted, CaseAction.Accept), (loaded.State, loaded.File.Timeline[^1].Action));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.notices WHERE recipient = 'officer:O-LOSER'"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.notice_outbox WHERE recipient = 'liaison:L-LOSER'"));
        // A new case whose id is taken is refused the same way.
        Assert.False(await store.WriteAsync(First(Opened(id))));
    }

    [PostgisFact]
    public async Task Write_ManyAtOnce_AllCommitted_InFewerTransactionsThanWrites()
    {
        await using var store = Store();
        var records = Enumerable.Range(0, 200).Select(_ => Opened(NewId())).ToList();
        var results = await Task.WhenAll(records.Select(r => store.WriteAsync(First(r, [Notice(r.Id, "officer:officer-1")]))));
        Assert.All(results, Assert.True);
        var (batches, writes) = store.Committed;
        Assert.Equal(200, writes);
        Assert.True(batches < writes, $"{batches} batches for {writes} writes");
        foreach (var r in records) Assert.Equal(CaseState.Dispatched, (await store.LoadAsync(r.Id)).Record!.State);
    }

    [PostgisFact]
    public async Task Write_OneBadWriteAmongMany_FailsAloneAndTheOthersCommit()
    {
        await using var store = Store(); 
        var good = Enumerable.Range(0, 20).Select(_ => Opened(NewId())).ToList();
        // A rework count below zero breaks the table's check: the database refuses that row.
        var bad = Opened(NewId());
        bad = bad with { File = bad.File with { ReworkCount = -1 } };
        var writes = good.Select(r => store.WriteAsync(First(r))).Append(store.WriteAsync(First(bad))).ToList();
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => writes[^1]);
        foreach (var w in writes.Take(good.Count)) Assert.True(await w);
        Assert.Equal(CaseLoad.Missing, await store.LoadAsync(bad.Id));
    }

    [PostgisFact]
    public async Task Write_HostileStrings_SurviveTheRoundTrip()
    {
        await using var store = Store();
        var id = NewId();
        var hostile = "'); DELETE FROM gridserver.cases; --\0\u202e\ud83d\ude97 \\N \t\n" + new string('长', 2000);
        var report = new CaseReportFacts(120.65, 28.0, hostile.Replace("\0", "", StringComparison.Ordinal), hostile.Replace("\0", "", StringComparison.Ordinal));
        var record = Opened(id, report: report);
        Assert.True(await store.WriteAsync(First(record, [Notice(id, "officer:officer-1", hostile.Replace("\0", "", StringComparison.Ordinal))])));
        AssertSame(record with { Version = 1 }, (await store.LoadAsync(id)).Record!);
        var page = await new PostgisNoticeStore(database.DataSource).PageAsync("officer:officer-1", 0, 500);
        Assert.Contains(page.Notices, n => n.CaseIds.Contains(id) && n.Text == hostile.Replace("\0", "", StringComparison.Ordinal));
    }

    [PostgisFact]
    public async Task Write_DeadlineWithAnOffset_StoredAsTheSameInstant()
    {
        await using var store = Store();
        var id = NewId();
        var record = Opened(id);
        record = record with { File = record.File with { Deadlines = new CaseDeadlines(AcceptBy: new DateTimeOffset(2026, 11, 30, 9, 10, 0, TimeSpan.FromHours(8))) } };
        Assert.True(await store.WriteAsync(First(record)));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 1, 10, 0, TimeSpan.Zero), (await store.LoadAsync(id)).Record!.File.Deadlines.AcceptBy);
    }

    [PostgisFact]
    public async Task Due_WakeTimes_PerShardEarliestFirstAndOnlyThoseDue()
    {
        await using var store = Store();
        var ids = Enumerable.Range(0, 40).Select(_ => NewId()).ToList();
        for (var i = 0; i < ids.Count; i++)
            Assert.True(await store.WriteAsync(new CaseWrite(Opened(ids[i]) with { Version = 1 }, 0, T0.AddMinutes(i), [], [])));
        var now = T0.AddMinutes(19.5);   // the first 20 are due
        var due = new List<string>();
        for (var shard = 0; shard < CaseShards.Count; shard++)
        {
            var found = await store.DueAsync(shard, now, 1000);
            Assert.All(found, id => Assert.Equal(shard, CaseShards.Of(id)));
            var ours = found.Where(ids.Contains).ToList();   // other tests' cases share the database
            Assert.Equal(ours.OrderBy(ids.IndexOf), ours);
            due.AddRange(ours);
        }
        Assert.Equal(ids.Take(20).Order(StringComparer.Ordinal), due.Order(StringComparer.Ordinal));
    }

    [PostgisFact]
    public async Task Load_RowProjectedByAnOlderServer_SaysLegacy()
    {
        await using var store = Store();
        var id = NewId();
        await using (var command = database.DataSource.CreateCommand("""
            INSERT INTO gridserver.cases (case_id, matter, state, reporter_id, geom, supervised, rework_count, reported_at, updated_at, last_sequence)
            VALUES ($1, 'parking', 'Dispatched', 'citizen-1', ST_SetSRID(ST_MakePoint(120.65, 28.0), 4326), false, 0, now(), now(), 3)
            """))
        {
            command.Parameters.AddWithValue(id);
            await command.ExecuteNonQueryAsync();
        }
        Assert.Equal(new CaseLoad(null, true), await store.LoadAsync(id));
        // Its first write in the store (version 1 over the old row) is taken.
        Assert.True(await store.WriteAsync(First(Opened(id))));
        Assert.False((await store.LoadAsync(id)).Legacy);
    }

    [PostgisFact]
    public async Task Lists_QueueAndSupervision_OpenCasesOnly()
    {
        await using var store = Store();
        var (queued, escalated, closed) = (NewId(), NewId(), NewId());
        Assert.True(await store.WriteAsync(First(Opened(queued) with { QueueReason = "nobody on duty" })));
        Assert.True(await store.WriteAsync(First(Opened(escalated) with { Escalation = new CaseEscalation(T0.AddMinutes(11), "the accept deadline passed") })));
        // Waiting in the queue (no grid), escalated, then voided: on neither list any more.
        var ended = CaseSteps.Act(Opened(closed, grid: null) with { Escalation = new CaseEscalation(T0, "y") },
            new CaseCommand(CaseAction.Void, "dispatcher-1", T0.AddMinutes(1), "not a case"), Workflow).Record;
        Assert.Equal(CaseState.Void, ended.State);
        Assert.True(await store.WriteAsync(First(ended with { QueueReason = "x" })));
        var queue = await store.QueueAsync(1000);
        var supervision = await store.EscalatedAsync(1000);
        Assert.Contains(queue, m => m.CaseId == queued && m.Reason == "nobody on duty");
        Assert.Contains(supervision, m => m.CaseId == escalated && m.Reason == "the accept deadline passed" && m.At == T0.AddMinutes(11));
        Assert.DoesNotContain(queue, m => m.CaseId == closed);
        Assert.DoesNotContain(supervision, m => m.CaseId == closed);
    }

    /// <summary>The SQL search and the in-memory one (the embedded default's) give the same answers on the same cases.</summary>
    [PostgisFact]
    public async Task Search_EachCriterion_SameAnswersAsTheInMemoryStore()
    {
        await using var postgis = Store();
        var memory = new InMemoryCaseStore();
        var squad = "SQ-" + Guid.NewGuid().ToString("N")[..8];
        var grid = "G-" + Guid.NewGuid().ToString("N")[..8];
        var records = new List<CaseRecord>
        {
            Opened(NewId(), grid, 120.65, 28.0, squad, new CaseReportFacts(120.65, 28.0, "c-1", null, ReportingChannel: "app-citizens", Public: true)),
            // A report that says public without a channel is not believed; a channel's case not marked public stays private.
            Opened(NewId(), grid, 120.66, 28.01, squad, new CaseReportFacts(120.66, 28.01, "c-2", null, Public: true), matter: "shopfront"),
            Opened(NewId(), "G-other", 121.5, 29.5, squad, new CaseReportFacts(121.5, 29.5, "c-3", null, ReportingChannel: "hotline")),
            Opened(NewId(), null, double.NaN, double.NaN, squad),
        };
        // Voided at a time of its own, so that what changed since then is this case alone among every test's.
        var voidAt = T0.AddDays(Random.Shared.Next(1000, 1_000_000)).AddTicks(Random.Shared.Next(1, 1_000_000) * 10);
        var returned = CaseSteps.Act(records[1], new CaseCommand(CaseAction.Return, "officer-1", voidAt.AddMinutes(-1), "not ours"), Workflow);
        var voided = CaseSteps.Act(returned.Record, new CaseCommand(CaseAction.Void, "d-1", voidAt, "no case"), Workflow);
        Assert.Equal((null, null, CaseState.Void), (returned.Refusal, voided.Refusal, voided.Record.File.State));
        records[1] = voided.Record;
        records[0] = records[0] with { WarnedFor = records[0].File.Deadlines.AcceptBy };
        records[2] = records[2] with { File = records[2].File with { Supervised = true } };
        foreach (var r in records)
        {
            Assert.True(await postgis.WriteAsync(First(r)));
            Assert.True(await memory.WriteAsync(First(r)));
        }
        var square = new GeometryFactory(new PrecisionModel(), 4326).CreatePolygon([new(120.6, 27.9), new(120.7, 27.9), new(120.7, 28.1), new(120.6, 28.1), new(120.6, 27.9)]);
        CaseQuery[] queries =
        [
            new(SquadId: squad), new(GridCode: grid), new(SquadId: squad, Matter: "shopfront"), new(SquadId: squad, State: CaseState.Void),
            new(SquadId: squad, Open: true), new(SquadId: squad, Open: false), new(SquadId: squad, Within: square),
            new(SquadId: squad, ReportedFrom: T0, ReportedTo: T0.AddMinutes(1)), new(SquadId: squad, GridCodes: new HashSet<string> { grid, "G-other" }),
            new(SquadId: squad, Limit: 2, Offset: 1), new(OfficerId: "officer-1", SquadId: squad, Open: true), new(SquadId: squad, PublicOnly: true),
            new(SquadId: squad, Channel: "hotline"), new(SquadId: squad, Supervised: true), new(SquadId: squad, Supervised: false),
            new(SquadId: squad, Overdue: true, Now: T0.AddMinutes(1)), new(SquadId: squad, Overdue: true, Now: T0.AddMinutes(11)),
            new(SquadId: squad, Overdue: false, Now: T0.AddMinutes(11)), new(SquadId: squad, Warned: true, Now: T0.AddMinutes(1)),
            new(SquadId: squad, Warned: false, Now: T0.AddMinutes(1)), new(SquadId: squad, Warned: true, Now: T0.AddMinutes(11)),
        ];
        foreach (var query in queries)
        {
            var fromPostgis = (await postgis.SearchAsync(query)).Select(r => r.CaseId).ToList();
            var fromMemory = (await memory.SearchAsync(query)).Select(r => r.CaseId).ToList();
            Assert.True(fromMemory.SequenceEqual(fromPostgis), $"{query}: memory [{string.Join(", ", fromMemory)}], PostGIS [{string.Join(", ", fromPostgis)}]");
        }
        string[] Ids(IEnumerable<CaseProjectionRow> rows) => [.. rows.Select(r => r.CaseId).Order(StringComparer.Ordinal)];
        // Warned: the warning stands until its deadline passes; then the case is overdue instead. Void and address-only cases run no deadline.
        Assert.Equal([records[0].Id], Ids(await postgis.SearchAsync(new CaseQuery(SquadId: squad, Warned: true, Now: T0.AddMinutes(1)))));
        Assert.Equal(Ids([CaseProjectionRow.Of(records[0]), CaseProjectionRow.Of(records[2])]),
            Ids(await postgis.SearchAsync(new CaseQuery(SquadId: squad, Overdue: true, Now: T0.AddMinutes(11)))));
        Assert.Equal([records[2].Id], Ids(await postgis.SearchAsync(new CaseQuery(SquadId: squad, Channel: "hotline"))));
        Assert.Throws<ArgumentException>(() => new CaseQuery(Overdue: true).Matches(CaseProjectionRow.Of(records[0])));
        var changed = await postgis.ChangedSinceAsync(voidAt, 10);
        Assert.Equal([records[1].Id], Ids(changed.Where(r => records.Any(c => c.Id == r.CaseId))));
        Assert.Equal([records[1].Id], Ids(await memory.ChangedSinceAsync(voidAt, 10)));
        Assert.Equal(voidAt, Assert.Single(changed, r => r.CaseId == records[1].Id).UpdatedAt);
        // The case with only an address went to nobody: it has no squad.
        Assert.Equal(3, (await postgis.SearchAsync(new CaseQuery(SquadId: squad))).Count);
        var published = Assert.Single(await postgis.SearchAsync(new CaseQuery(SquadId: squad, PublicOnly: true)));
        Assert.Equal((records[0].Id, "app-citizens", true), (published.CaseId, published.Channel, published.Public));
        Assert.Equal(("hotline", false), ((await postgis.LoadAsync(records[2].Id)).Record!.Report.ReportingChannel, (await postgis.LoadAsync(records[2].Id)).Record!.Public));
    }

    [PostgisFact]
    public async Task Notices_StepNoticesAndRecordedOnes_PagedMarkedAndCountedAsInMemory()
    {
        await using var store = Store();
        var postgis = new PostgisNoticeStore(database.DataSource);
        var memory = new InMemoryNoticeStore();
        var inbox = "officer:O-" + Guid.NewGuid().ToString("N");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = NewId();
            var notice = Notice(id, inbox, $"notice {i}");
            ids.Add(notice.NoticeId);
            Assert.True(await store.WriteAsync(First(Opened(id), [notice])));
            await memory.RecordAsync([notice]);
        }
        // A combined message recorded apart from any step, and the same notice recorded twice: kept once.
        var combined = new NoticeEntry("N-" + Guid.NewGuid().ToString("N"), inbox, NoticeChannel.Inbox, "liaison-alert", ["C-1", "C-2"], ["G-1", "G-2"], "2 条",
            "a + b", T0, "recorded", []);
        await postgis.RecordAsync([combined, combined]);
        await memory.RecordAsync([combined, combined]);
        await postgis.RecordAsync([combined]);
        async Task SameAsync()
        {
            foreach (var (offset, limit) in new[] { (0, 500), (1, 2), (5, 10), (9, 1) })
            {
                var a = await postgis.PageAsync(inbox, offset, limit);
                var b = await memory.PageAsync(inbox, offset, limit);
                Assert.Equal((b.Total, b.Unread), (a.Total, a.Unread));
                Assert.Equal(b.Notices.Select(n => (n.NoticeId, n.Text, string.Join(",", n.CaseIds))), a.Notices.Select(n => (n.NoticeId, n.Text, string.Join(",", n.CaseIds))));
            }
        }
        await SameAsync();
        Assert.Equal(6, (await postgis.PageAsync(inbox, 0, 500)).Unread);
        Assert.Equal(3, await postgis.MarkReadAsync(inbox, ids[2]));
        Assert.Equal(3, await memory.MarkReadAsync(inbox, ids[2]));
        Assert.Equal(3, await postgis.MarkReadAsync(inbox, ids[0]));   // behind the mark: nothing changes
        Assert.Null(await postgis.MarkReadAsync(inbox, "N-none"));
        Assert.Null(await postgis.MarkReadAsync("officer:nobody", ids[0]));
        await SameAsync();
    }

    [PostgisFact]
    public async Task Outbox_StepAlerts_ClaimedOnceWhileLeasedAndGoneWhenDone()
    {
        await using var store = Store();
        var outbox = new PostgisNoticeStore(database.DataSource);
        var id = NewId();
        var alert = Notice(id, "liaison:L-" + Guid.NewGuid().ToString("N"));
        Assert.True(await store.WriteAsync(First(Opened(id), outbox: [alert])));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.notices WHERE notice_id = $1", alert.NoticeId));
        Assert.DoesNotContain(await outbox.ClaimAsync(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), 1000), n => n.NoticeId == alert.NoticeId);
        var claimed = await outbox.ClaimAsync(TimeSpan.Zero, TimeSpan.FromMinutes(1), 1000);
        var back = claimed.Single(n => n.NoticeId == alert.NoticeId);
        Assert.Equal((alert.Recipient, alert.Channel, alert.Kind, alert.Text, alert.TemplateSource, alert.At), (back.Recipient, back.Channel, back.Kind, back.Text, back.TemplateSource, back.At));
        Assert.Equal((alert.CaseIds.Single(), alert.GridCodes.Single(), alert.CommunityCodes.Single()), (back.CaseIds.Single(), back.GridCodes.Single(), back.CommunityCodes.Single()));
        Assert.DoesNotContain(await outbox.ClaimAsync(TimeSpan.Zero, TimeSpan.FromMinutes(1), 1000), n => n.NoticeId == alert.NoticeId);
        await outbox.DoneAsync([alert.NoticeId]);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM gridserver.notice_outbox WHERE notice_id = $1", alert.NoticeId));
    }

    /// <summary>A case opened at <see cref="T0"/>, dispatched to an officer of its own, accepted 15 minutes later (late), written in two steps.</summary>
    private static async Task<(CaseRecord Record, string Officer)> AcceptedLateAsync(PostgisCaseStore store)
    {
        var officer = "O-" + Guid.NewGuid().ToString("N")[..10];
        var opened = CaseSteps.Open(NewId(), "parking", new CaseReportFacts(120.65, 28.0, "citizen-1"), "33030200100101", "app-1", T0, Workflow,
            new DispatchDecision(DispatchPost.A, "SQ-1", officer, "on duty"), null).Record with { Version = 1 };
        Assert.True(await store.WriteAsync(First(opened)));
        var accepted = CaseSteps.Act(opened, new CaseCommand(CaseAction.Accept, officer, T0.AddMinutes(15)), Workflow).Record with { Version = 2 };
        Assert.True(await store.WriteAsync(new CaseWrite(accepted, opened.File.Timeline.Count, CaseSteps.NextWake(accepted, Workflow), [], [])));
        return (accepted, officer);
    }

    [PostgisFact]
    public async Task Write_KeepsTheDeadlineHistory_AndTheFactsEvaluationReads()
    {
        await using var store = Store();
        var (accepted, officer) = await AcceptedLateAsync(store);

        var loaded = (await store.LoadAsync(accepted.Id)).Record!;
        Assert.Equal([new PastDeadline(DeadlineKind.Accept, T0.AddMinutes(10), T0.AddMinutes(15), CaseAction.Accept)], loaded.File.PastDeadlines);
        var facts = Assert.Single(await store.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), OfficerId: officer)));
        Assert.Equal(CaseFacts.Of(accepted), facts);
        Assert.True(facts.AcceptLate);
        Assert.Empty(await store.FactsAsync(new CaseFactsQuery(T0.AddMinutes(1), T0.AddHours(1), OfficerId: officer)));
        // The same question to the in-memory store of the embedded default gets the same answer.
        var memory = new InMemoryCaseStore();
        Assert.True(await memory.WriteAsync(First(accepted with { Version = 1 })));
        Assert.Equal([facts], await memory.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), OfficerId: officer)));
    }

    [PostgisFact]
    public async Task Fill_ACaseStoredBeforeHistoriesWereKept_IsFilledFromItsTimeline_NeverOverANewerStep()
    {
        await using var store = Store();
        var (accepted, officer) = await AcceptedLateAsync(store);
        await using (var forget = database.DataSource.CreateCommand("UPDATE gridserver.cases SET past_deadlines = NULL, late_kinds = NULL WHERE case_id = $1"))
        {
            forget.Parameters.AddWithValue(accepted.Id);
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }
        var unkept = (await store.LoadAsync(accepted.Id)).Record!;
        Assert.Null(unkept.File.History);
        Assert.Empty(await store.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), OfficerId: officer)));
        Assert.Contains(accepted.Id, await store.UnfilledAsync(100_000));

        var rebuilt = unkept with { File = CaseHistory.WithHistory(unkept.File, Workflow) };
        Assert.False(await store.FillAsync(rebuilt with { Version = 1 }));     // a step has been written since version 1
        Assert.True(await store.FillAsync(rebuilt));
        Assert.False(await store.FillAsync(rebuilt));                          // filled already

        Assert.Equal(accepted.File.PastDeadlines, (await store.LoadAsync(accepted.Id)).Record!.File.PastDeadlines);
        Assert.True(Assert.Single(await store.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), OfficerId: officer))).AcceptLate);
        Assert.DoesNotContain(accepted.Id, await store.UnfilledAsync(100_000));
    }

    [PostgisFact]
    public async Task FollowUp_KeptWithTheCase_AndItsVerdictReadAsAFact()
    {
        await using var store = Store();
        var (accepted, officer) = await AcceptedLateAsync(store);
        var record = accepted;
        foreach (var (action, minutes) in new[] { (CaseAction.StartHandling, 16), (CaseAction.GiveFinalFeedback, 30), (CaseAction.StartVerification, 35),
                     (CaseAction.PassVerification, 40), (CaseAction.Close, 41) })
            record = CaseSteps.Act(record, new CaseCommand(action, officer, T0.AddMinutes(minutes), "done"), Workflow).Record;
        var followUp = new CaseFollowUp(CaseVerdict.BasicallySatisfied, "还行 'ok'; --", T0.AddHours(2), "app-1", CaseFollowUp.Reporter);
        var followed = CaseSteps.FollowUp(record, followUp, Workflow).Record with { Version = 3 };
        Assert.True(await store.WriteAsync(new CaseWrite(followed, accepted.File.Timeline.Count, null, [], [])));

        var loaded = (await store.LoadAsync(followed.Id)).Record!;
        Assert.Equal(followUp, loaded.FollowUp);
        AssertSame(followed, loaded);
        var facts = Assert.Single(await store.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), OfficerId: officer)));
        Assert.Equal((CaseVerdict.BasicallySatisfied, CaseState.Closed), (facts.Verdict, facts.State));
    }

    [PostgisFact]
    public async Task Accuracy_AndTheCandidateGridsOfAnAmbiguousReport_AreKept_AndCountedAsAFact()
    {
        await using var store = Store();
        var id = NewId();
        var report = new CaseReportFacts(120.65, 28.0, "citizen-1", "near the corner", AccuracyMetres: 12.5, CandidateGrids: ["33030200100101", "33030200100102"]);
        var record = Opened(id, report: report) with { Version = 1 };
        Assert.True(await store.WriteAsync(First(record)));

        var loaded = (await store.LoadAsync(id)).Record!;
        AssertSame(record, loaded);
        Assert.Equal((12.5, true), (loaded.Report.AccuracyMetres, loaded.Report.Ambiguous));
        Assert.Contains(await store.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), OfficerId: "officer-1")), f => f.CaseId == id && f.Ambiguous);
    }

    [PostgisFact]
    public async Task Duplicates_TheLinksOfACase_AndADuplicatesCase_AreKept_TheDuplicateIsNotOpen()
    {
        await using var store = Store();
        var (primaryId, duplicateId) = (NewId(), NewId());
        var primary = Opened(primaryId) with { Version = 1 };
        Assert.True(await store.WriteAsync(First(primary)));
        var linked = CaseSteps.AddDuplicate(primary, duplicateId, "app-'2'", T0.AddMinutes(1), Workflow).Record with { Version = 2 };
        Assert.True(await store.WriteAsync(new CaseWrite(linked, primary.File.Timeline.Count, CaseSteps.NextWake(linked, Workflow), [], [])));
        var duplicate = CaseSteps.OpenDuplicate(duplicateId, "parking", new CaseReportFacts(120.6501, 28.0, "citizen-2", "same car"), "33030200100101", "app-2",
            T0.AddMinutes(1), Workflow, primaryId).Record with { Version = 1 };
        Assert.True(await store.WriteAsync(First(duplicate)));

        AssertSame(linked, (await store.LoadAsync(primaryId)).Record!);
        var loaded = (await store.LoadAsync(duplicateId)).Record!;
        AssertSame(duplicate, loaded);
        Assert.Equal((CaseState.Duplicate, primaryId), (loaded.State, loaded.DuplicateOf));
        var open = await store.SearchAsync(new CaseQuery(Open: true, CaseIds: new HashSet<string> { primaryId, duplicateId }));
        Assert.Contains(open, r => r.CaseId == primaryId);
        Assert.DoesNotContain(open, r => r.CaseId == duplicateId);
        var facts = Assert.Single(await store.FactsAsync(new CaseFactsQuery(T0.AddHours(-1), T0.AddHours(1), GridCode: "33030200100101")), f => f.CaseId == duplicateId);
        Assert.Equal((CaseState.Duplicate, false, false), (facts.State, facts.Registered, facts.Open));
    }
}
