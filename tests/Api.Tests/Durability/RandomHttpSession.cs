using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Durability;

/// <summary>
/// A long random harness session over HTTP that reaches every kind of host input: VMs created and deleted,
/// ITS and redistributor registers, guest memory, command batches (structured, raw, ITT-placing MAPD), LPI
/// configuration, MSIs, save/restore/reset, vCPU scheduling and acknowledges, VFIO functions, MSI-X
/// programming and triggers, forwardings. Ids come from small ranges so requests collide and many are
/// refused, as a real session's are. Requests are well formed: any 4xx is the host refusing, never the edge.
/// </summary>
public sealed class RandomHttpSession(HttpClient http, string hostId, int seed)
{
    private readonly Random _random = new(seed);
    private readonly string _host = $"/api/hosts/{hostId}";
    private string _translater = "0x1000010040";

    private static readonly string[] ItsRegisters = ["GITS_CTLR", "GITS_CBASER", "GITS_CWRITER", "GITS_CREADR", "GITS_BASER0", "GITS_BASER1", "GITS_IIDR"];
    private static readonly string[] RdRegisters = ["GICR_CTLR", "GICR_PROPBASER", "GICR_PENDBASER", "GICR_INVLPIR", "GICR_INVALLR", "GICR_SYNCR"];

    /// <summary>The warm-up: vm1 ready with devices 0-3 mapped, collections on every vCPU, dev1 forwarded to it, vCPUs 0-2 running.</summary>
    public async Task WarmUpAsync()
    {
        var vm = await SendAsync(HttpMethod.Post, $"{_host}/vms", new { id = "vm1", vcpus = 4, memoryMiB = 16 });
        _translater = (string)vm!["translaterAddress"]!;
        await SendAsync(HttpMethod.Post, $"{_host}/vms", new { id = "vm2", vcpus = 2, memoryMiB = 8, setup = "bare" });
        var commands = new List<object>();
        for (uint d = 0; d < 4; d++)
        {
            commands.Add(new { op = "MAPD", deviceId = d, size = 2, valid = true });
            commands.Add(new { op = "MAPC", collectionId = d, rdBase = d, valid = true });
            for (uint e = 0; e < 4; e++)
            {
                commands.Add(new { op = "MAPTI", deviceId = d, eventId = e, intId = 8192 + (d * 4 + e) % 12, collectionId = e });
            }
        }

        await SendAsync(HttpMethod.Post, $"{_host}/vms/vm1/its/commands", new { commands });
        await SendAsync(HttpMethod.Post, $"{_host}/vfio/devices", new { id = "dev1", bdf = "0000:01:00.0", vectors = 4, vmId = "vm1", guestDeviceId = 1 });
        for (var v = 0; v < 4; v++)
        {
            await SendAsync(HttpMethod.Put, $"{_host}/vfio/devices/dev1/msix/{v}", new { address = _translater, data = v, masked = false });
        }

        for (var v = 0; v < 3; v++)
        {
            await SendAsync(HttpMethod.Post, $"{_host}/vms/vm1/vcpus/{v}/load", new { pcpu = v });
        }
    }

