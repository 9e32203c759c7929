using Scriban;

namespace GridServer.Notices;

/// <summary>Where a template came from; also the order of precedence for one kind and matter, first wins.</summary>
public enum NoticeTemplateOrigin
{
    /// <summary>A version the bureau saved through the API for one matter (<c>dispatch.parking</c>), for the whole cluster.</summary>
    MatterEdited,

    /// <summary>A file in the templates folder naming kind and matter (<c>dispatch.parking.scriban</c>): the bureau's own.</summary>
    MatterFile,

    /// <summary>Registered in memory by a duty module for its matter.</summary>
    MatterModule,

    /// <summary>A version of the kind's default the bureau saved through the API (<c>dispatch</c>), for the whole cluster.</summary>
    DefaultEdited,

    /// <summary>The kind's file in the templates folder (<c>dispatch.scriban</c>).</summary>
    DefaultFile,

    /// <summary>The default shipped inside the assembly: the last resort, always there.</summary>
    BuiltIn,
}

/// <summary>A template that parsed and passed its check: the last good version of its source.</summary>
public sealed class NoticeTemplate
{
    private NoticeTemplateError? _lastRenderError;

    internal NoticeTemplate(NoticeKind kind, string? matter, NoticeTemplateOrigin origin, string source, string text, Template parsed)
    {
        Kind = kind;
        Matter = matter;
        Origin = origin;
        Source = source;
        Text = text;
        Parsed = parsed;
    }

    public NoticeKind Kind { get; }

    /// <summary>The matter it is for; null for a kind's default.</summary>
    public string? Matter { get; }

    public NoticeTemplateOrigin Origin { get; }

    /// <summary>The file path, or the module's source name, or "built-in:&lt;file&gt;".</summary>
    public string Source { get; }

    public string Text { get; }

    internal Template Parsed { get; }

    /// <summary>The last time this version failed to render (it passed its check, but a real model broke it), or null.</summary>
    public NoticeTemplateError? LastRenderError => Volatile.Read(ref _lastRenderError);

    internal void RecordRenderError(NoticeTemplateError error) => Volatile.Write(ref _lastRenderError, error);
}
