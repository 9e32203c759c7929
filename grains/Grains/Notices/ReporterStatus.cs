using GridServer.Abstractions.Cases;
using GridServer.Notices;

namespace GridServer.Grains.Notices;

/// <summary>
/// The reporter-status model (办理进度) of a case as it stands: what a citizen may know, and nothing of officers, squads,
/// grids or notes staff wrote. Made for a notice to the reporting channel and, at read time, for Open311's status_notes.
/// </summary>
public static class ReporterStatus
{
    /// <summary>The bureau's zone, in which notices show times (+08:00).</summary>
    private static readonly TimeSpan BureauOffset = TimeSpan.FromHours(8);

    public static bool IsClosed(CaseView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.State is "Closed" or "Void";
    }

    /// <summary>The earliest running deadline: when the reporter may expect the next step; null once closed.</summary>
    public static DateTimeOffset? ExpectedBy(CaseView view) =>
        IsClosed(view) ? null : new[] { view.AcceptBy, view.HandleBy, view.VerifyBy }.Where(d => d.HasValue).Min();

    /// <param name="matterName">The matter as the reporter knows it (the service's name), or its id.</param>
    /// <param name="rework">True for the notice of the rework step.</param>
    public static ReporterStatusNotice For(CaseView view, string matterName, bool rework = false)
    {
        ArgumentNullException.ThrowIfNull(view);
        var (status, note) = ReporterStatusRules.Describe(view.State, view.GridCode is not null, rework);
        var reportedAt = view.Timeline.IsDefaultOrEmpty ? DateTimeOffset.UnixEpoch : view.Timeline[0].At;
        return new ReporterStatusNotice(view.CaseId, view.Matter, matterName, status, note, view.Address,
            reportedAt.ToOffset(BureauOffset), ExpectedBy(view)?.ToOffset(BureauOffset));
    }
}
