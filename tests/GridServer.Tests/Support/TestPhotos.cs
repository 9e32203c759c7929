using System.Buffers.Binary;
using ImageMagick;
using ImageMagick.Drawing;

namespace GridServer.Tests.Support;

/// <summary>Photos as phones send them, and files made to hurt a photo intake, built in the test (no file shipped).</summary>
public static class TestPhotos
{
    /// <summary>Where and when <see cref="PhoneJpeg"/> says it was taken: 28°N 120°39′E (120.65, 28.0), 2026-12-01 08:30 at +08:00.</summary>
    public static readonly (double Lon, double Lat) Taken = (120.65, 28.0);

    /// <summary>
    /// A phone's JPEG held sideways: stored 800×600 with EXIF orientation 6 (turn 90° clockwise to view), so upright it
    /// is 600×800. Its stored top-left quarter is red, the rest blue; EXIF carries a GPS position and the time taken.
    /// </summary>
    public static byte[] PhoneJpeg(int seed = 0, bool withGps = true)
    {
        using var image = new MagickImage(MagickColors.Blue, 800, 600);
        new Drawables().FillColor(MagickColors.Red).Rectangle(0, 0, 399, 299).Draw(image);
        // A few pixels from the seed: different photos have different ids.
        new Drawables().FillColor(new MagickColor((byte)(seed * 37 % 256), (byte)(seed * 91 % 256), 0)).Rectangle(700, 500, 720 + seed % 50, 520).Draw(image);
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        exif.SetValue(ExifTag.Make, "TestPhone");
        exif.SetValue(ExifTag.DateTimeOriginal, "2026:12:01 08:30:00");
        exif.SetValue(ExifTag.OffsetTimeOriginal, "+08:00");
        if (withGps)
        {
            exif.SetValue(ExifTag.GPSLatitudeRef, "N");
            exif.SetValue(ExifTag.GPSLatitude, [new Rational(28, 1), new Rational(0, 1), new Rational(0, 1)]);
            exif.SetValue(ExifTag.GPSLongitudeRef, "E");
            exif.SetValue(ExifTag.GPSLongitude, [new Rational(120, 1), new Rational(39, 1), new Rational(0, 1)]);
        }
        image.SetProfile(exif);
        image.Orientation = Orientation.RightTop;
        image.Quality = 90;
        return image.ToByteArray(MagickFormat.Jpeg);
    }

    /// <summary>A PNG with a transparent half: stored as a JPEG on white.</summary>
    public static byte[] TransparentPng()
    {
        using var image = new MagickImage(MagickColors.Transparent, 200, 100);
        new Drawables().FillColor(MagickColors.Green).Rectangle(0, 0, 99, 99).Draw(image);
        return image.ToByteArray(MagickFormat.Png);
    }

    /// <summary>A WebP, as some Android phones and browsers send.</summary>
    public static byte[] WebP()
    {
        using var image = new MagickImage(MagickColors.Orange, 320, 240);
        return image.ToByteArray(MagickFormat.WebP);
    }

    /// <summary>
    /// An AVIF (a HEIF container with AV1 inside), as newer Android phones save: 320×240, left half green, right half
    /// magenta. The machine's codecs cannot write HEVC, so this is the HEIF container that a test can make for real.
    /// </summary>
    public static byte[] Avif()
    {
        using var image = new MagickImage(MagickColors.Magenta, 320, 240);
        new Drawables().FillColor(MagickColors.Lime).Rectangle(0, 0, 159, 239).Draw(image);
        image.Quality = 90;
        return image.ToByteArray(MagickFormat.Avif);
    }

    /// <summary>A large photo of noise (it compresses badly), so that a cut-off copy is cut inside its scan.</summary>
    public static byte[] NoisyJpeg(int width = 1200, int height = 900)
    {
        using var image = new MagickImage("plasma:", new MagickReadSettings { Width = (uint)width, Height = (uint)height });
        image.Quality = 90;
        return image.ToByteArray(MagickFormat.Jpeg);
    }

    /// <summary>
    /// A PNG of a few hundred bytes whose header says it is <paramref name="side"/>×<paramref name="side"/>: decoding it
    /// would allocate the whole image (a decompression bomb).
    /// </summary>
    public static byte[] PngClaiming(int side)
    {
        var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, side);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), side);
        header[8] = 8;   // bit depth
        header[9] = 2;   // truecolour
        Chunk(output, "IHDR", header);
        Chunk(output, "IDAT", Deflated(new byte[4096]));
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A real small JPEG whose frame header is rewritten to claim 65,000×65,000 pixels.</summary>
    public static byte[] JpegClaiming65000()
    {
        var bytes = NoisyJpeg(64, 64);
        for (var i = 2; i + 9 < bytes.Length; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 5), 65000);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 7), 65000);
                return bytes;
            }
        }
        throw new InvalidOperationException("no frame header in the test JPEG");
    }

    /// <summary>
    /// A JPEG with <paramref name="segments"/> extra APP1 segments of 65,000 bytes each right after its start: huge
    /// metadata around a small picture.
    /// </summary>
    public static byte[] JpegWithHugeMetadata(int segments, byte fill = (byte)'M')
    {
        var jpeg = PhoneJpeg(seed: 7);
        var output = new MemoryStream();
        output.Write(jpeg, 0, 2);
        var segment = new byte[65_000];
        Array.Fill(segment, fill);
        "http://ns.adobe.com/xap/1.0/\0"u8.CopyTo(segment);
        for (var i = 0; i < segments; i++)
        {
            output.Write([0xFF, 0xE1]);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)(segment.Length + 2));
            output.Write(length);
            output.Write(segment);
        }
        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }

    /// <summary>PNG's CRC-32 (ISO 3309), bit by bit: a handful of chunks need no table.</summary>
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }

    private static byte[] Deflated(byte[] raw)
    {
        var output = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        output.Write(crc);
    }
}
