using CsCheck;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Tests.Snapshots;
using GicService.Infrastructure.Storage;
using GicService.Infrastructure.Tests.Support;
using Microsoft.Data.Sqlite;

namespace GicService.Infrastructure.Tests.Storage;

/// <summary>
/// What the journal promises: a restarted service rebuilds every host from its latest snapshot and the
/// inputs after it, with the same state, the same events (seq included) and the same trace; a damaged
/// journal or snapshot costs at most the damaged part; a failed write applies nothing.
/// </summary>
public sealed class SqliteHostStoreTests : IDisposable
{
    private readonly string _data = DurableService.NewDataDirectory();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public void Recovery_RebuildsEveryHostExactly_FromSnapshotsAndTheJournalAfterThem()
    {
        Gen.Select(RandomSessions.Configuration, RandomSessions.Input.Array[1, 150], RandomSessions.Input.Array[0, 40], Gen.Int[1, 40])
            .Sample((configuration, session, more, snapshotEvery) => RecoverAndCompare(configuration, session, more, snapshotEvery).GetAwaiter().GetResult(),
                iter: 12, threads: 1);
    }

    private async Task RecoverAndCompare(HostConfiguration configuration, HostInput[] session, HostInput[] more, int snapshotEvery)
    {
        var data = Path.Combine(_data, Guid.NewGuid().ToString("N"));
        var inputs = RandomSessions.Warmup().Concat(session).ToList();
        string state;
        List<string> trace;
        await using (var first = await DurableService.StartAsync(data, snapshotEvery))
        {
            var runner = await first.CreateAsync(configuration);
            var other = await first.CreateAsync(configuration with { Id = "other", Pcpus = 2 });
            foreach (var input in inputs)
            {
                await runner.ExecuteAsync(input, (_, applied) => applied);
            }

            await other.ExecuteAsync(new CreateVm("vm1", 1, 8, Domain.Vms.VmSetup.Ready), (_, a) => a);
            state = await DurableService.StateOf(runner);
            trace = await DurableService.TraceOf(runner);
            Assert.Equal(DurableService.Reference(configuration, inputs).Events, DurableService.EventsOf(runner));
        }

        await using var second = await DurableService.StartAsync(data, snapshotEvery);
        var recovered = second.Host(configuration.Id);
        Assert.Equal(state, await DurableService.StateOf(recovered));
        Assert.Equal(trace, await DurableService.TraceOf(recovered));
        Assert.Equal(DurableService.Reference(configuration, inputs).Events, DurableService.EventsOf(recovered));
        Assert.Equal(2, second.Registry.All.Count());
        Assert.Empty(second.Warnings);

        // It goes on where it stopped: seq continues without a gap, as if it had never restarted.
        foreach (var input in more)
        {
            await recovered.ExecuteAsync(input, (_, applied) => applied);
        }

        Assert.Equal(DurableService.Reference(configuration, inputs.Concat(more)).Events, DurableService.EventsOf(recovered));
    }

    [Fact]
    public async Task Recovery_ComesBackWithEveryCompleteInput_WhenTheJournalTailIsCorrupt()
    {
        var configuration = new HostConfiguration("h1", 4, GicVersion.V4_1);
        var inputs = RandomSessions.Warmup().Concat(RandomSessions.Input.Array[60].Generate(new PCG(1, 5), null, out _)).ToList();
        await RunAsync(configuration, inputs, snapshotEvery: 25);

        // A torn last write: input 68 holds half its JSON (checksum and all), input 70 a flipped byte.
        Sql("UPDATE inputs SET payload = substr(payload, 1, length(payload) / 2), crc = 0 WHERE idx = 68");
        Sql("UPDATE inputs SET payload = CAST(upper(CAST(payload AS TEXT)) AS BLOB) WHERE idx = 70");

        await using (var second = await DurableService.StartAsync(_data, snapshotEvery: 25))
        {
            var runner = second.Host("h1");
            var complete = inputs.Take(67).ToList();
            Assert.Equal(DurableService.Reference(configuration, complete).Events, DurableService.EventsOf(runner));
            Assert.Equal(67, (await DurableService.TraceOf(runner)).Count);
            var warning = Assert.Single(second.Warnings);
            Assert.Contains("input 68 is corrupt", warning, StringComparison.Ordinal);

            // The damaged rows are gone and new inputs follow the complete ones.
            await runner.ExecuteAsync(new SignalMsi("vm1", 0, 0), (_, a) => a);
            Assert.Equal(DurableService.Reference(configuration, complete.Append(new SignalMsi("vm1", 0, 0))).Events, DurableService.EventsOf(runner));
        }

        await using var third = await DurableService.StartAsync(_data, snapshotEvery: 25);
        Assert.Equal(68, (await DurableService.TraceOf(third.Host("h1"))).Count);
        Assert.Empty(third.Warnings);
    }

