using GridServer.Domain.Cases;

namespace GridServer.Tests.Cases;

public class InMemoryCaseProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);

    private static CaseProjectionRow Row(CaseState state, int lastSequence) =>
        new("C1", "parking", state, null, null, null, null, "citizen", null, 120.65, 28.0, null, null, null, false, 0,
            T0, T0.AddMinutes(lastSequence), null, lastSequence);

    private static CaseEvent Event(int sequence, string? note = null) =>
        new(sequence, T0.AddMinutes(sequence), "u1", CaseAction.Register, CaseState.Reported, CaseState.Registered, note, []);

    [Fact]
    public async Task InMemoryProjection_OlderRowAfterNewer_KeepsTheNewer()
    {
        var projection = new InMemoryCaseProjection();
        await projection.WriteAsync(Row(CaseState.Dispatched, 3), []);

        await projection.WriteAsync(Row(CaseState.Registered, 2), []);

        Assert.Equal(CaseState.Dispatched, projection.Row("C1")!.State);
    }

    [Fact]
    public async Task InMemoryProjection_EventsSentAgain_KeptOnceAsFirstWritten()
    {
        var projection = new InMemoryCaseProjection();
        await projection.WriteAsync(Row(CaseState.Registered, 2), [Event(1, "first"), Event(2)]);

        await projection.WriteAsync(Row(CaseState.Registered, 3), [Event(3), Event(1, "again"), Event(2)]);

        Assert.Equal([(1, "first"), (2, null), (3, null)], projection.Events("C1").Select(e => (e.Sequence, e.Note)));
    }
}
