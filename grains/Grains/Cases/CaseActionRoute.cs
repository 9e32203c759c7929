using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;

namespace GridServer.Grains.Cases;

/// <summary>Where an action asked of a case goes: a step of the workflow, a step that asks the dispatch rule again, or a refusal before anything is decided.</summary>
public enum CaseActionWay
{
    /// <summary>A workflow step (<see cref="CaseSteps.Act"/>).</summary>
    Step,

    /// <summary>Dispatch again by the grid's AB posts.</summary>
    Dispatch,

    /// <summary>移交: to whoever now answers for the grid; needs a reason.</summary>
    Transfer,

    /// <summary>Undo a duplicate's link and dispatch it as a case of its own; needs a reason.</summary>
    Unlink,

    /// <summary>Not taken: the refusal says why and what to do instead.</summary>
    Refused,
}

/// <summary>The case grain's reading of an action request, as a plain function: the grain only follows it.</summary>
public static class CaseActionRoute
{
    /// <summary>The way <paramref name="request"/> goes, with the refusal's message when it goes nowhere.</summary>
    public static (CaseActionWay Way, string? Refusal) Of(CaseActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var noted = !string.IsNullOrWhiteSpace(request.Note);
        return request.Action switch
        {
            CaseAction.Dispatch => (CaseActionWay.Dispatch, null),
            CaseAction.Transfer => noted ? (CaseActionWay.Transfer, null) : (CaseActionWay.Refused, "Transfer needs a reason in the note"),
            CaseAction.Unlink => noted ? (CaseActionWay.Unlink, null) : (CaseActionWay.Refused, "Unlink needs a reason in the note"),
            CaseAction.Link => (CaseActionWay.Refused,
                "a duplicate is linked when its report arrives (the matter's duplicate rule); a case is not linked afterwards"),
            CaseAction.FollowUp or CaseAction.Reopen => (CaseActionWay.Refused,
                $"{request.Action} follows from a follow-up's verdict: record one with POST /api/cases/{{id}}/follow-up"),
            var action when action == CaseAction.Report || !Enum.IsDefined(action) => (CaseActionWay.Refused,
                $"'{request.Action}' is not an action; use one of {string.Join(", ", Enum.GetNames<CaseAction>().Skip(1))}"),
            _ => (CaseActionWay.Step, null),
        };
    }
}
