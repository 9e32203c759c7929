using System.Text;

namespace GridServer.Silo.Grids;

/// <summary>
/// RFC 4180 CSV: fields separated by commas, optionally quoted with '"' (a quote inside doubled),
/// quoted fields may hold commas and line breaks. A UTF-8 byte-order mark is skipped.
/// </summary>
public static class Csv
{
    /// <summary>
    /// Reads one record, or null at the end. <paramref name="error"/> says what was malformed (the record is
    /// still returned); <paramref name="blank"/> is true for an empty line (not for a line holding "").
    /// </summary>
    public static List<string>? ReadRecord(TextReader reader, out string? error, out bool blank)
    {
        error = null;
        blank = false;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;      // inside a quoted field
        var closed = false;      // a quoted field just closed: only a separator or the line end may follow
        var any = false;
        var sawQuote = false;
        while (true)
        {
            var c = reader.Read();
            if (c == -1)
            {
                if (quoted) error = "a quoted field is not closed before the end of the file";
                if (!any) return null;
                fields.Add(field.ToString());
                blank = fields is [""] && !sawQuote;
                return fields;
            }
            any = true;
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else { quoted = false; closed = true; }
                }
                else
                {
                    field.Append(ch);
                }
                continue;
            }
            if (closed && ch is not (',' or '\r' or '\n'))
            {
                error ??= "text follows the closing quote of a field";
                closed = false;
            }
            switch (ch)
            {
                case '"' when field.Length == 0 && !closed:
                    quoted = true;
                    sawQuote = true;
                    break;
                case '"':
                    error ??= "a quote appears inside an unquoted field";
                    field.Append(ch);
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    closed = false;
                    break;
                case '\r':
                case '\n':
                    if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                    fields.Add(field.ToString());
                    blank = fields is [""] && !sawQuote;
                    return fields;
                case '\uFEFF' when fields.Count == 0 && field.Length == 0:
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
    }

    public static void WriteRecord(TextWriter writer, IEnumerable<string?> fields)
    {
        var first = true;
        foreach (var f in fields)
        {
            if (!first) writer.Write(',');
            first = false;
            var value = f ?? "";
            if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0) writer.Write('"' + value.Replace("\"", "\"\"", StringComparison.Ordinal) + '"');
            else writer.Write(value);
        }
        writer.Write('\n');
    }
}
