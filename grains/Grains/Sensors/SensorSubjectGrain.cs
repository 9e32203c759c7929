using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Sensors;
using GridServer.Domain.Cases;
using GridServer.Domain.Sensors;
using GridServer.Grains.Cases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace GridServer.Grains.Sensors;

/// <summary>
/// One subject of a sensor module: keeps its readings within the module's window (deduplicated by sensor and time, so a
/// batch sent again changes nothing), the module's memo and the open episode, and applies the module's verdict in the
/// contract's order (note, end of episode, open, memo, re-check). One batch at a time: the grain's turn orders them.
/// Each step writes the subject's small record and the readings that arrived (<see cref="ISensorStore"/>), never the
/// readings kept before.
/// </summary>
/// <remarks>
/// A step is decided on copies and kept in memory only once written; when anything in it fails (the store, a case's
/// grain, the module's lookup) the subject is loaded again at the next call, so the caller's retry takes the same
/// readings again. The case an episode opens has an id derived from the module, the subject and the episode's number:
/// a retried evaluation opens the same case again, which answers the case it opened. A module that is gone or faulted
/// leaves the readings kept and nothing evaluated.
/// </remarks>
public sealed partial class SensorSubjectGrain(
    [FromKeyedServices(GrainStorage.Cases)] IGrainStorage legacy,
    ISensorStore store,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    ISensorRules rules,
    ICaseIntake intake,
    ILogger<SensorSubjectGrain> logger) : Grain, ISensorSubjectGrain, IRemindable
{
    /// <summary>The most readings a subject keeps (the newest).</summary>
    public const int MaxReadings = InMemorySensorStore.MaxReadingsPerSubject;

    /// <summary>Reminders tick at most once a minute.</summary>
    public static readonly TimeSpan MinRecheckDelay = TimeSpan.FromMinutes(1);

    private const string RecheckReminder = "recheck";

    /// <summary>The name older servers kept a subject's grain state under.</summary>
    public const string LegacyState = "sensor-subject";

    private string? _module;
    private string? _subject;

    private string Module => _module ??= Split().Module;

    private string Subject => _subject ??= Split().Subject;

    private (string Module, string Subject) Split()
    {
        var key = this.GetPrimaryKeyString();
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? (key, "") : (key[..bar], key[(bar + 1)..]);
    }

    private string Actor => "sensor:" + Module;

    /// <summary>The subject as the store holds it; null until loaded, and again after a step failed.</summary>
    private SensorSubjectRecord? _stored;

    /// <summary>The readings within the window, oldest first, as the store holds them.</summary>
    private List<SensorReadingData> _readings = [];

    private async Task<SensorSubjectRecord> LoadAsync(DateTimeOffset now, TimeSpan? window)
    {
        if (_stored is { } loaded) return loaded;
        var load = await store.LoadAsync(Module, Subject, window is { } w ? now - w : null, MaxReadings);
        if (load.Subject is null)
        {
            // Asked only of a subject the store does not know: once per subject, never again after its first write.
            var old = new GrainState<SensorSubjectState>();
            await legacy.ReadStateAsync(LegacyState, this.GetGrainId(), old);
            if (old.RecordExists) return await ImportLegacyAsync(old);
        }
        _readings = [.. load.Readings.Select(Data)];
        return _stored = load.Subject ?? SensorSubjectRecord.New(Module, Subject);
    }

    /// <summary>A subject written by a server before the sensor store: written to the store, then its old state cleared.</summary>
    private async Task<SensorSubjectRecord> ImportLegacyAsync(GrainState<SensorSubjectState> old)
    {
        var s = old.State ?? new SensorSubjectState();
        var record = new SensorSubjectRecord(Module, Subject, 1, s.Memo, s.EpisodeCaseId, s.EpisodeOpenedAt, s.RecheckAt, s.Episodes, s.LastError);
        if (!await store.WriteAsync(new SensorWrite(record, [.. s.Readings.Select(Row)])))
            throw new InvalidOperationException($"sensor subject {Module}|{Subject} was written meanwhile by another activation; try again");
        await legacy.ClearStateAsync(LegacyState, this.GetGrainId(), old);
        _readings = [.. s.Readings];
        return _stored = record;
    }

    /// <summary>Writes the step; only then does memory hold it.</summary>
    private async Task CommitAsync(SensorSubjectRecord before, SensorSubjectRecord after, List<SensorReadingData> kept, List<SensorReadingData> arrived)
    {
        var written = after with { Version = before.Version + 1 };
        if (!await store.WriteAsync(new SensorWrite(written, [.. arrived.Select(Row)])))
            throw new InvalidOperationException($"sensor subject {Module}|{Subject} was written meanwhile by another activation; try again");
        _stored = written;
        _readings = kept;
    }

    public ValueTask<SensorOutcome> TakeAsync(ImmutableArray<SensorReadingData> readings) => StepAsync(() => TakeNowAsync(readings));

    private async Task<SensorOutcome> TakeNowAsync(ImmutableArray<SensorReadingData> readings)
    {
        var now = time.GetUtcNow();
        var window = rules.WindowOf(Module);
        var subject = await LoadAsync(now, window);
        var (kept, arrivedKept, duplicates, stale) = SubjectReadings.Take(_readings, readings, now, window, MaxReadings);
        if (arrivedKept is null) return new SensorOutcome(0, duplicates, stale, null, 0, false, null);
        if (window is null)
        {
            // The module is not here (removed, faulted, or this silo has not loaded it): the readings are kept for
            // when it is back, nothing is evaluated, and the log says so.
            var error = $"module '{Module}' is not loaded or faulted on this silo; readings kept, not evaluated";
            LogNotEvaluated(logger, Module, Subject, error);
            await CommitAsync(subject, subject with { LastError = error }, kept, arrivedKept);
            return new SensorOutcome(arrivedKept.Count, duplicates, stale, null, 0, false, error);
        }
        var outcome = await EvaluateAsync(subject, now, kept, arrivedKept);
        return outcome with { Taken = arrivedKept.Count, Duplicates = duplicates, Stale = stale };
    }

    public ValueTask<SensorOutcome> RecheckAsync() => StepAsync(RecheckNowAsync);

    private async Task<SensorOutcome> RecheckNowAsync()
    {
        var now = time.GetUtcNow();
        var window = rules.WindowOf(Module);
        var subject = await LoadAsync(now, window);
        var kept = SubjectReadings.Pruned(_readings, now, window, MaxReadings);
        if (window is null)
        {
            var error = $"module '{Module}' is not loaded or faulted on this silo; the re-check waits for it";
            LogNotEvaluated(logger, Module, Subject, error);
            await CommitAsync(subject, subject with { LastError = error }, kept, []);
            return new SensorOutcome(0, 0, 0, null, 0, false, error);
        }
        return await EvaluateAsync(subject, now, kept, []);
    }

    public async ValueTask<SensorSubjectView> GetAsync()
    {
        var s = await StepAsync(() => LoadAsync(time.GetUtcNow(), rules.WindowOf(Module)));
        return new SensorSubjectView(Module, Subject, _readings.Count, s.Memo, s.EpisodeCaseId, s.EpisodeOpenedAt, s.RecheckAt, s.Episodes, s.LastError);
    }

    /// <summary>Runs a step; a failed one leaves nothing in memory that the store does not hold (the next call loads again).</summary>
    private async ValueTask<T> StepAsync<T>(Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch
        {
            _stored = null;
            throw;
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RecheckReminder) return;
        // Having fired, the reminder is next due one period on, not at the time it was set for.
        _scheduled = null;
        var subject = await StepAsync(() => LoadAsync(time.GetUtcNow(), rules.WindowOf(Module)));
        if (subject.RecheckAt is null)
        {
            await StopRecheckAsync();
            return;
        }
        await RecheckAsync();
    }

    private async Task<SensorOutcome> EvaluateAsync(SensorSubjectRecord before, DateTimeOffset now, List<SensorReadingData> kept, List<SensorReadingData> arrived)
    {
        var s = before;
        // An episode whose case has ended (closed, voided) is over: the next exceedance is a new episode.
        if (s.EpisodeCaseId is { } episode && !await IsOpenAsync(episode))
        {
            LogEpisodeEnded(logger, Module, Subject, episode);
            s = s with { EpisodeCaseId = null, EpisodeOpenedAt = null };
        }
        var ruling = await rules.EvaluateAsync(Module, new SensorSituationData(Subject, now, arrived, kept, s.EpisodeCaseId, s.EpisodeOpenedAt, s.Memo));
        if (!ruling.Answered)
        {
            LogNotEvaluated(logger, Module, Subject, ruling.Error);
            await CommitAsync(before, s with { LastError = ruling.Error }, kept, arrived);
            return new SensorOutcome(0, 0, 0, null, 0, false, ruling.Error);
        }
        s = s with { LastError = null };
        var notes = 0;
        if (ruling.Note is { Length: > 0 } note && s.EpisodeCaseId is { } noted)
        {
            var result = await GrainFactory.GetGrain<ICaseGrain>(noted).AddNoteAsync(Actor, note);
            if (result.Accepted) notes++;
            else LogNoteRefused(logger, Module, Subject, noted, result.Refusal?.Message);
        }
        if (ruling.EndEpisode) s = s with { EpisodeCaseId = null, EpisodeOpenedAt = null };
        string? opened = null;
        if (ruling.Open is { } request && s.EpisodeCaseId is null)
        {
            var id = CaseId(Module, Subject, s.Episodes + 1);
            await intake.OpenAsync(id, new CaseReport(request.Matter, request.Lon, request.Lat, null, Actor, request.Description, SubmittedBy: Actor), request.Party);
            s = s with { Episodes = s.Episodes + 1, EpisodeCaseId = id, EpisodeOpenedAt = now };
            opened = id;
            LogOpened(logger, Module, Subject, id);
        }
        await CommitAsync(before, s with { Memo = ruling.Memo, RecheckAt = ruling.RecheckAt }, kept, arrived);
        if (ruling.RecheckAt is { } at)
        {
            // Each registration is a store write: none while the reminder already waits for this very re-check.
            var key = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            if (_scheduled != key)
            {
                var due = at - now < MinRecheckDelay ? MinRecheckDelay : at - now;
                await this.RegisterOrUpdateReminder(RecheckReminder, due, due);
                _scheduled = key;
            }
        }
        else
        {
            await StopRecheckAsync();
        }
        return new SensorOutcome(0, 0, 0, opened, notes, true, null);
    }

    private static SensorReadingRow Row(SensorReadingData r) => new(r.SensorId, r.Kind, r.Lon, r.Lat, r.At, r.Values);

    private static SensorReadingData Data(SensorReadingRow r) => new(r.SensorId, r.Kind, r.Lon, r.Lat, r.At, r.Values);

    private async Task<bool> IsOpenAsync(string caseId)
    {
        var view = await GrainFactory.GetGrain<ICaseGrain>(caseId).GetAsync();
        return view is { Ended: false };
    }

    /// <summary>
    /// What this activation last set the re-check reminder to: its time, "none", or null when unknown (a new
    /// activation), so that a batch that changes nothing costs no reminder read or write.
    /// </summary>
    private string? _scheduled;

    private async Task StopRecheckAsync()
    {
        if (_scheduled == "none") return;
        if (await this.GetReminder(RecheckReminder) is { } reminder) await this.UnregisterReminder(reminder);
        _scheduled = "none";
    }

    /// <summary>The id of the case a subject's episode opens: the same inputs, the same case, on any silo, after any restart.</summary>
    public static string CaseId(string module, string subject, int episode)
    {
        var text = $"{module}\n{subject}\n{episode.ToString(CultureInfo.InvariantCulture)}";
        return $"C-S-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12))}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sensor subject {Module}|{Subject}: not evaluated: {Reason}")]
    private static partial void LogNotEvaluated(ILogger logger, string module, string subject, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sensor subject {Module}|{Subject}: episode of case {CaseId} is over, the case has ended")]
    private static partial void LogEpisodeEnded(ILogger logger, string module, string subject, string caseId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sensor subject {Module}|{Subject} opened case {CaseId}")]
    private static partial void LogOpened(ILogger logger, string module, string subject, string caseId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sensor subject {Module}|{Subject}: case {CaseId} refused the note: {Refusal}")]
    private static partial void LogNoteRefused(ILogger logger, string module, string subject, string caseId, string? refusal);
}
