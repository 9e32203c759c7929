using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;

namespace GridServer.Notices;

/// <summary>
/// The notice templates: the built-in default of every kind, the templates folder (kind defaults and per-matter
/// overrides, watched and reloaded on change), and per-matter templates that duty modules register in memory.
/// Every template is parsed and checked when it arrives; a bad one is refused with errors naming source, line
/// and column, and the last good version of that source stays in use. Reads are lock-free snapshots.
/// </summary>
/// <remarks>
/// Files: <c>&lt;kind&gt;.scriban</c> replaces the built-in default of a kind, <c>&lt;kind&gt;.&lt;matter&gt;.scriban</c>
/// serves one matter (kinds as in <see cref="NoticeKinds.FileStem"/>). Versions the bureau saved through the API
/// (<see cref="SetEdited"/>) stand before the file of the same name. Precedence for a kind and matter: edited matter
/// template, matter file, module's matter template, edited kind default, kind file, built-in
/// (<see cref="NoticeTemplateOrigin"/>). A deleted file drops out and the next in that order serves.
/// </remarks>
public sealed partial class NoticeTemplateStore : IDisposable
{
    public const string Extension = ".scriban";
    private const string BuiltInResourcePrefix = "GridServer.Notices.Defaults.";

    private readonly Lock _writeLock = new();
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(150);
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer? _quiet;
    private readonly ImmutableDictionary<NoticeKind, NoticeTemplate> _builtIn;
    private ImmutableDictionary<(NoticeKind Kind, string? Matter), NoticeTemplate> _files = ImmutableDictionary<(NoticeKind, string?), NoticeTemplate>.Empty;
    private ImmutableArray<NoticeTemplateError> _fileErrors = [];
    private ImmutableDictionary<(NoticeKind Kind, string Matter), NoticeTemplate> _modules = ImmutableDictionary<(NoticeKind, string), NoticeTemplate>.Empty;
    private ImmutableDictionary<(NoticeKind Kind, string Matter), ImmutableArray<NoticeTemplateError>> _moduleErrors =
        ImmutableDictionary<(NoticeKind, string), ImmutableArray<NoticeTemplateError>>.Empty;
    private ImmutableDictionary<(NoticeKind Kind, string? Matter), NoticeTemplate> _edited = ImmutableDictionary<(NoticeKind, string?), NoticeTemplate>.Empty;
    private ImmutableDictionary<(NoticeKind Kind, string? Matter), ImmutableArray<NoticeTemplateError>> _editedErrors =
        ImmutableDictionary<(NoticeKind, string?), ImmutableArray<NoticeTemplateError>>.Empty;
    private long _revision;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>
    /// Loads the built-in defaults and, when <paramref name="folder"/> is given, every template in it; with
    /// <paramref name="watch"/>, reloads the folder whenever a template file in it changes.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public NoticeTemplateStore(string? folder, NoticeSandbox? sandbox = null, bool watch = true)
    {
        Sandbox = sandbox ?? new NoticeSandbox();
        _builtIn = LoadBuiltIn(Sandbox);
        if (folder is null) return;
        Folder = Path.GetFullPath(folder);
        if (!Directory.Exists(Folder)) throw new DirectoryNotFoundException($"the notice templates folder {Folder} does not exist");
        Reload();
        if (!watch) return;
        _watcher = new FileSystemWatcher(Folder, "*" + Extension)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        // An editor's save raises several events (truncate, write, rename): reload once they have been quiet a moment.
        _quiet = new Timer(_ => Reload());
        _watcher.Changed += (_, _) => ReloadSoon();
        _watcher.Created += (_, _) => ReloadSoon();
        _watcher.Deleted += (_, _) => ReloadSoon();
        _watcher.Renamed += (_, _) => ReloadSoon();
        // A lost event (the watcher's buffer overflowed) means "something changed": read everything again.
        _watcher.Error += (_, _) => ReloadSoon();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>The templates folder (absolute), or null when only built-in and module templates serve.</summary>
    public string? Folder { get; }

    public NoticeSandbox Sandbox { get; }

    /// <summary>Counts every reload and registration; see <see cref="WaitForChangeAsync"/>.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>The problems of the templates as they stand: files and module templates that were refused, oldest source first.</summary>
    public ImmutableArray<NoticeTemplateError> Errors
    {
        get
        {
            var moduleErrors = _moduleErrors;
            var editedErrors = _editedErrors;
            return
            [
                .. editedErrors.OrderBy(e => e.Key.Kind).ThenBy(e => e.Key.Matter, StringComparer.Ordinal).SelectMany(e => e.Value),
                .. _fileErrors, .. moduleErrors.OrderBy(e => e.Key.Kind).ThenBy(e => e.Key.Matter, StringComparer.Ordinal).SelectMany(e => e.Value),
            ];
        }
    }

    /// <summary>Every template in use (the last good version of each source), in order of precedence per kind.</summary>
    public ImmutableArray<NoticeTemplate> Templates =>
    [
        .. _edited.Values.Concat(_files.Values).Concat(_modules.Values).Concat(_builtIn.Values)
            .OrderBy(t => t.Kind).ThenBy(t => t.Origin).ThenBy(t => t.Matter, StringComparer.Ordinal),
    ];

    /// <summary>The template that serves a kind and matter now (see the precedence in the remarks of the class).</summary>
    public NoticeTemplate Resolve(NoticeKind kind, string? matter)
    {
        if (matter is not null)
        {
            if (_edited.TryGetValue((kind, matter), out var edited)) return edited;
            if (_files.TryGetValue((kind, matter), out var file)) return file;
            if (_modules.TryGetValue((kind, matter), out var module)) return module;
        }
        return Default(kind);
    }

    /// <summary>The kind's default: the version the bureau saved through the API, else its file in the folder, else the built-in.</summary>
    public NoticeTemplate Default(NoticeKind kind) =>
        _edited.TryGetValue((kind, null), out var edited) ? edited : _files.TryGetValue((kind, null), out var file) ? file : _builtIn[kind];

    /// <summary>
    /// The version of a template the bureau saved through the API (cluster-wide), for a kind's default (<paramref name="matter"/>
    /// null) or one matter; it serves before the templates folder's file of the same name. A text that fails its check is
    /// refused: the errors are returned and kept in <see cref="Errors"/>, and the last good edited version, if any, stays.
    /// </summary>
    /// <param name="source">A name for error messages and renderings, e.g. "api:dispatch.parking@v3".</param>
    public ImmutableArray<NoticeTemplateError> SetEdited(NoticeKind kind, string? matter, string text, string source)
    {
        if (matter is not null) CheckMatter(matter);
        var key = (kind, matter);
        if (_edited.TryGetValue(key, out var current) && current.Text == text && current.Source == source) return [];
        var (parsed, errors) = Sandbox.Check(kind, text, source);
        lock (_writeLock)
        {
            if (parsed is null)
            {
                _editedErrors = _editedErrors.SetItem(key, errors);
            }
            else
            {
                var origin = matter is null ? NoticeTemplateOrigin.DefaultEdited : NoticeTemplateOrigin.MatterEdited;
                _edited = _edited.SetItem(key, new NoticeTemplate(kind, matter, origin, source, text, parsed));
                _editedErrors = _editedErrors.Remove(key);
            }
            Bump();
        }
        return errors;
    }

    /// <summary>Stops serving the edited version of a template (and forgets its errors): the file, module or built-in serves again.</summary>
    public void RemoveEdited(NoticeKind kind, string? matter)
    {
        lock (_writeLock)
        {
            if (!_edited.ContainsKey((kind, matter)) && !_editedErrors.ContainsKey((kind, matter))) return;
            _edited = _edited.Remove((kind, matter));
            _editedErrors = _editedErrors.Remove((kind, matter));
            Bump();
        }
    }

    /// <summary>The edited templates in use, by kind and matter (null for a kind's default).</summary>
    public ImmutableDictionary<(NoticeKind Kind, string? Matter), NoticeTemplate> Edited => _edited;

    /// <summary>The errors of edited templates that were refused on this silo, by kind and matter.</summary>
    public ImmutableDictionary<(NoticeKind Kind, string? Matter), ImmutableArray<NoticeTemplateError>> EditedErrors => _editedErrors;

    /// <summary>The built-in default of a kind, shipped in the assembly (the same text as the shipped <c>templates/</c>).</summary>
    public NoticeTemplate BuiltIn(NoticeKind kind) => _builtIn[kind];

    /// <summary>
    /// A duty module's template for one kind and matter, replacing the one it registered before. A template that
    /// fails its check is refused: the errors are returned and kept in <see cref="Errors"/> (under
    /// <paramref name="source"/>), and the module's previous template for that kind and matter, if any, stays.
    /// </summary>
    /// <param name="source">A name for error messages, e.g. "parking-module/dispatch.scriban".</param>
    public ImmutableArray<NoticeTemplateError> Register(NoticeKind kind, string matter, string text, string source)
    {
        CheckMatter(matter);
        var (parsed, errors) = Sandbox.Check(kind, text, source);
        lock (_writeLock)
        {
            var key = (kind, matter);
            if (parsed is null)
            {
                _moduleErrors = _moduleErrors.SetItem(key, errors);
            }
            else
            {
                _modules = _modules.SetItem(key, new NoticeTemplate(kind, matter, NoticeTemplateOrigin.MatterModule, source, text, parsed));
                _moduleErrors = _moduleErrors.Remove(key);
            }
            Bump();
        }
        return errors;
    }

    /// <summary>Removes every template (and error) a module registered for <paramref name="matter"/>: the module is gone.</summary>
    public void Unregister(string matter)
    {
        lock (_writeLock)
        {
            _modules = _modules.RemoveRange(_modules.Keys.Where(k => k.Matter == matter));
            _moduleErrors = _moduleErrors.RemoveRange(_moduleErrors.Keys.Where(k => k.Matter == matter));
            Bump();
        }
    }

    /// <summary>Reads the folder again: what the watcher calls on every change. Safe to call at any time.</summary>
    public void Reload()
    {
        if (Folder is null) return;
        lock (_writeLock)
        {
            var files = ImmutableDictionary.CreateBuilder<(NoticeKind, string?), NoticeTemplate>();
            var errors = ImmutableArray.CreateBuilder<NoticeTemplateError>();
            var paths = ListTemplateFiles(Folder, errors);
            foreach (var path in paths ?? [])
            {
                var name = Path.GetFileName(path);
                if (!TryParseFileName(name, out var kind, out var matter))
                {
                    errors.Add(new(path, 1, 1, $"file name '{name}' is not <kind>{Extension} or <kind>.<matter>{Extension}; kinds: "
                        + string.Join(", ", NoticeKinds.All.Select(NoticeKinds.FileStem)) + "; a matter is lower-case letters, digits, '-' and '_'"));
                    continue;
                }
                var text = TryRead(path, errors);
                if (text is null) continue;
                var key = (kind, matter);
                _files.TryGetValue(key, out var lastGood);
                if (lastGood is not null && lastGood.Text == text)
                {
                    files[key] = lastGood;
                    continue;
                }
                var (parsed, problems) = Sandbox.Check(kind, text, path);
                if (parsed is not null)
                {
                    var origin = matter is null ? NoticeTemplateOrigin.DefaultFile : NoticeTemplateOrigin.MatterFile;
                    files[key] = new NoticeTemplate(kind, matter, origin, path, text, parsed);
                    continue;
                }
                errors.AddRange(problems);
                if (lastGood is not null) files[key] = lastGood;
            }
            // A folder that cannot be listed says nothing about its files: keep serving the last good ones.
            if (paths is not null) _files = files.ToImmutable();
            _fileErrors = errors.ToImmutable();
            Bump();
        }
    }

    /// <summary>Completes once <see cref="Revision"/> is past <paramref name="seen"/>: after the next reload or registration.</summary>
    public Task WaitForChangeAsync(long seen, CancellationToken cancellationToken = default)
    {
        var signal = Volatile.Read(ref _changed);
        return Revision > seen ? Task.CompletedTask : signal.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _quiet?.Dispose();
    }

    private void ReloadSoon() => _quiet?.Change(QuietPeriod, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Reads a template's name: <c>&lt;kind&gt;</c> (the kind's default) or <c>&lt;kind&gt;.&lt;matter&gt;</c>, as its file
    /// is called without the extension (<c>dispatch</c>, <c>dispatch.parking</c>).
    /// </summary>
    public static bool TryParseName(string name, out NoticeKind kind, out string? matter) =>
        TryParseFileName((name ?? "") + Extension, out kind, out matter);

    /// <summary>The name of a kind's default (<paramref name="matter"/> null) or of one matter's template.</summary>
    public static string NameOf(NoticeKind kind, string? matter) => matter is null ? NoticeKinds.FileStem(kind) : $"{NoticeKinds.FileStem(kind)}.{matter}";

    internal static bool TryParseFileName(string fileName, out NoticeKind kind, out string? matter)
    {
        kind = default;
        matter = null;
        if (!fileName.EndsWith(Extension, StringComparison.Ordinal)) return false;
        var parts = fileName[..^Extension.Length].Split('.');
        if (parts.Length > 2 || !NoticeKinds.TryParseFileStem(parts[0], out kind)) return false;
        if (parts.Length == 1) return true;
        matter = parts[1];
        return MatterPattern().IsMatch(matter);
    }

    private static void CheckMatter(string matter)
    {
        ArgumentNullException.ThrowIfNull(matter);
        if (!MatterPattern().IsMatch(matter))
        {
            throw new ArgumentException($"matter '{matter}' is not lower-case letters, digits, '-' and '_'", nameof(matter));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex MatterPattern();

    /// <summary>The template files, or null when the folder cannot be listed (the error says why).</summary>
    private static string[]? ListTemplateFiles(string folder, ImmutableArray<NoticeTemplateError>.Builder errors)
    {
        try
        {
            var files = Directory.GetFiles(folder, "*" + Extension);
            Array.Sort(files, StringComparer.Ordinal);
            return files;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new(folder, 1, 1, $"the templates folder cannot be read: {e.Message}"));
            return null;
        }
    }

    /// <summary>The file's text, or null when it vanished meanwhile (the next event says so) or cannot be read (an error).</summary>
    private static string? TryRead(string path, ImmutableArray<NoticeTemplateError>.Builder errors)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException e)
        {
            errors.Add(new(path, 1, 1, $"cannot be read: {e.Message}"));
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            errors.Add(new(path, 1, 1, $"cannot be read: {e.Message}"));
            return null;
        }
    }

