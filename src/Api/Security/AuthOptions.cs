using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace GicService.Api.Security;

/// <summary>Configuration section <c>Auth</c>: the API keys, or none (anonymous on loopback).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The keys callers present as <c>Authorization: Bearer &lt;key&gt;</c>. None: anonymous access (see <see cref="AllowAnonymous"/>).</summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>With no keys, anonymous callers are let in only on loopback unless this is set on purpose.</summary>
    public bool AllowAnonymous { get; set; }

    public bool HasKeys => Keys.Count > 0;
}

/// <summary>One entry of <c>Auth:Keys</c>.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key itself. Prefer <see cref="KeyHash"/> so configuration never holds it in clear.</summary>
    public string? Key { get; set; }

    /// <summary><c>sha256:&lt;64 hex digits&gt;</c>, the SHA-256 of the key's UTF-8 bytes (<c>printf %s KEY | sha256sum</c>).</summary>
    public string? KeyHash { get; set; }

    /// <summary>A name for logs and metrics, never the key; defaults to <c>key{n}</c>.</summary>
    public string? Name { get; set; }

    /// <summary><c>reader</c>, <c>operator</c> or <c>admin</c>.</summary>
    public string? Role { get; set; }

    /// <summary>The host ids the key may touch; empty means every host.</summary>
    public List<string> Hosts { get; set; } = [];

    public const string HashPrefix = "sha256:";

    /// <summary>The hex SHA-256 this entry matches, from <see cref="Key"/> or <see cref="KeyHash"/>.</summary>
    internal string Digest() => Key is { } key ? Hash(key) : KeyHash![HashPrefix.Length..].ToLowerInvariant();

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>Refuses to start with keys that could never work or that would let the wrong caller in.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <summary>A shorter key could be guessed; 16 characters of a random key are well beyond that.</summary>
    public const int MinKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var digests = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < options.Keys.Count; n++)
        {
            var key = options.Keys[n];
            var at = $"Auth:Keys:{n}";
            if (key.Key is null == key.KeyHash is null)
            {
                failures.Add($"{at} needs exactly one of Key or KeyHash.");
                continue;
            }

            if (key.Key is { } clear && clear.Length < MinKeyLength)
            {
                failures.Add($"{at}:Key must be at least {MinKeyLength} characters.");
            }

            if (key.KeyHash is { } hash && !IsSha256(hash))
            {
                failures.Add($"{at}:KeyHash must be '{ApiKeyOptions.HashPrefix}' followed by 64 hex digits.");
                continue;
            }

            if (!GicRoles.IsRole(key.Role))
            {
                failures.Add($"{at}:Role must be one of {string.Join(", ", GicRoles.All)} (got '{key.Role}').");
            }

            if (key.Hosts.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{at}:Hosts must not hold empty host ids.");
            }

            if (!digests.Add(key.Digest()))
            {
                failures.Add($"{at} repeats a key given earlier.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsSha256(string hash) =>
        hash.StartsWith(ApiKeyOptions.HashPrefix, StringComparison.Ordinal)
        && hash.Length == ApiKeyOptions.HashPrefix.Length + 64
        && hash.AsSpan(ApiKeyOptions.HashPrefix.Length).ContainsAnyExcept("0123456789abcdefABCDEF") is false;
}
