using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Grids;

namespace GridServer.Domain.Evaluation;

/// <summary>Where a grid lies in the city's hierarchy, with the names evaluation tables show.</summary>
public sealed record GridPlace(string Code, string Name, string? CommunityCode, string? CommunityName, string? StreetCode, string? StreetName, string? DistrictCode)
{
    /// <summary>The place of a grid: its district is the county of a CJ/T 213 code (none for codes of another scheme).</summary>
    public static GridPlace Of(Grid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var district = CjT213Code.TryParse(grid.Code, out var code, out _) ? code.CountyCode : null;
        return new GridPlace(grid.Code, grid.Name, grid.CommunityCode, grid.CommunityName, grid.StreetCode, grid.StreetName, district);
    }
}

/// <summary>How much each rate weighs in the composite score (综合得分); rates not named do not count.</summary>
public sealed record ScoreWeights(ImmutableSortedDictionary<string, double> Weights)
{
    /// <summary>Closure and on-time closure first, then acceptance, dispatch accuracy, rework, the reporters' satisfaction and verification.</summary>
    public static readonly ScoreWeights Default = new(new Dictionary<string, double>
    {
        ["closureRate"] = 30, ["onTimeRate"] = 30, ["acceptOnTimeRate"] = 15, ["dispatchAccuracy"] = 10,
        ["verificationOnTimeRate"] = 5, ["reworkRate"] = 10, ["satisfaction"] = 10,
    }.ToImmutableSortedDictionary(StringComparer.Ordinal));

    /// <summary>Why the weights cannot be used (an unknown rate, a negative or non-finite weight, none above zero), or null.</summary>
    public string? Problem()
    {
        foreach (var (name, weight) in Weights)
        {
            if (Indicators.Rate(name) is null)
                return $"'{name}' is not a rate; weights are given to: {string.Join(", ", Indicators.Rates.Select(r => r.Name))}";
            if (!double.IsFinite(weight) || weight < 0) return $"the weight of {name} must be zero or more, not {weight}";
        }
        return Weights.Values.Any(w => w > 0) ? null : "at least one weight must be above zero";
    }
}

/// <summary>One unit's indicators. <see cref="Code"/> null: the cases with no unit at this level (no grid, never dispatched, ...).</summary>
public sealed record EvaluationRow(
    string? Code,
    string? Name,
    IndicatorDictionary<long> Counts,
    IndicatorDictionary<double?> Rates,
    double? HandlingHoursMedian,
    double? HandlingHoursP90,
    double? Score,
    int? Rank = null,
    double? PreviousScore = null,
    double? ScoreChange = null);

/// <summary>An evaluation table: the rows of a level, ranked by score, and the total over every case of the period.</summary>
public sealed record EvaluationTable(EvaluationLevel Level, DateTimeOffset From, DateTimeOffset To, DateTimeOffset AsOf, EvaluationRow Total, ImmutableArray<EvaluationRow> Rows);

