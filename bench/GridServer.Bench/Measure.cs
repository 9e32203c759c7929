using System.Diagnostics;
using System.Globalization;

namespace GridServer.Bench;

/// <summary>Timings of repeated passes over the same points; the median is the headline, the best is shown too.</summary>
internal sealed class Timings(string name, int lookupsPerRun)
{
    private readonly List<double> _seconds = [];

    public string Name { get; } = name;

    public int LookupsPerRun { get; } = lookupsPerRun;

    /// <summary>Managed bytes this thread allocated per lookup (in-memory methods only; NaN when not measured).</summary>
    public double AllocatedBytesPerLookup { get; set; } = double.NaN;

    public int Runs => _seconds.Count;

    public void Add(TimeSpan elapsed) => _seconds.Add(elapsed.TotalSeconds);

    public double MedianSeconds
    {
        get
        {
            var sorted = _seconds.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    public double BestSeconds => _seconds.Min();

    public double MedianMicrosPerLookup => MedianSeconds * 1e6 / LookupsPerRun;

    public double BestMicrosPerLookup => BestSeconds * 1e6 / LookupsPerRun;

    public double MedianLookupsPerSecond => LookupsPerRun / MedianSeconds;

    public string RunsText => string.Join(" / ", _seconds.Select(s => (s * 1e6 / LookupsPerRun).ToString("0.000", CultureInfo.InvariantCulture)));
}

/// <summary>Retained managed memory and process context, for the memory figures.</summary>
internal static class Memory
{
    /// <summary>Bytes of live managed objects after full blocking collections.</summary>
    public static long Retained()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>GC heap size and the process working set, for context next to the retained figures.</summary>
    public static string Context()
    {
        var info = GC.GetGCMemoryInfo();
        using var process = Process.GetCurrentProcess();
        return string.Create(CultureInfo.InvariantCulture,
            $"GC heap {Mb(info.HeapSizeBytes)} MB, committed {Mb(info.TotalCommittedBytes)} MB, working set {Mb(process.WorkingSet64)} MB");
    }

    public static string Mb(long bytes) => (bytes / 1e6).ToString("N1", CultureInfo.InvariantCulture);
}

/// <summary>
/// How busy the machine was during a section, and how much of that was this process: the rest is other
/// processes (on a shared build machine: other people's compilers), which disturb the timings.
/// </summary>
internal sealed class CpuMeter
{
    private const double ClockTicksPerSecond = 100;   // USER_HZ: 100 on Linux, the unit of /proc/stat
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly double? _startBusySeconds = MachineBusySeconds();
    private readonly TimeSpan _startOwn = OwnCpu();
    private readonly TimeSpan _startPause = GC.GetTotalPauseDuration();
    private readonly int[] _startCollections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly long _startAllocated = GC.GetTotalAllocatedBytes();

    /// <summary>CPU seconds this process used since the meter started (all its threads: a hosted server and its clients alike).</summary>
    public double OwnSeconds => (OwnCpu() - _startOwn).TotalSeconds;

    /// <summary>CPU seconds the whole machine was busy since the meter started; null off Linux.</summary>
    public double? MachineSeconds => _startBusySeconds is { } start && MachineBusySeconds() is { } end ? end - start : null;

    /// <summary>"machine busy 1.02 cores on average, this process 0.98, others 0.04", or n/a off Linux.</summary>
    public string Summary()
    {
        var wall = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        var own = (OwnCpu() - _startOwn).TotalSeconds / wall;
        if (_startBusySeconds is not { } start || MachineBusySeconds() is not { } end)
            return string.Create(CultureInfo.InvariantCulture, $"this process {own:0.00} cores on average (machine total n/a)");
        var busy = (end - start) / wall;
        return string.Create(CultureInfo.InvariantCulture,
            $"machine busy {busy:0.00} of {Environment.ProcessorCount} cores on average, this process {own:0.00}, everything else {Math.Max(0, busy - own):0.00}; {Gc()}");
    }

    /// <summary>
    /// This process's garbage collections since the meter started: how long the runtime was paused for them (every
    /// request in flight waits that long) and how many of each generation (a count includes the older ones').
    /// </summary>
    public string Gc()
    {
        var pause = (GC.GetTotalPauseDuration() - _startPause).TotalMilliseconds;
        var (gen0, gen1, gen2) = (GC.CollectionCount(0) - _startCollections[0], GC.CollectionCount(1) - _startCollections[1], GC.CollectionCount(2) - _startCollections[2]);
        var last = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        var allocated = (GC.GetTotalAllocatedBytes() - _startAllocated) / 1048576.0;
        return string.Create(CultureInfo.InvariantCulture,
            $"allocated {allocated:N0} MiB; GC paused {pause:N0} ms in {gen0:N0} collections ({gen1:N0} of gen 1, {gen2:N0} of gen 2), {(gen0 > 0 ? pause / gen0 : 0):0.0} ms each; the last young one kept {last.PromotedBytes / 1048576.0:N1} MiB of a {last.HeapSizeBytes / 1048576.0:N0} MiB heap");
    }

    private static TimeSpan OwnCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static double? MachineBusySeconds()
    {
        try
        {
            if (!File.Exists("/proc/stat")) return null;
            var first = File.ReadLines("/proc/stat").First();
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Take(8).Sum();
            var idle = fields[3] + fields[4];
            return (total - idle) / ClockTicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>
/// CPU time of a PostgreSQL server on this machine: the postmaster and its children (backends, writers), from
/// /proc. A backend that ended (a pooled connection closed as idle) counts too: once the postmaster has reaped it, its
/// CPU is in the postmaster's cutime and cstime.
/// </summary>
internal sealed class PostgresCpu(int postmaster)
{
    private const double ClockTicksPerSecond = 100;   // USER_HZ, the unit of /proc/[pid]/stat

    /// <summary>The parent of a process (field 4 of /proc/[pid]/stat), or null where there is no /proc.</summary>
    public static int? ParentOf(int pid) => Stat(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    /// <summary>User and system CPU seconds of the postmaster and all its children so far.</summary>
    public double Seconds()
    {
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (Stat(pid) is not { } fields) continue;
            if (pid != postmaster && fields[1] != postmaster.ToString(CultureInfo.InvariantCulture)) continue;
            // After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime.
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (pid == postmaster) ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }
        return ticks / ClockTicksPerSecond;
    }

    /// <summary>The fields of /proc/[pid]/stat after the command name (which may hold spaces), or null.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
