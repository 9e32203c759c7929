using System.Collections.Immutable;
using GridServer.Domain.Cases;

namespace GridServer.Notices;

/// <summary>What notices say of a case's grid: its code and name, and its community's code and name (empty when unknown).</summary>
public sealed record GridLabel(string Code, string Name, string? CommunityCode, string CommunityName)
{
    /// <summary>A grid the server cannot name (or no grid): the code stands in for the name, and no community is named.</summary>
    public static GridLabel Unknown(string? code) => new(code ?? "", code ?? "", null, "");
}

/// <summary>One notice a case step gives: who may receive it (the rules pick them, <see cref="NoticeRules"/>) and what it renders.</summary>
public sealed record PlannedNotice(CaseCueKind Cue, CaseParties Parties, INoticeModel Model);

/// <summary>
/// Which notice each cue of a case step gives, with the model it renders, from the case as it stands after the step.
/// Plain rules: the case grain gathers what they need (the grid's label, its liaisons, the community's webhook), asks,
/// renders and hands the notices to the store with the step.
/// </summary>
public static class CaseNoticePlan
{
    /// <summary>The bureau's zone, in which notices show times (China Standard Time).</summary>
    public static readonly TimeSpan BureauOffset = TimeSpan.FromHours(8);

    private static DateTimeOffset Local(DateTimeOffset at) => at.ToOffset(BureauOffset);

    /// <param name="liaisons">The liaisons of the case's grid and community (for <see cref="CaseCueKind.OpenedInGrid"/>).</param>
    /// <param name="webhookCommunity">The case's community when it has a webhook, else null.</param>
    /// <returns>The notice, or null when nobody is there to receive it (no officer holds the case).</returns>
    public static PlannedNotice? For(CaseRecord record, CaseCue cue, GridLabel label, ImmutableArray<string> liaisons = default, string? webhookCommunity = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(cue);
        ArgumentNullException.ThrowIfNull(label);
        var file = record.File;
        var holder = record.Holder;
        var squad = holder.SquadId ?? "";
        switch (cue.Kind)
        {
            case CaseCueKind.Dispatched when holder.OfficerId is { } officer:
                return new(cue.Kind, new CaseParties(officer, null, []),
                    new DispatchNotice(record.Id, file.Matter, record.MatterName, label.Code, label.Name, label.CommunityName, squad, officer,
                        holder.Post?.ToString() ?? "", record.Report.Address, record.Report.Description, Local(file.Deadlines.AcceptBy ?? cue.At),
                        file.Deadlines.HandleBy is { } handleBy ? Local(handleBy) : null,
                        record.CountOf(CaseAction.Dispatch) + record.CountOf(CaseAction.Transfer) > 1));
            case CaseCueKind.Closed when cue.Person is { } closer:
                return new(cue.Kind, new CaseParties(closer, null, []),
                    new ClosureNotice(record.Id, file.Matter, record.MatterName, label.Code, label.Name, label.CommunityName, squad, closer,
                        Local(cue.At), !file.Timeline.Any(e => e.Action == CaseAction.Supervise), file.ReworkCount, cue.Note));
            case CaseCueKind.AcceptDeadlineNear when holder.OfficerId is { } warned && cue.Due is { } acceptBy:
                return new(cue.Kind, new CaseParties(warned, null, []),
                    new AcceptWarningNotice(record.Id, file.Matter, record.MatterName, label.Code, label.Name, squad, warned, Local(acceptBy),
                        (int)Math.Max(0, (acceptBy - cue.At).TotalMinutes)));
            case CaseCueKind.Escalated:
                var due = cue.Due ?? cue.At;
                return new(cue.Kind, new CaseParties(holder.OfficerId, cue.Person, []),
                    new EscalationNotice(record.Id, file.Matter, record.MatterName, label.Code, label.Name, label.CommunityName, squad, holder.OfficerId,
                        file.State.ToString(), cue.Deadline ?? "", Local(due), (int)Math.Max(0, (cue.At - due).TotalMinutes), record.CountOf(CaseAction.Remind)));
            case CaseCueKind.OpenedInGrid when record.GridCode is { } grid:
                return new(cue.Kind, new CaseParties(null, null, liaisons.IsDefault ? [] : liaisons, webhookCommunity),
                    new LiaisonAlertNotice(record.Id, file.Matter, record.MatterName, grid, label.Name, label.CommunityName, squad,
                        // A liaison and the community's chat group read at the public level: phone and ID numbers masked.
                        file.State.ToString(), GridServer.Domain.Privacy.PersonalData.MaskNumbers(record.Report.Address),
                        GridServer.Domain.Privacy.PersonalData.MaskNumbers(record.Report.Description), Local(cue.At)));
            case CaseCueKind.PartyNamed when record.Report.Party is { } party:
                // The reporter's own words are not passed on: they may say who complained; the module's reason and the place say what is wrong.
                return new(cue.Kind, new CaseParties(null, null, [], Party: $"{party.Kind}/{party.Id}"),
                    new PartyNotice(record.Id, file.Matter, record.MatterName, label.Code, label.Name, party.Kind, party.Id, party.Name, party.Contact,
                        party.Reason, record.Report.Address, null, Local(cue.At), file.Deadlines.HandleBy is { } partyBy ? Local(partyBy) : null,
                        party.RepeatCount, party.Escalated));
            case CaseCueKind.ReporterStep when record.Report.ReportingChannel is { } channel:
                return new(cue.Kind, new CaseParties(null, null, [], ReportingChannel: channel), ReporterStatus(record, cue.Rework));
            case CaseCueKind.DuplicateTold when record.LinkedDuplicates.FirstOrDefault(d => d.CaseId == cue.Duplicate) is { Channel: { } told } duplicate:
                var (endStatus, endNote) = ReporterStatusRules.DescribeEnded(record.Id, file.State);
                return new(cue.Kind, new CaseParties(null, null, [], ReportingChannel: told),
                    new ReporterStatusNotice(duplicate.CaseId, file.Matter, record.MatterName, endStatus, endNote, null, Local(duplicate.At), null));
            default:
                return null;
        }
    }

    /// <summary>The reporter-status model (办理进度) of a case as it stands: what a citizen may know, and nothing of officers, squads, grids or staff notes.</summary>
    public static ReporterStatusNotice ReporterStatus(CaseRecord record, bool rework = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        var file = record.File;
        return ReporterStatus(record.Id, file.Matter, record.MatterName, file.State, record.GridCode is not null, record.Report.Address,
            file.ReportedAt, file.IsTerminal ? null : file.Deadlines.Next, rework, record.DuplicateOf);
    }

    /// <summary>The reporter-status model from the parts a reader has (Open311 reads it from a case's view).</summary>
    /// <param name="expectedBy">The earliest running deadline, when the reporter may expect the next step; null once closed.</param>
    /// <param name="duplicateOf">The case a duplicate is linked to, which handles its problem.</param>
    public static ReporterStatusNotice ReporterStatus(string caseId, string matter, string matterName, CaseState state, bool located,
        string? address, DateTimeOffset reportedAt, DateTimeOffset? expectedBy, bool rework = false, string? duplicateOf = null)
    {
        var (status, note) = ReporterStatusRules.Describe(state, located, rework, duplicateOf);
        return new ReporterStatusNotice(caseId, matter, matterName, status, note, address, Local(reportedAt), expectedBy is { } by ? Local(by) : null,
            InviteVerdict: state == CaseState.Closed);
    }
}
