using System.Text.Json;
using System.Text.Json.Serialization;

namespace GridServer.Domain.Cases;

/// <summary>How a case's stored JSON (its deadline history, its evaluation facts) is written: camelCase, enums by name.</summary>
public static class CaseJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
