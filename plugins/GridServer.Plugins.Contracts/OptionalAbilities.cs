using System.Collections.Immutable;

namespace GridServer.Plugins.Contracts;

// Abilities a module adds by implementing these interfaces besides IDutyModule. Every method is called like
// ValidateReport: from many threads at once, with a time limit, its exceptions caught; the module keeps no state of
// its own between calls: what it must remember (readings, a memo, reference records) the server keeps and hands in.

/// <summary>
/// A module that names a party responsible for a report beyond its grid: the shop whose frontage zone covers the
/// point, the site the dust comes from, the permit of a board. The case still goes to the grid's officers; the party
/// is named on the case, hears of it, and its repeat offences can escalate the case.
/// </summary>
public interface IRoutesReports
{
    /// <summary>The party responsible for the report, or null when the grid's officers alone are.</summary>
    /// <param name="reference">The module's own reference data as the server holds it now.</param>
    RoutingHint? Route(MatterReport report, IReferenceLookup reference);
}

/// <summary>
/// A party responsible beyond the grid. <see cref="PartyKind"/> is the reference data set it comes from ("shops"),
/// <see cref="PartyId"/> its key there; <see cref="Reason"/> says why it answers for the report ("the point is in
/// the frontage zone of 张记小吃"). <see cref="Contact"/> is how it is reached (a phone number), shown on its notice.
/// </summary>
/// <param name="Repeats">When repeat offences of the party escalate its cases; null: never.</param>
/// <param name="Notify">Whether the party receives a notice of the case (整改通知).</param>
public sealed record RoutingHint(
    string PartyKind, string PartyId, string PartyName, string Reason, string? Contact = null,
    RepeatRule? Repeats = null, bool Notify = true);

/// <summary>
/// Repeat offences: the server counts the party's cases of the module within <see cref="Window"/> before a new
/// one (the new one included); from the <see cref="EscalateFrom"/>th on, the case is escalated (under supervision
/// at once, the squad leader and the command center told).
/// </summary>
public sealed record RepeatRule(TimeSpan Window, int EscalateFrom);

/// <summary>
/// A module that brings its own notice templates (Scriban), overriding the server's defaults for its matters. A
/// bureau's own template file for the same notice and matter wins over the module's.
/// </summary>
public interface IProvidesTemplates
{
    IReadOnlyList<ModuleTemplate> Templates { get; }
}

/// <summary>
/// A template for one notice of one of the module's matters. <see cref="Notice"/> is the notice's name as in the
/// server's template file names: "dispatch", "accept-warning", "escalation", "liaison-alert", "reporter-status",
/// "closure", "party-notice".
/// </summary>
public sealed record ModuleTemplate(string Notice, string Matter, string Text);

/// <summary>
/// A module that keeps reference data (shops and their frontage zones, construction sites, billboard permits,
/// parking bays). The server imports the records through its API (GeoJSON or CSV), stores them, indexes their shapes
/// and hands the module a <see cref="IReferenceLookup"/>; the module declares the sets and checks each record.
/// </summary>
public interface IKeepsReferenceData
{
    /// <summary>The sets the module keeps. A set's name is unique on the server.</summary>
    IReadOnlyList<ReferenceDataSet> ReferenceData { get; }

    /// <summary>Checks one record of one of the module's sets before the server stores it; an empty list accepts it.</summary>
    IReadOnlyList<ReportProblem> ValidateRecord(string dataSet, ReferenceRecord record);
}

/// <summary>What shape a set's records have.</summary>
public enum ReferenceShape
{
    /// <summary>No shape: the records are looked up by key only.</summary>
    None,

    /// <summary>A position (a board, a bay, a monitor).</summary>
    Point,

    /// <summary>An area: a polygon or multipolygon (a frontage zone, a site).</summary>
    Area,
}

/// <summary>
/// A kind of reference record. <see cref="Name"/>: lower-case letters, digits, '-' or '_', unique on the server
/// ("shops"); it names the set in the API (<c>/api/reference/shops</c>).
/// </summary>
public sealed record ReferenceDataSet(string Name, string Description, ReferenceShape Shape, ImmutableArray<ReferenceField> Fields);

/// <summary>A field of a record: its name (a GeoJSON property, a CSV column), what it holds, and whether it must be given.</summary>
public sealed record ReferenceField(string Name, string Description, bool Required = false);

/// <summary>
/// One record: its key (unique in its set), its fields as text (a field not given is absent), and where it is: for
/// a point set its position, for an area set a point inside the area (lon/lat WGS84, degrees); null for a record
/// without a shape.
/// </summary>
public sealed record ReferenceRecord(string Key, IReadOnlyDictionary<string, string> Fields, double? Longitude = null, double? Latitude = null)
{
    /// <summary>The field's text, or null when the record does not have it.</summary>
    public string? Field(string name) => Fields.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A record and how far it is from the point asked about, in metres (0 when an area covers the point).</summary>
public sealed record ReferenceMatch(ReferenceRecord Record, double DistanceMetres);

/// <summary>
/// The module's reference data as the server holds it at the moment of the call: a consistent snapshot, read from
/// memory (no call waits for a database). A set the module does not keep answers as an empty one.
/// </summary>
public interface IReferenceLookup
{
    ReferenceRecord? Find(string dataSet, string key);

