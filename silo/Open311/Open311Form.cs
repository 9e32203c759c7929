using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GridServer.Silo.Open311;

/// <summary>
/// The fields of a POSTed report, from <c>application/x-www-form-urlencoded</c> (the spec) or a JSON object, as
/// name → values. JSON's <c>"attribute": {"code": "value"}</c> becomes <c>attribute[code]</c>, as a form sends it.
/// </summary>
internal sealed class Open311Form
{
    /// <summary>The largest body read: a report is text and links, never a file.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>More fields than any report needs is someone probing.</summary>
    public const int MaxFields = 100;

    private readonly Dictionary<string, List<string>> _fields = new(StringComparer.Ordinal);

    public IEnumerable<string> Names => _fields.Keys;

    /// <summary>The photo file sent in the multipart field <c>media</c>, or null.</summary>
    public byte[]? Media { get; private set; }

    public string? this[string name] => _fields.TryGetValue(name, out var values) ? values[0] : null;

    public IReadOnlyList<string> All(string name) => _fields.TryGetValue(name, out var values) ? values : [];

    private void Add(string name, string value)
    {
        if (!_fields.TryGetValue(name, out var values)) _fields[name] = values = [];
        values.Add(value);
    }

    /// <summary>
    /// Reads the body: the form, or (status, why) when it is too large, of another type, or badly encoded.
    /// <c>multipart/form-data</c> may also carry a photo in the field <c>media</c>, of at most <paramref name="maxMediaBytes"/>.
    /// </summary>
    public static async Task<(Open311Form? Form, int Status, string? Error)> ReadAsync(HttpRequest request, long maxMediaBytes)
    {
        if (GridServer.Silo.Media.Multipart.Is(request)) return await ReadMultipartAsync(request, maxMediaBytes);
        if (request.ContentLength > MaxBodyBytes) return (null, 413, $"the body may have at most {MaxBodyBytes} bytes");
        // The body is read into a pooled buffer: a report is read once, parsed into strings, and its bytes are not kept.
        var body = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(body.AsMemory(length, MaxBodyBytes + 1 - length), request.HttpContext.RequestAborted)) > 0)
            {
                length += read;
                if (length > MaxBodyBytes) return (null, 413, $"the body may have at most {MaxBodyBytes} bytes");
            }
            var type = request.ContentType ?? "";
            if (type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                return ParseForm(body.AsSpan(0, length)) is { } form ? (form, 0, null) : (null, 400, "the form is not valid application/x-www-form-urlencoded UTF-8 (a bad %-escape or bytes that are not UTF-8)");
            if (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                return ParseJson(body.AsMemory(0, length), out var error) is { } json ? (json, 0, null) : (null, 400, error);
            return (null, 400, "send the report as application/x-www-form-urlencoded (or application/json, or multipart/form-data with a 'media' file)");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private static async Task<(Open311Form? Form, int Status, string? Error)> ReadMultipartAsync(HttpRequest request, long maxMediaBytes)
    {
        var limit = maxMediaBytes + MaxBodyBytes;
        var tooLarge = (default(Open311Form), 413, $"the body may have at most {limit / (1024.0 * 1024):0.#} MiB: a report's fields and one photo of at most {maxMediaBytes / (1024 * 1024)} MiB");
        var (read, status, error) = await GridServer.Silo.Media.Multipart.ReadAsync(request, limit, MaxFields, MaxBodyBytes);
        if (read is null) return status == 413 ? tooLarge : (null, status, error);
        if (read.Files.Count > 0 && maxMediaBytes == 0) return (null, 400, "this request takes no file");
        if (read.Files.Any(f => f.Name != "media") || read.Files.Count > 1)
            return (null, 400, "a report takes one file, in the field 'media'");
        var form = new Open311Form();
        foreach (var (name, values) in read)
            foreach (var value in values)
                if (value is not null) form.Add(name, value);
        if (read.Files.Count == 1)
        {
            if (read.Files[0].Length > maxMediaBytes) return tooLarge;
            form.Media = await GridServer.Silo.Media.Multipart.BytesAsync(read.Files[0], request.HttpContext.RequestAborted);
        }
        return (form, 0, null);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Strict form decoding: '+' is a space, every '%' starts two hex digits, the bytes are UTF-8.</summary>
    internal static Open311Form? ParseForm(ReadOnlySpan<byte> body)
    {
        var form = new Open311Form();
        var count = 0;
        foreach (var range in body.Split((byte)'&'))
        {
            var pair = body[range];
            if (pair.IsEmpty) continue;
            if (++count > MaxFields) return null;
            var eq = pair.IndexOf((byte)'=');
            var name = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            if (name is null || value is null) return null;
            form.Add(name, value);
        }
        return form;
    }

    private static string? Decode(ReadOnlySpan<byte> text)
    {
        // Decoding never lengthens the text: a field of the 64 KiB body fits the stack when short, a pooled array when not.
        byte[]? rented = null;
        var bytes = text.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(text.Length));
        try
        {
            var n = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var b = text[i];
                if (b == '+') bytes[n++] = (byte)' ';
                else if (b != '%') bytes[n++] = b;
                else if (i + 2 < text.Length && HexDigit(text[i + 1]) is var high and >= 0 && HexDigit(text[i + 2]) is var low and >= 0)
                {
                    bytes[n++] = (byte)(high << 4 | low);
                    i += 2;
                }
                else
                {
                    return null;
                }
            }
            return StrictUtf8.GetString(bytes[..n]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static Open311Form? ParseJson(ReadOnlyMemory<byte> body, out string error)
    {
        error = "the body must be one JSON object of report fields";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            error = $"the body is not valid JSON: {e.Message}";
            return null;
        }
        using (document)
        {
            try
            {
                return FromJson(document.RootElement, out error);
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json cannot make a string of an escaped lone surrogate ("\ud800").
                error = "the JSON holds text that is not valid Unicode (an unpaired surrogate)";
                return null;
            }
        }
    }

    private static Open311Form? FromJson(JsonElement root, out string error)
    {
        error = "the body must be one JSON object of report fields";
        {
            if (root.ValueKind != JsonValueKind.Object) return null;
            var form = new Open311Form();
            var count = 0;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == "attribute" && property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var attribute in property.Value.EnumerateObject())
                    {
                        if (++count > MaxFields || !AddJson(form, $"attribute[{attribute.Name}]", attribute.Value)) return null;
                    }
                }
                else if (++count > MaxFields || !AddJson(form, property.Name, property.Value))
                {
                    error = $"field '{(property.Name.Length <= 40 ? property.Name : property.Name[..40])}' must be a string, a number, or a list of them";
                    return null;
                }
            }
            return form;
        }
    }

    private static bool AddJson(Open311Form form, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                // Lone surrogates that survive here are refused with the other text checks.
                form.Add(name, value.GetString()!);
                return true;
            case JsonValueKind.Number: form.Add(name, value.GetRawText()); return true;
            case JsonValueKind.True or JsonValueKind.False: form.Add(name, value.GetRawText()); return true;
            case JsonValueKind.Null: return true;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind is not (JsonValueKind.String or JsonValueKind.Number) || !AddJson(form, name, item)) return false;
                }
                return true;
            default: return false;
        }
    }
}
