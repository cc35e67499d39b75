using System.Net;

namespace GicService.Api.Tests.Support;

/// <summary>
/// The same service on a real Kestrel bound to 127.0.0.1 on a free port, for clients that need a socket
/// (the .NET SignalR client over WebSockets, a browser). <see cref="BaseAddress"/> is where it listens.
/// </summary>
public class KestrelGicServiceFactory : GicServiceFactory
{
    public KestrelGicServiceFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>The service with extra configuration (<see cref="GicServiceFactory.Settings"/>), started at once.</summary>
    public static KestrelGicServiceFactory WithSettings(IReadOnlyDictionary<string, string?> settings) => new(settings);

    // Not public: xunit wants one public constructor on a class fixture.
    protected KestrelGicServiceFactory(IReadOnlyDictionary<string, string?> settings)
    {
        Settings = settings;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;
}
