using System.Globalization;
using System.Text;

namespace GicService.Api.Tests.Observability;

/// <summary>One scrape of <c>/metrics</c> (Prometheus text exposition format), parsed into samples.</summary>
public sealed class PrometheusText
{
    private PrometheusText(string text, List<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static async Task<PrometheusText> Scrape(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics: {(int)response.StatusCode} {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return Parse(text);
    }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ')
            {
                i++;
            }

            var name = line[..i];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    var eq = line.IndexOf('=', i);
                    var key = line[i..eq];
                    var value = new StringBuilder();
                    i = eq + 2; // past ="
                    while (line[i] != '"')
                    {
                        if (line[i] == '\\')
                        {
                            i++;
                            value.Append(line[i] == 'n' ? '\n' : line[i]);
                        }
                        else
                        {
                            value.Append(line[i]);
                        }

                        i++;
                    }

                    labels[key] = value.ToString();
                    i++; // closing quote
                    if (line[i] == ',')
                    {
                        i++;
                    }
                }

                i++;
            }

            var fields = line[i..].Trim().Split(' ');
            samples.Add(new Sample(name, labels, double.Parse(fields[0], CultureInfo.InvariantCulture)));
        }

        return new PrometheusText(text, samples);
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one given (0 if none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => Samples.Any(s => s.Name == name);
}
