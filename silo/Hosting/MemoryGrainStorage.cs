using Orleans.Serialization;
using Orleans.Storage;

namespace GridServer.Silo.Hosting;

/// <summary>In-memory grain storage as the embedded default and the tests use it.</summary>
public static class MemoryGrainStorage
{
    /// <summary>
    /// Adds in-memory grain storage <paramref name="name"/> whose copies of each state go through Orleans' own serializer,
    /// as in PostgreSQL, not the default JSON one (slower, and unable to read back some immutable collections the states hold).
    /// </summary>
    public static ISiloBuilder AddOrleansSerializedMemoryStorage(this ISiloBuilder silo, string name) =>
        silo.AddMemoryGrainStorage(name, options => options.Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
}
