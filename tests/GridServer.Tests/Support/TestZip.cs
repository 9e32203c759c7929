using System.IO.Compression;

namespace GridServer.Tests.Support;

/// <summary>Zip archives for upload tests, built in memory from named entries.</summary>
public static class TestZip
{
    public static byte[] Of(IEnumerable<KeyValuePair<string, byte[]>> entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }
        return buffer.ToArray();
    }
}
