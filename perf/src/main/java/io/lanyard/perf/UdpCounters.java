package io.lanyard.perf;

import java.time.Duration;
import java.util.List;

/**
 * The receiving namespace's own UDP counters ({@code Udp:} in {@code /proc/net/snmp}, read with
 * {@code nsenter --net=NETNS cat /proc/net/snmp}, since {@code /proc/net} shows the reader's
 * namespace): datagrams its sockets took in, and those dropped because the socket's receive
 * buffer was full. Read the same way on every side, they tell a switch that delivered a
 * datagram the receiver had no time to read from one that never delivered it.
 */
record UdpCounters(long inDatagrams, long receiveBufferErrors)
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The counters of {@code netns} now; fails the run if they cannot be read. */
    static UdpCounters read(final Workspace workspace, final String netns)
    {
        final List<String> command = Workspace.inNamespace(netns, List.of("cat", "/proc/net/snmp"));
        final Exec.Result result = workspace.run(command, TIMEOUT);
        if (!result.ok())
        {
            throw new PerfException(result.describe());
        }
        return parse(result.stdout());
    }

    /**
     * Reads {@code InDatagrams} and {@code RcvbufErrors} from the {@code Udp:} pair of lines
     * (names, then values) of {@code /proc/net/snmp}.
     *
     * @throws PerfException when the pair or either counter is missing.
     */
    static UdpCounters parse(final String snmp)
    {
        String[] names = null;
        for (final String line : snmp.split("\n"))
        {
            if (!line.startsWith("Udp: "))
            {
                continue;
            }
            final String[] fields = line.trim().split("\\s+");
            if (names == null)
            {
                names = fields;
                continue;
            }
            return new UdpCounters(field(names, fields, "InDatagrams"), field(names, fields, "RcvbufErrors"));
        }
        throw new PerfException("/proc/net/snmp has no Udp: names and values");
    }

    /** What happened between {@code before} and this. */
    UdpCounters since(final UdpCounters before)
    {
        return new UdpCounters(inDatagrams - before.inDatagrams, receiveBufferErrors - before.receiveBufferErrors);
    }

    private static long field(final String[] names, final String[] values, final String name)
    {
        for (int i = 1; i < names.length && i < values.length; i++)
        {
            if (names[i].equals(name))
            {
                return Long.parseLong(values[i]);
            }
        }
        throw new PerfException("/proc/net/snmp's Udp: lines have no " + name);
    }
}
