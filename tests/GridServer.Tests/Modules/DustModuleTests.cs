using GridServer.Plugins.Contracts;
using GridServer.Plugins.Dust;

namespace GridServer.Tests.Modules;

/// <summary>The dust module (工地扬尘): its site records, which site a report or a monitor concerns, and the episodes its readings run.</summary>
public sealed class DustModuleTests
{
    // A site of about 100 m × 110 m; a second one 200 m east of it.
    private const string Site = "POLYGON((120.7000 28.0000, 120.7010 28.0000, 120.7010 28.0010, 120.7000 28.0010, 120.7000 28.0000))";
    private const string EastSite = "POLYGON((120.7030 28.0000, 120.7040 28.0000, 120.7040 28.0010, 120.7030 28.0010, 120.7030 28.0000))";
    private static readonly DateTimeOffset Ten = new(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly DustModule Module = new();

    private static TestReferenceLookup Sites(string? pm10Limit = null)
    {
        var fields = new List<(string, string)> { ("name", "滨江花园二期"), ("operator", "温州建工"), ("contact", "0577-88886666") };
        if (pm10Limit is not null) fields.Add(("pm10_limit", pm10Limit));
        return new TestReferenceLookup()
            .Area(DustModule.Sites, "SITE-7", Site, [.. fields])
            .Area(DustModule.Sites, "SITE-8", EastSite, ("name", "东门工地"), ("operator", "瓯江建设"), ("contact", "13900001111"));
    }

    private static SensorReading Reading(int minute, double? pm10 = null, double? pm25 = null, double lon = 120.7005, double lat = 28.0005, string kind = "dust")
    {
        var values = new Dictionary<string, double>();
        if (pm10 is { } p10) values[DustModule.Pm10] = p10;
        if (pm25 is { } p25) values[DustModule.Pm25] = p25;
        return new SensorReading("M-1", kind, lon, lat, Ten.AddMinutes(minute), values);
    }

    private static ReferenceRecord SiteRecord(params (string Name, string Value)[] fields) =>
        new("SITE-7", fields.ToDictionary(f => f.Name, f => f.Value), 120.7005, 28.0005);

    /// <summary>
    /// The server's side for one subject, as the contract describes it: readings kept for the module's window, the
    /// memo, and the episode (Note, then EndEpisode, then Open — ignored while an episode is open —, then Memo).
    /// </summary>
    private sealed class Subject(IHandlesSensorReadings module, IReferenceLookup reference, string subject)
    {
        private readonly List<SensorReading> _kept = [];

        public SensorEpisode? Episode { get; private set; }

        public string? Memo { get; private set; }

        public List<string> Notes { get; } = [];

        public int CasesOpened { get; private set; }

        public SensorVerdict Feed(DateTimeOffset now, params SensorReading[] arrived)
        {
            _kept.AddRange(arrived);
            _kept.RemoveAll(r => r.At <= now - module.Window);
            var verdict = module.Evaluate(new SensorSituation(subject, now, arrived, [.. _kept.OrderBy(r => r.At)], Episode, Memo), reference);
            if (verdict.Note is not null && Episode is not null) Notes.Add(verdict.Note);
            if (verdict.EndEpisode) Episode = null;
            if (verdict.Open is not null && Episode is null)
            {
                CasesOpened++;
                Episode = new SensorEpisode($"C-{CasesOpened}", now);
            }
            Memo = verdict.Memo;
            return verdict;
        }

        public void CloseCase() => Episode = null;
    }

    [Fact]
    public void Episode_UnderThenOverThenNotesThenBackUnderThenOverAgain_OneCase()
    {
        var site = new Subject(Module, Sites(), "site:SITE-7");

        // Under the limit, no episode: nothing but the memo.
        var under = site.Feed(Ten.AddMinutes(10), Reading(0, 80), Reading(5, 80), Reading(10, 80));
        Assert.Equal(new SensorVerdict(Memo: DustModule.Under), under);

        // Over: (3 × 80 + 3 × 400) / 6 = 240 > 150 opens a case for the site.
        var opened = site.Feed(Ten.AddMinutes(25), Reading(15, 400), Reading(20, 400), Reading(25, 400));
        Assert.Equal(DustModule.Over, opened.Memo);
        Assert.NotNull(opened.Open);
        Assert.Equal(DustModule.Matter, opened.Open.Matter);
        Assert.Contains("滨江花园二期", opened.Open.Description, StringComparison.Ordinal);
        Assert.Contains("PM10 一小时均值 240 µg/m³，超过限值 150 µg/m³", opened.Open.Description, StringComparison.Ordinal);
        Assert.Equal(("sites", "SITE-7", "滨江花园二期", "0577-88886666"), (opened.Open.Party!.PartyKind, opened.Open.Party.PartyId, opened.Open.Party.PartyName, opened.Open.Party.Contact));
        Assert.Null(opened.Open.Party.Repeats);
        Assert.InRange(opened.Open.Longitude, 120.7000, 120.7010);
        Assert.InRange(opened.Open.Latitude, 28.0000, 28.0010);
        Assert.Equal(1, site.CasesOpened);

        // Still over with the episode open, within its first hour: no second case, and no note yet (hourly summaries only).
        var still = site.Feed(Ten.AddMinutes(30), Reading(30, 300));
        Assert.Null(still.Open);
        Assert.Equal(DustModule.Over, still.Memo);
        Assert.Null(still.Note);

        // The hour (10:20, 11:20] holds 400, 300 and three 10s: 146 ≤ 150, back under.
        var back = site.Feed(Ten.AddMinutes(80), Reading(70, 10), Reading(75, 10), Reading(80, 10));
        Assert.Null(back.Open);
        Assert.Equal(DustModule.Under, back.Memo);
        Assert.Contains("back under the limit at 2026-11-28 11:20", back.Note, StringComparison.Ordinal);
        Assert.Contains("新读数 3 个（2026-11-28 11:10–2026-11-28 11:20）", back.Note, StringComparison.Ordinal);

        // Over again while the case is still open: the case hears so, no second case.
        var again = site.Feed(Ten.AddMinutes(90), Reading(85, 500), Reading(90, 500));
        Assert.Null(again.Open);
        Assert.Equal(DustModule.Over, again.Memo);
        Assert.Contains("over the limit again", again.Note, StringComparison.Ordinal);

        // A re-check with nothing new keeps the memo and does nothing else.
        Assert.Equal(new SensorVerdict(Memo: DustModule.Over), site.Feed(Ten.AddMinutes(95)));
        Assert.Equal(1, site.CasesOpened);
        Assert.Equal(2, site.Notes.Count);
    }

    [Fact]
    public void Episode_StayingOver_IsSummarisedOnceAnHour_NotEveryBatch()
    {
        var site = new Subject(Module, Sites(), "site:SITE-7");
        site.Feed(Ten.AddMinutes(10), Reading(0, 400), Reading(5, 400), Reading(10, 400));
        Assert.Equal(1, site.CasesOpened);
        // A reading a minute for two and a half hours, all over the limit: two hourly summaries, at 11:10 and 12:10.
        for (var minute = 11; minute <= 160; minute++) site.Feed(Ten.AddMinutes(minute), Reading(minute, 400));
        Assert.Equal(2, site.Notes.Count);
        Assert.All(site.Notes, n => Assert.StartsWith("每小时摘要 (hourly summary)", n, StringComparison.Ordinal));
        Assert.Contains("2026-11-28 11:10", site.Notes[0], StringComparison.Ordinal);
        Assert.Equal(1, site.CasesOpened);
    }

    [Fact]
    public void Episode_CaseClosedWhileStillOver_NextBatchOpensANewCase()
    {
        var site = new Subject(Module, Sites(), "site:SITE-7");
        site.Feed(Ten.AddMinutes(10), Reading(0, 400), Reading(5, 400), Reading(10, 400));
        site.CloseCase();

        var verdict = site.Feed(Ten.AddMinutes(15), Reading(15, 400));

        Assert.NotNull(verdict.Open);
        Assert.Equal(2, site.CasesOpened);
    }

    [Fact]
    public void Evaluate_FewerThanThreeReadingsInTheHour_IsNotJudged()
    {
        var site = new Subject(Module, Sites(), "site:SITE-7");

        var verdict = site.Feed(Ten.AddMinutes(5), Reading(0, 900), Reading(5, 900));

        Assert.Equal(new SensorVerdict(), verdict);
        Assert.Equal(3, DustModule.MinReadings);
    }

    [Fact]
    public void Evaluate_ReadingsOlderThanAnHourBeforeTheLatest_DoNotCount()
    {
        // Kept by a server with a longer window than the module asks for: the module still averages one hour only.
        var recent = new[] { Reading(-70, 900), Reading(-65, 900), Reading(0, 100), Reading(5, 100), Reading(10, 100) };

        var verdict = Module.Evaluate(new SensorSituation("site:SITE-7", Ten.AddMinutes(10), recent[2..], recent, null, null), Sites());

        Assert.Equal(new SensorVerdict(Memo: DustModule.Under), verdict);
    }

    [Fact]
    public void Evaluate_NonFiniteOrNegativeValues_AreIgnored()
    {
        var site = new Subject(Module, Sites(), "site:SITE-7");

        var verdict = site.Feed(Ten.AddMinutes(10),
            Reading(0, 400), Reading(2, double.NaN), Reading(4, double.PositiveInfinity), Reading(6, -5), Reading(8, 400), Reading(9, pm25: double.NaN));

        Assert.Null(verdict.Open);   // two usable readings: not judged yet
        Assert.NotNull(site.Feed(Ten.AddMinutes(10), Reading(10, 400)).Open);
    }

    [Fact]
    public void Evaluate_Pm25OverWhilePm10Under_OpensNamingPm25()
    {
        var site = new Subject(Module, Sites(), "site:SITE-7");

        var verdict = site.Feed(Ten.AddMinutes(10), Reading(0, 50, 90), Reading(5, 50, 90), Reading(10, 50, 90));

        Assert.Contains("PM2.5 一小时均值 90 µg/m³，超过限值 75 µg/m³", verdict.Open?.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SitesOwnLimit_Applies()
    {
        var site = new Subject(Module, Sites(pm10Limit: "300"), "site:SITE-7");

        Assert.Equal(new SensorVerdict(Memo: DustModule.Under), site.Feed(Ten.AddMinutes(10), Reading(0, 250), Reading(5, 250), Reading(10, 250)));
        Assert.Contains("超过限值 300 µg/m³", site.Feed(Ten.AddMinutes(15), Reading(15, 900)).Open?.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AtTheLimitExactly_IsUnder() =>
        Assert.Equal(DustModule.Under, new Subject(Module, Sites(), "site:SITE-7").Feed(Ten, Reading(-10, 150), Reading(-5, 150), Reading(0, 150)).Memo);

    [Fact]
    public void Evaluate_SiteGoneFromTheReferenceData_KeepsTheMemo()
    {
        var situation = new SensorSituation("site:SITE-GONE", Ten, [Reading(0, 900)], [Reading(0, 900)], null, DustModule.Over);

        Assert.Equal(new SensorVerdict(Memo: DustModule.Over), Module.Evaluate(situation, Sites()));
        Assert.Equal(new SensorVerdict(Memo: "under"), Module.Evaluate(situation with { Subject = "bay:B-1", Memo = "under" }, Sites()));
    }

    [Fact]
    public void SubjectOf_MonitorInsideASite_OrWithin50Metres_IsThatSite()
    {
        var sites = Sites();

        Assert.Equal("site:SITE-7", Module.SubjectOf(Reading(0, 10), sites));
        // 120.7013 is about 29 m east of the site's edge, 168 m from the east site.
        Assert.Equal("site:SITE-7", Module.SubjectOf(Reading(0, 10, lon: 120.7013), sites));
        // 120.7028 is about 20 m west of the east site.
        Assert.Equal("site:SITE-8", Module.SubjectOf(Reading(0, 10, lon: 120.7028), sites));
    }

    [Fact]
    public void SubjectOf_MonitorFarFromEverySite_OrAnotherKind_OrNoPosition_IsNothing()
    {
        var sites = Sites();

        Assert.Null(Module.SubjectOf(Reading(0, 10, lon: 120.7020), sites));    // 97 m from each
        Assert.Null(Module.SubjectOf(Reading(0, 10, kind: "bay"), sites));
        Assert.Null(Module.SubjectOf(Reading(0, 10, lon: double.NaN), sites));
        Assert.Null(Module.SubjectOf(Reading(0, 10), new TestReferenceLookup()));
    }

    [Fact]
    public void Route_ReportInsideASite_NamesIt_WithoutRepeatRule()
    {
        var report = new MatterReport(DustModule.Matter, 120.7005, 28.0005, null, "黄土裸露", new Dictionary<string, string>());

        var hint = Module.Route(report, Sites());

        Assert.Equal(("sites", "SITE-7", "滨江花园二期"), (hint?.PartyKind, hint?.PartyId, hint?.PartyName));
        Assert.Null(hint!.Repeats);
        Assert.True(hint.Notify);
        Assert.Null(Module.Route(report with { Longitude = 120.7013 }, Sites()));   // near is not inside, for a report
        Assert.Null(Module.Route(report with { Longitude = null, Latitude = null }, Sites()));
    }

    [Fact]
    public void ValidateRecord_GoodSite_IsTaken_WithOrWithoutLimits()
    {
        Assert.Empty(Module.ValidateRecord(DustModule.Sites, SiteRecord(("name", "滨江花园二期"), ("operator", "温州建工"), ("contact", "13812345678"))));
        Assert.Empty(Module.ValidateRecord(DustModule.Sites,
            SiteRecord(("name", "滨江花园二期"), ("operator", "温州建工"), ("contact", "13812345678"), ("pm10_limit", "120"), ("pm25_limit", "62.5"))));
        Assert.Equal((150d, 75d), (DustModule.DefaultPm10Limit, DustModule.DefaultPm25Limit));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-50")]
    [InlineData("0")]
    [InlineData("150µg")]
    [InlineData("1,5")]
    [InlineData("1e3")]
    [InlineData("99999")]
    public void ValidateRecord_BadLimit_NamesTheField(string limit)
    {
        var problems = Module.ValidateRecord(DustModule.Sites,
            SiteRecord(("name", "滨江花园二期"), ("operator", "温州建工"), ("contact", "13812345678"), ("pm10_limit", limit), ("pm25_limit", limit)));

        Assert.Equal(["pm10_limit", "pm25_limit"], problems.Select(p => p.Attribute));
        Assert.All(problems, p => Assert.Contains("is not a number greater than 0", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateRecord_MissingOrHugeFields_AndABadPhone_NameEachField()
    {
        var huge = new string('x', 10_000);

        Assert.Equal(["name", "operator", "contact"], Module.ValidateRecord(DustModule.Sites, SiteRecord()).Select(p => p.Attribute));
        var problems = Module.ValidateRecord(DustModule.Sites, SiteRecord(("name", huge), ("operator", huge), ("contact", "12345"), ("pm10_limit", huge)));
        Assert.Equal(["name", "operator", "contact", "pm10_limit"], problems.Select(p => p.Attribute));
        Assert.Null(GridServer.Silo.Plugins.ModuleChecks.ProblemsNonsense(problems));
    }

    [Fact]
    public void Evaluate_ALateBatchOfOldReadings_IsJudgedOnTheHourEndingAtTheNewestReading()
    {
        // 11:00-11:10 were clean; three dusty readings from 10:00-10:10 arrive late: the last hour (10:10, 11:10] is clean.
        var clean = new[] { Reading(60, 20), Reading(65, 20), Reading(70, 20) };
        var late = new[] { Reading(0, 900), Reading(5, 900), Reading(10, 900) };

        var verdict = Module.Evaluate(new SensorSituation("site:SITE-7", Ten.AddMinutes(71), late, [.. late, .. clean], null, DustModule.Under), Sites());

        Assert.Equal(new SensorVerdict(Memo: DustModule.Under), verdict);
    }

    [Fact]
    public void Evaluate_ReadingsWithoutValues_AreLikeNoArrivals()
    {
        var empty = new SensorReading("M-1", "dust", 120.7005, 28.0005, Ten, new Dictionary<string, double>());
        var nulls = new SensorReading("M-1", "dust", 120.7005, 28.0005, Ten, null!);

        var verdict = Module.Evaluate(new SensorSituation("site:SITE-7", Ten, [empty, nulls], [empty, nulls], new SensorEpisode("C-1", Ten), DustModule.Over), Sites());

        Assert.Equal(new SensorVerdict(Memo: DustModule.Over), verdict);
    }

    [Fact]
    public void Evaluate_FromManyThreadsAtOnce_GivesEveryCallerTheSameVerdict()
    {
        var sites = Sites();
        var readings = Enumerable.Range(0, 12).Select(i => Reading(i * 5, 100 + (i * 20), 40 + i)).ToArray();
        var situation = new SensorSituation("site:SITE-7", Ten.AddMinutes(55), readings[^3..], readings, null, null);
        var expected = Module.Evaluate(situation, sites);

        var verdicts = new SensorVerdict[500];
        Parallel.For(0, verdicts.Length, i => verdicts[i] = Module.Evaluate(situation, sites));

        Assert.NotNull(expected.Open);
        Assert.All(verdicts, v => Assert.Equal(expected with { Open = null }, v with { Open = null }));
        Assert.All(verdicts, v => Assert.Equal(expected.Open.Description, v.Open?.Description));
    }
}
