using System.Collections.Concurrent;

namespace GridServer.Domain.Media;

/// <summary>
/// What a photo said about itself before it was cleaned: where and when it was taken (EXIF GPS and time, kept for staff
/// and never served in the image), its format and size as sent.
/// </summary>
public sealed record PhotoMetadata(double? Lon, double? Lat, DateTimeOffset? TakenAt, string OriginalFormat, long OriginalBytes);

/// <summary>A stored photo, without its bytes: always a JPEG, oriented, without metadata.</summary>
public sealed record StoredPhoto(string Id, int Width, int Height, long Bytes, PhotoMetadata Metadata, string UploadedBy, DateTimeOffset UploadedAt)
{
    public const string ContentType = "image/jpeg";
}

/// <summary>A photo's two images: the stored one and its thumbnail.</summary>
public sealed record PhotoImages(byte[] Image, byte[] Thumbnail);

/// <summary>Photos, stored by their id (the SHA-256 of the image): storing the same photo again keeps the first.</summary>
public interface IMediaStore
{
    /// <summary>Stores a photo; false when one with its id was stored already (and that one is kept).</summary>
    /// <exception cref="MediaStoreFullException">The store has no room left for it.</exception>
    Task<bool> PutAsync(StoredPhoto photo, PhotoImages images, CancellationToken cancellationToken = default);

    Task<StoredPhoto?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The photo's image, or its thumbnail; null when no such photo is stored.</summary>
    Task<byte[]?> ReadAsync(string id, bool thumbnail, CancellationToken cancellationToken = default);
}

/// <summary>The store has no room for another photo.</summary>
public sealed class MediaStoreFullException(string message) : Exception(message);

/// <summary>
/// Photos in the process's memory, for the embedded default: bounded in bytes (a photo that would pass the bound is
/// refused, nothing stored is dropped), and gone when the process ends, as the rest of the embedded default's data.
/// </summary>
public sealed class InMemoryMediaStore(long maxBytes) : IMediaStore
{
    private readonly ConcurrentDictionary<string, (StoredPhoto Photo, PhotoImages Images)> _photos = new(StringComparer.Ordinal);
    private long _bytes;

    public long StoredBytes => Interlocked.Read(ref _bytes);

    public Task<bool> PutAsync(StoredPhoto photo, PhotoImages images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(images);
        if (_photos.ContainsKey(photo.Id)) return Task.FromResult(false);
        var size = (long)images.Image.Length + images.Thumbnail.Length;
        if (Interlocked.Add(ref _bytes, size) > maxBytes)
        {
            Interlocked.Add(ref _bytes, -size);
            throw new MediaStoreFullException($"the in-memory photo store holds at most {maxBytes / (1024 * 1024)} MiB (GridServer:Media:MemoryLimitMiB); use PostgreSQL storage for more");
        }
        if (_photos.TryAdd(photo.Id, (photo, images))) return Task.FromResult(true);
        Interlocked.Add(ref _bytes, -size);   // stored meanwhile by another request
        return Task.FromResult(false);
    }

    public Task<StoredPhoto?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_photos.TryGetValue(id, out var stored) ? stored.Photo : null);

    public Task<byte[]?> ReadAsync(string id, bool thumbnail, CancellationToken cancellationToken = default) =>
        Task.FromResult(_photos.TryGetValue(id, out var stored) ? (thumbnail ? stored.Images.Thumbnail : stored.Images.Image) : null);
}
