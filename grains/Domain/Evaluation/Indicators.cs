using System.Collections.Immutable;
using GridServer.Domain.Cases;

namespace GridServer.Domain.Evaluation;

/// <summary>Whom an evaluation table ranks: one row per unit of the level.</summary>
public enum EvaluationLevel
{
    Grid,
    Community,
    Street,
    District,
    Squad,
    Officer,
    Dispatcher,
    Channel,
    Matter,

    /// <summary>The CJ/T 214 class a matter is counted under (E0505 机动车乱停放); "unclassified" for a matter with none.</summary>
    Class,

    /// <summary>The class's major class (E05 街面秩序).</summary>
    ClassMajor,
}

/// <summary>
/// One counted indicator: its stable English name (the API's field), its Chinese name, and which cases it counts —
/// one rule that both counts and lists them, so that every figure can be traced to its cases.
/// </summary>
public sealed record CountIndicator(string Name, string ChineseName, Func<CaseFacts, DateTimeOffset, bool> Counts);

/// <summary>A rate: a counted indicator over another (null when the second is zero). <see cref="Inverted"/>: lower is better (its score counts 1 − rate).</summary>
public sealed record RateIndicator(string Name, string ChineseName, string Numerator, string Denominator, bool Inverted = false, bool Complement = false);

/// <summary>
/// The indicators of 考核评价 over a cohort of cases — those reported in the period — judged as they stand at the moment
/// of evaluation (definitions: docs/evaluation.md).
/// </summary>
public static class Indicators
{
    /// <summary>Every counted indicator, in the order tables show them.</summary>
    public static readonly ImmutableArray<CountIndicator> Counts =
    [
        new("received", "受理数", (_, _) => true),
        new("registered", "立案数", (f, _) => f.Registered),
        new("dispatched", "派遣数", (f, _) => f.DispatchedAt is not null),
        new("due", "应结案数", (f, at) => f.State == CaseState.Closed || OverdueOpen(f, at)),
        new("closed", "结案数", (f, _) => f.State == CaseState.Closed),
        new("closedOnTime", "按期结案数", (f, _) => f.State == CaseState.Closed && !f.HandlingLate),
        new("overdueOpen", "超期未结数", OverdueOpen),
        new("voided", "作废数", (f, _) => f.State == CaseState.Void),
        new("duplicates", "重复件数", (f, _) => f.State == CaseState.Duplicate),
        new("invalid", "无效上报数", (f, _) => f.State is CaseState.Void or CaseState.Duplicate),
        new("extensions", "延期数", (f, _) => f.Extensions > 0),
        new("returned", "退回数", (f, _) => f.Returns > 0),
        new("feedbackGiven", "处置反馈数", (f, _) => f.FeedbackAt is not null),
        new("rework", "返工数", (f, _) => f.Reworks > 0),
        new("supervised", "督办数", (f, _) => f.Supervised),
        new("acceptDue", "应受理数", (f, at) => f.AcceptedAt is not null || f.LateBy(DeadlineKind.Accept, at)),
        new("acceptedOnTime", "按时受理数", (f, _) => f.AcceptedAt is not null && !f.AcceptLate),
        new("verificationDue", "应核查数", (f, at) => f.VerifiedAt is not null || f.LateBy(DeadlineKind.Verification, at)),
        new("verifiedOnTime", "按时核查数", (f, _) => f.VerifiedAt is not null && !f.VerificationLate),
        new("followedUp", "回访数", (f, _) => f.Verdict is not null),
        new("satisfied", "满意数", (f, _) => f.Verdict is CaseVerdict.Satisfied or CaseVerdict.BasicallySatisfied),
        new("ambiguous", "边界模糊数", (f, _) => f.Ambiguous),
    ];

