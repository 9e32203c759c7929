using Microsoft.AspNetCore.Http.HttpResults;

namespace GridServer.Silo.Hosting;

/// <summary>The one form of an HTTP refusal: RFC 7807 problem details with a title and a detail that says why.</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);

    /// <summary>A client's text quoted in a message, cut to 40 characters so a hostile value cannot fill the answer.</summary>
    public static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
