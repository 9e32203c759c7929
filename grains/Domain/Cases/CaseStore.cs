using System.Collections.Immutable;
using System.Text;
using GridServer.Domain.Notices;

namespace GridServer.Domain.Cases;

/// <summary>
/// One step of a case as the store writes it, all or nothing: the case as it stands after the step (its
/// <see cref="CaseRecord.Version"/> is the new version, one more than the stored one), the timeline events from
/// <paramref name="NewEventsFrom"/> (0-based) on, when the deadline clock must next look at it, the notices the step
/// records in inboxes, and the after-effects it leaves in the outbox (a liaison's alerts to batch).
/// </summary>
public sealed record CaseWrite(CaseRecord Record, int NewEventsFrom, DateTimeOffset? WakeAt, ImmutableArray<NoticeEntry> Notices, ImmutableArray<NoticeEntry> Outbox);

/// <summary>
/// What the store holds of a case: the record, or that a server before the case store kept it (<see cref="Legacy"/>: read
/// its grain state). An <see cref="Archived"/> case was closed before the retention and moved to the archive: read only.
/// </summary>
public sealed record CaseLoad(CaseRecord? Record, bool Legacy, bool Archived = false)
{
    public static readonly CaseLoad Missing = new(null, false);
}

/// <summary>A case in a command-center list (the queue, the supervision list): since when, and why.</summary>
public sealed record CaseMark(string CaseId, DateTimeOffset At, string Reason);

