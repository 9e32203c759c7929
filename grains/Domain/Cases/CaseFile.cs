using System.Collections.Immutable;

namespace GridServer.Domain.Cases;

/// <summary>One step of a case's timeline: who did what, when, from which state to which, and why.</summary>
/// <param name="Sequence">1-based position in the timeline.</param>
/// <param name="Evidence">References to evidence (photo ids, file URLs), never the files themselves.</param>
/// <param name="RequestKey">
/// The request that asked for the step, when it named itself (an <c>Idempotency-Key</c>, hashed with who sent it): the
/// same request sent again finds its step here and is not applied twice.
/// </param>
public sealed record CaseEvent(
    int Sequence, DateTimeOffset At, string ActorId, CaseAction Action, CaseState From, CaseState To,
    string? Note, ImmutableArray<string> Evidence, string? RequestKey = null);

/// <summary>The time limits of a matter. Acceptance is counted in wall-clock time; handling by the matter's calendar.</summary>
public sealed record CaseTimeLimits(TimeSpan AcceptWithin, TimeSpan HandleWithin, TimeSpan VerifyWithin)
{
    /// <summary>A deadline warning comes this long before a deadline: a fifth of the shortest limit, at most 30 minutes.</summary>
    public TimeSpan WarningLead => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(30).Ticks,
        Math.Min(AcceptWithin.Ticks, Math.Min(HandleWithin.Ticks, VerifyWithin.Ticks)) / 5));

    /// <summary>Accept within 10 minutes, handle within 4 hours, verify within 1 hour.</summary>
    public static readonly CaseTimeLimits Default = new(TimeSpan.FromMinutes(10), TimeSpan.FromHours(4), TimeSpan.FromHours(1));
}

/// <summary>The deadlines that run now; null where none runs.</summary>
public sealed record CaseDeadlines(DateTimeOffset? AcceptBy = null, DateTimeOffset? HandleBy = null, DateTimeOffset? VerifyBy = null)
{
    public static readonly CaseDeadlines None = new();

    /// <summary>The earliest running deadline, or null.</summary>
    public DateTimeOffset? Next => new[] { AcceptBy, HandleBy, VerifyBy }.Where(d => d.HasValue).Min();

    /// <summary>Which limit <see cref="Next"/> is: "accept", "handling" or "verification".</summary>
    public string? NextKind => Next is not { } next ? null : next == AcceptBy ? "accept" : next == HandleBy ? "handling" : "verification";
}

/// <summary>Which limit a deadline belongs to.</summary>
public enum DeadlineKind
{
    /// <summary>受理: the dispatched unit accepts the case.</summary>
    Accept,
    /// <summary>处置: the case is handled and final feedback given.</summary>
    Handling,
    /// <summary>核查: the command center checks the result.</summary>
    Verification,
}

/// <summary>
/// A running deadline and the time left to it (negative past it), counted as its limit is: in working time when
/// <see cref="WorkingTime"/>, else by the wall clock.
/// </summary>
public sealed record DeadlineLeft(DeadlineKind Kind, DateTimeOffset Due, TimeSpan Left, bool WorkingTime)
{
    public bool Overdue => Left < TimeSpan.Zero;
}

/// <summary>
/// A deadline that ran and ended: the step that ended it (<see cref="EndedBy"/>: the acceptance, the final feedback, an
/// approved extension that replaced it, a return, a park, ...) and when. It was kept when it ended by its due time.
/// What evaluation reads after a case has closed, when no deadline runs any more.
/// </summary>
public sealed record PastDeadline(DeadlineKind Kind, DateTimeOffset Due, DateTimeOffset Ended, CaseAction EndedBy)
{
    public bool Kept => Ended <= Due;
}

/// <summary>A whole case: its state, running deadlines, counters and timeline. Immutable; the workflow makes new ones.</summary>
/// <param name="ParkedRemaining">While parked: how much of the handling limit was left when it was parked.</param>
/// <param name="RequestedDeadline">A pending extension request's new deadline.</param>
/// <param name="History">Every deadline that ran and ended, in order; null for a case stored before the server kept them (see <see cref="CaseHistory"/>).</param>
public sealed record CaseFile(
    string Id,
    string Matter,
    CaseState State,
    CaseDeadlines Deadlines,
    bool Supervised,
    int ReworkCount,
    int ExtensionCount,
    TimeSpan? ParkedRemaining,
    DateTimeOffset? RequestedDeadline,
    ImmutableList<CaseEvent> Timeline,
    ImmutableList<PastDeadline>? History = null)
{
    public static CaseFile Reported(string id, string matter, DateTimeOffset at, string reporterId, string? note = null) =>
        new(id, matter, CaseState.Reported, CaseDeadlines.None, false, 0, 0, null, null,
            [new CaseEvent(1, at, reporterId, CaseAction.Report, CaseState.Reported, CaseState.Reported, note, [])], []);

    /// <summary>Every deadline that ended, in order (empty when none did, or none was recorded).</summary>
    public ImmutableList<PastDeadline> PastDeadlines => History ?? [];

    /// <summary>Ended: closed, void, or a duplicate linked to another case (which a dispatcher may still unlink). No deadline runs.</summary>
    public bool IsTerminal => State is CaseState.Closed or CaseState.Void or CaseState.Duplicate;

    /// <summary>When it was reported: the time of the first event.</summary>
    public DateTimeOffset ReportedAt => Timeline[0].At;

    /// <summary>When it last changed: the time of the last event.</summary>
    public DateTimeOffset UpdatedAt => Timeline[^1].At;

    /// <summary>When it last reached its terminal state (Closed, Void, linked as a duplicate), or null while it is open (a reopened case closes again).</summary>
    public DateTimeOffset? ClosedAt => IsTerminal ? Timeline.Last(e => e.To == State && e.From != State).At : null;
}
