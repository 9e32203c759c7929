namespace GridServer.Grains.Cases;

/// <summary>What a case does when the deadline clock, or a timer of its own, wakes it.</summary>
public enum CaseWakeAction
{
    /// <summary>A deadline is due: check them (warn, supervise, escalate).</summary>
    Check,

    /// <summary>Due within the clock's sweep: a timer of the case's own wakes it on time.</summary>
    OwnTimer,

    /// <summary>Not due, and the store's wake time may be stale: write the wake time as it stands, so the clock does not wake it again for nothing.</summary>
    Record,

    /// <summary>Not due, and the store already holds this wake time: nothing to do.</summary>
    Rest,
}

/// <summary>The case grain's rule for being woken, as a plain function.</summary>
public static class CaseWake
{
    /// <summary>How far ahead of its wake time a case may be woken (the clock sweeps at most that far ahead): it times the rest itself.</summary>
    public static readonly TimeSpan OwnTimerWithin = TimeSpan.FromMinutes(1);

    /// <summary>What to do, woken at <paramref name="now"/>.</summary>
    /// <param name="wake">When the case's deadlines next need a look under its matter's limits as they stand; null: never.</param>
    /// <param name="written">
    /// The wake time this activation last wrote to the store, or null when it wrote none (a case just loaded, whose stored wake
    /// time may come from other limits or an older server).
    /// </param>
    public static CaseWakeAction Decide(DateTimeOffset? wake, DateTimeOffset now, WrittenWake? written)
    {
        if (wake <= now) return CaseWakeAction.Check;
        if (wake - now <= OwnTimerWithin) return CaseWakeAction.OwnTimer;
        return written is { } stored && stored.At == wake ? CaseWakeAction.Rest : CaseWakeAction.Record;
    }
}

/// <summary>A wake time as written to the store (null: the case needs no wake).</summary>
public readonly record struct WrittenWake(DateTimeOffset? At);