/// <summary>
/// Where cases are kept: the case itself, its timeline appended row by row, and its queryable fields, in one write per
/// step (PostgreSQL in production, memory in the embedded default). The write is the projection: search and statistics
/// read what the cases wrote, never a copy that can lag.
/// </summary>
public interface ICaseStore
{
    /// <summary>The case, <see cref="CaseLoad.Missing"/>, or a case written by an older server (its truth elsewhere).</summary>
    Task<CaseLoad> LoadAsync(string caseId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes one step; completes once it is durable. False, and nothing written, when the stored version is not the
    /// one before <c>write.Record.Version</c>: another activation wrote the case meanwhile.
    /// </summary>
    Task<bool> WriteAsync(CaseWrite write, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> cases of shard <paramref name="shard"/> whose wake time has come by <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<string>> DueAsync(int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}

/// <summary>
/// Retention: what has been kept in the live tables long enough moves to the archive, a bite at a time, each bite all or
/// nothing; nothing is deleted. An archived case is still found by its id (<see cref="ICaseStore.LoadAsync"/>) and counted by
/// the evaluation of its period.
/// </summary>
public interface ICaseArchive
{
    /// <summary>Moves up to <paramref name="limit"/> cases closed before <paramref name="closedBefore"/>, each with its timeline; answers how many moved.</summary>
    Task<int> ArchiveClosedCasesAsync(DateTimeOffset closedBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>Moves up to <paramref name="limit"/> inbox notices given before <paramref name="before"/>; answers how many moved.</summary>
    Task<int> ArchiveNoticesAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default);
}

/// <summary>The deadline clock's shards: each case belongs to one, by a hash of its id that never changes.</summary>
public static class CaseShards
{
    /// <summary>How many shards the clock has. Changing it moves cases between shards: the store keeps each case's shard as written.</summary>
    public const int Count = 8;

    /// <summary>FNV-1a of the id's UTF-8, modulo <see cref="Count"/>: the same on every silo and every run.</summary>
    public static int Of(string caseId)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(caseId)) hash = (hash ^ b) * 16777619u;
        return (int)(hash % Count);
    }
}

/// <summary>
/// Cases in memory: the embedded default and tests. Keeps every case until the process ends, with its notices recorded
/// in <paramref name="notices"/> in the same step.
/// </summary>
public sealed class InMemoryCaseStore(InMemoryNoticeStore notices) : ICaseStore, ICaseSearch, Evaluation.ICaseFactsSource
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CaseRecord> _cases = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset Wake, string CaseId)>[] _wakes = [.. Enumerable.Range(0, CaseShards.Count).Select(_ => new SortedSet<(DateTimeOffset, string)>())];
    private readonly Dictionary<string, DateTimeOffset> _wakeOf = new(StringComparer.Ordinal);

    public InMemoryCaseStore() : this(new InMemoryNoticeStore())
    {
    }

    /// <summary>The inboxes this store records case notices in.</summary>
    public InMemoryNoticeStore Notices => notices;

    public Task<CaseLoad> LoadAsync(string caseId, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_cases.TryGetValue(caseId, out var record) ? new CaseLoad(record, false) : CaseLoad.Missing);
    }

    public async Task<bool> WriteAsync(CaseWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var record = write.Record;
        lock (_gate)
        {
            var stored = _cases.TryGetValue(record.Id, out var current) ? current.Version : 0;
            if (stored != record.Version - 1) return false;
            _cases[record.Id] = record;
            var shard = _wakes[CaseShards.Of(record.Id)];
            if (_wakeOf.Remove(record.Id, out var old)) shard.Remove((old, record.Id));
            if (write.WakeAt is { } wake)
            {
                shard.Add((wake, record.Id));
                _wakeOf[record.Id] = wake;
            }
        }
        await notices.RecordAsync(write.Notices, cancellationToken);
        notices.Enqueue(write.Outbox);
        return true;
    }

    public Task<IReadOnlyList<string>> DueAsync(int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. _wakes[shard].TakeWhile(w => w.Wake <= now).Take(limit).Select(w => w.CaseId)]);
        }
    }

    /// <summary>When the deadline clock next looks at the case, or null (tests).</summary>
    public DateTimeOffset? WakeOf(string caseId)
    {
        lock (_gate) return _wakeOf.TryGetValue(caseId, out var wake) ? wake : null;
    }

    /// <summary>The case as stored, or null (tests).</summary>
    public CaseRecord? Find(string caseId)
    {
        lock (_gate) return _cases.GetValueOrDefault(caseId);
    }

    public Task<IReadOnlyList<CaseProjectionRow>> SearchAsync(CaseQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CaseProjectionRow>>(_cases.Values.Select(CaseProjectionRow.Of).Where(query.Matches)
                .OrderByDescending(r => r.ReportedAt).ThenBy(r => r.CaseId, StringComparer.Ordinal)
                .Skip(query.Offset).Take(Math.Clamp(query.Limit, 0, CaseQuery.MaxLimit)).ToList());
        }
    }

    public Task<IReadOnlyList<CaseProjectionRow>> ChangedSinceAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CaseProjectionRow>>([.. _cases.Values.Where(c => c.File.UpdatedAt >= since)
                .OrderBy(c => c.File.UpdatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)
                .Take(Math.Clamp(limit, 0, CaseQuery.MaxLimit)).Select(CaseProjectionRow.Of)]);
        }
    }

    public Task<IReadOnlyList<Evaluation.CaseFacts>> FactsAsync(Evaluation.CaseFactsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Evaluation.CaseFacts>>([.. _cases.Values
                .Where(c => c.File.ReportedAt >= query.From && c.File.ReportedAt < query.To)
                .Select(Evaluation.CaseFacts.Of).Where(query.Matches)]);
        }
    }

    public Task<IReadOnlyList<(double Lon, double Lat)>> PointsAsync(Evaluation.CaseFactsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<(double, double)>>([.. _cases.Values
                .Where(c => c.Report.Located && c.File.ReportedAt >= query.From && c.File.ReportedAt < query.To && query.Matches(Evaluation.CaseFacts.Of(c)))
                .Select(c => (c.Report.Lon, c.Report.Lat))]);
        }
    }

    public Task<IReadOnlyList<CaseMark>> QueueAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CaseMark>>([.. _cases.Values.Where(c => c.Queued && !c.File.IsTerminal)
                .Select(c => new CaseMark(c.Id, c.File.ReportedAt, c.QueueReason!))
                .OrderBy(m => m.At).ThenBy(m => m.CaseId, StringComparer.Ordinal).Take(Math.Clamp(limit, 0, CaseQuery.MaxLimit))]);
        }
    }

    public Task<IReadOnlyDictionary<CaseState, long>> CountOpenByStateAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyDictionary<CaseState, long>>(_cases.Values.Where(c => !c.File.IsTerminal)
                .GroupBy(c => c.File.State).ToDictionary(g => g.Key, g => (long)g.Count()));
        }
    }

    public Task<IReadOnlyList<CaseMark>> EscalatedAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CaseMark>>([.. _cases.Values.Where(c => c.Escalation is not null && !c.File.IsTerminal)
                .Select(c => new CaseMark(c.Id, c.Escalation!.At, c.Escalation.Reason))
                .OrderBy(m => m.At).ThenBy(m => m.CaseId, StringComparer.Ordinal).Take(Math.Clamp(limit, 0, CaseQuery.MaxLimit))]);
        }
    }
}
