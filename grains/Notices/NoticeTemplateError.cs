namespace GridServer.Notices;

/// <summary>
/// What is wrong with a template, where: <see cref="Source"/> is the file path (or a module's source name),
/// <see cref="Line"/> and <see cref="Column"/> count from 1.
/// </summary>
public sealed record NoticeTemplateError(string Source, int Line, int Column, string Message)
{
    public override string ToString() => $"{Source}({Line},{Column}): {Message}";
}
