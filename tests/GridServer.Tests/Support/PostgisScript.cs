using System.Diagnostics;

namespace GridServer.Tests.Support;

/// <summary>Runs <c>scripts/postgis.sh</c> as an operator would: its exit code, standard output and standard error.</summary>
public static class PostgisScript
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = SharedData.RepositoryRoot };
        start.ArgumentList.Add(Path.Combine(SharedData.RepositoryRoot, "scripts", "postgis.sh"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var err = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output, await err);
    }

    /// <summary>Runs the script and fails the test, with its standard error, unless it succeeded; answers its last line of output.</summary>
    public static async Task<string> SucceedAsync(params string[] args)
    {
        var (code, output, err) = await RunAsync(args);
        Assert.True(code == 0, $"postgis.sh {string.Join(' ', args)} exited with {code}: {err}");
        return output.TrimEnd().Split('\n')[^1];
    }
}
