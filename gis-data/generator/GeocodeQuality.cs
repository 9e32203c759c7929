using GridServer.Domain.Geocoding;

namespace GridServer.SampleData;

/// <summary>
/// How a matcher did on queries of one kind: how many; how many it acted on alone (sure) and rightly; how many it acted
/// on wrongly (the wrong entry, or an entry for an address the gazetteer does not have); and for how many with a right
/// entry that entry was among the candidates a dispatcher sees.
/// </summary>
public sealed record GeocodeScore(string Kind, int Queries, int WithTruth, int SureRight, int SureWrong, int Offered)
{
    /// <summary>Of the answers acted on alone, the share that were right (1 when none were).</summary>
    public double Precision => SureRight + SureWrong == 0 ? 1 : (double)SureRight / (SureRight + SureWrong);

    /// <summary>Of the queries with a right entry, the share placed on it alone.</summary>
    public double Recall => WithTruth == 0 ? 1 : (double)SureRight / WithTruth;

    /// <summary>Of the queries with a right entry, the share whose right entry was placed or offered.</summary>
    public double OfferedShare => WithTruth == 0 ? 1 : (double)Offered / WithTruth;
}

/// <summary>Scores a matcher on generated queries, by kind of noise and over all of them.</summary>
public static class GeocodeQuality
{
    public static IReadOnlyList<GeocodeScore> Score(IReadOnlyList<AddressQuery> queries, Func<string, AddressMatch> match)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(match);
        var rows = new List<GeocodeScore>();
        var all = new GeocodeScore("all", 0, 0, 0, 0, 0);
        foreach (var group in queries.GroupBy(q => q.Noise).OrderBy(g => g.Key))
        {
            var score = new GeocodeScore(group.Key.ToString(), 0, 0, 0, 0, 0);
            foreach (var query in group)
            {
                var answer = match(query.Text);
                var right = query.TruthId is not null && answer.Best?.Entry.Id == query.TruthId;
                var offered = query.TruthId is not null && answer.Candidates.Any(c => c.Entry.Id == query.TruthId);
                score = score with
                {
                    Queries = score.Queries + 1,
                    WithTruth = score.WithTruth + (query.TruthId is null ? 0 : 1),
                    SureRight = score.SureRight + (answer.Confident && right ? 1 : 0),
                    SureWrong = score.SureWrong + (answer.Confident && !right ? 1 : 0),
                    Offered = score.Offered + (offered ? 1 : 0),
                };
            }
            rows.Add(score);
            all = all with
            {
                Queries = all.Queries + score.Queries, WithTruth = all.WithTruth + score.WithTruth, SureRight = all.SureRight + score.SureRight,
                SureWrong = all.SureWrong + score.SureWrong, Offered = all.Offered + score.Offered,
            };
        }
        rows.Add(all);
        return rows;
    }

    /// <summary>
    /// The plainest matcher there is, as a baseline: the address brought to one spelling (<see cref="AddressText.Normalize"/>)
    /// and looked up whole; sure when exactly one entry is spelled so.
    /// </summary>
    public static Func<string, AddressMatch> ExactBaseline(IEnumerable<GazetteerEntry> entries)
    {
        var byText = entries.GroupBy(e => AddressText.Normalize(e.Address), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        return text => byText.TryGetValue(AddressText.Normalize(text), out var found)
            ? new AddressMatch([.. found.Select(e => new AddressCandidate(e, 1, "spelled so"))], found.Length == 1)
            : new AddressMatch([], false);
    }
}
