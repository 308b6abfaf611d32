package io.lanyard.testkit;

/**
 * A veth pair joining two of a test's namespaces, an IPv4 address on each end and both ends up:
 * the smallest real link a socket test can send across. It is made inside the first namespace
 * with its peer created straight in the second, so the root namespace never sees it, and it goes
 * with its namespaces ({@link Namespaces#close()}): there is nothing of its own to close.
 */
public final class VethPair
{
    private VethPair()
    {
    }

    /**
     * @param netnsA   the namespace of the first end.
     * @param deviceA  the first end's name.
     * @param addressA the first end's address with its prefix ({@code 192.0.2.1/24}).
     * @param netnsB   the namespace of the second end.
     * @param deviceB  the second end's name.
     * @param addressB the second end's address with its prefix.
     */
    public static void connect(final String netnsA, final String deviceA, final String addressA,
        final String netnsB, final String deviceB, final String addressB)
    {
        Shell.check("ip", "-n", netnsA, "link", "add", deviceA, "type", "veth", "peer", "name", deviceB, "netns", netnsB);
        Shell.check("ip", "-n", netnsA, "addr", "add", addressA, "dev", deviceA);
        Shell.check("ip", "-n", netnsB, "addr", "add", addressB, "dev", deviceB);
        Shell.check("ip", "-n", netnsA, "link", "set", deviceA, "up");
        Shell.check("ip", "-n", netnsB, "link", "set", deviceB, "up");
    }
}
