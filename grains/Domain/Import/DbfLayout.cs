using System.Buffers.Binary;

namespace GridServer.Domain.Import;

/// <summary>One field descriptor of a dBASE III header.</summary>
/// <param name="NameBytes">The name as stored, up to its first NUL, undecoded.</param>
/// <param name="Type">The dBASE type letter, upper case ('S' is read as 'C', as the library does).</param>
/// <param name="Offset">Byte offset of the value within a record (the deletion flag is byte 0).</param>
/// <param name="Length">Width of the value in bytes.</param>
internal sealed record DbfFieldLayout(byte[] NameBytes, char Type, int Offset, int Length);

/// <summary>
/// The header of a dBASE III table (.dbf), checked against the file's length before the library reads
/// it: the library copies whatever a short read leaves in a pooled buffer, so a truncated table would
/// otherwise give garbage values rather than an error.
/// </summary>
internal sealed record DbfLayout(
    long RecordCount,
    int HeaderSize,
    int RecordSize,
    byte LanguageDriverId,
    IReadOnlyList<DbfFieldLayout> Fields)
{
    private const int TableDescriptorSize = 32;
    private const int FieldDescriptorSize = 32;

    /// <summary>Reads and checks the header.</summary>
    /// <param name="dbf">The table, positioned anywhere.</param>
    /// <param name="name">The file as messages should name it.</param>
    /// <exception cref="GridFileException">The header is corrupt, or the file is shorter than it says.</exception>
    public static DbfLayout Read(Stream dbf, string name)
    {
        var length = dbf.Length;
        if (length < TableDescriptorSize + 1)
            throw new GridFileException($"{name} is truncated or not a dBASE table: it has {length} bytes, less than a dBASE header.");

        var head = new byte[TableDescriptorSize];
        dbf.Position = 0;
        dbf.ReadExactly(head);
        var version = head[0];
        if (version != 0x03)
            throw new GridFileException(
                $"{name} is not a dBASE III table (its version byte is 0x{version:X2}, expected 0x03); " +
                "re-save the attribute table as a plain shapefile .dbf.");

        long recordCount = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4));
        int headerSize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(8));
        int recordSize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        var languageDriverId = head[29];

        var descriptorBytes = headerSize - TableDescriptorSize - 1;   // the header ends with 0x0D
        if (descriptorBytes < 0 || descriptorBytes % FieldDescriptorSize != 0)
            throw new GridFileException(
                $"{name} has a corrupt header: a header size of {headerSize} bytes does not hold whole 32-byte field descriptors.");
        if (headerSize > length)
            throw new GridFileException($"{name} is truncated: its header alone should be {headerSize} bytes, but the file has {length}.");

        var descriptors = new byte[descriptorBytes];
        dbf.ReadExactly(descriptors);
        var fields = new List<DbfFieldLayout>(descriptorBytes / FieldDescriptorSize);
        var offset = 1;
        for (var at = 0; at < descriptorBytes; at += FieldDescriptorSize)
        {
            var d = descriptors.AsSpan(at, FieldDescriptorSize);
            var nameLength = d[..11].IndexOf((byte)0);
            var nameBytes = d[..(nameLength < 0 ? 11 : nameLength)].ToArray();
            var type = char.ToUpperInvariant((char)d[11]);
            if (type == 'S')
                type = 'C';
            var width = (int)d[16];
            if (type is not ('C' or 'N' or 'F' or 'D' or 'L'))
                throw new GridFileException(
                    $"{name}: field {fields.Count + 1} ('{System.Text.Encoding.Latin1.GetString(nameBytes)}') has dBASE type " +
                    $"'{(char)d[11]}', which cannot be read; only character (C), number (N, F), date (D) and logical (L) fields can.");
            fields.Add(new DbfFieldLayout(nameBytes, type, offset, width));
            offset += width;
        }

        if (offset > recordSize)
            throw new GridFileException(
                $"{name} has a corrupt header: its fields need {offset} bytes per record, but it declares records of {recordSize}.");

        var needed = headerSize + recordCount * recordSize;
        if (needed > length)
            throw new GridFileException(
                $"{name} is truncated: its header declares {recordCount} records of {recordSize} bytes " +
                $"({needed} bytes in all), but the file has only {length} bytes.");

        return new DbfLayout(recordCount, headerSize, recordSize, languageDriverId, fields);
    }
}