/// <summary>
/// Turns the facts of the cases reported in a period into a table per unit: counts by the rules of
/// <see cref="Indicators"/>, rates, handling time in working hours, a composite score, ranks and the change since the
/// previous period. Plain C#: the store only hands over the facts.
/// </summary>
/// <param name="unitNames">The names of units other than places (a dispatcher's, a channel's, a matter's), or null to show codes.</param>
/// <param name="classOf">The CJ/T 214 class of a matter (null: unclassified), for the class levels.</param>
public sealed class Evaluator(Func<string, GridPlace?> places, IWorkCalendar workingHours, ScoreWeights weights,
    Func<EvaluationLevel, string, string?>? unitNames = null, Func<string, string?>? classOf = null)
{
    /// <summary>The unit of the class levels for a matter without a class.</summary>
    public const string Unclassified = "unclassified";

    /// <summary>Each rate's weight, in <see cref="Indicators.Rates"/>' order (0: not counted).</summary>
    private readonly double[] _weights = [.. Indicators.Rates.Select(r => weights.Weights.GetValueOrDefault(r.Name))];

    private readonly IWorkCalendar _workingHours = workingHours;

    /// <summary>The unit of a case at a level, or null.</summary>
    public string? UnitOf(EvaluationLevel level, CaseFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        GridPlace? Place() => facts.GridCode is { } grid ? places(grid) : null;
        return level switch
        {
            EvaluationLevel.Grid => facts.GridCode,
            EvaluationLevel.Community => Place()?.CommunityCode,
            EvaluationLevel.Street => Place()?.StreetCode,
            EvaluationLevel.District => Place()?.DistrictCode,
            EvaluationLevel.Squad => facts.DispatchedAt is null ? null : facts.SquadId,
            EvaluationLevel.Officer => facts.DispatchedAt is null ? null : facts.OfficerId,
            EvaluationLevel.Dispatcher => facts.Dispatcher,
            EvaluationLevel.Channel => facts.Channel ?? (facts.EnteredBy == CaseSteps.System ? CaseSteps.System : "staff"),
            EvaluationLevel.Class => classOf?.Invoke(facts.Matter) ?? Unclassified,
            EvaluationLevel.ClassMajor => classOf?.Invoke(facts.Matter) is { } code ? code[..Math.Min(3, code.Length)] : Unclassified,
            _ => facts.Matter,
        };
    }

    /// <summary>The table of <paramref name="level"/> for the cases of a period, judged at <paramref name="asOf"/>; <paramref name="previous"/>: the period before, for the change of score.</summary>
    public EvaluationTable Evaluate(EvaluationLevel level, DateTimeOffset from, DateTimeOffset to, DateTimeOffset asOf,
        IEnumerable<CaseFacts> facts, IEnumerable<CaseFacts>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var list = facts as IReadOnlyList<CaseFacts> ?? facts.ToList();
        var now = Tally.Of(this, level, list, asOf);
        var before = previous is null ? null : Tally.Of(this, level, previous as IReadOnlyList<CaseFacts> ?? previous.ToList(), asOf);
        var rows = new EvaluationRow[now.Units.Count];
        for (var u = 0; u < rows.Length; u++)
        {
            var code = now.Units[u];
            var row = Row(level, code, now.CountsOf(u), now.HoursOf(u), [list[now.FirstFact[u]]]);
            if (before is not null && before.Find(code) is { } b)
            {
                var earlier = Score(Indicators.RatesOf(before.CountsOf(b)));
                row = row with { PreviousScore = earlier, ScoreChange = row.Score - earlier is { } change ? Math.Round(change, 2) : null };
            }
            rows[u] = row;
        }
        // Ranked by score, best first; equal scores share a rank; the units without a score, and the cases with no unit, last.
        var order = Enumerable.Range(0, rows.Length).ToArray();
        Array.Sort(order, (x, y) =>
        {
            var (a, b) = (rows[x], rows[y]);
            var (ra, rb) = (a.Code is not null && a.Score is not null, b.Code is not null && b.Score is not null);
            if (ra != rb) return ra ? -1 : 1;
            if (ra && a.Score != b.Score) return b.Score!.Value.CompareTo(a.Score!.Value);
            if ((a.Code is null) != (b.Code is null)) return a.Code is null ? 1 : -1;
            return string.CompareOrdinal(a.Code, b.Code);
        });
        var ordered = ImmutableArray.CreateBuilder<EvaluationRow>(rows.Length);
        EvaluationRow? last = null;
        for (var i = 0; i < order.Length; i++)
        {
            var row = rows[order[i]];
            if (row.Code is not null && row.Score is not null)
                row = row with { Rank = last is not null && last.Score == row.Score ? last.Rank : i + 1 };
            ordered.Add(row);
            last = row;
        }
        var total = Row(level, null, Indicators.CountAll(list, asOf), now.AllHours(), []) with { Name = "合计" };
        return new EvaluationTable(level, from, to, asOf, total, ordered.MoveToImmutable());
    }

    /// <summary>
    /// The counts of every unit in one pass over the cases: a unit's number by its code, its counts in one flat array, the
    /// working hours of its handled cases beside them. (A table of 40,000 grids is 40,000 rows of 17 numbers, not 40,000 lists.)
    /// </summary>
    private sealed class Tally
    {
        private static readonly int K = Indicators.Counts.Length;

        /// <summary>Each unit's code (null: the cases with no unit), in the order they first appear.</summary>
        public List<string?> Units { get; } = [];

        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private int? _none;

        /// <summary>A unit's number by its code (null: the cases with no unit), or null when it has no cases.</summary>
        public int? Find(string? code) => code is null ? _none : _index.TryGetValue(code, out var u) ? u : null;

        /// <summary>The first case of each unit (for the names of communities and streets).</summary>
        public List<int> FirstFact { get; } = [];

        private long[] _counts = new long[16 * K];
        private readonly List<(int Unit, double Hours)> _hours = [];
        private int[]? _hoursStart;

        public static Tally Of(Evaluator evaluator, EvaluationLevel level, IReadOnlyList<CaseFacts> facts, DateTimeOffset asOf)
        {
            var tally = new Tally();
            for (var i = 0; i < facts.Count; i++)
            {
                var f = facts[i];
                var code = evaluator.UnitOf(level, f);
                if (tally.Find(code) is not { } u)
                {
                    u = tally.Units.Count;
                    tally.Units.Add(code);
                    if (code is null) tally._none = u;
                    else tally._index[code] = u;
                    tally.FirstFact.Add(i);
                    if ((u + 1) * K > tally._counts.Length) Array.Resize(ref tally._counts, tally._counts.Length * 2);
                }
                Indicators.CountInto(f, asOf, tally._counts.AsSpan(u * K, K));
                if (f is { AcceptedAt: { } accepted, FeedbackAt: { } fed }) tally._hours.Add((u, evaluator._workingHours.Between(accepted, fed).TotalHours));
            }
            return tally;
        }

        public IndicatorDictionary<long> CountsOf(int unit)
        {
            var counts = _counts.AsSpan(unit * K, K).ToArray();
            return new IndicatorDictionary<long>(Indicators.CountNames, Indicators.CountIndex, counts);
        }

        /// <summary>The working hours of a unit's handled cases, sorted.</summary>
        public List<double> HoursOf(int unit)
        {
            if (_hoursStart is null)
            {
                _hours.Sort();
                _hoursStart = new int[Units.Count + 1];
                foreach (var (u, _) in _hours) _hoursStart[u + 1]++;
                for (var u = 0; u < Units.Count; u++) _hoursStart[u + 1] += _hoursStart[u];
            }
            return [.. _hours.Skip(_hoursStart[unit]).Take(_hoursStart[unit + 1] - _hoursStart[unit]).Select(h => h.Hours)];
        }

        /// <summary>The working hours of every handled case, sorted.</summary>
        public List<double> AllHours()
        {
            var all = _hours.Select(h => h.Hours).ToList();
            all.Sort();
            return all;
        }
    }

    /// <summary>The cases an indicator counts for one unit (<paramref name="unit"/> null: the cases with no unit), newest first.</summary>
    public IEnumerable<CaseFacts> Trace(EvaluationLevel level, string? unit, bool anyUnit, CountIndicator indicator, DateTimeOffset asOf, IEnumerable<CaseFacts> facts)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        return facts.Where(f => (anyUnit || UnitOf(level, f) == unit) && indicator.Counts(f, asOf))
            .OrderByDescending(f => f.ReportedAt).ThenBy(f => f.CaseId, StringComparer.Ordinal);
    }

    /// <summary>
    /// The name a unit is shown with: a grid's, community's or street's from the grid catalogue; another unit's as the
    /// server knows it (a credential's label, a matter's service name); else the code.
    /// </summary>
    public string? NameOf(EvaluationLevel level, string? code, IEnumerable<CaseFacts> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (code is null) return "(无)";
        GridPlace? place = null;
        if (level == EvaluationLevel.Grid) place = places(code);
        else if (level is EvaluationLevel.Community or EvaluationLevel.Street)
        {
            foreach (var f in facts)
            {
                if (f.GridCode is { } grid && places(grid) is { } found)
                {
                    place = found;
                    break;
                }
            }
        }
        return level switch
        {
            EvaluationLevel.Grid => place?.Name,
            EvaluationLevel.Community => place?.CommunityName,
            EvaluationLevel.Street => place?.StreetName,
            _ => unitNames?.Invoke(level, code),
        } ?? code;
    }

    private EvaluationRow Row(EvaluationLevel level, string? code, IndicatorDictionary<long> counts, List<double> sortedHours, IReadOnlyList<CaseFacts> sample)
    {
        var rates = Indicators.RatesOf(counts);
        return new EvaluationRow(code, NameOf(level, code, sample), counts, rates, Percentile(sortedHours, 0.5), Percentile(sortedHours, 0.9), Score(rates));
    }

    /// <summary>The weighted mean of the rates that have a value, on 0-100 (a lower-is-better rate counts 1 − rate); null when none has.</summary>
    private double? Score(IndicatorDictionary<double?> rates)
    {
        double sum = 0, total = 0;
        var values = rates.Values;
        for (var i = 0; i < _weights.Length; i++)
        {
            if (_weights[i] <= 0 || values[i] is not { } value) continue;
            sum += _weights[i] * (Indicators.Rates[i].Inverted ? 1 - value : value);
            total += _weights[i];
        }
        return total == 0 ? null : Math.Round(100 * sum / total, 2);
    }

    /// <summary>Nearest-rank percentile of sorted values, in hours to two decimals; null for none.</summary>
    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : Math.Round(sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)], 2);
}