    /// <summary>Every rate, each over two counted indicators.</summary>
    public static readonly ImmutableArray<RateIndicator> Rates =
    [
        new("closureRate", "结案率", "closed", "due"),
        new("onTimeRate", "按期结案率", "closedOnTime", "due"),
        new("extensionRate", "延期率", "extensions", "dispatched", Inverted: true),
        new("dispatchAccuracy", "派遣准确率", "returned", "dispatched", Complement: true),
        new("reworkRate", "返工率", "rework", "feedbackGiven", Inverted: true),
        new("acceptOnTimeRate", "按时受理率", "acceptedOnTime", "acceptDue"),
        new("verificationOnTimeRate", "核查及时率", "verifiedOnTime", "verificationDue"),
        new("validReportRate", "有效上报率", "invalid", "received", Complement: true),
        new("satisfaction", "满意度", "satisfied", "followedUp"),
        new("ambiguousShare", "边界模糊率", "ambiguous", "received", Inverted: true),
    ];

    /// <summary>Every counted indicator's name, in <see cref="Counts"/>' order, and where each is.</summary>
    public static readonly ImmutableArray<string> CountNames = [.. Counts.Select(c => c.Name)];

    /// <summary>Every rate's name, in <see cref="Rates"/>' order.</summary>
    public static readonly ImmutableArray<string> RateNames = [.. Rates.Select(r => r.Name)];

    internal static readonly IReadOnlyDictionary<string, int> CountIndex = CountNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);

    internal static readonly IReadOnlyDictionary<string, int> RateIndex = RateNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);

    /// <summary>Counts every indicator over <paramref name="cases"/> in one pass.</summary>
    public static IndicatorDictionary<long> CountAll(IEnumerable<CaseFacts> cases, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var counts = new long[Rules.Length];
        foreach (var f in cases) CountInto(f, asOf, counts);
        return new IndicatorDictionary<long>(CountNames, CountIndex, counts);
    }

    /// <summary>Adds one case to counts kept in <see cref="Counts"/>' order.</summary>
    internal static void CountInto(CaseFacts facts, DateTimeOffset asOf, Span<long> counts)
    {
        for (var i = 0; i < Rules.Length; i++)
        {
            if (Rules[i](facts, asOf)) counts[i]++;
        }
    }

    private static readonly Func<CaseFacts, DateTimeOffset, bool>[] Rules = [.. Counts.Select(c => c.Counts)];

    private static readonly (int Numerator, int Denominator, bool Complement)[] RateTerms =
        [.. Rates.Select(r => (CountIndex[r.Numerator], CountIndex[r.Denominator], r.Complement))];

    /// <summary>Every rate from the counts.</summary>
    public static IndicatorDictionary<double?> RatesOf(IndicatorDictionary<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var values = counts.Values;
        var rates = new double?[RateTerms.Length];
        for (var i = 0; i < rates.Length; i++)
        {
            var (numerator, denominator, complement) = RateTerms[i];
            if (values[denominator] == 0) continue;
            var share = (double)values[numerator] / values[denominator];
            rates[i] = Math.Round(complement ? 1 - share : share, 6);
        }
        return new IndicatorDictionary<double?>(RateNames, RateIndex, rates);
    }

    /// <summary>Open, and a deadline of it has passed (before its latest step, or since).</summary>
    private static bool OverdueOpen(CaseFacts f, DateTimeOffset asOf) =>
        f.Open && (f.LateBy(DeadlineKind.Accept, asOf) || f.LateBy(DeadlineKind.Handling, asOf) || f.LateBy(DeadlineKind.Verification, asOf));

    public static CountIndicator? Count(string name) => Counts.FirstOrDefault(c => c.Name == name);

    public static RateIndicator? Rate(string name) => Rates.FirstOrDefault(r => r.Name == name);

    /// <summary>The Chinese name of any indicator the tables show, or null.</summary>
    public static string? ChineseName(string name) => Count(name)?.ChineseName ?? Rate(name)?.ChineseName ?? name switch
    {
        "handlingHoursMedian" => "处置用时中位数(工作小时)",
        "handlingHoursP90" => "处置用时90分位(工作小时)",
        "score" => "综合得分",
        "rank" => "排名",
        "previousScore" => "上期得分",
        "scoreChange" => "得分变化",
        _ => null,
    };
}
