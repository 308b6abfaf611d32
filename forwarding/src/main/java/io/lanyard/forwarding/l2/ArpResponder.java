package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.reply.ArpWriter;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;

/**
 * Answers, in place, a broadcast ARP request for an address the control plane gave a port under
 * port security, with that port's MAC, as Open Virtual Network answers for its known logical
 * ports: the request is not flooded to every port of the network.
 *
 * <p>Why: a flood is written port by port, and each write to a TAP runs the receiving
 * namespace's ARP processing on the writing thread. With 1,000 sandboxes on one network the
 * request reached the last port 5-9 ms after the first (first pings of 1.7-9.2 ms, against
 * 0.06-0.2 ms once resolved); answered here, it is one reply written back to the asker.
 *
 * <p>Only ports held to their address (a secured sandbox port sends as nothing else, so the
 * answer is the one its owner would give) are answered for. Left to the switch: requests that
 * are not broadcast (a unicast request revalidates a cache entry, and must reach the station to
 * prove it is there), gratuitous ARP and address probes (sender 0.0.0.0, or asking for the
 * sender's own address), and a port's request for its own address.
 *
 * <p>Single-threaded, like the switch (the forwarding stage adds and removes ports between
 * batches); {@link #answer} does not allocate.
 */
public final class ArpResponder
{
    private static final long MISSING = -1L;
    private static final int PORT_SHIFT = 48;
    private static final long MAC_MASK = (1L << PORT_SHIFT) - 1;

    /** (domain, IPv4) → (port << 48 | MAC). */
    private final Long2LongHashMap stations = new Long2LongHashMap(MISSING);
    /** Port → its keys in {@link #stations}, to forget when it detaches. */
    private final long[][] keysOfPort;
    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private long answered;

    public ArpResponder(final int maxPorts)
    {
        this.keysOfPort = new long[maxPorts][];
    }

    /**
     * Answers for {@code addresses} of {@code port} in {@code domain} with {@code mac}, replacing
     * what the port was answered for before.
     */
    public void add(final int port, final int domain, final long mac, final int[] addresses)
    {
        remove(port);
        final long[] keys = new long[addresses.length];
        for (int i = 0; i < addresses.length; i++)
        {
            keys[i] = key(domain, addresses[i]);
            stations.put(keys[i], ((long)port << PORT_SHIFT) | (mac & MAC_MASK));
        }
        keysOfPort[port] = keys;
    }

    /** Stops answering for the port (it detached, or lost port security). */
    public void remove(final int port)
    {
        final long[] keys = keysOfPort[port];
        if (keys == null)
        {
            return;
        }
        for (final long key : keys)
        {
            final long value = stations.get(key);
            if (value != MISSING && (int)(value >>> PORT_SHIFT) == port)
            {
                stations.remove(key);
            }
        }
        keysOfPort[port] = null;
    }

    /**
     * Rewrites a broadcast ARP request of {@code domain}, read from {@code ingressPort}, for an
     * address answered for here into its reply, to go back out of the ingress port.
     *
     * @return true when the frame now holds the reply; false, with the frame unchanged, otherwise.
     */
    public boolean answer(final int domain, final int ingressPort, final MutableDirectBuffer buffer, final int offset,
        final int length)
    {
        if (stations.isEmpty())
        {
            return false;
        }
        frame.wrap(buffer, offset, length);
        if (!frame.isValid() || frame.etherType() != EthernetFrame.ETHER_TYPE_ARP || frame.destination() != MacAddress.BROADCAST)
        {
            return false;
        }
        arp.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
        if (!arp.isValid() || arp.operation() != ArpPacket.OPERATION_REQUEST)
        {
            return false;
        }
        final int target = arp.targetProtocol();
        final int sender = arp.senderProtocol();
        if (sender == 0 || sender == target)
        {
            return false;
        }
        final long station = stations.get(key(domain, target));
        if (station == MISSING || (int)(station >>> PORT_SHIFT) == ingressPort)
        {
            return false;
        }
        ArpWriter.reply(frame, arp, station & MAC_MASK, target);
        answered++;
        return true;
    }

    /** Requests answered since this responder was made. */
    public long answered()
    {
        return answered;
    }

    /** How many addresses are answered for. */
    public int size()
    {
        return stations.size();
    }

    private static long key(final int domain, final int address)
    {
        return ((long)domain << 32) | (address & 0xFFFF_FFFFL);
    }
}
