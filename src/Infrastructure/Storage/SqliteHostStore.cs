using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Snapshots;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// Hosts in one SQLite database (WAL) under the data directory: a <c>hosts</c> row per host (its
/// configuration), its <c>inputs</c> in order, its latest <c>snapshots</c> and the <c>event_segments</c>
/// published between them (docs/durability.md). All writes go through one <see cref="SqliteWriter"/>.
/// </summary>
public sealed class SqliteHostStore : IHostStore, IDisposable
{
    public const int SchemaVersion = 1;
    private const int PurgeChunk = 20_000;

    private static readonly string[] Schema =
    [
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS hosts(host_key INTEGER PRIMARY KEY AUTOINCREMENT, host_id TEXT NOT NULL UNIQUE, configuration BLOB NOT NULL, created TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS inputs(host_key INTEGER NOT NULL, idx INTEGER NOT NULL, payload BLOB NOT NULL, crc INTEGER NOT NULL, rejected INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(host_key, idx)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS snapshots(host_key INTEGER NOT NULL, idx INTEGER NOT NULL, event_seq INTEGER NOT NULL, format INTEGER NOT NULL, payload BLOB NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY(host_key, idx))",
        "CREATE TABLE IF NOT EXISTS event_segments(host_key INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, payload BLOB NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY(host_key, first_seq))",
    ];

    private readonly StorageOptions _options;
    private readonly StorageHealth _health;
    private readonly ILogger _logger;
    private readonly SqliteWriter _writer;
    private readonly string _readConnectionString;
    private readonly string _writeConnectionString;

    public SqliteHostStore(IOptions<StorageOptions> options, StorageHealth health, ILogger<SqliteHostStore> logger, StorageMetrics? metrics = null)
    {
        _options = options.Value;
        _health = health;
        _logger = logger;
        DataDirectory = Path.GetFullPath(_options.DataDirectory ?? throw new InvalidOperationException("Storage:DataDirectory is not resolved."));
        DatabasePath = Path.Combine(DataDirectory, StorageOptions.DatabaseFileName);
        _writeConnectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWrite, Pooling = true }.ToString();
        _writer = new SqliteWriter(OpenForWriting, health, logger, _options.MaxBatchInputs, metrics);
    }

    public bool Durable => true;

    public string DataDirectory { get; }

    public string DatabasePath { get; }

    /// <summary>Write transactions committed since start.</summary>
    public long Commits => _writer.Commits;

    public IHostJournal NewJournal(HostConfiguration configuration) => new Journal(this, configuration, hostKey: null);

    /// <summary>Stores and removes 64 KiB in one committed transaction: it fails where an ordinary write would, and leaves nothing behind.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) => _writer.Submit(0, context =>
    {
        context.Execute("INSERT OR REPLACE INTO meta(key, value) VALUES('probe', zeroblob(65536))");
        context.Execute("DELETE FROM meta WHERE key = 'probe'");
    });

    public void Dispose() => _writer.Dispose();

    // ---------------------------------------------------------------- opening

