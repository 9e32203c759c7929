using System.Collections.Immutable;
using System.Globalization;

namespace GridServer.Notices;

/// <summary>
/// A rendered notice: its <see cref="Text"/>, the <see cref="Source"/> of the template that made it, and why the
/// templates before it failed (empty when the chosen template rendered).
/// </summary>
public sealed record NoticeRendering(string Text, string Source, ImmutableArray<NoticeTemplateError> Errors)
{
    /// <summary>Why the chosen template was not used, or null.</summary>
    public NoticeTemplateError? Error => Errors.IsDefaultOrEmpty ? null : Errors[0];

    public bool FellBack => Error is not null;
}

/// <summary>
/// Renders notices from the store's templates in the sandbox. It never throws for a template's fault and never
/// blocks a notice: when the chosen template fails, the kind's default renders, then the built-in, and as a last
/// resort a fixed plain line; the rendering says why. Thread-safe.
/// </summary>
public sealed class NoticeRenderer(NoticeTemplateStore store)
{
    /// <summary>The source named when even the built-in template failed (a model too large for the limits).</summary>
    public const string PlainSource = "plain";

    public NoticeRendering Render(INoticeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var kind = model.Kind;
        var errors = ImmutableArray.CreateBuilder<NoticeTemplateError>();
        NoticeTemplate[] chain = [store.Resolve(kind, model.Matter), store.Default(kind), store.BuiltIn(kind)];
        foreach (var template in chain.Distinct())
        {
            try
            {
                return new NoticeRendering(store.Sandbox.Render(template.Parsed, model), template.Source, errors.ToImmutable());
            }
            catch (Exception e) when (NoticeSandbox.IsTemplateFault(e))
            {
                var error = NoticeSandbox.ToError(e, template.Source);
                template.RecordRenderError(error);
                errors.Add(error);
            }
        }
        var plain = string.Create(CultureInfo.InvariantCulture,
            $"[{NoticeKinds.FileStem(kind)}] 案件 {model.CaseId}（{model.Matter}）: 通知模板无法渲染，请查看模板错误。");
        return new NoticeRendering(plain, PlainSource, errors.ToImmutable());
    }
}
