using System.ComponentModel.DataAnnotations;

namespace GridServer.Silo.Media;

/// <summary>Photos: what an upload may be, what is stored of it. Section <c>GridServer:Media</c>.</summary>
public sealed class MediaOptions
{
    public const string Section = "GridServer:Media";

    /// <summary>The largest photo file taken, in MiB (a phone's 48-megapixel JPEG is about 12 MiB).</summary>
    [Range(1, 100, ErrorMessage = "GridServer:Media:MaxUploadMiB must lie between 1 and 100")]
    public int MaxUploadMiB { get; set; } = 20;

    /// <summary>
    /// The most pixels a photo may have, in millions, checked from its header before it is decoded: a small file that
    /// claims a huge image (a decompression bomb) is refused without allocating it.
    /// </summary>
    [Range(1, 200, ErrorMessage = "GridServer:Media:MaxMegapixels must lie between 1 and 200")]
    public int MaxMegapixels { get; set; } = 50;

    /// <summary>The longest side of the stored image; a larger photo is scaled down to it.</summary>
    [Range(512, 16384, ErrorMessage = "GridServer:Media:MaxStoredSide must lie between 512 and 16384")]
    public int MaxStoredSide { get; set; } = 4096;

    /// <summary>The longest side of a thumbnail.</summary>
    [Range(64, 1024, ErrorMessage = "GridServer:Media:ThumbnailSide must lie between 64 and 1024")]
    public int ThumbnailSide { get; set; } = 320;

    /// <summary>How many photos are decoded at once on a silo (each may take a few hundred MiB while it is); the others wait.</summary>
    [Range(1, 64, ErrorMessage = "GridServer:Media:ConcurrentDecodes must lie between 1 and 64")]
    public int ConcurrentDecodes { get; set; } = 2;

    /// <summary>With the embedded default (no database): the most the in-memory photo store holds, in MiB.</summary>
    [Range(1, 1_048_576, ErrorMessage = "GridServer:Media:MemoryLimitMiB must lie between 1 and 1048576")]
    public int MemoryLimitMiB { get; set; } = 256;

    public long MaxUploadBytes => MaxUploadMiB * 1024L * 1024;
}
