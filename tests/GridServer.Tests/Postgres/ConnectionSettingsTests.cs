using GridServer.Storage.Grids;
using Npgsql;

namespace GridServer.Tests.Postgres;

/// <summary>What the server adds to an operator's connection string: statements prepared once per connection, no reset on return to the pool.</summary>
public class ConnectionSettingsTests
{
    [Fact]
    public void AutoPrepared_AStringThatSaysNothing_GetsTheServersSettings()
    {
        var settings = PostgisGridStore.AutoPrepared(new NpgsqlConnectionStringBuilder("Host=127.0.0.1;Port=5432;Database=gridserver"));
        Assert.Equal((64, 3), (settings.MaxAutoPrepare, settings.AutoPrepareMinUsages));
    }

    [Theory]
    [InlineData("Host=h;Max Auto Prepare=0;Auto Prepare Min Usages=7")]
    [InlineData("Host=h;MaxAutoPrepare=0;AutoPrepareMinUsages=7")]
    [InlineData("Host=h;max auto prepare=0;AUTO PREPARE MIN USAGES=7")]
    public void AutoPrepared_WhatTheOperatorSet_IsKept_WhateverTheSpelling(string given)
    {
        var settings = PostgisGridStore.AutoPrepared(new NpgsqlConnectionStringBuilder(given));
        Assert.Equal((0, 7), (settings.MaxAutoPrepare, settings.AutoPrepareMinUsages));
    }

    [Fact]
    public void Sets_OnlyWhatTheStringSays_NotEveryKeywordNpgsqlKnows()
    {
        var builder = new NpgsqlConnectionStringBuilder("Host=h;NoResetOnClose=false");
        Assert.True(builder.ContainsKey("Max Auto Prepare"));   // why the check exists: Npgsql's own answer is true for any keyword it knows
        Assert.False(PostgisGridStore.Sets(builder, "Max Auto Prepare"));
        Assert.True(PostgisGridStore.Sets(builder, "No Reset On Close"));
    }
}