    [Fact]
    public async Task Recovery_ComesBackWithACommittedPrefix_WhenTheWalIsTruncatedMidWrite()
    {
        var configuration = new HostConfiguration("h1", 4, GicVersion.V4_0);
        var inputs = RandomSessions.Warmup().Concat(RandomSessions.Input.Array[80].Generate(new PCG(2, 9), null, out _)).ToList();
        var crashed = Path.Combine(_data, "crashed");
        await using (var live = await DurableService.StartAsync(Path.Combine(_data, "live"), snapshotEvery: 1000))
        {
            var runner = await live.CreateAsync(configuration);
            foreach (var input in inputs)
            {
                await runner.ExecuteAsync(input, (_, a) => a);
            }

            // What a crash leaves on disk: the database and its WAL as they are while the service runs.
            Directory.CreateDirectory(crashed);
            foreach (var file in Directory.GetFiles(Path.Combine(_data, "live")))
            {
                File.Copy(file, Path.Combine(crashed, Path.GetFileName(file)));
            }
        }

        var wal = Path.Combine(crashed, StorageOptions.DatabaseFileName + "-wal");
        Assert.True(new FileInfo(wal).Length > 10_000, "the inputs should still be in the WAL");
        using (var stream = new FileStream(wal, FileMode.Open))
        {
            stream.SetLength(stream.Length - 3000); // the last frames are cut in the middle
        }

        await using var recovered = await DurableService.StartAsync(crashed, snapshotEvery: 1000);
        var host = recovered.Host("h1");
        var count = (await DurableService.TraceOf(host)).Count;
        Assert.InRange(count, 1, inputs.Count - 1);
        Assert.Equal(DurableService.Reference(configuration, inputs.Take(count)).Events, DurableService.EventsOf(host));
    }

    [Fact]
    public async Task Recovery_UsesAnOlderSnapshotOrTheJournal_WhenSnapshotsOrStoredEventsAreDamaged()
    {
        var configuration = new HostConfiguration("h1", 4, GicVersion.V4_1, PreservePendingOnUnmap: true);
        var inputs = RandomSessions.Warmup().Concat(RandomSessions.Input.Array[90].Generate(new PCG(4, 13), null, out _)).ToList();
        await RunAsync(configuration, inputs, snapshotEvery: 30);
        Assert.Equal(2L, SqlScalar("SELECT count(*) FROM snapshots"));
        var reference = DurableService.Reference(configuration, inputs).Events;

        Sql("UPDATE snapshots SET payload = zeroblob(20) WHERE idx = (SELECT max(idx) FROM snapshots)");
        await using (var second = await DurableService.StartAsync(_data, snapshotEvery: 30))
        {
            Assert.Equal(reference, DurableService.EventsOf(second.Host("h1")));
            Assert.Contains(second.Warnings, w => w.Contains("snapshot after input 90", StringComparison.Ordinal));
        }

        Sql("UPDATE event_segments SET crc = crc + 1 WHERE first_seq = 1");
        await using (var third = await DurableService.StartAsync(_data, snapshotEvery: 30))
        {
            Assert.Equal(reference, DurableService.EventsOf(third.Host("h1")));
            Assert.Contains(third.Warnings, w => w.Contains("stored events from seq 1", StringComparison.Ordinal));
        }

        // What recovery could not use was removed; the next run is clean and snapshots again.
        await using var fourth = await DurableService.StartAsync(_data, snapshotEvery: 30);
        Assert.Empty(fourth.Warnings);
        Assert.Equal(reference, DurableService.EventsOf(fourth.Host("h1")));
    }

    [Fact]
    public async Task Writes_FailWithNothingApplied_WhenStorageIsFull_AndSucceedAgainOnceSpaceIsFreed()
    {
        var configuration = new HostConfiguration("h1", 2, GicVersion.V4_0);
        var page = new byte[16 * 1024];
        Array.Fill(page, (byte)0xA5);
        var accepted = new List<HostInput> { new CreateVm("vm1", 1, 8, Domain.Vms.VmSetup.Ready) };
        await using (var service = await DurableService.StartAsync(_data, maxDatabaseMiB: 2))
        {
            var filler = await service.CreateAsync(configuration with { Id = "filler" });
            for (var i = 0; i < 20; i++)
            {
                await filler.ExecuteAsync(new WriteGuestMemory("vm9", 0, page), (_, a) => a);
            }

            var host = await service.CreateAsync(configuration);
            await host.ExecuteAsync(accepted[0], (_, a) => a);

            // Large writes until one does not fit, then small ones until nothing fits any more.
            foreach (var input in new HostInput[] { new WriteGuestMemory("vm1", 0x10_0000, page), new WriteGuestMemory("vm1", 0x10_0000, page[..400]), new SignalMsi("vm1", 0, 0) })
            {
                var failure = await Assert.ThrowsAsync<StorageUnavailableException>(async () =>
                {
                    for (var i = 0; i < 100_000; i++)
                    {
                        await host.ExecuteAsync(input, (_, a) => a);
                        accepted.Add(input);
                    }
                });
                Assert.Contains("full", failure.Message, StringComparison.OrdinalIgnoreCase);
                Assert.False(service.Health.Healthy);
            }

            // Nothing half-applied: the refused input changed nothing and published nothing; reads still answer.
            var before = await DurableService.StateOf(host);
            var lastSeq = host.Log.LastSeq;
            await Assert.ThrowsAsync<StorageUnavailableException>(() => host.ExecuteAsync(new SignalMsi("vm1", 0, 0), (_, a) => a));
            Assert.Equal(before, await DurableService.StateOf(host));
            Assert.Equal(lastSeq, host.Log.LastSeq);
            Assert.Equal(accepted.Count, (await DurableService.TraceOf(host)).Count);

            // Deleting the filler frees its pages: writes work again and storage reports healthy.
            Assert.True(await service.Registry.DeleteAsync("filler"));
            await WaitUntil(async () =>
            {
                try
                {
                    await host.ExecuteAsync(new SignalMsi("vm1", 0, 1), (_, a) => a);
                    accepted.Add(new SignalMsi("vm1", 0, 1));
                    return true;
                }
                catch (StorageUnavailableException)
                {
                    return false;
                }
            });
            Assert.True(service.Health.Healthy);
        }

        await using var restarted = await DurableService.StartAsync(_data);
        Assert.Null(restarted.Registry.Find("filler"));
        Assert.Equal(DurableService.Reference(configuration, accepted).Events, DurableService.EventsOf(restarted.Host("h1")));
    }

