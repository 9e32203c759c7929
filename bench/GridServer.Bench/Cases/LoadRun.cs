using System.Diagnostics;

namespace GridServer.Bench.Cases;

/// <summary>
/// One timed run: <see cref="Count"/> operations by a fixed number of callers, each with one operation in flight
/// and taking the next index as soon as its answer came. Latency is per operation, from the call to the answer.
/// </summary>
internal sealed class LoadRun
{
    private const int ShownFailures = 5;

    private readonly long[] _ticks;
    private readonly long[] _doneAt;
    private readonly List<string> _failures = [];
    private int _failureCount;

    private LoadRun(string storage, string face, int count, int concurrency)
    {
        (Storage, Interface, Count, Concurrency) = (storage, face, count, concurrency);
        _ticks = new long[count];
        _doneAt = new long[count];
    }

    public string Storage { get; }

    public string Interface { get; }

    public int Count { get; }

    public int Concurrency { get; }

    public TimeSpan Elapsed { get; private set; }

    /// <summary>Machine and process CPU over the run (see <see cref="CpuMeter"/>).</summary>
    public string Cpu { get; private set; } = "";

    /// <summary>CPU seconds this process (the hosted server and the callers) used over the run.</summary>
    public double OwnCpuSeconds { get; private set; }

    /// <summary>CPU seconds the machine was busy over the run (every process); null off Linux.</summary>
    public double? MachineCpuSeconds { get; private set; }

    public int Failures => _failureCount;

    public IReadOnlyList<string> FirstFailures => _failures;

    public double PerSecond => Count / Elapsed.TotalSeconds;

    /// <summary>
    /// Runs <paramref name="operation"/> for indexes 0..count-1. The operation returns null when the answer is
    /// right, or what was wrong with it; an exception counts as a failure too, and the run goes on.
    /// </summary>
    public static async Task<LoadRun> RunAsync(string storage, string face, int count, int concurrency, Func<int, Task<string?>> operation)
    {
        var run = new LoadRun(storage, face, count, concurrency);
        var next = -1;
        var cpu = new CpuMeter();
        var started = Stopwatch.GetTimestamp();
        var callers = Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var index = i;
                await run.TimeAsync(index, started, () => operation(index));
            }
        }));
        await Task.WhenAll(callers);
        run.Finish(started, cpu);
        return run;
    }

    /// <summary>
    /// Runs <paramref name="lanes"/> callers, each doing its own <paramref name="perLane"/> operations in order (a sensor
    /// gateway sends its own sensors' batches, one after the other); operation k of lane l gets index l·perLane + k.
    /// </summary>
    public static async Task<LoadRun> RunLanesAsync(string storage, string face, int lanes, int perLane, Func<int, int, Task<string?>> operation)
    {
        var run = new LoadRun(storage, face, lanes * perLane, lanes);
        var cpu = new CpuMeter();
        var started = Stopwatch.GetTimestamp();
        var callers = Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            for (var k = 0; k < perLane; k++) await run.TimeAsync(lane * perLane + k, started, () => operation(lane, k));
        }));
        await Task.WhenAll(callers);
        run.Finish(started, cpu);
        return run;
    }

    private async Task TimeAsync(int i, long started, Func<Task<string?>> operation)
    {
        var t0 = Stopwatch.GetTimestamp();
        string? failure;
        try
        {
            failure = await operation();
        }
        catch (Exception e)   // counted and shown: one failing operation must not hide the others' figures
        {
            failure = $"{e.GetType().Name}: {e.Message}";
        }
        var t1 = Stopwatch.GetTimestamp();
        _ticks[i] = t1 - t0;
        _doneAt[i] = t1 - started;
        if (failure is not null) Fail(i, failure);
    }

    private void Finish(long started, CpuMeter cpu)
    {
        Elapsed = Stopwatch.GetElapsedTime(started);
        Cpu = cpu.Summary();
        OwnCpuSeconds = cpu.OwnSeconds;
        MachineCpuSeconds = cpu.MachineSeconds;
    }

    private void Fail(int index, string failure)
    {
        lock (_failures)
        {
            _failureCount++;
            if (_failures.Count < ShownFailures) _failures.Add($"#{index}: {failure}");
        }
    }

    /// <summary>
    /// Operations per second in each quarter of the run (by completed operations: the first quarter of them, the
    /// second, ...): a rate that falls from quarter to quarter means each operation costs more as data accumulates.
    /// </summary>
    public IReadOnlyList<double> QuarterRates()
    {
        var done = (long[])_doneAt.Clone();
        Array.Sort(done);
        var rates = new List<double>();
        long previous = 0;
        for (var q = 1; q <= 4; q++)
        {
            var (from, to) = ((q - 1) * done.Length / 4, q * done.Length / 4);
            if (to == from) continue;
            var end = done[to - 1];
            rates.Add((to - from) / ((end - previous) / (double)Stopwatch.Frequency));
            previous = end;
        }
        return rates;
    }

    /// <summary>Latency percentiles in milliseconds: p50, p99 and the maximum (nearest rank).</summary>
    /// <summary>The latency at quantile <paramref name="q"/> (0.95: the 95th percentile), ms; nearest rank.</summary>
    public double PercentileMs(double q)
    {
        var sorted = (long[])_ticks.Clone();
        Array.Sort(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }

    public (double P50, double P99, double Max) LatencyMs()
    {
        var sorted = (long[])_ticks.Clone();
        Array.Sort(sorted);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Rank(double q) => Ms(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)]);
        return (Rank(0.50), Rank(0.99), Ms(sorted[^1]));
    }
}
