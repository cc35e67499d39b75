namespace GicService.Infrastructure.Storage;

/// <summary>Whether the last write to storage succeeded; what /healthz reports for storage.</summary>
public sealed class StorageHealth
{
    private volatile State _state = new(true, "no write attempted yet", null);

    public bool Healthy => _state.Healthy;

    public string Description => _state.Description;

    public DateTimeOffset? FailingSince => _state.FailingSince;

    internal void Succeeded(string description)
    {
        if (!_state.Healthy || _state.Description != description)
        {
            _state = new State(true, description, null);
        }
    }

    internal void Failed(string description) => _state = new State(false, description, _state.FailingSince ?? DateTimeOffset.UtcNow);

    private sealed record State(bool Healthy, string Description, DateTimeOffset? FailingSince);
}
