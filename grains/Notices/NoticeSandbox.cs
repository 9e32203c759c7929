using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace GridServer.Notices;

/// <summary>The limits every render runs under. A notice is a short text: the defaults leave room for any real one.</summary>
public sealed record NoticeSandboxLimits
{
    /// <summary>Iterations of all loops of one render together (Scriban counts nested loops cumulatively).</summary>
    public int LoopLimit { get; init; } = 1000;

    /// <summary>Depth of nested function calls.</summary>
    public int RecursiveLimit { get; init; } = 20;

    /// <summary>The longest string a template may build or convert, in UTF-16 characters.</summary>
    public int StringLimit { get; init; } = 8_000;

    /// <summary>The longest notice, in UTF-16 characters.</summary>
    public int OutputLimit { get; init; } = 16_000;

    /// <summary>How long one regular-expression match (the <c>regex.*</c> functions) may run.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one render may run; past it the render is cancelled.</summary>
    public TimeSpan RenderBudget { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The limits of a kind: a bulletin (通报) is a printed page of tables, not a short text, and gets room for its rankings
    /// (20,000 loop iterations, 400,000 characters); every other kind these.
    /// </summary>
    public NoticeSandboxLimits For(NoticeKind kind) => kind == NoticeKind.Bulletin
        ? this with { LoopLimit = Math.Max(LoopLimit, 20_000), StringLimit = Math.Max(StringLimit, 100_000), OutputLimit = Math.Max(OutputLimit, 400_000) }
        : this;
}

/// <summary>
/// Parses, checks and renders notice templates under the sandbox: one <see cref="TemplateContext"/> per render at a time (kept per thread between renders),
/// strict variables and members, the model's own declared properties and nothing else of .NET, no include,
/// and the limits of <see cref="NoticeSandboxLimits"/>. Thread-safe: it holds no state but its limits and each thread's idle context.
/// </summary>
public sealed class NoticeSandbox
{
    public NoticeSandbox(NoticeSandboxLimits? limits = null) => Limits = limits ?? new NoticeSandboxLimits();

    public NoticeSandboxLimits Limits { get; }

    /// <summary>
    /// Parses <paramref name="text"/> and tries it against the kind's sample models (<see cref="NoticeSamples"/>).
    /// Returns the parsed template, or the errors (syntax; unknown variable or member; a limit) naming
    /// <paramref name="source"/>, line and column.
    /// </summary>
    public (Template? Template, ImmutableArray<NoticeTemplateError> Errors) Check(NoticeKind kind, string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (string.IsNullOrWhiteSpace(text))
        {
            // Never a notice; and an editor's save that truncates before it writes must not replace the last good version.
            return (null, [new NoticeTemplateError(source, 1, 1, "the template is empty")]);
        }
        var template = Template.Parse(text, source);
        if (template.HasErrors)
        {
            return (null, [.. template.Messages
                .Where(m => m.Type == ParserMessageType.Error)
                .Select(m => At(source, m.Span, m.Message))]);
        }
        foreach (var sample in NoticeSamples.For(kind))
        {
            try
            {
                Render(template, sample);
            }
            catch (Exception e) when (IsTemplateFault(e))
            {
                return (null, [ToError(e, source)]);
            }
        }
        return (template, []);
    }

    /// <summary>Renders a parsed template for a model. Throws what the template did wrong (see <see cref="ToError"/>).</summary>
    internal string Render(Template template, INoticeModel model)
    {
        var limits = Limits.For(model.Kind);
        using var budget = new CancellationTokenSource(limits.RenderBudget);
        // A context costs 21 KB to make (Scriban pools reflection arguments in it), more than the rest of a render: each
        // thread keeps one between renders. It is taken out of the thread's slot while in use and put back only after a
        // render that ended well, so a render that threw (a limit, the budget, a fault) leaves nothing of itself behind;
        // the model is pushed as a fresh global object and popped, so a template's variables end with its render.
        var context = t_context ?? NewContext();
        t_context = null;
        context.LoopLimit = limits.LoopLimit;
        context.RecursiveLimit = limits.RecursiveLimit;
        context.LimitToString = limits.StringLimit;
        context.OutputLimit = limits.OutputLimit;
        context.RegexTimeOut = limits.RegexTimeout;
        context.CancellationToken = budget.Token;
        context.PushGlobal(Globals(model));
        var text = template.Render(context);
        context.PopGlobal();
        context.CancellationToken = CancellationToken.None;
        t_context = context;
        return text;
    }

    [ThreadStatic]
    private static TemplateContext? t_context;

