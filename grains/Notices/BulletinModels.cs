using System.Collections.Immutable;

namespace GridServer.Notices;

/// <summary>
/// 通报: the command center's bulletin of a period, as its template sees it (<c>templates/bulletin.scriban</c>): the
/// period, the city's figures and the previous period's, where reports came from, the top problems, and the rankings.
/// Every rate is a percentage (93.72), null where nothing was due. Names come from operators' imports and reporting
/// channels: an HTML template escapes them (<c>| html.escape</c>).
/// </summary>
/// <param name="Number">The bulletin's number: its period ("2026-11", "2026-W48", "2026-Q4", "2026", or "20261101-20261115").</param>
/// <param name="Title">"2026年11月城市管理案件通报" and the like.</param>
/// <param name="Last">The last day of the period (its end is the next day's start).</param>
/// <param name="AsOf">When the figures were read: cases are judged as they stood then.</param>
public sealed record BulletinNotice(
    string Number, string Title, DateTimeOffset From, DateTimeOffset Last, DateTimeOffset AsOf,
    BulletinFigures Total, BulletinFigures Previous,
    ImmutableArray<BulletinShare> Channels, ImmutableArray<BulletinShare> Matters,
    ImmutableArray<BulletinRank> Districts, ImmutableArray<BulletinRank> Streets, ImmutableArray<BulletinRank> Squads,
    ImmutableArray<BulletinRank> Officers, ImmutableArray<BulletinRank> LowestGrids) : INoticeModel
{
    NoticeKind INoticeModel.Kind => NoticeKind.Bulletin;

    string INoticeModel.CaseId => Number;

    string INoticeModel.Matter => "";
}

/// <summary>The figures of a period (definitions: docs/evaluation.md); rates in percent, null when their base is zero.</summary>
public sealed record BulletinFigures(
    long Received, long Registered, long Dispatched, long Due, long Closed, long ClosedOnTime, long OverdueOpen, long Voided,
    long Duplicates, long Supervised, long FollowedUp, double? ClosureRate, double? OnTimeRate, double? AcceptOnTimeRate,
    double? Satisfaction, double? ValidReportRate);

/// <summary>One part of a whole: a reporting channel's reports, a matter's; <see cref="Share"/> in percent of what was received.</summary>
public sealed record BulletinShare(string Code, string Name, long Count, double Share);

/// <summary>One unit's place in a ranking: its rank by score (ties share), figures, score and the change on the previous period.</summary>
public sealed record BulletinRank(
    int? Rank, string Code, string Name, long Received, long Closed, double? ClosureRate, double? OnTimeRate, double? Score, double? ScoreChange);
