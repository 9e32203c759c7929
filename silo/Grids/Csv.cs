using System.Text;

namespace GridServer.Silo.Grids;

/// <summary>
/// RFC 4180 CSV: fields separated by commas, optionally quoted with '"' (a quote inside doubled),
/// quoted fields may hold commas and line breaks. A UTF-8 byte-order mark is skipped.
/// </summary>
public static class Csv
{
    /// <summary>Reads one record, or null at the end. <paramref name="error"/> says what was malformed (the record is still returned).</summary>
    public static List<string>? ReadRecord(TextReader reader, out string? error)
    {
        error = null;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        while (true)
        {
            var c = reader.Read();
            if (c == -1)
            {
                if (quoted) error = "a quoted field is not closed before the end of the file";
                if (!any) return null;
                fields.Add(field.ToString());
                return fields;
            }
            any = true;
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case '"':
                    error ??= "a quote appears inside an unquoted field";
                    field.Append(ch);
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    if (reader.Peek() == '\n') reader.Read();
                    fields.Add(field.ToString());
                    return fields;
                case '\n':
                    fields.Add(field.ToString());
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
