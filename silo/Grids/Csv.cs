using CsvHelper;

namespace GridServer.Silo.Grids;

/// <summary>
/// One record of a CSV file as the server's imports read it: its fields, what was malformed about its quoting (the
/// record is still read, recovered as RFC 4180 readers do), and whether it was an empty line.
/// </summary>
public sealed record CsvLine(IReadOnlyList<string> Fields, string? Error, bool Blank);

/// <summary>
/// RFC 4180 CSV through CsvHelper, set up the one way the server reads and writes it: comma separated (never guessed),
/// quotes doubled inside quoted fields, line breaks allowed in them, empty lines reported rather than skipped, and
/// malformed quoting recovered and named per record in the server's words.
/// </summary>
public static class Csv
{
    /// <summary>The longest record read (an unclosed quote must not read a whole large file into one field).</summary>
    public const int MaxRecordBytes = 16 * 1024 * 1024;

    /// <summary>Every record of <paramref name="reader"/>, the header first.</summary>
    /// <exception cref="FormatException">A record is longer than <see cref="MaxRecordBytes"/>.</exception>
    public static IEnumerable<CsvLine> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CsvMalformedReason? malformed = null;
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = false,
            SkipEmptyLines = false,
            DetectSeparatorHint = false,
            MalformedData = CsvMalformedDataHandling.Recover,
            OnMalformedRecord = record => malformed ??= record.Reason,
            MaxRecordSize = MaxRecordBytes,
        };
        using var csv = CsvReader.Create(reader, options, leaveOpen: true);
        while (true)
        {
            bool more;
            try
            {
                more = csv.Read();
            }
            catch (CsvFormatException e)
            {
                throw new FormatException($"a record is longer than {MaxRecordBytes / 1024 / 1024} MiB; is a quote left open? ({e.Message})", e);
            }
            if (!more) yield break;
            var fields = new string[csv.FieldCount];
            for (var i = 0; i < fields.Length; i++) fields[i] = csv.GetString(i);
            var error = malformed switch
            {
                CsvMalformedReason.UnterminatedQuote => "a quoted field is not closed before the end of the file",
                CsvMalformedReason.TextAfterClosingQuote => "text follows the closing quote of a field",
                CsvMalformedReason.StrayQuote => "a quote appears inside an unquoted field",
                null => null,
                var other => $"malformed quoting ({other})",
            };
            malformed = null;
            yield return new CsvLine(fields, error, Blank: csv.RawRecord.IsEmpty);
        }
    }

    /// <summary>A writer of records with '\n' line ends; a field is quoted when it holds a comma, quote or line break.</summary>
    public static CsvWriter Writer(TextWriter writer) =>
        CsvWriter.Create(writer, new CsvWriterOptions { NewLine = "\n", ValidateFieldCount = false }, leaveOpen: true);
}
