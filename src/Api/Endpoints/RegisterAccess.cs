using GicService.Api.Json;
using GicService.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

/// <summary>Resolves a register write request into one MMIO access: offset in the register (0 or 4), length (4 or 8) and value.</summary>
public static class RegisterAccess
{
    public readonly record struct Access(int Offset, int Length, ulong Value);

    public static ValidationProblem? TryResolve(Hex? value, int? width, bool? upper, int registerWidthBytes, out Access access)
    {
        access = default;
        if (value is not { } v)
        {
            return ApiProblems.Invalid("value", "is required");
        }

        var bits = width ?? registerWidthBytes * 8;
        if (bits is not (32 or 64) || bits > registerWidthBytes * 8)
        {
            return ApiProblems.Invalid("width", registerWidthBytes == 4 ? "this is a 32-bit register: width must be 32" : "must be 32 or 64");
        }

        if (upper == true && bits != 32)
        {
            return ApiProblems.Invalid("upper", "only a 32-bit access to a 64-bit register can target the upper half");
        }

        if (bits == 32 && v.Value > uint.MaxValue)
        {
            return ApiProblems.Invalid("value", "does not fit a 32-bit access");
        }

        access = new Access(upper == true && registerWidthBytes == 8 ? 4 : 0, bits / 8, v.Value);
        return null;
    }
}
