namespace GicService.Infrastructure.Storage;

/// <summary>
/// The journal could not be written (full disk, unwritable data directory, I/O error): the operation was not
/// applied. The API answers 503 <c>/problems/storage-unavailable</c>.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
