namespace GicService.Browser.Tests.Support;

/// <summary>The dashboard's service with API keys configured: a reader's and an admin's.</summary>
public sealed class KeyedDashboardServiceFactory : DashboardServiceFactory
{
    public const string ReaderKey = "dashboard-reader-key-01";
    public const string AdminKey = "dashboard-admin-key-002";

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:Keys:0:Key"] = ReaderKey,
        ["Auth:Keys:0:Role"] = "reader",
        ["Auth:Keys:1:Key"] = AdminKey,
        ["Auth:Keys:1:Role"] = "admin",
    };
}
