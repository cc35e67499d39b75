using System.Runtime.CompilerServices;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Snapshots;
using GicService.Infrastructure.Serialization;
using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// <c>Storage:Durable = false</c>: hosts live in memory only. Inputs are kept as records so a trace can still
/// be taken; nothing survives a restart and no write can fail.
/// </summary>
public sealed class MemoryHostStore(StorageHealth health, ILogger<MemoryHostStore> logger) : IHostStore
{
    public bool Durable => false;

    public Task<IReadOnlyList<StoredHost>> LoadAsync(CancellationToken cancellationToken)
    {
        StorageLog.InMemory(logger);
        health.Succeeded("storage is off (Storage:Durable = false): hosts live in memory only");
        return Task.FromResult<IReadOnlyList<StoredHost>>([]);
    }

    public IHostJournal NewJournal(HostConfiguration configuration) => new Journal();

    public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class Journal : IHostJournal
    {
        private readonly List<HostInput> _inputs = new();
        private readonly HashSet<long> _rejected = new();
        private readonly Lock _lock = new();

        public Task CreateAsync() => Task.CompletedTask;

        public Task AppendAsync(long firstIndex, IReadOnlyList<HostInput> inputs, IReadOnlyList<long> rejected)
        {
            lock (_lock)
            {
                _inputs.RemoveRange((int)(firstIndex - 1), _inputs.Count - (int)(firstIndex - 1));
                _inputs.AddRange(inputs);
                _rejected.UnionWith(rejected);
            }

            return Task.CompletedTask;
        }

        public Task SnapshotAsync(long inputIndex, HostSnapshot snapshot, IReadOnlyList<FabricEvent> events, IReadOnlyList<long> rejected)
        {
            lock (_lock)
            {
                _rejected.UnionWith(rejected);
            }

            return Task.CompletedTask;
        }

        public Task DeleteAsync() => Task.CompletedTask;

        public async IAsyncEnumerable<JournalEntry> ReadAsync(long upTo, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var index = 1L; index <= upTo; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                HostInput input;
                bool rejected;
                lock (_lock)
                {
                    input = _inputs[(int)(index - 1)];
                    rejected = _rejected.Contains(index);
                }

                yield return new JournalEntry(index, GicJson.SerializeInput(input), rejected);
                if (index % 1024 == 0)
                {
                    await Task.Yield();
                }
            }
        }
    }
}