    private SqliteConnection OpenForWriting()
    {
        Directory.CreateDirectory(DataDirectory);
        var connection = new SqliteConnection(_writeConnectionString);
        try
        {
            connection.Open();
            var mode = Scalar(connection, "PRAGMA journal_mode=WAL");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageUnavailableException($"SQLite refused WAL mode for {DatabasePath} (journal_mode is {mode}).");
            }

            Execute(connection, $"PRAGMA synchronous={(_options.Synchronous == StorageSynchronous.Full ? "FULL" : "NORMAL")}");
            Execute(connection, "PRAGMA busy_timeout=10000");
            if (_options.MaxDatabaseMiB is { } mib)
            {
                var pageSize = long.Parse(Scalar(connection, "PRAGMA page_size")!, CultureInfo.InvariantCulture);
                Execute(connection, $"PRAGMA max_page_count={mib * 1024 * 1024 / pageSize}");
            }

            using (var transaction = connection.BeginTransaction())
            {
                foreach (var statement in Schema)
                {
                    Execute(connection, statement, transaction);
                }

                var version = Scalar(connection, "SELECT value FROM meta WHERE key = 'schema'", transaction);
                if (version is null)
                {
                    Execute(connection, $"INSERT INTO meta(key, value) VALUES('schema', '{SchemaVersion}')", transaction);
                }
                else if (version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
                {
                    throw new StorageUnavailableException($"{DatabasePath} has schema version {version}; this build reads version {SchemaVersion}.");
                }

                transaction.Commit();
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private SqliteConnection OpenForReading()
    {
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static string? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
    }

    // ---------------------------------------------------------------- recovery

    public async Task<IReadOnlyList<StoredHost>> LoadAsync(CancellationToken cancellationToken)
    {
        StorageLog.Opened(_logger, DatabasePath, _options.Synchronous.ToString(), _options.SnapshotEvery);
        var existed = File.Exists(DatabasePath);
        try
        {
            // Opening for writing creates the schema and lets SQLite recover the WAL of a crashed run.
            await _writer.Submit(0, _ => { });
        }
        catch (StorageUnavailableException ex)
        {
            if (existed)
            {
                StorageLog.ReadFailed(_logger, ex.InnerException ?? ex, DatabasePath);
                _writer.Refuse($"The database {DatabasePath} could not be read at start; writes are refused until a restart recovers it.");
                _health.Failed($"the database could not be read at start: {ex.InnerException?.Message ?? ex.Message}");
            }
            else
            {
                StorageLog.OpenFailed(_logger, ex.InnerException ?? ex, DatabasePath);
            }

            return [];
        }

        var hosts = new List<StoredHost>();
        var orphans = new List<long>();
        using var connection = OpenForReading();
        var rows = new List<(long Key, string Id, byte[] Configuration)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT host_key, host_id, configuration FROM hosts ORDER BY host_key";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        foreach (var (key, id, configurationJson) in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HostConfiguration configuration;
            try
            {
                configuration = JsonSerializer.Deserialize<HostConfiguration>(configurationJson, GicJson.Options)
                    ?? throw new JsonException("null configuration");
            }
            catch (JsonException ex)
            {
                StorageLog.CorruptHost(_logger, key, id, ex.Message);
                continue;
            }

            hosts.Add(LoadHost(connection, key, configuration));
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT DISTINCT host_key FROM inputs WHERE host_key NOT IN (SELECT host_key FROM hosts) "
                + "UNION SELECT DISTINCT host_key FROM snapshots WHERE host_key NOT IN (SELECT host_key FROM hosts) "
                + "UNION SELECT DISTINCT host_key FROM event_segments WHERE host_key NOT IN (SELECT host_key FROM hosts)";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                orphans.Add(reader.GetInt64(0));
            }
        }

        if (orphans.Count > 0)
        {
            _ = PurgeAsync(orphans);
        }

        return hosts;
    }

    private StoredHost LoadHost(SqliteConnection connection, long key, HostConfiguration configuration)
    {
        var id = configuration.Id;
        var journal = new Journal(this, configuration, key);

        // Stored events: contiguous segments from seq 1, each intact; the first bad one ends them. They are
        // checked (numbering, checksum) now and decoded only when a reader asks for them.
        var segments = new List<StoredEventSegment>();
        var storedSeq = 0L;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT first_seq, last_seq, payload, crc FROM event_segments WHERE host_key = $a ORDER BY first_seq";
            command.Parameters.AddWithValue("$a", key);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var first = reader.GetInt64(0);
                var last = reader.GetInt64(1);
                var payload = reader.GetFieldValue<byte[]>(2);
                var problem = first != storedSeq + 1 ? $"expected a segment from seq {storedSeq + 1}"
                    : last < first ? "it holds no event"
                    : StoragePayloads.Crc(payload) != (uint)reader.GetInt64(3) ? "checksum mismatch"
                    : null;
                if (problem is not null)
                {
                    StorageLog.CorruptEvents(_logger, id, first, problem);
                    break;
                }

                segments.Add(new StoredEventSegment(first, last, () => StoragePayloads.Decompress<List<FabricEvent>>(payload)));
                storedSeq = last;
            }
        }

