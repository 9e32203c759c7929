namespace GridServer.Domain.Access;

/// <summary>
/// Which pages of the web console a role is shown. The API decides what each call may do (<see cref="AccessRules"/>,
/// the routes' roles and scopes); this list only spares a person links that would answer 403.
/// </summary>
public static class ConsoleViews
{
    public const string Map = "map";
    public const string Redraw = "redraw";
    public const string Upload = "upload";
    public const string History = "history";
    public const string People = "people";
    public const string Credentials = "credentials";
    public const string Modules = "modules";
    public const string Templates = "templates";
    public const string Evaluation = "evaluation";
    public const string Cases = "cases";
    public const string Inbox = "inbox";

    public static IReadOnlyList<string> For(Role role) => role switch
    {
        Role.Operator => [Map, Redraw, Upload, History, People, Credentials, Modules, Templates, Evaluation],
        Role.Dispatcher => [Map, Cases, Inbox, History, Modules, Templates, Evaluation],
        Role.Officer => [Cases, Inbox, Map, History],
        Role.Liaison => [Map, Cases, Inbox, History],
        _ => [],
    };
}
