using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// The one writer of the database, on its own thread. Group commit: every write waiting when a
/// transaction starts (of any host, up to <see cref="StorageOptions.MaxBatchInputs"/> inputs) goes into
/// that one transaction, so one sync of the WAL covers them all; writes arriving meanwhile wait for the
/// next. A write completes only after its transaction committed; if the transaction fails, every write
/// in it fails with <see cref="StorageUnavailableException"/> and none is stored.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly Channel<WriteOperation> _operations = Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<SqliteConnection> _open;
    private readonly StorageHealth _health;
    private readonly ILogger _logger;
    private readonly int _maxBatchInputs;
    private readonly StorageMetrics? _metrics;
    private readonly Thread _thread;
    private SqliteConnection? _connection;
    private Dictionary<string, SqliteCommand>? _commands;
    private volatile string? _refusal;
    private long _commits;

    public SqliteWriter(Func<SqliteConnection> open, StorageHealth health, ILogger logger, int maxBatchInputs, StorageMetrics? metrics = null)
    {
        _metrics = metrics;
        _open = open;
        _health = health;
        _logger = logger;
        _maxBatchInputs = maxBatchInputs;
        _thread = new Thread(Run) { IsBackground = true, Name = "GicService storage writer" };
        _thread.Start();
    }

    /// <summary>Transactions committed so far (group commit makes this much smaller than the writes).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Refuse every write from now on, with this reason (storage could not be read at start).</summary>
    public void Refuse(string reason) => _refusal = reason;

    public Task Submit(int inputs, Action<WriteContext> execute)
    {
        var operation = new WriteOperation(inputs, execute);
        if (!_operations.Writer.TryWrite(operation))
        {
            operation.Fail(new StorageUnavailableException("The service is stopping; nothing was written."));
        }

        return operation.Task;
    }

    public void Dispose()
    {
        _operations.Writer.TryComplete();
        _thread.Join();
        CloseConnection();
    }

    private void Run()
    {
        var batch = new List<WriteOperation>();
        while (_operations.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            var inputs = 0;
            while (inputs < _maxBatchInputs && _operations.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
                inputs += operation.Inputs;
            }

            Commit(batch);
        }
    }

    /// <summary>
    /// Commits the batch in one transaction. If it fails, each write is tried again alone, so one write that
    /// cannot be stored (a large input on a full disk, an input whose predecessor is missing) does not take
    /// down its neighbours (the deletion that would free the space, another host's inputs).
    /// </summary>
    private void Commit(List<WriteOperation> batch)
    {
        if (TimedCommit(batch) is not { } failure)
        {
            Succeeded(batch);
            return;
        }

        if (batch.Count > 1 && _refusal is null)
        {
            foreach (var operation in batch)
            {
                Commit([operation]);
            }

            return;
        }

        if (failure is not WriteRefusedException)
        {
            var inputs = batch.Sum(o => o.Inputs);
            if (_health.Healthy)
            {
                StorageLog.WriteFailed(_logger, failure, batch.Count, inputs);
            }
            else
            {
                StorageLog.WriteStillFailing(_logger, batch.Count, inputs, failure.Message);
            }

            _health.Failed(failure is StorageUnavailableException ? failure.Message : $"Storage cannot be written: {failure.Message}");
        }

        var exception = failure switch
        {
            StorageUnavailableException unavailable => unavailable,
            WriteRefusedException refused => new StorageUnavailableException(refused.Message),
            _ => new StorageUnavailableException($"Storage cannot be written: {failure.Message}. Nothing was applied.", failure),
        };
        foreach (var operation in batch)
        {
            operation.Fail(exception);
        }
    }

    private Exception? TimedCommit(List<WriteOperation> batch)
    {
        if (_metrics is null)
        {
            return TryCommit(batch);
        }

        var start = Stopwatch.GetTimestamp();
        var failure = TryCommit(batch);
        var inputs = 0;
        foreach (var operation in batch)
        {
            inputs += operation.Inputs;
        }

        _metrics.Commit(Stopwatch.GetElapsedTime(start), inputs, committed: failure is null);
        return failure;
    }

    private Exception? TryCommit(List<WriteOperation> batch)
    {
        try
        {
            if (_refusal is { } refusal)
            {
                throw new StorageUnavailableException(refusal);
            }

            _connection ??= _open();
            _commands ??= new Dictionary<string, SqliteCommand>(StringComparer.Ordinal);
            using (var transaction = _connection.BeginTransaction())
            {
                var context = new WriteContext(_connection, transaction, _commands);
                foreach (var operation in batch)
                {
                    operation.Execute(context);
                }

                transaction.Commit();
            }

            Interlocked.Increment(ref _commits);
            return null;
        }
        catch (WriteRefusedException ex)
        {
            return ex; // rolled back when disposed; the connection is fine
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or StorageUnavailableException or InvalidOperationException)
        {
            // The transaction rolled back when disposed; a connection in doubt is reopened for the next write.
            CloseConnection();
            return ex;
        }
    }

    private void Succeeded(List<WriteOperation> batch)
    {
        if (!_health.Healthy)
        {
            StorageLog.WritesResumed(_logger);
        }

        _health.Succeeded("the last write succeeded");
        foreach (var operation in batch)
        {
            operation.Complete();
        }
    }

    private void CloseConnection()
    {
        if (_commands is not null)
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _commands = null;
        }

        _connection?.Dispose();
        _connection = null;
    }

    private sealed class WriteOperation(int inputs, Action<WriteContext> execute)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Inputs { get; } = Math.Max(1, inputs);

        public Task Task => _done.Task;

        public void Execute(WriteContext context) => execute(context);

        public void Complete() => _done.TrySetResult();

        public void Fail(Exception exception) => _done.TrySetException(exception);
    }
}

/// <summary>The open transaction a write runs in, with statements prepared once per connection.</summary>
internal sealed class WriteContext(SqliteConnection connection, SqliteTransaction transaction, Dictionary<string, SqliteCommand> commands)
{
    /// <summary>The prepared command for <paramref name="sql"/>, whose parameters are $a, $b, ... in order of <paramref name="values"/>.</summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<object?> values)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter($"${(char)('a' + i)}", null));
            }

            commands[sql] = command;
        }

        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }

    public int Execute(string sql, params ReadOnlySpan<object?> values) => Command(sql, values).ExecuteNonQuery();
}

/// <summary>A write refused by its own precondition (nothing wrong with storage): it fails alone, and nothing it holds is stored.</summary>
internal sealed class WriteRefusedException(string message) : Exception(message);
