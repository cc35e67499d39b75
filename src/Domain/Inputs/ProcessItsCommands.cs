using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Domain.Inputs;

/// <summary>
/// Place commands in the VM's command queue at GITS_CWRITER and advance it, as a guest driver does;
/// the ITS processes them at once when enabled. A structured MAPD with <see cref="QueuedCommand.AllocateItt"/>
/// gets an ITT the service places in guest RAM.
/// </summary>
public sealed record ProcessItsCommands(string VmId, IReadOnlyList<QueuedCommand> Commands) : HostInput<CommandsResult>;

/// <summary>One command to queue: 32 raw bytes, or a structured command (encoded by the codec).</summary>
public sealed record QueuedCommand(ItsCommand? Command, byte[]? Raw, bool AllocateItt = false);

/// <summary>The outcome of each queued command, in order (empty when the ITS is disabled and they wait), and CREADR after.</summary>
public sealed record CommandsResult(IReadOnlyList<ProcessedCommand> Results, bool Processed, ulong Creadr, ulong Cwriter);
