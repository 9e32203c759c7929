using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using GridServer.Abstractions.Sensors;
using GridServer.Domain.Access;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using GridServer.Silo.Plugins;
using GridServer.Silo.Reference;
using Microsoft.AspNetCore.Http.Features;

namespace GridServer.Silo.Sensors;

/// <summary>
/// <c>POST /api/sensors/readings</c>: a sensor gateway's batch of readings. The whole batch is checked first, then each
/// module names the subject of each of its readings (one guarded call per module for the batch); only when every
/// module answered are the readings handed to their subjects' grains, so a refused batch left nothing behind.
/// </summary>
public static partial class SensorEndpoints
{
    /// <summary>The largest body of a batch.</summary>
    public const long MaxBodyBytes = 16L * 1024 * 1024;

    /// <summary>How many subjects take their readings at once.</summary>
    public const int SubjectsAtOnce = 32;

    private static readonly JsonDocumentOptions Reading = new() { MaxDepth = 8 };

    public static IEndpointRouteBuilder MapSensorEndpoints(this IEndpointRouteBuilder app)
    {
        // A sensor gateway holds a Sensor credential of its own: a citizen channel's key cannot feed sensors.
        app.MapPost("/api/sensors/readings", TakeAsync).WithTags("Sensors").RequireRoles(Role.Sensor, Role.Operator)
            .WithSummary("Takes a batch of sensor readings (at most 5,000), whole or not at all; each loaded module evaluates its subjects and may open a case or note one.");
        return app;
    }

    internal static async Task<IResult> TakeAsync(
        HttpRequest request, ModuleRegistry modules, ReferenceCatalog reference, IGrainFactory grains, TimeProvider time,
        ILoggerFactory loggers, GridServer.Silo.Access.IntakeLimiter limiter, CancellationToken cancellationToken)
    {
        // A gateway's batches count against the same per-key budget as a channel's reports (its own bucket: its own key).
        if (request.HttpContext.RequiredCaller() is { Role: Role.Sensor } gateway && await limiter.TryTakeAsync(gateway) is { Allowed: false } refused)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(refused.RetryAfter.TotalSeconds));
            request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(429, "Too many batches", $"at most {limiter.PerMinute} batches a minute from one gateway's key; try again in {seconds} s");
        }
        if (request.ContentLength > MaxBodyBytes) return Problems.Of(413, "Batch too large", $"a batch may have at most {MaxBodyBytes / (1024 * 1024)} MB");
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, Reading, cancellationToken);
        }
        catch (JsonException e)
        {
            return Problems.Of(400, "Unreadable batch", $"the body is not JSON: {e.Message}");
        }
        var snapshot = modules.Current;
        ImmutableArray<SensorReading> readings;
        using (document)
        {
            var (read, problems) = SensorBatch.Read(document.RootElement, snapshot, time.GetUtcNow());
            if (!problems.IsEmpty)
                return TypedResults.Problem($"nothing was taken: {string.Join("; ", problems.Take(3))}", statusCode: 400, title: "Batch refused",
                    extensions: new Dictionary<string, object?> { ["problems"] = problems });
            readings = read;
        }

        // Every module names its readings' subjects before any subject is told anything.
        var byModule = readings.Select((r, i) => (Reading: r, Index: i)).GroupBy(x => snapshot.ReadingKinds[x.Reading.Kind]).ToList();
        if (byModule.FirstOrDefault(g => g.Key.Faulted) is { } faulted)
            return Unavailable(faulted.Key.Folder, "the module is faulted");
        var lookups = new Dictionary<GuardedModule, GridServer.Plugins.Contracts.IReferenceLookup>();
        foreach (var g in byModule)
        {
            try
            {
                lookups[g.Key] = await reference.LookupForAsync(g.Key, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)   // the module's reference data out of reach: nothing taken, the gateway sends again
            {
                return Unavailable(g.Key.Folder, $"its reference data could not be read: {e.Message}");
            }
        }
        var answers = await Task.WhenAll(byModule.Select(g => g.Key.SubjectsOfAsync([.. g.Select(x => x.Reading)], lookups[g.Key])));
        var subjects = new Dictionary<(string Module, string Subject), List<SensorReading>>();
        var unwatched = 0;
        for (var m = 0; m < byModule.Count; m++)
        {
            if (!answers[m].Answered) return Unavailable(byModule[m].Key.Folder, answers[m].Error);
            var named = answers[m].Value!;
            var i = 0;
            foreach (var (reading, _) in byModule[m])
            {
                if (named[i++] is not { } subject)
                {
                    unwatched++;
                    continue;
                }
                var key = (byModule[m].Key.Folder, subject);
                if (!subjects.TryGetValue(key, out var list)) subjects[key] = list = [];
                list.Add(reading);
            }
        }

        var outcomes = new ConcurrentBag<SensorOutcome>();
        await Parallel.ForEachAsync(subjects, new ParallelOptions { MaxDegreeOfParallelism = SubjectsAtOnce, CancellationToken = CancellationToken.None }, async (subject, _) =>
        {
            var grain = grains.GetGrain<ISensorSubjectGrain>(ISensorSubjectGrain.Key(subject.Key.Module, subject.Key.Subject));
            outcomes.Add(await grain.TakeAsync([.. subject.Value.Select(ModuleSensorRules.Data)]));
        });
        var errors = outcomes.Select(o => o.Error).OfType<string>().Distinct(StringComparer.Ordinal).Take(SensorBatch.MaxProblems).ToList();
        if (errors.Count > 0) LogNotEvaluated(loggers.CreateLogger(typeof(SensorEndpoints).FullName!), errors.Count, errors[0]);
        return TypedResults.Ok(new
        {
            readings = readings.Length,
            taken = outcomes.Sum(o => o.Taken),
            duplicates = outcomes.Sum(o => o.Duplicates),
            stale = outcomes.Sum(o => o.Stale),
            unwatched,
            subjects = subjects.Count,
            casesOpened = outcomes.Select(o => o.OpenedCaseId).OfType<string>().Order(StringComparer.Ordinal).ToList(),
            notesAdded = outcomes.Sum(o => o.NotesAdded),
            notEvaluated = errors,
        });
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unavailable(string module, string? why) =>
        TypedResults.Problem($"duty module '{module}' did not name the readings' subjects ({why}); nothing was taken, send the batch again later",
            statusCode: 503, title: "Duty module unavailable", extensions: new Dictionary<string, object?> { ["module"] = module });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sensor readings kept but not evaluated for {Count} reasons, first: {Reason}")]
    private static partial void LogNotEvaluated(ILogger logger, int count, string reason);
}
