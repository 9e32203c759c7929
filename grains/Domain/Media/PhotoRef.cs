using System.Security.Cryptography;

namespace GridServer.Domain.Media;

/// <summary>When a photo was taken in a case's life: with the report, before handling (处置前) or after it (处置后).</summary>
public enum PhotoStage
{
    Report,
    Before,
    After,
}

/// <summary>
/// A stored photo named by a case: in its report's media link or in an action's evidence, written
/// <c>photo:&lt;stage&gt;:&lt;id&gt;</c>, with <c>:public</c> at the end when the public may see it. The id is the SHA-256 of
/// the stored (cleaned) image, so the same photo sent twice is one photo.
/// </summary>
public sealed record PhotoRef(PhotoStage Stage, string MediaId, bool Public = false)
{
    public const string Prefix = "photo:";

    public override string ToString() => $"{Prefix}{Stage.ToString().ToLowerInvariant()}:{MediaId}{(Public ? ":public" : "")}";

    /// <summary>Whether a reference means to name a stored photo (then it must parse).</summary>
    public static bool Names(string? reference) => reference is not null && reference.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Reads a reference; null with <paramref name="error"/> saying what is wrong.</summary>
    public static PhotoRef? Parse(string reference, out string? error)
    {
        ArgumentNullException.ThrowIfNull(reference);
        error = null;
        var parts = reference.Split(':');
        if (parts.Length is < 3 or > 4 || parts[0] != "photo")
            error = "a photo reference is photo:<before|after>:<id> or photo:<before|after>:<id>:public";
        else if (parts[1] is not ("report" or "before" or "after"))
            error = $"a photo's stage is report, before or after, not '{Shorten(parts[1])}'";
        else if (!MediaIds.IsValid(parts[2]))
            error = $"'{Shorten(parts[2])}' is not a photo id: the id is the 64 hex digits POST /api/media answered";
        else if (parts.Length == 4 && parts[3] != "public")
            error = $"a photo reference may end with ':public' only, not ':{Shorten(parts[3])}'";
        if (error is not null) return null;
        var stage = parts[1] switch { "report" => PhotoStage.Report, "before" => PhotoStage.Before, _ => PhotoStage.After };
        return new PhotoRef(stage, parts[2], parts.Length == 4);
    }

    /// <summary>The photos among references; the others (and unreadable ones) are passed over.</summary>
    public static IEnumerable<PhotoRef> In(IEnumerable<string?> references)
    {
        ArgumentNullException.ThrowIfNull(references);
        foreach (var reference in references)
            if (Names(reference) && Parse(reference!, out _) is { } photo) yield return photo;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>Photo ids: the SHA-256 of the stored bytes, 64 lower-case hex digits.</summary>
public static class MediaIds
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static bool IsValid(string? id) => id is { Length: 64 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
