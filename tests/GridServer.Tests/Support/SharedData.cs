namespace GridServer.Tests.Support;

/// <summary>
/// The conformance material beside the checkout (../shared/data). Where it is absent — a user's own
/// clone — the tests that need it report themselves as skipped, never as passed.
/// </summary>
public static class SharedData
{
    public static readonly string RepositoryRoot = FindRoot();

    public static readonly string Folder = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));

    public static bool Exists => Directory.Exists(Folder);

    public const string SkipReason = "../shared/data (outside conformance material) is not beside this checkout";

    public static string PathOf(params string[] parts) => Path.Combine([Folder, .. parts]);

    public static IEnumerable<object[]> Files(string folder, string pattern) =>
        Exists && Directory.Exists(PathOf(folder))
            ? Directory.EnumerateFiles(PathOf(folder), pattern, SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .Select(f => new object[] { Path.GetRelativePath(Folder, f) })
            : [["(absent)"]];

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GridServer.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("GridServer.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs ../shared/data: skipped, by name, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!SharedData.Exists) Skip = SharedData.SkipReason;
    }
}

/// <summary>A theory that needs ../shared/data: skipped, by name, when it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (!SharedData.Exists) Skip = SharedData.SkipReason;
    }
}
