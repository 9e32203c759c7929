using GridServer.Abstractions.Cases;
using GridServer.Domain.Media;
using GridServer.Domain.Privacy;

namespace GridServer.Silo.Cases;

/// <summary>
/// What a community liaison reads of a case in their grids: the public level unless the bureau grants more
/// (<c>GridServer:Cases:LiaisonDetail = Full</c>). At the public level the description keeps its words with every phone
/// and ID number masked; the address text, the reporter's reference, the matter's attributes, the responsible party's contact, staff notes on
/// the timeline and every photo not marked public are left out. The place stays exact: the grid is the liaison's own.
/// </summary>
public static class LiaisonDetail
{
    public static CaseView Of(CaseView view, bool full)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (full) return view;
        var publicPhoto = PhotoRef.Names(view.MediaUrl) && PhotoRef.Parse(view.MediaUrl!, out _) is { Public: true };
        return view with
        {
            Description = PersonalData.MaskNumbers(view.Description),
            Address = null,
            Attributes = null,
            ReporterId = null,
            MediaUrl = publicPhoto ? view.MediaUrl : null,
            Party = view.Party is { } party ? party with { Contact = null } : null,
            Timeline = [.. view.Timeline.Select(e => e with
            {
                Note = null,
                Evidence = [.. PhotoRef.In(e.Evidence.IsDefault ? [] : e.Evidence).Where(p => p.Public).Select(p => p.ToString())],
            })],
        };
    }
}
