using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Security;

/// <summary>
/// The service on Kestrel with four keys: a reader of every host, an operator and an admin limited to
/// <see cref="InScope"/>, and an admin of every host configured by its hash only. <see cref="OutOfScope"/> exists too.
/// </summary>
public sealed class SecuredService : IAsyncLifetime
{
    public const string ReaderKey = "reader-key-0000000001";
    public const string OperatorKey = "operator-key-00000002";
    public const string AdminKey = "admin-key-000000000003";
    public const string ScopedAdminKey = "scoped-admin-key-00004";
    public const string InScope = "h-in";
    public const string OutOfScope = "h-out";
    public const string NewInScope = "h-new";

    public KestrelGicServiceFactory Factory { get; } = KestrelGicServiceFactory.WithSettings(new Dictionary<string, string?>
    {
        ["Auth:Keys:0:Key"] = ReaderKey,
        ["Auth:Keys:0:Role"] = "reader",
        ["Auth:Keys:1:Key"] = OperatorKey,
        ["Auth:Keys:1:Role"] = "operator",
        ["Auth:Keys:1:Hosts:0"] = InScope,
        ["Auth:Keys:2:KeyHash"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminKey))),
        ["Auth:Keys:2:Role"] = "admin",
        ["Auth:Keys:2:Name"] = "root",
        ["Auth:Keys:3:Key"] = ScopedAdminKey,
        ["Auth:Keys:3:Role"] = "admin",
        ["Auth:Keys:3:Hosts:0"] = InScope,
        ["Auth:Keys:3:Hosts:1"] = NewInScope,
    });

    public HttpClient Client(string? key)
    {
        var client = Factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public async Task InitializeAsync()
    {
        var admin = new GicClient(Client(AdminKey));
        await admin.Post("/api/hosts", new { id = InScope, pcpus = 4 }, System.Net.HttpStatusCode.Created);
        await admin.Post("/api/hosts", new { id = OutOfScope, pcpus = 4 }, System.Net.HttpStatusCode.Created);
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}