    private static ImmutableDictionary<NoticeKind, NoticeTemplate> LoadBuiltIn(NoticeSandbox sandbox)
    {
        var assembly = typeof(NoticeTemplateStore).Assembly;
        var builtIn = ImmutableDictionary.CreateBuilder<NoticeKind, NoticeTemplate>();
        foreach (var kind in NoticeKinds.All)
        {
            var fileName = NoticeKinds.FileStem(kind) + Extension;
            var source = "built-in:" + fileName;
            var text = ReadResource(assembly, BuiltInResourcePrefix + fileName)
                ?? throw new InvalidOperationException($"the assembly carries no built-in template {fileName}: the build lost templates/");
            // Checked against every limit but time: the first renders of a process compile Scriban, and a busy machine may
            // take longer than a render's budget for them. A server must not fail to start for the machine's load.
            var (parsed, errors) = new NoticeSandbox(sandbox.Limits with { RenderBudget = Timeout.InfiniteTimeSpan }).Check(kind, text, source);
            // The built-in defaults are tested: one that fails here means limits too tight for any real notice.
            builtIn[kind] = new NoticeTemplate(kind, null, NoticeTemplateOrigin.BuiltIn, source, text,
                parsed ?? throw new InvalidOperationException($"a built-in template fails under these sandbox limits: {string.Join("; ", errors)}"));
        }
        return builtIn.ToImmutable();
    }

    private static string? ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private void Bump()
    {
        Interlocked.Increment(ref _revision);
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
