using System.Collections.Immutable;
using System.Globalization;
using GridServer.Plugins.Contracts;
using GridServer.Plugins.Shared;

namespace GridServer.Plugins.Parking;

/// <summary>
/// The parking-bay sensors (地磁): each sensor watches one bay, its id the bay's key in the <see cref="Bays"/> set. A
/// vehicle standing in a no-parking bay longer than the bay's limit opens a parking case; when it leaves, the case
/// hears so and the episode ends (the next vehicle opens a case of its own).
/// </summary>
/// <remarks>
/// The memo holds since when the bay has been occupied (ISO 8601, round-trip), null while it is free; the server
/// keeps it, this class keeps nothing between calls.
/// </remarks>
public sealed partial class ParkingModule : IKeepsReferenceData, IHandlesSensorReadings
{
    /// <summary>The reference set of parking bays (a point each).</summary>
    public const string Bays = "bays";

    /// <summary>The kind of reading of a bay sensor.</summary>
    public const string BayReading = "bay";

    /// <summary>A bay reading's value: 1 occupied, 0 free.</summary>
    public const string Occupied = "occupied";

    /// <summary>How long a vehicle may stand in a no-parking bay when its record sets no limit, minutes.</summary>
    public const int DefaultMaxMinutes = 10;

    /// <summary>The longest limit a bay may set, minutes (a day).</summary>
    public const int MaxMaxMinutes = 1440;

    private const string SubjectPrefix = "bay:";

    private static readonly ImmutableArray<string> BayKinds = [BayReading];

    public IReadOnlyList<ReferenceDataSet> ReferenceData { get; } =
    [
        new(Bays, "Parking bays with a sensor (地磁泊位): where the bay is, and whether parking there is forbidden.", ReferenceShape.Point,
        [
            new("street", "The street the bay is on."),
            new("no_parking", "true for a no-parking bay (禁停泊位) whose sensor opens cases, false for an ordinary bay.", Required: true),
            new("max_minutes", string.Create(CultureInfo.InvariantCulture,
                $"How long a vehicle may stand in the no-parking bay before a case opens, whole minutes 1-{MaxMaxMinutes} (default {DefaultMaxMinutes}).")),
        ]),
    ];

    public IReadOnlyList<string> ReadingKinds => BayKinds;

    /// <summary>A day: a vehicle standing longer than the longest limit has opened its case long before.</summary>
    public TimeSpan Window => TimeSpan.FromDays(1);

    public IReadOnlyList<ReportProblem> ValidateRecord(string dataSet, ReferenceRecord record)
    {
        if (dataSet != Bays) return [RecordFields.UnknownSet(dataSet, $"'{Bays}'")];
        var problems = new List<ReportProblem>();
        if (!RecordFields.Usable(record, needsPosition: true, problems)) return problems;
        RecordFields.Text(record, "street", required: false, RecordFields.MaxName, problems);
        RecordFields.Flag(record, "no_parking", required: true, problems);
        RecordFields.PositiveInteger(record, "max_minutes", MaxMaxMinutes, "minutes", problems);
        return problems;
    }

    public string? SubjectOf(SensorReading reading, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(reference);
        if (reading.Kind != BayReading || string.IsNullOrWhiteSpace(reading.SensorId) || reading.SensorId.Length > RecordFields.MaxCode) return null;
        return NoParkingBay(reference, reading.SensorId) is { } bay ? SubjectPrefix + bay.Key : null;
    }

    public SensorVerdict Evaluate(SensorSituation situation, IReferenceLookup reference)
    {
        ArgumentNullException.ThrowIfNull(situation);
        ArgumentNullException.ThrowIfNull(reference);
        var bay = situation.Subject.StartsWith(SubjectPrefix, StringComparison.Ordinal)
            ? NoParkingBay(reference, situation.Subject[SubjectPrefix.Length..]) : null;
        // The bay was removed or is no longer a no-parking bay: nothing to watch; an open case goes on alone.
        if (bay is null) return new SensorVerdict(EndEpisode: situation.Episode is not null);

        var since = ParseSince(situation.Memo);
        var episodeOpen = situation.Episode is not null;
        string? note = null;
        var end = false;
        var readings = (situation.Arrived ?? []).Where(r => r is not null).OrderBy(r => r.At).ToList();
        // A reading that arrives late (older than the newest the server already had) says nothing new about the bay:
        // the later one already told how it stands.
        var arrived = readings.Select(r => (r.SensorId, r.At)).ToHashSet();
        var known = (situation.Recent ?? []).Where(r => r is not null && !arrived.Contains((r.SensorId, r.At)))
            .Select(r => r.At).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        readings.RemoveAll(r => r.At < known);
        DateTimeOffset? latest = null;
        foreach (var reading in readings)
        {
            switch (OccupiedValue(reading))
            {
                case true:
                    since ??= reading.At;
                    latest = reading.At;
                    break;
                case false:
                    if (episodeOpen)
                    {
                        note = $"车辆于 {RecordFields.Clock(reading.At)} 驶离 (vehicle left at {RecordFields.Clock(reading.At)})";
                        end = true;
                        episodeOpen = false;
                    }
                    since = null;
                    latest = reading.At;
                    break;
                default:
                    // Not 0 or 1: a faulty sensor says nothing about the bay.
                    break;
            }
        }

        if (since is not { } start) return new SensorVerdict(Note: note, EndEpisode: end);
        var memo = start.ToString("O", CultureInfo.InvariantCulture);
        // At a re-check nothing arrived: the vehicle is still there now.
        var at = readings.Count == 0 ? situation.Now : latest ?? situation.Now;
        var max = TimeSpan.FromMinutes(MaxMinutesOf(bay));
        if (episodeOpen) return new SensorVerdict(Note: note, EndEpisode: end, Memo: memo);
        if (at - start >= max)
        {
            var minutes = (int)Math.Floor((at - start).TotalMinutes);
            var street = bay.Field("street")?.Trim() is { Length: > 0 } s ? $"（{RecordFields.Short(s)}）" : "";
            var description = string.Create(CultureInfo.InvariantCulture,
                $"禁停泊位 {bay.Key}{street}车辆停放 {minutes} 分钟，超过 {max.TotalMinutes:0} 分钟 (a vehicle has stood in no-parking bay {bay.Key} since {RecordFields.Clock(start)})");
            return new SensorVerdict(Open: new SensorCase(Parking, bay.Longitude!.Value, bay.Latitude!.Value, description), Note: note, EndEpisode: end, Memo: memo);
        }
        return new SensorVerdict(Note: note, EndEpisode: end, Memo: memo, RecheckAt: start + max);
    }

    // The bay of a key when it is a no-parking bay with a usable position; null for any other.
    private static ReferenceRecord? NoParkingBay(IReferenceLookup reference, string key) =>
        reference.Find(Bays, key) is { } bay && bay.Fields is not null && RecordFields.ParseFlag(bay.Field("no_parking")) is true && RecordFields.HasPosition(bay)
            ? bay : null;

    private static int MaxMinutesOf(ReferenceRecord bay) =>
        RecordFields.ParsePositiveInteger(bay.Field("max_minutes"), MaxMaxMinutes) ?? DefaultMaxMinutes;

    private static bool? OccupiedValue(SensorReading reading) =>
        reading.Values is not null && reading.Values.TryGetValue(Occupied, out var value) ? value switch
        {
            1 => true,
            0 => false,
            _ => null,
        } : null;

    private static DateTimeOffset? ParseSince(string? memo) =>
        DateTimeOffset.TryParseExact(memo, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var since) ? since : null;
}
