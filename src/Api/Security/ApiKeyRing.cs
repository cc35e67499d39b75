using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace GicService.Api.Security;

/// <summary>
/// A configured key as the service holds it: only its digest, and the principal it stands for. The principal is
/// built once and shared by every request made with the key; nothing in the pipeline adds to it.
/// </summary>
public sealed record ApiKey(string Name, string Role, ClaimsPrincipal Principal)
{
    /// <summary>The rate limiter's partition for this key's requests, built once.</summary>
    public string RatePartition { get; } = "key:" + Name;
}

/// <summary>
/// The configured keys, indexed by the SHA-256 of the key, so no key is kept in clear and a lookup costs one
/// hash of what the caller presented (a digest lookup leaks nothing usable about a key through timing).
/// </summary>
public sealed class ApiKeyRing
{
    private readonly Dictionary<string, ApiKey> _byDigest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ApiKey>.AlternateLookup<ReadOnlySpan<char>> _byDigestSpan;

    public ApiKeyRing(IOptions<AuthOptions> options)
    {
        var auth = options.Value;
        AllowAnonymous = auth.AllowAnonymous;
        for (var n = 0; n < auth.Keys.Count; n++)
        {
            var entry = auth.Keys[n];
            var key = Create(entry.Name ?? $"key{n}", entry.Role!, entry.Hosts);
            _byDigest.Add(entry.Digest(), key);
        }

        _byDigestSpan = _byDigest.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Who an anonymous caller is when anonymous access is allowed: an admin of every host.</summary>
    public static ApiKey Anonymous { get; } = Create("anonymous", GicRoles.Admin, []);

    public bool HasKeys => _byDigest.Count > 0;

    public bool AllowAnonymous { get; }

    /// <summary>The key whose digest is that of <paramref name="presented"/>; hashes on the stack, allocating nothing.</summary>
    public ApiKey? Find(ReadOnlySpan<char> presented)
    {
        const int MaxStackKey = 256;
        var byteCount = Encoding.UTF8.GetMaxByteCount(presented.Length);
        var large = byteCount > MaxStackKey ? new byte[byteCount] : null; // a key that long is no key of ours
        var utf8 = large ?? stackalloc byte[MaxStackKey];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        Convert.TryToHexStringLower(digest, hex, out _);
        return _byDigestSpan.TryGetValue(hex, out var key) ? key : null;
    }

    private static ApiKey Create(string name, string role, IReadOnlyList<string> hosts)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        claims.AddRange(GicRoles.Implied(role).Select(r => new Claim(ClaimTypes.Role, r)));
        if (hosts.Count > 0)
        {
            claims.Add(new Claim(HostScope.ScopedClaimType, "true"));
            claims.AddRange(hosts.Select(h => new Claim(HostScope.ClaimType, h)));
        }

        var identity = new ClaimsIdentity(claims, ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return new ApiKey(name, role, new ClaimsPrincipal(identity));
    }
}
