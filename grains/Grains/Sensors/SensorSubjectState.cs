using GridServer.Abstractions.Sensors;

namespace GridServer.Grains.Sensors;

/// <summary>
/// A sensor subject as servers before the sensor store (migration V020) kept it: one grain state with every reading,
/// rewritten at each batch. Read once, written to the store, and cleared.
/// </summary>
[GenerateSerializer, Alias("sensor.subject-state")]
public sealed class SensorSubjectState
{
    [Id(0)] public List<SensorReadingData> Readings { get; set; } = [];
    [Id(1)] public string? Memo { get; set; }
    [Id(2)] public string? EpisodeCaseId { get; set; }
    [Id(3)] public DateTimeOffset? EpisodeOpenedAt { get; set; }
    [Id(4)] public DateTimeOffset? RecheckAt { get; set; }
    [Id(5)] public int Episodes { get; set; }
    [Id(6)] public string? LastError { get; set; }
}
