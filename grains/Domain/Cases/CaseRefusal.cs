namespace GridServer.Domain.Cases;

/// <summary>Why a case did not do what it was asked, as a kind the HTTP edge maps to a status once (404, 409, 422).</summary>
/// <remarks>Values are stored and sent by number: append new ones at the end, never renumber.</remarks>
public enum CaseRefusalCode
{
    /// <summary>No case has that id.</summary>
    NotFound,

    /// <summary>The case's state does not allow it now (the message says what is allowed).</summary>
    NotNow,

    /// <summary>The request itself is wrong: a reason missing, a deadline not later than the current one.</summary>
    Invalid,

    /// <summary>Nothing to do: the case is where it was asked to go already, or nobody else answers for it.</summary>
    Unchanged,

    /// <summary>Nobody can take the case now: it waits in the command-center queue (that much did change).</summary>
    Queued,
}

/// <summary>A refusal: its kind and the sentence that says what was wrong and what would be right.</summary>
public sealed record CaseRefusal(CaseRefusalCode Code, string Message)
{
    public override string ToString() => Message;
}
