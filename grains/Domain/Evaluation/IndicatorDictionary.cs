using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace GridServer.Domain.Evaluation;

/// <summary>
/// The values of a fixed list of indicators, by name: an array under a read-only dictionary, so that a table of
/// 50,000 units costs one small array per row and figure, not a dictionary each.
/// </summary>
public sealed class IndicatorDictionary<T> : IReadOnlyDictionary<string, T>
{
    private readonly IReadOnlyList<string> _names;
    private readonly IReadOnlyDictionary<string, int> _index;
    private readonly T[] _values;

    internal IndicatorDictionary(IReadOnlyList<string> names, IReadOnlyDictionary<string, int> index, T[] values)
    {
        (_names, _index, _values) = (names, index, values);
    }

    /// <summary>The values in the order of the indicators' list.</summary>
    public IReadOnlyList<T> Values => _values;

    public T this[string key] => _index.TryGetValue(key, out var i) ? _values[i] : throw new KeyNotFoundException($"no indicator '{key}'");

    public IEnumerable<string> Keys => _names;

    IEnumerable<T> IReadOnlyDictionary<string, T>.Values => _values;

    public int Count => _values.Length;

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out T value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _values[i];
            return true;
        }
        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => _names.Select((n, i) => KeyValuePair.Create(n, _values[i])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
