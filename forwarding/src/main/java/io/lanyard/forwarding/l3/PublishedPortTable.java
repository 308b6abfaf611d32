package io.lanyard.forwarding.l3;

import org.agrona.collections.Int2IntHashMap;

import java.util.Arrays;

/**
 * The ports published on the uplink address: (protocol, host port) → the container address,
 * port and MAC, and its domain, that new flows to it are translated to.
 *
 * <p>Entries live in parallel arrays at dense indexes, found through one primitive map from the
 * packed key; a removal moves the last entry into the hole, so the arrays stay dense. Publishing
 * (between batches) may grow the arrays; a lookup (per frame) allocates nothing. Single-threaded.
 */
final class PublishedPortTable
{
    /** {@link #find} of a port not published. */
    static final int NOT_PUBLISHED = -1;

    private final Int2IntHashMap indexByKey = new Int2IntHashMap(256, 0.6f, NOT_PUBLISHED);
    private int[] keys = new int[16];
    private int[] domains = new int[16];
    private int[] addresses = new int[16];
    private int[] ports = new int[16];
    private long[] macs = new long[16];
    private int size;

    /** New flows to {@code hostPort}/{@code protocol} go to {@code address:port} at {@code mac} in {@code domain}. */
    void publish(final int protocol, final int hostPort, final int domain, final int address, final int port, final long mac)
    {
        final int key = key(protocol, hostPort);
        int index = indexByKey.get(key);
        if (index == NOT_PUBLISHED)
        {
            index = size++;
            if (index == keys.length)
            {
                keys = Arrays.copyOf(keys, index * 2);
                domains = Arrays.copyOf(domains, index * 2);
                addresses = Arrays.copyOf(addresses, index * 2);
                ports = Arrays.copyOf(ports, index * 2);
                macs = Arrays.copyOf(macs, index * 2);
            }
            keys[index] = key;
            indexByKey.put(key, index);
        }
        domains[index] = domain;
        addresses[index] = address;
        ports[index] = port;
        macs[index] = mac;
    }

    /** Stops publishing the port; a port not published is left as it is. */
    void unpublish(final int protocol, final int hostPort)
    {
        final int index = indexByKey.remove(key(protocol, hostPort));
        if (index != NOT_PUBLISHED)
        {
            final int last = --size;
            if (index != last)
            {
                keys[index] = keys[last];
                domains[index] = domains[last];
                addresses[index] = addresses[last];
                ports[index] = ports[last];
                macs[index] = macs[last];
                indexByKey.put(keys[index], index);
            }
        }
    }

    /** The entry of {@code hostPort}/{@code protocol}, for the accessors below, or {@link #NOT_PUBLISHED}. */
    int find(final int protocol, final int hostPort)
    {
        return indexByKey.get(key(protocol, hostPort));
    }

    int domain(final int index)
    {
        return domains[index];
    }

    int address(final int index)
    {
        return addresses[index];
    }

    int port(final int index)
    {
        return ports[index];
    }

    long mac(final int index)
    {
        return macs[index];
    }

    int size()
    {
        return size;
    }

    private static int key(final int protocol, final int port)
    {
        return (protocol << 16) | port;
    }
}
