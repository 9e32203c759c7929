using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Sensors;
using GridServer.Domain.Cases;
using GridServer.Grains.Cases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GridServer.Grains.Sensors;

/// <summary>Persisted state of a sensor subject.</summary>
[GenerateSerializer, Alias("sensor.subject-state")]
public sealed class SensorSubjectState
{
    /// <summary>The readings within the module's window, oldest first; at most <see cref="SensorSubjectGrain.MaxReadings"/>.</summary>
    [Id(0)] public List<SensorReadingData> Readings { get; set; } = [];
    [Id(1)] public string? Memo { get; set; }
    [Id(2)] public string? EpisodeCaseId { get; set; }
    [Id(3)] public DateTimeOffset? EpisodeOpenedAt { get; set; }
    /// <summary>When the module asked to be called again with no new readings (null: not asked).</summary>
    [Id(4)] public DateTimeOffset? RecheckAt { get; set; }
    /// <summary>How many episodes opened a case: part of each case id, so that a new episode never names an old case.</summary>
    [Id(5)] public int Episodes { get; set; }
    [Id(6)] public string? LastError { get; set; }
}

/// <summary>
/// One subject of a sensor module: keeps its readings within the module's window (deduplicated by sensor and time, so a
/// batch sent again changes nothing), the module's memo and the open episode, and applies the module's verdict in the
/// contract's order (note, end of episode, open, memo, re-check). One batch at a time: the grain's turn orders them.
/// </summary>
/// <remarks>
/// The case an episode opens has an id derived from the module, the subject, the episode's number and the first new
/// reading's time: an evaluation retried after a failure (before the state was written) opens the same case again,
/// which answers the case it opened. A module that is gone or faulted leaves the readings kept and nothing evaluated.
/// </remarks>
public sealed partial class SensorSubjectGrain(
    [PersistentState("sensor-subject", GrainStorage.Cases)] IPersistentState<SensorSubjectState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    ISensorRules rules,
    ICaseIntake intake,
    ILogger<SensorSubjectGrain> logger) : Grain, ISensorSubjectGrain, IRemindable
{
    /// <summary>The most readings a subject keeps (the newest).</summary>
    public const int MaxReadings = 5_000;

    /// <summary>Reminders tick at most once a minute.</summary>
    public static readonly TimeSpan MinRecheckDelay = TimeSpan.FromMinutes(1);

    private const string RecheckReminder = "recheck";

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

    /// <summary>The state as it was before a step, to put back when the step fails: memory never runs ahead of the store.</summary>
    private sealed record Saved(List<SensorReadingData> Readings, string? Memo, string? EpisodeCaseId, DateTimeOffset? EpisodeOpenedAt,
        DateTimeOffset? RecheckAt, int Episodes, string? LastError);

    private Saved Save()
    {
        var s = state.State;
        return new Saved([.. s.Readings], s.Memo, s.EpisodeCaseId, s.EpisodeOpenedAt, s.RecheckAt, s.Episodes, s.LastError);
    }

    private void Restore(Saved saved)
    {
        var s = state.State;
        (s.Readings, s.Memo, s.EpisodeCaseId, s.EpisodeOpenedAt, s.RecheckAt, s.Episodes, s.LastError) =
            (saved.Readings, saved.Memo, saved.EpisodeCaseId, saved.EpisodeOpenedAt, saved.RecheckAt, saved.Episodes, saved.LastError);
    }

    /// <summary>
    /// Runs a step; when anything in it fails (the store, a case's grain, the module's lookup), memory goes back to
    /// what the store holds, so the caller's retry takes the same readings again and opens the same case (its id
    /// depends on the episode only), never a second one.
    /// </summary>
    private async ValueTask<SensorOutcome> StepAsync(Func<Task<SensorOutcome>> step)
    {
        var saved = Save();
        try
        {
            return await step();
        }
        catch
        {
            Restore(saved);
            throw;
        }
    }

    public ValueTask<SensorOutcome> TakeAsync(ImmutableArray<SensorReadingData> readings) => StepAsync(() => TakeNowAsync(readings));

    private async Task<SensorOutcome> TakeNowAsync(ImmutableArray<SensorReadingData> readings)
    {
        var now = time.GetUtcNow();
        var window = rules.WindowOf(Module);
        var kept = state.State.Readings;
        var known = kept.Select(r => (r.SensorId, r.At)).ToHashSet();
        var arrived = new List<SensorReadingData>();
        int duplicates = 0, stale = 0;
        foreach (var reading in readings.IsDefault ? [] : readings)
        {
            if (!known.Add((reading.SensorId, reading.At))) duplicates++;
            else if (window is { } w && reading.At < now - w) stale++;
            else arrived.Add(reading);
        }
        if (arrived.Count == 0) return new SensorOutcome(0, duplicates, stale, null, 0, false, null);

        kept.AddRange(arrived);
        Prune(now, window);
        var stillKept = kept.Select(r => (r.SensorId, r.At)).ToHashSet();
        var arrivedKept = arrived.Where(a => stillKept.Contains((a.SensorId, a.At))).OrderBy(a => a.At).ToList();
        if (window is null)
        {
            // The module is not here (removed, faulted, or this silo has not loaded it): the readings are kept for
            // when it is back, nothing is evaluated, and the log says so.
            state.State.LastError = $"module '{Module}' is not loaded or faulted on this silo; readings kept, not evaluated";
            LogNotEvaluated(logger, Module, Subject, state.State.LastError);
            await state.WriteStateAsync();
            return new SensorOutcome(arrivedKept.Count, duplicates, stale, null, 0, false, state.State.LastError);
        }
        var outcome = await EvaluateAsync(now, arrivedKept);
        return outcome with { Taken = arrivedKept.Count, Duplicates = duplicates, Stale = stale };
    }

    public ValueTask<SensorOutcome> RecheckAsync() => StepAsync(RecheckNowAsync);

    private async Task<SensorOutcome> RecheckNowAsync()
    {
        var now = time.GetUtcNow();
        var window = rules.WindowOf(Module);
        Prune(now, window);
        if (window is null)
        {
            state.State.LastError = $"module '{Module}' is not loaded or faulted on this silo; the re-check waits for it";
            LogNotEvaluated(logger, Module, Subject, state.State.LastError);
            await state.WriteStateAsync();
            return new SensorOutcome(0, 0, 0, null, 0, false, state.State.LastError);
        }
        return await EvaluateAsync(now, []);
    }

    public ValueTask<SensorSubjectView> GetAsync() => ValueTask.FromResult(new SensorSubjectView(
        Module, Subject, state.State.Readings.Count, state.State.Memo, state.State.EpisodeCaseId, state.State.EpisodeOpenedAt,
        state.State.RecheckAt, state.State.Episodes, state.State.LastError));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RecheckReminder) return;
        // Having fired, the reminder is next due one period on, not at the time it was set for.
        _scheduled = null;
        if (state.State.RecheckAt is null)
        {
            await StopRecheckAsync();
            return;
        }
        await RecheckAsync();
    }

    /// <summary>Drops readings older than the window (none while the window is unknown) and keeps the newest <see cref="MaxReadings"/>.</summary>
    private void Prune(DateTimeOffset now, TimeSpan? window)
    {
        var kept = state.State.Readings;
        if (window is { } w) kept.RemoveAll(r => r.At < now - w);
        kept.Sort((a, b) => a.At.CompareTo(b.At));
        if (kept.Count > MaxReadings) kept.RemoveRange(0, kept.Count - MaxReadings);
    }

    private async Task<SensorOutcome> EvaluateAsync(DateTimeOffset now, List<SensorReadingData> arrived)
    {
        var s = state.State;
        // An episode whose case has ended (closed, voided) is over: the next exceedance is a new episode.
        if (s.EpisodeCaseId is { } episode && !await IsOpenAsync(episode))
        {
            LogEpisodeEnded(logger, Module, Subject, episode);
            s.EpisodeCaseId = null;
            s.EpisodeOpenedAt = null;
        }
        var ruling = await rules.EvaluateAsync(Module, new SensorSituationData(
            Subject, now, arrived, [.. s.Readings], s.EpisodeCaseId, s.EpisodeOpenedAt, s.Memo));
        if (!ruling.Answered)
        {
            s.LastError = ruling.Error;
            LogNotEvaluated(logger, Module, Subject, ruling.Error);
            await state.WriteStateAsync();
            return new SensorOutcome(0, 0, 0, null, 0, false, ruling.Error);
        }
        s.LastError = null;
        var notes = 0;
        if (ruling.Note is { Length: > 0 } note && s.EpisodeCaseId is { } noted)
        {
            var result = await GrainFactory.GetGrain<ICaseGrain>(noted).AddNoteAsync(Actor, note);
            if (result.Accepted) notes++;
            else LogNoteRefused(logger, Module, Subject, noted, result.Refusal?.Message);
        }
        if (ruling.EndEpisode)
        {
            s.EpisodeCaseId = null;
            s.EpisodeOpenedAt = null;
        }
        string? opened = null;
        if (ruling.Open is { } request && s.EpisodeCaseId is null)
        {
            var id = CaseId(Module, Subject, s.Episodes + 1);
            var actor = "sensor:" + Module;
            await intake.OpenAsync(id, new CaseReport(request.Matter, request.Lon, request.Lat, null, actor, request.Description, SubmittedBy: actor), request.Party);
            s.Episodes++;
            s.EpisodeCaseId = opened = id;
            s.EpisodeOpenedAt = now;
            LogOpened(logger, Module, Subject, id);
        }
        s.Memo = ruling.Memo;
        s.RecheckAt = ruling.RecheckAt;
        await state.WriteStateAsync();
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
