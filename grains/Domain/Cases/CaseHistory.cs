using System.Collections.Immutable;

namespace GridServer.Domain.Cases;

/// <summary>
/// The deadline history of a case stored before the server kept one (<see cref="CaseFile.History"/> null): rebuilt by
/// replaying its timeline through the workflow of its matter as it stands now.
/// </summary>
/// <remarks>
/// A rebuilt history is as good as the rules it is replayed with: limits changed since the case ran give other due
/// times; an approved extension's new deadline was never recorded on the timeline and is taken as met (see
/// docs/evaluation.md). A step the rules refuse today (a supervision of a deadline that, under today's limits, had not
/// passed) still moves the case to the state it reached then, with its deadlines as they were.
/// </remarks>
public static class CaseHistory
{
    /// <summary>The file with its history: as kept, or rebuilt when none was.</summary>
    public static CaseFile WithHistory(CaseFile file, CaseWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(workflow);
        return file.History is not null ? file : file with { History = Replay(file, workflow) };
    }

    private static ImmutableList<PastDeadline> Replay(CaseFile file, CaseWorkflow workflow)
    {
        if (file.Timeline.IsEmpty) return [];
        var first = file.Timeline[0];
        var replayed = CaseFile.Reported(file.Id, file.Matter, first.At, first.ActorId, first.Note);
        foreach (var e in file.Timeline.Skip(1))
        {
            var wanted = e.Action == CaseAction.RequestExtension ? e.At + MatterPolicy.MaxLimit : (DateTimeOffset?)null;
            var command = new CaseCommand(e.Action, e.ActorId, e.At, string.IsNullOrWhiteSpace(e.Note) ? "(not recorded)" : e.Note, e.Evidence, wanted);
            var step = workflow.Apply(replayed, command);
            replayed = step.Accepted
                ? step.Case
                : replayed with { State = e.To, Timeline = replayed.Timeline.Add(e with { Sequence = replayed.Timeline.Count + 1 }) };
        }
        return replayed.PastDeadlines;
    }
}
