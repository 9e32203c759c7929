using System.Globalization;
using Npgsql;

namespace GridServer.Storage;

/// <summary>
/// The criteria of a query, each in the statement only when given, numbered from <paramref name="firstParameter"/>
/// ('@' in a clause is its parameter). Statements are prepared (auto-prepare), and a generic plan of
/// "$5 IS NULL OR officer_id = $5" cannot use the officer's index: an officer's year read the whole year (0.9 s).
/// </summary>
internal sealed class SqlCriteria(int firstParameter)
{
    private readonly System.Text.StringBuilder _sql = new();

    public List<NpgsqlParameter> Parameters { get; } = [];

    public string Sql => _sql.ToString();

    public void Add(string clause) => _sql.Append("\n  AND ").Append(clause);

    public void Add(string clause, NpgsqlParameter parameter)
    {
        Parameters.Add(parameter);
        Add(clause.Replace("@", "$" + (firstParameter + Parameters.Count - 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }
}
