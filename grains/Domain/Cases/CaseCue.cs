namespace GridServer.Domain.Cases;

/// <summary>What happened to a case that someone must hear of (the notices follow from it: see the Notices project).</summary>
/// <remarks>Values are sent by number: append new ones at the end, never renumber.</remarks>
public enum CaseCueKind
{
    /// <summary>The case was dispatched (or transferred) to an officer.</summary>
    Dispatched,

    /// <summary>The accept deadline is near and the officer holding the case has not accepted.</summary>
    AcceptDeadlineNear,

    /// <summary>A deadline was missed (督办), or a party's repeat offences escalated the case at open.</summary>
    Escalated,

    /// <summary>A new case opened in a grid: its liaisons and its community's webhook hear of it.</summary>
    OpenedInGrid,

    /// <summary>A duty module named a party responsible beyond the grid (a shop for its frontage) that is to be told.</summary>
    PartyNamed,

    /// <summary>A step the reporter cares about (<see cref="CaseSteps.ReporterHearsOf"/>): the reporting channel hears of it.</summary>
    ReporterStep,

    /// <summary>The case was closed.</summary>
    Closed,

    /// <summary>A case with duplicates ended (closed or void): the reporting channel of duplicate <see cref="CaseCue.Duplicate"/> hears of it.</summary>
    DuplicateTold,
}

/// <summary>One thing to tell, as a step of <see cref="CaseSteps"/> decided it.</summary>
/// <param name="Person">Closed: who closed the officer's part (the holder); Escalated: the squad leader told, or null.</param>
/// <param name="Deadline">AcceptDeadlineNear, Escalated: which limit ("accept", "handling", "verification"), or "repeat".</param>
/// <param name="Due">AcceptDeadlineNear, Escalated: when that limit runs (ran) out.</param>
/// <param name="Note">Closed: the command center's closing note.</param>
/// <param name="Rework">ReporterStep: the step is a rework (the result failed the check).</param>
/// <param name="Duplicate">DuplicateTold: the duplicate whose reporter is told.</param>
public sealed record CaseCue(
    CaseCueKind Kind, DateTimeOffset At, string? Person = null, string? Deadline = null, DateTimeOffset? Due = null,
    string? Note = null, bool Rework = false, string? Duplicate = null);