    [Fact]
    public async Task Writes_AreRefused_WhenTheDataDirectoryCannotBeCreated()
    {
        Directory.CreateDirectory(_data);
        var file = Path.Combine(_data, "a-file");
        await File.WriteAllTextAsync(file, "not a directory");
        await using var service = await DurableService.StartAsync(Path.Combine(file, "data"));

        Assert.Empty(service.Registry.All);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => service.Registry.CreateAsync(new HostConfiguration("h1", 2, GicVersion.V4_0)));
        Assert.False(service.Health.Healthy);
        Assert.Empty(service.Registry.All);
        Assert.Contains(service.Log, e => e.Message.Contains("cannot be opened", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GroupCommit_PutsConcurrentInputsOfManyHostsInFewTransactions()
    {
        await using var service = await DurableService.StartAsync(_data);
        var hosts = new List<GicService.Infrastructure.Hosting.HostRunner>();
        for (var h = 0; h < 4; h++)
        {
            var host = await service.CreateAsync(new HostConfiguration($"h{h}", 2, GicVersion.V4_0));
            await host.ExecuteAsync(new CreateVm("vm1", 1, 8, Domain.Vms.VmSetup.Ready), (_, a) => a);
            hosts.Add(host);
        }

        var commits = service.Store.Commits;
        var seqs = hosts.Select(h => h.Log.LastSeq).ToList();
        await Task.WhenAll(hosts.SelectMany(h => Enumerable.Range(0, 250).Select(i => h.ExecuteAsync(new SignalMsi("vm1", 9, (uint)i), (_, a) => a))));
        var transactions = service.Store.Commits - commits;
        Assert.InRange(transactions, 1, 200);
        Assert.Equal(seqs.Select(s => s + 250), hosts.Select(h => h.Log.LastSeq)); // one MsiDropped each
    }

    [Fact]
    public async Task Delete_RemovesTheHostAndAllItsStoredData()
    {
        var configuration = new HostConfiguration("h1", 4, GicVersion.V4_1);
        await using (var service = await DurableService.StartAsync(_data, snapshotEvery: 5))
        {
            var host = await service.CreateAsync(configuration);
            foreach (var input in RandomSessions.Warmup())
            {
                await host.ExecuteAsync(input, (_, a) => a);
            }

            await service.CreateAsync(configuration with { Id = "kept" });
            Assert.True(await service.Registry.DeleteAsync("h1"));
            Assert.False(await service.Registry.DeleteAsync("h1"));
            await WaitUntil(() => Task.FromResult(SqlScalar("SELECT count(*) FROM inputs") == 0L));
        }

        Assert.Equal(0L, SqlScalar("SELECT count(*) FROM snapshots") + SqlScalar("SELECT count(*) FROM event_segments"));
        Assert.Equal(1L, SqlScalar("SELECT count(*) FROM hosts"));
        await using var restarted = await DurableService.StartAsync(_data);
        Assert.Equal(["kept"], restarted.Registry.All.Select(h => h.Id));

        // The id is free again, for a new host with a history of its own.
        var again = await restarted.CreateAsync(configuration);
        Assert.Equal(1, again.Log.LastSeq);
        Assert.Empty(await DurableService.TraceOf(again));
    }

    private async Task RunAsync(HostConfiguration configuration, IEnumerable<HostInput> inputs, int snapshotEvery)
    {
        await using var service = await DurableService.StartAsync(_data, snapshotEvery);
        var runner = await service.CreateAsync(configuration);
        foreach (var input in inputs)
        {
            await runner.ExecuteAsync(input, (_, a) => a);
        }
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in 20 s");
            await Task.Delay(20);
        }
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, StorageOptions.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() > 0, $"'{sql}' changed nothing");
    }

    private long SqlScalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, StorageOptions.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
