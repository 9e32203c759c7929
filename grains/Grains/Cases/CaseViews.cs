using GridServer.Abstractions.Cases;
using GridServer.Domain.Cases;

namespace GridServer.Grains.Cases;

/// <summary>Between the case as the domain keeps it and as the contract shows it.</summary>
public static class CaseViews
{
    public static CaseView Of(CaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var file = record.File;
        var report = record.Report;
        return new CaseView(record.Id, file.Matter, file.State, record.GridCode, record.Holder.SquadId, record.Holder.OfficerId, record.Holder.Post,
            file.Deadlines.AcceptBy, file.Deadlines.HandleBy, file.Deadlines.VerifyBy, file.Supervised, file.ReworkCount,
            [.. file.Timeline.Select(e => new CaseEventView(e.Sequence, e.At, e.ActorId, e.Action, e.From, e.To, e.Note, e.Evidence.IsDefault ? [] : e.Evidence))],
            // A report with only an address has no position yet (NaN in the domain; JSON has no NaN).
            report.Located ? report.Lon : null, report.Located ? report.Lat : null, report.Description, report.Address, report.MediaUrl,
            report.Attributes, report.Party is { } p ? new CaseParty(p.Kind, p.Id, p.Name, p.Reason, p.Contact, p.RepeatCount, p.Escalated, p.Notify, p.RepeatWindowDays) : null,
            report.ReportingChannel, record.Public, record.QueueReason, record.Escalation?.At, record.Escalation?.Reason, report.MatterName,
            record.FollowUp is { } f ? new CaseFollowUpView(f.Verdict, f.Comment, f.At, f.By, f.How) : null,
            report.AccuracyMetres, report.CandidateGrids is { } candidates ? [.. candidates] : [], record.DuplicateOf,
            record.LinkedDuplicates.IsEmpty ? null : [.. record.LinkedDuplicates.Select(d => d.CaseId)], report.ReporterId,
            Geocode: AddressLocatingView.Of(report.Geocode));
    }

    /// <summary>What an answer about an id that names no case shows.</summary>
    public static CaseView Unknown(string caseId) => new(caseId, "", CaseState.Reported, null, null, null, null, null, null, null, false, 0, []);

    /// <summary>What a report says, as the case keeps it.</summary>
    public static CaseReportFacts Facts(CaseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new CaseReportFacts(report.Lon, report.Lat, report.ReporterId, report.Description, report.Address, report.MediaUrl,
            report.Attributes is { Count: > 0 } attributes ? attributes : null, report.MatterName, report.ReportingChannel,
            report.Party is { } p ? new CasePartyFacts(p.Kind, p.Id, p.Name, p.Reason, p.Contact, p.RepeatCount, p.Escalated, p.Notify, p.RepeatWindowDays) : null,
            // Only a reporting channel's report can be public: staff, sensors and checks never are, whatever the caller says.
            report.Public && report.ReportingChannel is not null, report.AccuracyMetres,
            report.CandidateGrids is { Length: > 1 } candidates ? [.. candidates] : null, report.Geocode?.ToDomain());
    }
}
