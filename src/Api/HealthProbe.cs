namespace GicService.Api;

/// <summary>
/// The container's health check: <c>dotnet GicService.Api.dll --healthcheck URL</c> exits 0 when the URL
/// answers 2xx within 3 seconds (the runtime image has no curl).
/// </summary>
public static class HealthProbe
{
    public static async Task<int> RunAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
