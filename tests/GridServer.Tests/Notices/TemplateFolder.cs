using GridServer.Notices;

namespace GridServer.Tests.Notices;

/// <summary>A templates folder of one test's own, deleted afterwards; optionally seeded with the shipped defaults.</summary>
internal sealed class TemplateFolder : IDisposable
{
    /// <summary>The shipped templates, as the silo's build copies them beside the server (and so beside the tests).</summary>
    public static readonly string Shipped = System.IO.Path.Combine(AppContext.BaseDirectory, "templates");

    private TemplateFolder(string path) => Path = path;

    public string Path { get; }

    public static TemplateFolder Empty() =>
        new(Directory.CreateTempSubdirectory("gridserver-notices-").FullName);

    public static TemplateFolder WithShippedDefaults()
    {
        var folder = Empty();
        foreach (var file in Directory.GetFiles(Shipped, "*" + NoticeTemplateStore.Extension))
        {
            File.Copy(file, System.IO.Path.Combine(folder.Path, System.IO.Path.GetFileName(file)));
        }
        return folder;
    }

    /// <summary>Writes a file and returns its full path (the name errors give).</summary>
    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Delete(string name) => File.Delete(System.IO.Path.Combine(Path, name));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
