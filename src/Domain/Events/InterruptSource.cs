namespace GicService.Domain.Events;

/// <summary>Where a pending interrupt lives: a software LPI in the virtual GIC, or a VLPI in the host GICv4.</summary>
public enum InterruptSource
{
    Lpi,
    Vlpi,
}
