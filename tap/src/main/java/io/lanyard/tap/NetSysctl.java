package io.lanyard.tap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Per-interface settings under {@code /proc/sys/net}, written for the network namespace of the
 * calling thread (run it on a {@link NamespaceThread} to set them inside a sandbox).
 */
public final class NetSysctl
{
    private static final Path ROOT = Path.of("/proc/sys/net");

    private NetSysctl()
    {
    }

    /** No IPv6 on the interface: no link-local address, no router solicitation, no MLD report. */
    public static void disableIpv6(final String interfaceName)
    {
        set("ipv6/conf/" + interfaceName + "/disable_ipv6", "1");
    }

    /**
     * Writes one setting, such as {@code ipv4/conf/eth0/rp_filter}; one that does not exist
     * (IPv6 disabled at boot) is skipped.
     *
     * @throws LinuxException when it cannot be written.
     */
    public static void set(final String key, final String value)
    {
        try
        {
            Files.writeString(ROOT.resolve(key), value);
        }
        catch (final NoSuchFileException ex)
        {
            // the setting is not there to take part either
        }
        catch (final IOException ex)
        {
            throw new LinuxException("cannot set net." + key.replace('/', '.') + "=" + value + ": " + ex.getMessage());
        }
    }
}
