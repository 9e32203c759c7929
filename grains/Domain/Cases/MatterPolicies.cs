using System.Collections.Immutable;

namespace GridServer.Domain.Cases;

/// <summary>
/// When a new report of a matter is the same problem as an open case (重复件): reported within <see cref="Metres"/> of
/// it (the reported points, on the ground) and within <see cref="Within"/> after it was reported.
/// </summary>
public sealed record DuplicateRule(double Metres, TimeSpan Within)
{
    /// <summary>The widest circle a duplicate is looked for in: farther apart, two reports are two problems.</summary>
    public const double MaxMetres = 1000;

    /// <summary>The longest a case gathers duplicates after it was reported.</summary>
    public static readonly TimeSpan MaxWithin = TimeSpan.FromDays(30);

    /// <summary>Why the rule cannot be used, or null.</summary>
    public string? Problem() =>
        !(Metres > 0 && Metres <= MaxMetres) ? $"DuplicateWithinMetres must lie above 0 and at most {MaxMetres:F0} metres, not {Metres}"
        : Within <= TimeSpan.Zero || Within > MaxWithin ? $"DuplicateWithin must be longer than zero and at most {MaxWithin.TotalDays:F0} days, not {Within}"
        : null;
}

/// <summary>How the cases of one matter are timed: its limits, and whether handling time counts in working hours.</summary>
/// <param name="ReopenWhenDissatisfied">A dissatisfied verdict at follow-up (回访) sends a closed case back to handling.</param>
/// <param name="Duplicates">When a new report is linked to an open case as its duplicate; null: never.</param>
/// <param name="RequireAfterPhoto">The officer's final feedback must carry at least one photo taken after handling.</param>
public sealed record MatterPolicy(CaseTimeLimits Limits, bool WorkingHours = false, bool ReopenWhenDissatisfied = false, DuplicateRule? Duplicates = null,
    bool RequireAfterPhoto = false)
{
    /// <summary>The longest limit accepted: a year. A longer one is a typing error, not a rule.</summary>
    public static readonly TimeSpan MaxLimit = TimeSpan.FromDays(366);

    /// <summary>Why the limits cannot be used, or null.</summary>
    public string? Problem()
    {
        foreach (var (name, value) in new[] { ("AcceptWithin", Limits.AcceptWithin), ("HandleWithin", Limits.HandleWithin), ("VerifyWithin", Limits.VerifyWithin) })
        {
            if (value <= TimeSpan.Zero) return $"{name} must be longer than zero, not {value}";
            if (value > MaxLimit) return $"{name} {value} is longer than {MaxLimit.TotalDays:F0} days";
        }
        return Duplicates?.Problem();
    }
}

/// <summary>
/// The time rules of every matter (违停, 门前三包, ...): a default for matters with none of their own, and the
/// working calendar (working hours, weekends, public holidays, make-up working days) that matters counted in
/// working time use. Matters may be set and removed while the server runs (duty modules come and go);
/// a case is timed by its matter's rules as they stand at each step.
/// </summary>
public sealed class MatterPolicies
{
    private readonly IWorkCalendar _workingCalendar;
    private readonly CaseWorkflow _default;
    private ImmutableDictionary<string, CaseWorkflow> _workflows = ImmutableDictionary.Create<string, CaseWorkflow>(StringComparer.Ordinal);

    public MatterPolicies(MatterPolicy defaultPolicy, IEnumerable<KeyValuePair<string, MatterPolicy>> matters, IWorkCalendar workingCalendar)
    {
        ArgumentNullException.ThrowIfNull(defaultPolicy);
        ArgumentNullException.ThrowIfNull(matters);
        _workingCalendar = workingCalendar ?? throw new ArgumentNullException(nameof(workingCalendar));
        _default = Workflow(defaultPolicy, "the default");
        foreach (var (matter, policy) in matters) Set(matter, policy);
    }

    /// <summary>The defaults of the domain (10 minutes, 4 hours, 1 hour, wall-clock) and office hours as the working calendar.</summary>
    public static MatterPolicies Defaults() => new(new MatterPolicy(CaseTimeLimits.Default), [], WorkingHoursCalendar.OfficeHours());

    public CaseWorkflow Default => _default;

    /// <summary>The working calendar: what counts as working time (handling limits of matters so counted; handling time in evaluation).</summary>
    public IWorkCalendar WorkingCalendar => _workingCalendar;

    /// <summary>The workflow that times a matter's cases: its own rules, else the default.</summary>
    public CaseWorkflow For(string matter) => _workflows.TryGetValue(matter, out var workflow) ? workflow : _default;

    public IReadOnlyCollection<string> Matters => _workflows.Keys.ToList();

    /// <summary>Sets (or, with null, removes) a matter's rules.</summary>
    /// <exception cref="ArgumentException">The limits are not usable; the message says which and why.</exception>
    public void Set(string matter, MatterPolicy? policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(matter);
        if (policy is null)
        {
            ImmutableInterlocked.TryRemove(ref _workflows, matter, out _);
            return;
        }
        var workflow = Workflow(policy, $"matter '{matter}'");
        ImmutableInterlocked.AddOrUpdate(ref _workflows, matter, workflow, (_, _) => workflow);
    }

    private CaseWorkflow Workflow(MatterPolicy policy, string what) =>
        policy.Problem() is { } problem
            ? throw new ArgumentException($"{what}: {problem}", nameof(policy))
            : new CaseWorkflow(policy.Limits, policy.WorkingHours ? _workingCalendar : WallClockCalendar.Instance, policy.ReopenWhenDissatisfied, policy.Duplicates,
                policy.RequireAfterPhoto);
}
