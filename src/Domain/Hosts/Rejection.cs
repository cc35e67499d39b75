using GicService.Domain.Its;

namespace GicService.Domain.Hosts;

public enum RejectionKind
{
    /// <summary>A VM, vCPU or other named thing does not exist.</summary>
    NotFound,

    /// <summary>The request conflicts with the current state (a busy pCPU, a vCPU not running, a full queue).</summary>
    Conflict,

    /// <summary>Well formed, but outside what this host or VM allows.</summary>
    Unprocessable,

    /// <summary>Would take the host beyond one of its <see cref="HostLimits"/>, named by <see cref="Rejection.Limit"/>.</summary>
    LimitExceeded,
}

/// <summary>Why an input was refused. A refused input changes nothing and emits no event.</summary>
public sealed record Rejection(RejectionKind Kind, string Detail, Errno? Errno = null)
{
    /// <summary>The configuration name of the limit a <see cref="RejectionKind.LimitExceeded"/> rejection hit.</summary>
    public string? Limit { get; init; }

    public static Rejection LimitExceeded(string limit, string detail) => new(RejectionKind.LimitExceeded, detail) { Limit = limit };
}
