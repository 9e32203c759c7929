using System.Net;
using System.Text;
using GridServer.Tests.Silo;

namespace GridServer.Tests.Sensors;

/// <summary>A gateway's key has a budget of batches like a channel's key has of reports; operators are not counted.</summary>
public sealed class SensorRateLimitTests(ThrottledOpen311Silo silo) : IClassFixture<ThrottledOpen311Silo>
{
    private static StringContent Batch() => new("""{"readings":[]}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Gateway_PastItsBudget_Gets429WithRetryAfter_OtherGatewaysAndOperatorsDoNot()
    {
        using var gateway = await silo.AsAsync("Sensor", "gateway-throttled");
        using var other = await silo.AsAsync("Sensor", "gateway-other");
        // The budget is 2 at once, then 1 a minute: the first two batches are judged (an empty batch is refused), the third is not.
        for (var i = 0; i < 2; i++)
        {
            using var judged = await gateway.PostAsync("/api/sensors/readings", Batch());
            Assert.Equal(HttpStatusCode.BadRequest, judged.StatusCode);
        }
        using var throttled = await gateway.PostAsync("/api/sensors/readings", Batch());
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        using var another = await other.PostAsync("/api/sensors/readings", Batch());
        Assert.Equal(HttpStatusCode.BadRequest, another.StatusCode);
        for (var i = 0; i < 3; i++)
        {
            using var operatorBatch = await silo.Operator.PostAsync("/api/sensors/readings", Batch());
            Assert.Equal(HttpStatusCode.BadRequest, operatorBatch.StatusCode);
        }
    }
}