    /// <summary>The records of an area set whose area covers the point, smallest area first.</summary>
    IReadOnlyList<ReferenceRecord> Covering(string dataSet, double longitude, double latitude);

    /// <summary>The records of a set within <paramref name="withinMetres"/> of the point (at most 1,000 m), nearest first.</summary>
    IReadOnlyList<ReferenceMatch> Near(string dataSet, double longitude, double latitude, double withinMetres);

    /// <summary>Every record of the set, in key order.</summary>
    IReadOnlyList<ReferenceRecord> All(string dataSet);
}

/// <summary>
/// A module that reads sensor feeds (dust monitors, parking-bay sensors). The server groups readings by the
/// <em>subject</em> they concern (a site, a bay), keeps each subject's recent readings, a memo the module writes, and
/// the case the subject's current episode opened; it calls <see cref="Evaluate"/> with all of that each time new
/// readings of the subject arrive, and again at a time the module asked for.
/// </summary>
public interface IHandlesSensorReadings
{
    /// <summary>The kinds of reading the module takes ("dust", "bay"). A kind belongs to one module on the server.</summary>
    IReadOnlyList<string> ReadingKinds { get; }

    /// <summary>How far back a subject's readings are kept for <see cref="Evaluate"/> (at most 24 hours).</summary>
    TimeSpan Window { get; }

    /// <summary>The subject a reading concerns ("site:S-0001"), or null when it concerns nothing the module watches (it is then only counted).</summary>
    string? SubjectOf(SensorReading reading, IReferenceLookup reference);

    /// <summary>What the subject's readings call for now.</summary>
    SensorVerdict Evaluate(SensorSituation situation, IReferenceLookup reference);
}

/// <summary>
/// One reading: the sensor, its kind, where (lon/lat WGS84, degrees), when it was taken, and its values by name
/// with the unit in the name (<c>pm10_ugm3</c>, <c>occupied</c>).
/// </summary>
public sealed record SensorReading(
    string SensorId, string Kind, double Longitude, double Latitude, DateTimeOffset At, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// A subject as the server holds it when it asks the module. <see cref="Arrived"/>: the readings that came now
/// (empty at a re-check the module asked for); <see cref="Recent"/>: every kept reading within the window, the new
/// ones included, oldest first. <see cref="Memo"/>: what the module's last verdict asked to remember.
/// </summary>
public sealed record SensorSituation(
    string Subject, DateTimeOffset Now, IReadOnlyList<SensorReading> Arrived, IReadOnlyList<SensorReading> Recent,
    SensorEpisode? Episode, string? Memo);

/// <summary>The open case of the subject's current episode: opened by an earlier verdict and not yet closed or voided.</summary>
public sealed record SensorEpisode(string CaseId, DateTimeOffset OpenedAt);

/// <summary>
/// What the server does for a subject, in this order: <see cref="Note"/> is added to the episode's case (if one is
/// open); <see cref="EndEpisode"/> lets the case go on alone (the next <see cref="Open"/> opens a new one);
/// <see cref="Open"/> opens a case when no episode is open (else it is ignored: one case per episode);
/// <see cref="Memo"/> replaces the memo (at most 4,000 characters); <see cref="RecheckAt"/> asks for another call
/// then, with no new readings (null: none).
/// </summary>
public sealed record SensorVerdict(
    SensorCase? Open = null, string? Note = null, bool EndEpisode = false, string? Memo = null, DateTimeOffset? RecheckAt = null)
{
    /// <summary>Nothing to do; the memo is cleared.</summary>
    public static SensorVerdict Nothing { get; } = new();
}

/// <summary>A case a verdict opens: its matter (one of the module's), where, the report's text, and the party responsible, if any.</summary>
public sealed record SensorCase(string Matter, double Longitude, double Latitude, string Description, RoutingHint? Party = null);

/// <summary>
/// A module that runs a check on a schedule (the daily check of expired billboard permits). The server runs it once
/// per <see cref="CheckEvery"/> on one silo of the cluster and opens a case for every finding, once per finding key.
/// </summary>
public interface IRunsScheduledChecks
{
    /// <summary>How often the check runs: at least one minute, at most seven days.</summary>
    TimeSpan CheckEvery { get; }

    /// <summary>What needs a case now. Each finding's key is stable: the same key never opens a second case.</summary>
    IReadOnlyList<CheckFinding> Check(DateTimeOffset now, IReferenceLookup reference);
}

/// <summary>
/// A finding of a scheduled check: a stable key ("permit:P-0012:2026-11-01"), the matter, where, the report's text
/// and the party responsible, if any.
/// </summary>
public sealed record CheckFinding(string Key, string Matter, double Longitude, double Latitude, string Description, RoutingHint? Party = null);
