using System.Collections.Immutable;

namespace GridServer.Abstractions.Cases;

/// <summary>One case a party was named responsible for, and when.</summary>
[GenerateSerializer, Immutable, Alias("party.case")]
public sealed record PartyCase([property: Id(0)] string CaseId, [property: Id(1)] DateTimeOffset At);

/// <summary>
/// A party responsible beyond a grid (a shop, a site, a permit holder): the cases it was named for, so that repeat
/// offences can be counted. Key: "&lt;kind&gt;/&lt;id&gt;", e.g. "shops/S-0012".
/// </summary>
[Alias("party")]
public interface IPartyGrain : IGrainWithStringKey
{
    /// <summary>How long a case is remembered.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromDays(400);

    /// <summary>The most cases remembered (the newest).</summary>
    public const int MaxCases = 1_000;

    public static string Key(string kind, string id) => $"{kind}/{id}";

    /// <summary>
    /// Records that case <paramref name="caseId"/> names the party now (once: a second call for the same case records
    /// nothing) and answers how many of its cases fall within <paramref name="window"/> before now, this one included.
    /// </summary>
    [Alias("record")] ValueTask<int> RecordCaseAsync(string caseId, TimeSpan window);

    [Alias("cases")] ValueTask<ImmutableArray<PartyCase>> GetCasesAsync();
}