    private static TemplateContext NewContext() => new(SharedBuiltins)
    {
        StrictVariables = true,
        EnableRelaxedMemberAccess = false,
        EnableRelaxedTargetAccess = false,
        EnableRelaxedFunctionAccess = false,
        EnableRelaxedIndexerAccess = false,
        // The model arrives as a ScriptObject of plain values; no other .NET object shows a member.
        MemberFilter = static _ => false,
        OnStringLimit = ScriptLimitBehavior.Throw,
        OnOutputLimit = ScriptLimitBehavior.Throw,
        TemplateLoader = RefuseIncludes.Instance,
    };

    /// <summary>
    /// Scriban's built-in functions, made once and shared by every render: a new context would otherwise deep-copy them,
    /// which was a third of a notice's cost. Read-only through and through, so no template can change them for another.
    /// </summary>
    private static readonly ScriptObject SharedBuiltins = ReadOnly(new Scriban.Functions.BuiltinFunctions());

    private static ScriptObject ReadOnly(ScriptObject scriptObject)
    {
        foreach (var value in scriptObject.Values)
        {
            if (value is ScriptObject nested && !nested.IsReadOnly) ReadOnly(nested);
        }
        scriptObject.IsReadOnly = true;
        return scriptObject;
    }

    /// <summary>
    /// The model as the template sees it: its own declared public properties (by a member filter), renamed to
    /// snake_case, as plain values: times become their clock time at their offset, enums their names, the notice
    /// library's own records (a bulletin's rows) objects of their properties in turn, and lists arrays. Read-only.
    /// </summary>
    internal static ScriptObject Globals(INoticeModel model) =>
        // Each field read-only (ObjectOf), the object not: a template keeps its own variables beside the model's.
        ObjectOf(model);

    /// <summary>Each model type's own declared public instance properties, with their snake_case names, found once.</summary>
    private static readonly ConcurrentDictionary<Type, (string Name, PropertyInfo Property)[]> Members = new();

    private static ScriptObject ObjectOf(object model)
    {
        var members = Members.GetOrAdd(model.GetType(), static type =>
        [
            .. type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(property => property.GetMethod is { IsPublic: true, IsStatic: false } && property.GetIndexParameters().Length == 0)
                .Select(property => (StandardMemberRenamer.Default(property), property)),
        ]);
        var plain = new ScriptObject(members.Length);
        foreach (var (name, property) in members) plain.SetValue(name, Plain(property.GetValue(model)), readOnly: true);
        return plain;
    }

    private static object? Plain(object? value) => value switch
    {
        DateTimeOffset time => time.DateTime,
        Enum name => name.ToString(),
        null or string or bool or int or long or double or decimal or DateTime => value,
        System.Collections.IEnumerable items => ReadOnlyArray(items),
        // Only the notice library's own records open up; any other .NET object stays closed (the member filter).
        var record when record.GetType().Namespace == typeof(NoticeSandbox).Namespace => Sealed(ObjectOf(record)),
        var other => other,
    };

    private static ScriptArray ReadOnlyArray(System.Collections.IEnumerable items)
    {
        var array = new ScriptArray();
        foreach (var item in items) array.Add(Plain(item));
        array.IsReadOnly = true;
        return array;
    }

    private static ScriptObject Sealed(ScriptObject scriptObject)
    {
        scriptObject.IsReadOnly = true;
        return scriptObject;
    }

    /// <summary>What a render threw, as an error at the template's line and column (1-based).</summary>
    internal static NoticeTemplateError ToError(Exception e, string source) => e switch
    {
        // Cancellation is the time budget running out (ScriptAbortException is a ScriptRuntimeException: first).
        ScriptAbortException abort => At(source, abort.Span, "the render ran out of its time budget"),
        ScriptRuntimeException runtime => At(source, runtime.Span, runtime.OriginalMessage),
        OperationCanceledException => new(source, 1, 1, "the render ran out of its time budget"),
        _ => new(source, 1, 1, $"{e.GetType().Name}: {e.Message}"),
    };

    /// <summary>Faults a template can cause; anything else (out of memory, a bug here) is a real fault and goes up.</summary>
    internal static bool IsTemplateFault(Exception e) => e is not (OutOfMemoryException or StackOverflowException or AccessViolationException);

    private static NoticeTemplateError At(string source, SourceSpan span, string message) =>
        new(source, span.Start.Line + 1, span.Start.Column + 1, message);

    /// <summary>
    /// Notice templates include nothing: a notice is one file, and what several notices share belongs in the
    /// model. Refusing by name before any path is built means no include can reach a file of any folder.
    /// </summary>
    private sealed class RefuseIncludes : ITemplateLoader
    {
        public static readonly RefuseIncludes Instance = new();

        public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName) =>
            throw new ScriptRuntimeException(callerSpan, $"include '{templateName}' refused: notice templates cannot include other files");

        public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
            throw new ScriptRuntimeException(callerSpan, "include refused: notice templates cannot include other files");

        public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
            ValueTask.FromResult<string?>(Load(context, callerSpan, templatePath));
    }
}
