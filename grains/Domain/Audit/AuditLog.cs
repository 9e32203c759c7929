using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace GridServer.Domain.Audit;

/// <summary>
/// One change someone asked the server for (操作审计): who (the credential's subject and role, from which address), when,
/// what (the route, e.g. <c>PUT /api/squads/{id}/leader</c>) on which target (the path, e.g. <c>/api/squads/SQ-1/leader</c>),
/// what they sent and what the server answered (its status and body, secrets masked, at most
/// <see cref="AuditRecords.MaxText"/> characters each). <see cref="Seq"/> orders the log; <see cref="Before"/> is, when read
/// back, for a PUT, PATCH or DELETE (which name the thing they set or remove), the latest earlier successful PUT, PATCH or
/// DELETE of the same target: what stood before this one. A POST (a creation, an action) has none.
/// </summary>
public sealed record AuditEntry(
    long Seq, DateTimeOffset At, string Actor, string Role, string Action, string Target, int Status, string? Request, string? Result,
    string? Client, AuditEntry? Before = null)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>A PUT, PATCH or DELETE: it sets or removes what its target names, so what stood before it is the last such change.</summary>
    public bool Sets => Action.StartsWith("PUT ", StringComparison.Ordinal) || Action.StartsWith("PATCH ", StringComparison.Ordinal)
        || Action.StartsWith("DELETE ", StringComparison.Ordinal);
}

/// <summary>Which entries to read: every criterion given must hold; newest first, <see cref="BeforeSeq"/> pages back.</summary>
/// <param name="Target">A path or its beginning: <c>/api/squads/SQ-1</c> is the squad and everything under it.</param>
public sealed record AuditQuery(string? Actor = null, string? Target = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    long? BeforeSeq = null, int Limit = 100)
{
    public const int MaxLimit = 500;

    public bool Matches(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (Actor is null || entry.Actor == Actor) && (Target is null || entry.Target.StartsWith(Target, StringComparison.Ordinal))
            && (From is null || entry.At >= From) && (To is null || entry.At < To) && (BeforeSeq is null || entry.Seq < BeforeSeq);
    }
}

/// <summary>
/// The audit log: appended to, never changed. In PostgreSQL a trigger refuses every UPDATE, DELETE and TRUNCATE of it
/// (V025); in the embedded default it lives in memory.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends an entry (its <see cref="AuditEntry.Seq"/> and <see cref="AuditEntry.Before"/> are ignored); answers its number.</summary>
    Task<long> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The entries the query names, newest first, each with what stood before it (<see cref="AuditEntry.Before"/>).</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>The log in memory: the embedded default and tests.</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly Lock _gate = new();
    private readonly List<AuditEntry> _entries = [];

    public Task<long> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            var seq = _entries.Count + 1L;
            _entries.Add(entry with { Seq = seq, Before = null });
            return Task.FromResult(seq);
        }
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<AuditEntry>>([.. Enumerable.Reverse(_entries).Where(query.Matches).Take(Math.Clamp(query.Limit, 0, AuditQuery.MaxLimit))
                .Select(e => e with { Before = e.Sets ? _entries.LastOrDefault(b => b.Seq < e.Seq && b.Target == e.Target && b.Succeeded && b.Sets) : null })]);
        }
    }
}

/// <summary>What an entry keeps of a request or an answer: text, secrets masked, bounded.</summary>
public static partial class AuditRecords
{
    /// <summary>The most characters an entry keeps of a request or an answer.</summary>
    public const int MaxText = 16 * 1024;

    /// <summary>JSON as people read it: Chinese kept as it is, not escaped.</summary>
    private static readonly JsonSerializerOptions Readable = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>What a masked value reads.</summary>
    public const string Masked = "***";

    /// <summary>
    /// A body as the log keeps it: JSON with every value under a name that says key, secret, password, token or signature
    /// masked; plain text as it is; anything else (a file, a package) as its type and length. At most <see cref="MaxText"/>
    /// characters, the rest cut with a mark.
    /// </summary>
    public static string? Of(string? contentType, ReadOnlySpan<byte> body, long length)
    {
        if (length == 0) return null;
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        string text;
        if (media is "application/json" or "application/problem+json" || media.EndsWith("+json", StringComparison.Ordinal))
        {
            var raw = System.Text.Encoding.UTF8.GetString(body);
            try
            {
                text = JsonNode.Parse(raw) is { } node ? Mask(node).ToJsonString(Readable) : raw;
            }
            catch (JsonException)
            {
                // Not JSON after all (or cut short): kept only as far as no secret can hide in it.
                text = body.Length < length ? $"({media}, {length} bytes, too long to keep)" : SecretLike().Replace(raw, m => m.Groups[1].Value + Masked);
            }
        }
        else if (media is "text/plain" or "text/csv" or "application/x-www-form-urlencoded")
        {
            text = SecretLike().Replace(System.Text.Encoding.UTF8.GetString(body), m => m.Groups[1].Value + Masked);
        }
        else
        {
            return $"({(media.Length == 0 ? "no content type" : media)}, {length} bytes)";
        }
        return text.Length > MaxText || body.Length < length ? text[..Math.Min(text.Length, MaxText)] + " …(cut)" : text;
    }

    private static JsonNode Mask(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (SecretName().IsMatch(name)) obj[name] = Masked;
                    else if (value is not null) Mask(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array) if (item is not null) Mask(item);
                break;
        }
        return node;
    }

    [GeneratedRegex("(key|secret|password|passwd|token|signature)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"((?:key|secret|password|token|signature)[""']?\s*[:=]\s*[""']?)[^\s""'&,}]+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLike();
}
