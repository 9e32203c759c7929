namespace GridServer.Domain.Cases;

/// <summary>The reporter's verdict on how a closed case was handled (回访评价).</summary>
public enum CaseVerdict
{
    /// <summary>满意.</summary>
    Satisfied,
    /// <summary>基本满意.</summary>
    BasicallySatisfied,
    /// <summary>不满意.</summary>
    Dissatisfied,
}

/// <summary>
/// A follow-up (回访) of a closed case: the verdict, the reporter's comment, when and who recorded it, and how —
/// <see cref="Reporter"/>: the reporting channel gave it (Open311), <see cref="Telephone"/>: a dispatcher called back.
/// </summary>
public sealed record CaseFollowUp(CaseVerdict Verdict, string? Comment, DateTimeOffset At, string By, string How)
{
    public const string Reporter = "reporter";
    public const string Telephone = "telephone";

    /// <summary>The longest comment kept.</summary>
    public const int MaxComment = 2000;

    /// <summary>The verdict by its wire name: satisfied, basically_satisfied, dissatisfied (case and '-'/'_' aside), or the enum's name.</summary>
    public static bool TryParseVerdict(string? text, out CaseVerdict verdict)
    {
        verdict = default;
        var key = text?.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();
        switch (key)
        {
            case "SATISFIED": verdict = CaseVerdict.Satisfied; return true;
            case "BASICALLYSATISFIED": verdict = CaseVerdict.BasicallySatisfied; return true;
            case "DISSATISFIED": verdict = CaseVerdict.Dissatisfied; return true;
            default: return false;
        }
    }

    /// <summary>The wire name of a verdict: satisfied, basically_satisfied, dissatisfied.</summary>
    public static string WireName(CaseVerdict verdict) => verdict switch
    {
        CaseVerdict.Satisfied => "satisfied",
        CaseVerdict.BasicallySatisfied => "basically_satisfied",
        _ => "dissatisfied",
    };

    /// <summary>满意, 基本满意, 不满意.</summary>
    public static string ChineseName(CaseVerdict verdict) => verdict switch
    {
        CaseVerdict.Satisfied => "满意",
        CaseVerdict.BasicallySatisfied => "基本满意",
        _ => "不满意",
    };
}
