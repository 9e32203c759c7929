using System.Collections.Immutable;
using GridServer.Abstractions.Grids;

namespace GridServer.Abstractions.Cases;

/// <summary>
/// What happened to one open case when its grid's boundary changed. <see cref="Outcome"/>: <c>re-routed</c> (it is in
/// <see cref="ToGrid"/> now: dispatched again, transferred, or queued for the command center when that is null), <c>stayed</c>
/// (it could not move; <see cref="Detail"/> says why) or <c>not re-routed</c> (the change was made without re-routing).
/// </summary>
[GenerateSerializer, Immutable, Alias("case.reroute")]
public sealed record CaseRerouteView(
    [property: Id(0)] string CaseId,
    [property: Id(1)] string? FromGrid,
    [property: Id(2)] string? ToGrid,
    [property: Id(3)] string Outcome,
    [property: Id(4)] GridServer.Domain.Cases.CaseState State,
    [property: Id(5)] string? OfficerId,
    [property: Id(6)] string? Detail)
{
    public const string Rerouted = "re-routed";
    public const string Stayed = "stayed";
    public const string NotRerouted = "not re-routed";
}

/// <summary>Moves open cases to the grids their points fall in after a boundary change. A stateless worker: any silo runs it, key <see cref="Key"/>.</summary>
[Alias("case.routing")]
public interface ICaseRoutingGrain : IGrainWithStringKey
{
    public const string Key = "routing";

    /// <summary>Each case goes to its new grid by <see cref="ICaseGrain.MoveToGridAsync"/>; the answer says what happened to each, in the order given.</summary>
    [Alias("reroute")] ValueTask<ImmutableArray<CaseRerouteView>> RerouteAsync(ImmutableArray<CaseMoveView> moves, string actorId, string note);
}
