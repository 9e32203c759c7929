using System.Collections.Immutable;
using System.Text.Json;
using GridServer.Plugins.Parking;
using GridServer.Silo.Plugins;
using GridServer.Silo.Sensors;

namespace GridServer.Tests.Sensors;

/// <summary>The checks of a batch of sensor readings, directly: what refuses a batch and how the refusal names it.</summary>
public sealed class SensorBatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A snapshot in which kind "noise" is taken (by a module never called here).</summary>
    private static readonly ModuleSnapshot Noise = ModuleSnapshot.Empty with
    {
        ReadingKinds = ImmutableDictionary.Create<string, GuardedModule>(StringComparer.Ordinal)
            .Add("noise", new GuardedModule("noise", new ParkingModule(), ModuleAbilities.None, [], TimeSpan.FromSeconds(1), 3, (_, _) => { })),
    };

    private static (ImmutableArray<GridServer.Plugins.Contracts.SensorReading> Readings, ImmutableArray<string> Problems) Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return SensorBatch.Read(document.RootElement, Noise, Now);
    }

    private static string One(string sensorId = "\"S-1\"", string at = "\"2026-11-28T19:59:00+08:00\"", string values = "{\"level_db\":71.5}") =>
        $"{{\"readings\":[{{\"sensorId\":{sensorId},\"kind\":\"noise\",\"lon\":120.65,\"lat\":28.0,\"at\":{at},\"values\":{values}}}]}}";

    [Fact]
    public void Read_ValidReading_TakenWithItsTimeInUtcAndItsValues()
    {
        var (readings, problems) = Read(One());
        Assert.Empty(problems);
        var reading = Assert.Single(readings);
        Assert.Equal((Now.AddMinutes(-1), 71.5), (reading.At, reading.Values["level_db"]));
    }

    [Theory]
    [InlineData("\"2026-11-28T12:06:00Z\"", "is in the future")]
    [InlineData("\"1970-01-01T00:00:00Z\"", "the sensor's clock is not set")]
    [InlineData("\"yesterday\"", "is not an ISO 8601 time")]
    [InlineData("1764331200", "required, a time as ISO 8601 text")]
    public void Read_BadTime_Refused(string at, string why) =>
        Assert.Contains(why, Assert.Single(Read(One(at: at)).Problems), StringComparison.Ordinal);

    [Fact]
    public void Read_HugeSensorId_Refused() =>
        Assert.Equal("readings[0].sensorId: at most 128 characters", Assert.Single(Read(One(sensorId: $"\"{new string('x', 10_000)}\"")).Problems));

    [Theory]
    [InlineData("{}", "holds no value")]
    [InlineData("{\"Level\":1}", "must be 1 to 64 lower-case letters")]
    [InlineData("{\"level_db\":1e300}", "must be a finite number")]
    [InlineData("{\"level_db\":true}", "must be a finite number")]
    public void Read_BadValues_Refused(string values, string why) =>
        Assert.Contains(why, Assert.Single(Read(One(values: values)).Problems), StringComparison.Ordinal);

    [Fact]
    public void Read_51Values_Refused() =>
        Assert.Contains("more than 50 values",
            Assert.Single(Read(One(values: "{" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"v{i}\":1")) + "}")).Problems), StringComparison.Ordinal);

    [Fact]
    public void Read_ManyBadReadings_ListsTheFirst20ByIndex()
    {
        var bad = string.Join(",", Enumerable.Range(0, 100).Select(_ => "{\"kind\":\"noise\"}"));
        var (readings, problems) = Read($"{{\"readings\":[{bad}]}}");
        Assert.True(readings.IsEmpty);
        Assert.Equal(SensorBatch.MaxProblems, problems.Length);
        Assert.StartsWith("readings[0].", problems[0], StringComparison.Ordinal);
    }
}
