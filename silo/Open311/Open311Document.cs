using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace GridServer.Silo.Open311;

/// <summary>An element with named fields in order: a JSON object, an XML element with one child per field.</summary>
internal sealed record Open311Object(IReadOnlyList<KeyValuePair<string, object?>> Fields)
{
    public static Open311Object Of(params (string Name, object? Value)[] fields) =>
        new([.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]);
}

/// <summary>A list: a JSON array, an XML element holding one <see cref="ItemName"/> element per item.</summary>
internal sealed record Open311Array(string ItemName, IReadOnlyList<object?> Items);

/// <summary>
/// One answer, written as GeoReport v2 JSON or XML from the same tree, so the two formats always carry the same
/// fields. Values are strings, numbers, booleans, <see cref="DateTimeOffset"/> (ISO 8601), null, or nested
/// <see cref="Open311Object"/>/<see cref="Open311Array"/>. <see cref="RootName"/> names the XML root.
/// </summary>
internal sealed record Open311Document(string RootName, object Root, int StatusCode = 200)
{
    /// <summary>
    /// The media types exactly as the discovery document lists them: GeoReport clients compare the two literally, so no
    /// charset parameter (both are UTF-8: JSON always is, and the XML says so in its declaration, which RFC 7303 lets
    /// stand for text/xml without one).
    /// </summary>
    public const string JsonType = "application/json";

    public const string XmlType = "text/xml";

    /// <summary>The Open311 error list: <c>[{code, description}]</c>, in XML <c>&lt;errors&gt;&lt;error&gt;</c>.</summary>
    public static Open311Document Error(int status, string description) =>
        new("errors", new Open311Array("error", [Open311Object.Of(("code", status), ("description", description))]), status);

    public IResult ToResult(bool xml) =>
        xml ? new Body(Encoding.UTF8.GetBytes(ToXml()), XmlType, StatusCode) : new Body(JsonBytes(), JsonType, StatusCode);

    /// <summary>The document's bytes with its media type as given (ASP.NET's text results add a charset parameter).</summary>
    private sealed class Body(byte[] bytes, string mediaType, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = mediaType;
            response.ContentLength = bytes.Length;
            return response.Body.WriteAsync(bytes, httpContext.RequestAborted).AsTask();
        }
    }

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON as UTF-8: written into a buffer each thread keeps (most answers fit in 4 KiB), then copied out once.</summary>
    private byte[] JsonBytes()
    {
        var buffer = t_jsonBuffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_jsonWriter ??= new Utf8JsonWriter(buffer, JsonOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            WriteJson(writer, Root);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // A long list grows the buffer; a thread does not keep more than 64 KiB of it.
            if (buffer.Capacity > 64 * 1024) (t_jsonBuffer, t_jsonWriter) = (null, null);
        }
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_jsonBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_jsonWriter;

    public string ToXml()
    {
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { Encoding = Encoding.UTF8, OmitXmlDeclaration = false }))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(RootName);
            WriteXmlContent(writer, Root);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        // StringBuilder output declares utf-16; the answer is sent as UTF-8.
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    private static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case double d: writer.WriteNumberValue(d); break;
            case DateTimeOffset t: writer.WriteStringValue(Iso(t)); break;
            case Open311Object o:
                writer.WriteStartObject();
                foreach (var (name, field) in o.Fields)
                {
                    writer.WritePropertyName(name);
                    WriteJson(writer, field);
                }
                writer.WriteEndObject();
                break;
            case Open311Array a:
                writer.WriteStartArray();
                foreach (var item in a.Items) WriteJson(writer, item);
                writer.WriteEndArray();
                break;
            default: throw new ArgumentException($"an Open311 document cannot hold a {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteXmlContent(XmlWriter writer, object? value)
    {
        switch (value)
        {
            case null: break;
            case Open311Object o:
                foreach (var (name, field) in o.Fields)
                {
                    writer.WriteStartElement(name);
                    WriteXmlContent(writer, field);
                    writer.WriteEndElement();
                }
                break;
            case Open311Array a:
                foreach (var item in a.Items)
                {
                    writer.WriteStartElement(a.ItemName);
                    WriteXmlContent(writer, item);
                    writer.WriteEndElement();
                }
                break;
            default: writer.WriteString(XmlText(Scalar(value))); break;
        }
    }

    /// <summary>
    /// Text XML 1.0 can carry: a character it cannot (a control character a report may hold; JSON carries it
    /// escaped) becomes U+FFFD, so one odd description never breaks an answer.
    /// </summary>
    internal static string XmlText(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c);
            if (pair || XmlConvert.IsXmlChar(c))
            {
                clean?.Append(c);
                if (pair) clean?.Append(text[++i]);
                continue;
            }
            clean ??= new StringBuilder(text, 0, i, text.Length);
            clean.Append('\uFFFD');
        }
        return clean?.ToString() ?? text;
    }

    private static string Scalar(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => Iso(t),
        _ => throw new ArgumentException($"an Open311 document cannot hold a {value.GetType().Name}", nameof(value)),
    };

    /// <summary>W3C/RFC 3339 date-time in UTC with its fraction, e.g. "2026-11-28T10:15:00.1234567+00:00".</summary>
    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
