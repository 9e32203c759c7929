using System.Collections.Immutable;
using GridServer.Domain.Cases;

namespace GridServer.Abstractions.Cases;

/// <summary>
/// A case search: every criterion given must hold. <see cref="WithinWkt"/>: a lon/lat polygon (WKT, EPSG:4326) that
/// must cover the reported point. <see cref="GridCodes"/>: the case's grid must be one of them (null: any). <see cref="Open"/>: not closed or void.
/// <see cref="PublicOnly"/>: only cases marked public (Open311's public search).
/// <see cref="Overdue"/>, <see cref="Warned"/>: judged when the search runs.
/// </summary>
[GenerateSerializer, Immutable, Alias("case.search")]
public sealed record CaseSearchRequest(
    [property: Id(0)] string? GridCode = null,
    [property: Id(1)] string? SquadId = null,
    [property: Id(2)] string? OfficerId = null,
    [property: Id(3)] string? Matter = null,
    [property: Id(4)] CaseState? State = null,
    [property: Id(5)] bool? Open = null,
    [property: Id(6)] DateTimeOffset? ReportedFrom = null,
    [property: Id(7)] DateTimeOffset? ReportedTo = null,
    [property: Id(8)] string? WithinWkt = null,
    [property: Id(9)] int Limit = 100,
    [property: Id(10)] int Offset = 0,
    [property: Id(11)] ImmutableHashSet<string>? GridCodes = null,
    [property: Id(12)] bool PublicOnly = false,
    [property: Id(13)] ImmutableHashSet<string>? CaseIds = null,
    [property: Id(14)] string? Channel = null,
    [property: Id(15)] bool? Supervised = null,
    [property: Id(16)] bool? Overdue = null,
    [property: Id(17)] bool? Warned = null);

/// <summary>
/// One case as a search lists it. Lon/lat null for a report given only as an address. <see cref="Warned"/>: its running
/// deadline was warned of and has not passed (when listed). <see cref="Sequence"/>: its last step's (a newer list of the case has a higher one).
/// </summary>
[GenerateSerializer, Immutable, Alias("case.summary")]
public sealed record CaseSummaryView(
    [property: Id(0)] string CaseId,
    [property: Id(1)] string Matter,
    [property: Id(2)] CaseState State,
    [property: Id(3)] string? GridCode,
    [property: Id(4)] string? SquadId,
    [property: Id(5)] string? OfficerId,
    [property: Id(6)] double? Lon,
    [property: Id(7)] double? Lat,
    [property: Id(8)] bool Supervised,
    [property: Id(9)] DateTimeOffset? NextDeadline,
    [property: Id(10)] DateTimeOffset ReportedAt,
    [property: Id(11)] DateTimeOffset UpdatedAt,
    [property: Id(12)] DateTimeOffset? ClosedAt,
    [property: Id(13)] string? Channel = null,
    [property: Id(14)] bool Warned = false,
    [property: Id(15)] int Sequence = 0);

/// <summary>A case on a command-center list: since when (its report, or its escalation), and why.</summary>
[GenerateSerializer, Immutable, Alias("case.mark")]
public sealed record CaseMarkView([property: Id(0)] string CaseId, [property: Id(1)] DateTimeOffset At, [property: Id(2)] string Reason);

/// <summary>Searches the cases as the case store holds them. A stateless worker; key <see cref="Key"/>.</summary>
[Alias("case.searcher")]
public interface ICaseSearchGrain : IGrainWithStringKey
{
    public const string Key = "cases";

    [Alias("search")] ValueTask<ImmutableArray<CaseSummaryView>> SearchAsync(CaseSearchRequest request);

    /// <summary>How many cases are open, by state (states without any left out).</summary>
    [Alias("count-open")] ValueTask<ImmutableSortedDictionary<CaseState, long>> CountOpenAsync();

    /// <summary>The cases whose last step was at or after <paramref name="since"/>, oldest change first; at most <paramref name="limit"/>.</summary>
    [Alias("changed-since")] ValueTask<ImmutableArray<CaseSummaryView>> ChangedSinceAsync(DateTimeOffset since, int limit);

    /// <summary>The command-center queue: open cases waiting for a dispatcher, oldest report first; at most <paramref name="limit"/>.</summary>
    [Alias("queue")] ValueTask<ImmutableArray<CaseMarkView>> QueueAsync(int limit);

    /// <summary>The supervision list (督办): open escalated cases, longest escalated first; at most <paramref name="limit"/>.</summary>
    [Alias("escalated")] ValueTask<ImmutableArray<CaseMarkView>> EscalatedAsync(int limit);
}
