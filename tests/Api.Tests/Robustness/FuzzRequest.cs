namespace GicService.Api.Tests.Robustness;

/// <summary>
/// One generated HTTP request. <see cref="Path"/> and <see cref="Body"/> may hold placeholders the session
/// resolves when it sends: <c>{h}</c> the session's host, <c>{new}</c> an id no host has, <c>{trace}</c> the
/// session host's trace as <c>GET .../trace</c> answers it. <see cref="Latin1"/> sends the body encoded as
/// Latin-1, so characters above 0x7f become bytes that are not valid UTF-8.
/// </summary>
public sealed record FuzzRequest(string Route, string Method, string Path, string? Body, string? ContentType = "application/json", bool Latin1 = false)
{
    /// <summary>GETs and rejected requests must leave the host as it was.</summary>
    public bool IsRead => Method == "GET";

    public override string ToString()
    {
        var body = Body is null ? "" : Body.Length > 300 ? $" {Body[..300]}... ({Body.Length} chars)" : $" {Body}";
        var type = Body is null || ContentType == "application/json" ? "" : $" [{ContentType ?? "no content-type"}{(Latin1 ? ", latin-1" : "")}]";
        return $"{Method} {Path}{type}{body}";
    }
}

/// <summary>A host configuration to warm up, whether every request of the sample gets the full state comparison, and the requests.</summary>
public sealed record FuzzSample(string GicVersion, bool DirectLpi, bool FullCheck, FuzzRequest[] Requests)
{
    public override string ToString() =>
        $"host {GicVersion}{(DirectLpi ? " directLpi" : "")}{(FullCheck ? ", full state check" : "")}, {Requests.Length} requests:\n  " +
        string.Join("\n  ", Requests.Select((r, i) => $"[{i}] {r}"));
}
