using System.Net;
using System.Net.Sockets;

namespace GridServer.Tests.Support;

/// <summary>
/// Loopback ports for silos started by tests. Each silo needs its own silo and gateway port: the defaults
/// (11111, 30000) collide with any other silo on the machine, and xunit runs test classes in parallel.
/// </summary>
public static class FreePorts
{
    // Ports handed out in this test run: the OS may offer a released port again before the silo binds it.
    private static readonly HashSet<int> Given = [];

    /// <summary>A port that was free on 127.0.0.1 just now and that no other caller in this process got.</summary>
    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Given.Add(port)) return port;
            }
        }
    }
}
