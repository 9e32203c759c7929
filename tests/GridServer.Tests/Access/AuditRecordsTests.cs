using System.Text;
using GridServer.Domain.Audit;

namespace GridServer.Tests.Access;

/// <summary>What the audit log keeps of a body: secrets masked at any depth, files described, long bodies cut.</summary>
public class AuditRecordsTests
{
    private static string? Of(string contentType, string body) => AuditRecords.Of(contentType, Encoding.UTF8.GetBytes(body), Encoding.UTF8.GetByteCount(body));

    [Fact]
    public void Json_SecretsMaskedAtAnyDepth_TheRestKept()
    {
        var kept = Of("application/json; charset=utf-8", """{"credential":{"id":"K-1","secret":"gs_abc"},"items":[{"apiKey":"x","name":"张三"}],"Password":"p"}""");
        Assert.DoesNotContain("gs_abc", kept);
        Assert.DoesNotContain("\"x\"", kept);
        Assert.DoesNotContain("\"p\"", kept);
        Assert.Contains("K-1", kept);
        Assert.Contains("张三", kept, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainText_AndForms_SecretsMasked_FilesDescribed_EmptyNothing()
    {
        Assert.Equal("api_key=*** & name=a", Of("application/x-www-form-urlencoded", "api_key=s3cret & name=a"));
        Assert.Equal("(application/zip, 5 bytes)", Of("application/zip", "PK\u0003\u0004x"));
        Assert.Equal("(no content type, 3 bytes)", Of("", "abc"));
        Assert.Null(AuditRecords.Of("application/json", [], 0));
        Assert.Equal("{\"a\":1", Of("text/plain", "{\"a\":1"));
    }

    [Fact]
    public void ALongBody_IsCutWithAMark_ABrokenJsonThatWasCutKeepsNothing()
    {
        var longText = new string('长', AuditRecords.MaxText + 10);
        var cut = Of("text/plain", longText)!;
        Assert.EndsWith("…(cut)", cut, StringComparison.Ordinal);
        Assert.Equal(AuditRecords.MaxText + " …(cut)".Length, cut.Length);
        var bytes = Encoding.UTF8.GetBytes("{\"secret\":\"" + new string('x', 100));
        Assert.StartsWith("(application/json", AuditRecords.Of("application/json", bytes.AsSpan(0, 20), bytes.Length), StringComparison.Ordinal);
    }
}