    public async Task RunAsync(int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            await NextAsync();
        }
    }

    private async Task NextAsync()
    {
        var vm = Pick(("vm1", 10), ("vm2", 3), ("vm3", 1));
        var prefix = $"{_host}/vms/{vm}";
        var vcpu = Pick((0, 3), (1, 3), (2, 3), (3, 3), (7, 1));
        switch (_random.Next(100))
        {
            case < 1:
                await SendAsync(HttpMethod.Post, $"{_host}/vms", new { id = Pick(("vm2", 2), ("vm3", 2), ("vm1", 1)), vcpus = _random.Next(1, 5), memoryMiB = Pick((8, 1), (16, 1)), setup = Pick(("ready", 1), ("bare", 1)) });
                break;
            case < 2:
                await SendAsync(HttpMethod.Delete, $"{_host}/vms/{Pick(("vm2", 6), ("vm3", 3), ("vm1", 1))}");
                break;
            case < 6:
                var register = ItsRegisters[_random.Next(ItsRegisters.Length)];
                var value = register switch
                {
                    "GITS_CTLR" => Pick(("0x0", 1), ("0x1", 3)),
                    "GITS_IIDR" => Pick(("0x0", 1), ("0x1000", 1)),
                    "GITS_CWRITER" or "GITS_CREADR" => Pick(("0x0", 1), ("0x20", 1), ("0x40", 1)),
                    _ => Pick(("0x0", 1), ("0xb800000000010000", 1), ("0xb800000000010007", 1), ("0x8000000000100007", 1)),
                };
                await SendAsync(HttpMethod.Put, $"{prefix}/its/registers/{register}", new { value, userspace = _random.Next(6) == 0 });
                break;
            case < 10:
                await SendAsync(HttpMethod.Put, $"{prefix}/vcpus/{vcpu}/redistributor/{RdRegisters[_random.Next(RdRegisters.Length)]}",
                    new { value = Pick(("0x0", 1), ("0x1", 3), ($"0x{8192 + _random.Next(12):x}", 2)) });
                break;
            case < 12:
                await SendAsync(HttpMethod.Put, $"{prefix}/memory/0x{0x210000 + _random.Next(4) * 0x10000 + 1024 + _random.Next(2):x}",
                    new { hex = Convert.ToHexStringLower(Bytes(_random.Next(1, 4))) });
                break;
            case < 42:
                await SendAsync(HttpMethod.Post, $"{prefix}/its/commands", new { commands = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Command()).ToList() });
                break;
            case < 46:
                await SendAsync(HttpMethod.Put, $"{prefix}/lpis/{8192 + _random.Next(12)}/config", new { enabled = _random.Next(4) != 0, priority = _random.Next(256) });
                break;
            case < 56:
                await SendAsync(HttpMethod.Post, $"{prefix}/msi", new { deviceId = _random.Next(4), eventId = _random.Next(5) });
                break;
            case < 59:
                await SendAsync(HttpMethod.Post, $"{prefix}/its/{Pick(("save", 3), ("restore", 3), ("reset", 1))}");
                break;
            case < 63:
                await SendAsync(HttpMethod.Post, $"{prefix}/vcpus/{vcpu}/load", new { pcpu = _random.Next(4) });
                break;
            case < 72:
                await SendAsync(HttpMethod.Post, $"{prefix}/vcpus/{vcpu}/{Pick(("put", 1), ("block", 1), ("unblock", 1))}");
                break;
            case < 80:
                await SendAsync(HttpMethod.Post, $"{prefix}/vcpus/{vcpu}/ack");
                break;
            case < 81:
                await SendAsync(HttpMethod.Post, $"{_host}/vfio/devices",
                    new { id = Pick(("dev2", 2), ("dev1", 1)), bdf = Pick(("0000:02:00.0", 2), ("0000:01:00.0", 1)), vectors = _random.Next(1, 5), vmId = vm, guestDeviceId = _random.Next(4) });
                break;
            case < 85:
                await SendAsync(HttpMethod.Put, $"{_host}/vfio/devices/{Pick(("dev1", 4), ("dev2", 2))}/msix/{_random.Next(5)}",
                    new { address = Pick((_translater, 6), ("0x1000", 1)), data = _random.Next(4), masked = _random.Next(6) == 0 });
                break;
            case < 93:
                await SendAsync(HttpMethod.Post, $"{_host}/vfio/devices/{Pick(("dev1", 4), ("dev2", 2))}/msix/{_random.Next(5)}/trigger");
                break;
            case < 96:
                await SendAsync(HttpMethod.Post, $"{prefix}/forwardings",
                    new { hostIrq = 64 + _random.Next(10), route = new { address = _translater, data = _random.Next(4), deviceId = _random.Next(4) } });
                break;
            default:
                await SendAsync(HttpMethod.Delete, $"{prefix}/forwardings/{64 + _random.Next(10)}");
                break;
        }
    }

    private object Command()
    {
        var device = (uint)_random.Next(4);
        var ev = (uint)_random.Next(5);
        return _random.Next(16) switch
        {
            0 => new { op = "MAPD", deviceId = device, size = Pick((1u, 1), (2u, 1), (4u, 1)), valid = _random.Next(5) != 0 },
            1 or 2 => new { op = "MAPC", collectionId = (uint)_random.Next(4), rdBase = $"0x{_random.Next(5):x}", valid = _random.Next(8) != 0 },
            3 or 4 or 5 => new { op = "MAPTI", deviceId = device, eventId = ev, intId = (uint)(8192 + _random.Next(12)), collectionId = (uint)_random.Next(4) },
            6 => new { op = "MOVI", deviceId = device, eventId = ev, collectionId = (uint)_random.Next(4) },
            7 => new { op = "MOVALL", rdBase = $"0x{_random.Next(4):x}", rdBase2 = $"0x{_random.Next(4):x}" },
            8 or 9 => new { op = "INT", deviceId = device, eventId = ev },
            10 => new { op = "CLEAR", deviceId = device, eventId = ev },
            11 => new { op = "INV", deviceId = device, eventId = ev },
            12 => new { op = "INVALL", collectionId = (uint)_random.Next(4) },
            13 => new { op = "DISCARD", deviceId = device, eventId = ev },
            14 => new { op = "SYNC", rdBase = "0x0" },
            _ => (object)new { raw = $"03000000{device:x2}000000{ev:x2}000000" + new string('0', 40) },
        };
    }

    private T Pick<T>(params (T Value, int Weight)[] choices)
    {
        var roll = _random.Next(choices.Sum(c => c.Weight));
        foreach (var (value, weight) in choices)
        {
            if ((roll -= weight) < 0)
            {
                return value;
            }
        }

        throw new InvalidOperationException();
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private async Task<JsonNode?> SendAsync(HttpMethod method, string route, object? body = null)
    {
        using var request = new HttpRequestMessage(method, route) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is not HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError,
            $"{method} {route}: {(int)response.StatusCode} {text}");
        return text.Length > 0 ? JsonNode.Parse(text) : null;
    }
}
