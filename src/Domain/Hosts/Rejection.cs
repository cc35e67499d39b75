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
}

/// <summary>Why an input was refused. A refused input changes nothing and emits no event.</summary>
public sealed record Rejection(RejectionKind Kind, string Detail, Errno? Errno = null);