        // The latest intact snapshot whose events are all stored.
        HostSnapshot? snapshot = null;
        long snapshotIndex = 0;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT idx, event_seq, format, payload, crc FROM snapshots WHERE host_key = $a ORDER BY idx DESC";
            command.Parameters.AddWithValue("$a", key);
            using var reader = command.ExecuteReader();
            while (reader.Read() && snapshot is null)
            {
                var index = reader.GetInt64(0);
                var eventSeq = reader.GetInt64(1);
                var payload = reader.GetFieldValue<byte[]>(3);
                string? problem = null;
                if (reader.GetInt32(2) != HostSnapshot.CurrentVersion)
                {
                    problem = $"format version {reader.GetInt32(2)}, this build reads {HostSnapshot.CurrentVersion}";
                }
                else if (eventSeq > storedSeq)
                {
                    problem = $"its events up to seq {eventSeq} are not all stored";
                }
                else if (StoragePayloads.Crc(payload) != (uint)reader.GetInt64(4))
                {
                    problem = "checksum mismatch";
                }
                else
                {
                    try
                    {
                        var candidate = StoragePayloads.Decompress<HostSnapshot>(payload);
                        problem = candidate.LastSeq != eventSeq || candidate.Configuration != configuration ? "it does not match its host" : null;
                        snapshot = problem is null ? candidate : null;
                        snapshotIndex = problem is null ? index : 0;
                    }
                    catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
                    {
                        problem = ex.Message;
                    }
                }

                if (problem is not null)
                {
                    StorageLog.CorruptSnapshot(_logger, id, index, problem);
                }
            }
        }

        var keptEvents = snapshot is null ? [] : segments.TakeWhile(g => g.LastSeq <= snapshot.LastSeq).ToList();
        var keptSeq = snapshot?.LastSeq ?? 0;
        return new StoredHost(configuration, journal, snapshot, snapshotIndex, keptEvents, after => ReadTail(key, id, after, after == snapshotIndex ? keptSeq : 0));
    }

    /// <summary>The inputs after <paramref name="after"/>; stops at the first corrupt or missing one and removes it and what follows.</summary>
    private IEnumerable<StoredInput> ReadTail(long key, string id, long after, long keptSeq)
    {
        // What recovery does not use is dropped, so the next snapshot and its events follow on cleanly.
        _ = SubmitRepair(context =>
        {
            context.Execute("DELETE FROM snapshots WHERE host_key = $a AND idx > $b", key, after);
            context.Execute("DELETE FROM event_segments WHERE host_key = $a AND first_seq > $b", key, keptSeq);
        });

        using var connection = OpenForReading();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT idx, payload, crc FROM inputs WHERE host_key = $a AND idx > $b ORDER BY idx";
        command.Parameters.AddWithValue("$a", key);
        command.Parameters.AddWithValue("$b", after);
        using var reader = command.ExecuteReader();
        var expected = after + 1;
        while (reader.Read())
        {
            var index = reader.GetInt64(0);
            var payload = reader.GetFieldValue<byte[]>(1);
            string? problem = null;
            HostInput? input = null;
            if (index != expected)
            {
                problem = $"input {expected} is missing";
            }
            else if (StoragePayloads.Crc(payload) != (uint)reader.GetInt64(2))
            {
                problem = "checksum mismatch";
            }
            else
            {
                try
                {
                    input = GicJson.DeserializeInput(payload);
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException)
                {
                    problem = ex.Message;
                }
            }

            if (problem is not null)
            {
                StorageLog.CorruptInput(_logger, id, expected, problem, expected - 1);
                var from = expected;
                _ = SubmitRepair(context => context.Execute("DELETE FROM inputs WHERE host_key = $a AND idx >= $b", key, from));
                yield break;
            }

            yield return new StoredInput(index, input!);
            expected++;
        }
    }

    private async Task SubmitRepair(Action<WriteContext> repair)
    {
        try
        {
            await _writer.Submit(0, repair);
        }
        catch (StorageUnavailableException)
        {
            // Logged by the writer; recovery finds the same thing next time.
        }
    }

    /// <summary>Removes the data of deleted hosts in the background, in chunks; on a failing disk it retries for a while, since it is what frees space.</summary>
    private async Task PurgeAsync(IReadOnlyList<long> hostKeys)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                foreach (var key in hostKeys)
                {
                    await _writer.Submit(0, context =>
                    {
                        context.Execute("DELETE FROM snapshots WHERE host_key = $a", key);
                        context.Execute("DELETE FROM event_segments WHERE host_key = $a", key);
                    });

                    // Inputs go in chunks, so a large host does not hold up other hosts' commits.
                    var more = true;
                    while (more)
                    {
                        await _writer.Submit(PurgeChunk / 16, context =>
                            more = context.Execute(
                                "DELETE FROM inputs WHERE host_key = $a AND idx < (SELECT MIN(idx) FROM inputs WHERE host_key = $a) + $b", key, PurgeChunk) > 0);
                    }
                }

                StorageLog.Purged(_logger, hostKeys.Count);
                return;
            }
            catch (StorageUnavailableException) when (attempt < 30)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (StorageUnavailableException)
            {
                return; // logged by the writer; the next start purges what is left
            }
        }
    }

    // ---------------------------------------------------------------- one host's journal

    private sealed class Journal(SqliteHostStore store, HostConfiguration configuration, long? hostKey) : IHostJournal
    {
        private long _key = hostKey ?? 0;

        private long Key => _key != 0 ? _key : throw new InvalidOperationException($"Host '{configuration.Id}' is not stored yet.");

        public async Task CreateAsync()
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(configuration, GicJson.Options);
            long key = 0;
            await store._writer.Submit(0, context => key = (long)context.Command(
                    "INSERT INTO hosts(host_id, configuration, created) VALUES($a, $b, $c) RETURNING host_key",
                    configuration.Id, json, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))
                .ExecuteScalar()!);
            _key = key;
        }

        public Task AppendAsync(long firstIndex, IReadOnlyList<HostInput> inputs, IReadOnlyList<long> rejected)
        {
            var key = Key;
            var payloads = new byte[inputs.Count][];
            for (var i = 0; i < inputs.Count; i++)
            {
                payloads[i] = GicJson.SerializeInput(inputs[i]);
            }

            var marks = rejected.ToArray();
            return store._writer.Submit(inputs.Count, context =>
            {
                // Inputs follow the stored ones without a gap: after a failed write, the writes queued behind it fail too.
                if (firstIndex > 1 && context.Command("SELECT 1 FROM inputs WHERE host_key = $a AND idx = $b", key, firstIndex - 1).ExecuteScalar() is null)
                {
                    throw new WriteRefusedException($"An earlier write of host '{configuration.Id}' failed, so inputs from {firstIndex} on cannot follow it; nothing was applied.");
                }

                context.Execute("DELETE FROM inputs WHERE host_key = $a AND idx >= $b", key, firstIndex);
                for (var i = 0; i < payloads.Length; i++)
                {
                    context.Execute("INSERT INTO inputs(host_key, idx, payload, crc) VALUES($a, $b, $c, $d)",
                        key, firstIndex + i, payloads[i], (long)StoragePayloads.Crc(payloads[i]));
                }

                Mark(context, key, marks);
            });
        }

        public async Task SnapshotAsync(long inputIndex, HostSnapshot snapshot, IReadOnlyList<FabricEvent> events, IReadOnlyList<long> rejected)
        {
            var key = Key;
            var marks = rejected.ToArray();
            var (state, segment) = await Task.Run(() => (StoragePayloads.Compress(snapshot), events.Count == 0 ? null : StoragePayloads.Compress(events)));
            await store._writer.Submit(events.Count / 16, context =>
            {
                // A host deleted meanwhile stays deleted: nothing is stored for a key without its hosts row.
                context.Execute("INSERT OR REPLACE INTO snapshots(host_key, idx, event_seq, format, payload, crc) "
                    + "SELECT $a, $b, $c, $d, $e, $f WHERE EXISTS (SELECT 1 FROM hosts WHERE host_key = $a)",
                    key, inputIndex, snapshot.LastSeq, snapshot.Version, state, (long)StoragePayloads.Crc(state));
                if (segment is not null)
                {
                    context.Execute("INSERT OR REPLACE INTO event_segments(host_key, first_seq, last_seq, payload, crc) "
                        + "SELECT $a, $b, $c, $d, $e WHERE EXISTS (SELECT 1 FROM hosts WHERE host_key = $a)",
                        key, events[0].Seq, events[^1].Seq, segment, (long)StoragePayloads.Crc(segment));
                }

                // The latest two snapshots are kept: the older one serves if the newer is found damaged.
                context.Execute("DELETE FROM snapshots WHERE host_key = $a AND idx < (SELECT MAX(idx) FROM snapshots WHERE host_key = $a AND idx < $b)",
                    key, inputIndex);
                Mark(context, key, marks);
            });
        }

        public async Task DeleteAsync()
        {
            var key = Key;
            await store._writer.Submit(0, context => context.Execute("DELETE FROM hosts WHERE host_key = $a", key));
            _ = store.PurgeAsync([key]);
        }

        public async IAsyncEnumerable<JournalEntry> ReadAsync(long upTo, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var key = Key;
            using var connection = store.OpenForReading();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT idx, payload, crc, rejected FROM inputs WHERE host_key = $a AND idx <= $b ORDER BY idx";
            command.Parameters.AddWithValue("$a", key);
            command.Parameters.AddWithValue("$b", upTo);
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var expected = 1L;
            while (await reader.ReadAsync(cancellationToken))
            {
                var index = reader.GetInt64(0);
                var payload = reader.GetFieldValue<byte[]>(1);
                if (index != expected || StoragePayloads.Crc(payload) != (uint)reader.GetInt64(2))
                {
                    throw new InvalidDataException($"The journal of host '{configuration.Id}' is damaged at input {expected}.");
                }

                yield return new JournalEntry(index, payload, reader.GetInt64(3) != 0);
                expected++;
            }

            if (expected != upTo + 1)
            {
                throw new InvalidDataException($"The journal of host '{configuration.Id}' ends at input {expected - 1}, before {upTo}.");
            }
        }

        private static void Mark(WriteContext context, long key, long[] rejected)
        {
            foreach (var index in rejected)
            {
                context.Execute("UPDATE inputs SET rejected = 1 WHERE host_key = $a AND idx = $b", key, index);
            }
        }
    }
}
