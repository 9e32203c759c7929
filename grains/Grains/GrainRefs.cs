namespace GridServer.Grains;

/// <summary>
/// Grain references made without Orleans' reflection: <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> reads the interface's
/// attributes on every call to learn its grain type, which on the case path (several references per report) showed in
/// profiles. The two types are learnt once per interface, from one reference made the usual way.
/// </summary>
public static class GrainRefs
{
    /// <summary>The grain of interface <typeparamref name="T"/> with string key <paramref name="key"/>.</summary>
    public static T Get<T>(this IGrainFactory factory, string key) where T : class, IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var (grainType, interfaceType) = Types<T>.Of(factory);
        return (T)factory.GetGrain(GrainId.Create(grainType, key), interfaceType);
    }

    private static class Types<T> where T : class, IGrainWithStringKey
    {
        private static (GrainType, GrainInterfaceType)? _types;

        public static (GrainType, GrainInterfaceType) Of(IGrainFactory factory)
        {
            if (_types is { } known) return known;
            // Any key will do: only the reference's types are read.
            var sample = (GrainReference)(object)factory.GetGrain<T>("type-probe");
            var types = (sample.GrainId.Type, sample.InterfaceType);
            _types = types;
            return types;
        }
    }
}
