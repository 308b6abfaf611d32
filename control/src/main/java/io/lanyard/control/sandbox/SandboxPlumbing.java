package io.lanyard.control.sandbox;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.LinkState;
import io.lanyard.tap.NetSysctl;
import io.lanyard.tap.LinuxException;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.tap.TapDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Linux side of a sandbox: its named network namespace (or one someone else made, given
 * by path) and the TAP devices that are its interfaces, created inside the namespace by {@link NamespaceThread} and configured with
 * iproute2. The daemon keeps the TAPs' descriptors; the devices are persistent, so a restarted
 * daemon re-attaches to them by opening the same name from inside the namespace.
 */
public final class SandboxPlumbing implements AutoCloseable
{
    private static final Path OWN_NAMESPACE = Path.of("/proc/self/ns/net");

    private final NamespaceThread namespaceThread = new NamespaceThread();
    private final int offloads;

    /** @param offloads {@link TapDevice#OFFLOAD_TCP_UDP}, or {@link TapDevice#OFFLOAD_NONE} for {@code --offload=off}. */
    public SandboxPlumbing(final int offloads)
    {
        this.offloads = offloads;
    }

    /** The TAP offloads of the daemon ({@code --offload}). */
    public int offloads()
    {
        return offloads;
    }

    public boolean namespaceExists(final String netns)
    {
        return IpRoute2.netnsExists(netns);
    }

    /** Whether an interface of this name exists in the namespace (false when the namespace does not). */
    public boolean interfaceExists(final String netns, final String name)
    {
        return namespaceExists(netns) && namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.exists(name));
    }

    /** Whether an interface of this name exists in the daemon's own namespace. */
    public boolean interfaceExistsHere(final String name)
    {
        return TapDevice.exists(name);
    }

    /**
     * Whether the interface of that name in the daemon's own namespace is a TUN/TAP device: every
     * interface Lanyard makes there is one (the networks' host ports, VM ports, TAPs to hand over).
     */
    public boolean isTunTapHere(final String name)
    {
        return TapDevice.exists(name) && IpRoute2.query(OWN_NAMESPACE, "-o", "-d", "link", "show", "dev", name).contains(" tun type ");
    }

    /** Whether two namespace references (names or paths) are the same namespace; false when either does not exist. */
    public boolean isSameNamespace(final String one, final String other)
    {
        try
        {
            return Files.isSameFile(IpRoute2.netnsPath(one), IpRoute2.netnsPath(other));
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Whether the file is the daemon's own network namespace (or a link to it). */
    public boolean isOwnNamespace(final String netns)
    {
        try
        {
            return Files.isSameFile(IpRoute2.netnsPath(netns), OWN_NAMESPACE);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    public void createNamespace(final String netns)
    {
        IpRoute2.addNetns(netns);
        try
        {
            namespaceThread.call(IpRoute2.netnsPath(netns), () ->
            {
                LinkState.up("lo");
                return null;
            });
        }
        catch (final LinuxException ex)
        {
            IpRoute2.deleteNetns(netns);
            throw ex;
        }
    }

    /**
     * Ends every process inside the namespace, then deletes it: one left there (a command whose
     * PID a crash kept from the state file, or whose removal a crash cut off) would keep the
     * namespace and its interfaces alive, out of sight, once its name is gone.
     */
    public void deleteNamespace(final String netns)
    {
        endProcessesInside(netns);
        IpRoute2.deleteNetns(netns);
    }

    private static void endProcessesInside(final String netns)
    {
        final Object namespace = fileKey(IpRoute2.netnsPath(netns));
        if (namespace == null)
        {
            return;
        }
        final List<ProcessHandle> inside = ProcessHandle.allProcesses()
            .filter(process -> process.pid() != ProcessHandle.current().pid())
            .filter(process -> namespace.equals(fileKey(Path.of("/proc", Long.toString(process.pid()), "ns", "net"))))
            .toList();
        inside.forEach(ProcessHandle::destroyForcibly);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (final ProcessHandle process : inside)
        {
            try
            {
                process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                // signalled with SIGKILL: a zombie is its parent's to reap, and holds no namespace
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The device and inode a path names (following links, as /proc/PID/ns/net is one), or null when it cannot be read. */
    private static Object fileKey(final Path path)
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        }
        catch (final IOException | SecurityException ex)
        {
            return null;
        }
    }

    /**
     * Creates the interface's TAP inside the namespace, or re-attaches to the one already there,
     * and applies the configuration (the same commands either way).
     */
    public TapDevice openInterface(final String netns, final InterfaceSpec spec)
    {
        return openInterface(netns, spec, offloads);
    }

    /** {@link #openInterface(String, InterfaceSpec)} with the given offloads instead of the daemon's. */
    public TapDevice openInterface(final String netns, final InterfaceSpec spec, final int tapOffloads)
    {
        // Lanyard's networks are IPv4: as Docker does on a network without IPv6, the interface gets none (no
        // link-local address, router solicitations or MLD reports)
        final TapDevice tap = namespaceThread.call(IpRoute2.netnsPath(netns), () ->
        {
            final TapDevice opened = TapDevice.open(spec.name(), tapOffloads);
            try
            {
                NetSysctl.disableIpv6(spec.name());
            }
            catch (final LinuxException ex)
            {
                opened.close();
                throw ex;
            }
            return opened;
        });
        try
        {
            batchIn(netns, List.of(spec.commands()));
            return tap;
        }
        catch (final LinuxException ex)
        {
            tap.close();
            throw ex;
        }
    }

    /**
     * The TAP of an interface handed over to a runtime, which moves it into the namespace, renames
     * and configures it: found where the runtime left it (inside the namespace by its MAC, under
     * whatever name it has there), or else opened (made) in the daemon's own namespace under
     * {@code sourceName}, with its MAC and MTU set for the runtime to move. The descriptor stays
     * valid wherever the device goes.
     */
    public TapDevice openHandedOver(final String netns, final String sourceName, final long mac, final int mtu, final int tapOffloads)
    {
        final String moved = namespaceExists(netns) ? interfaceWithMac(netns, mac) : null;
        if (moved != null)
        {
            return namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open(moved, tapOffloads));
        }
        final TapDevice tap = TapDevice.open(sourceName, tapOffloads);
        try
        {
            IpRoute2.batchHere(List.of("link set dev " + sourceName + " address " + MacAddress.format(mac) + " mtu " + mtu));
            return tap;
        }
        catch (final LinuxException ex)
        {
            removeInterface(tap);
            throw ex;
        }
    }

    /** Removes a handed-over interface the daemon holds no descriptor for, wherever the runtime left it. */
    public void removeHandedOver(final String netns, final String sourceName, final long mac)
    {
        final String moved = namespaceExists(netns) ? interfaceWithMac(netns, mac) : null;
        if (moved != null)
        {
            removeInterface(namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open(moved, offloads)));
        }
        else if (TapDevice.exists(sourceName))
        {
            removeInterface(TapDevice.open(sourceName, offloads));
        }
    }

    /** @return the name of the namespace's interface with this MAC, or null. */
    private static String interfaceWithMac(final String netns, final long mac)
    {
        final String ether = "link/ether " + MacAddress.format(mac) + " ";
        for (final String line : IpRoute2.query(IpRoute2.netnsPath(netns), "-o", "link", "show").split("\n"))
        {
            // "7: eth0: <BROADCAST,...> mtu 1450 ... link/ether 02:42:0a:00:05:02 brd ff:ff:ff:ff:ff:ff"
            final int nameStart = line.indexOf(": ");
            final int nameEnd = line.indexOf(':', nameStart + 2);
            if (line.contains(ether) && nameStart > 0 && nameEnd > nameStart)
            {
                final String name = line.substring(nameStart + 2, nameEnd);
                final int at = name.indexOf('@');
                return at < 0 ? name : name.substring(0, at);
            }
        }
        return null;
    }

    /**
     * Moves an interface someone made in the daemon's namespace (a remote driver plugin) into
     * the sandbox's and configures it there. On failure it may be left inside the namespace,
     * under either name: {@link #removeLink} both.
     */
    public void adoptInterface(final String netns, final AdoptedInterface adopted)
    {
        IpRoute2.batchHere(List.of("link set dev " + adopted.srcName() + " netns " + IpRoute2.netnsPath(netns)));
        batchIn(netns, adopted.commands());
    }

    /** Deletes a link (and, for a veth, its peer) inside the namespace, if both exist. */
    public void removeLink(final String netns, final String name)
    {
        if (interfaceExists(netns, name))
        {
            batchIn(netns, List.of("link del dev " + name));
        }
    }

    /** Applies an interface's configuration again (e.g. to move the default route to it). */
    public void configure(final String netns, final InterfaceSpec spec)
    {
        batchIn(netns, List.of(spec.commands()));
    }

    /**
     * Runs {@code ip -batch} inside the namespace: started from the namespace thread, whose
     * children are born in its namespace. {@code ip -n} would instead copy the daemon's mount
     * namespace to remount {@code /sys}, which costs in proportion to the mounts, one per sandbox
     * ({@code /run/netns/NAME}): measured from a shell, 3.2 ms a call beside 20 namespaces, 5.3 ms
     * beside 1,000, while the same command through the namespace stayed at 3.6-4.0 ms.
     */
    private void batchIn(final String netns, final List<String> commands)
    {
        namespaceThread.call(IpRoute2.netnsPath(netns), () ->
        {
            IpRoute2.batchHere(commands);
            return null;
        });
    }

    /** Deletes the interface: it stops being persistent and goes away with its descriptor. */
    public void removeInterface(final TapDevice tap)
    {
        try
        {
            tap.unpersist();
        }
        finally
        {
            tap.close();
        }
    }

    /** Removes an interface the daemon holds no descriptor for (e.g. left by a crash). */
    public void removeInterface(final String netns, final String name)
    {
        if (namespaceExists(netns))
        {
            final TapDevice tap = namespaceThread.call(IpRoute2.netnsPath(netns),
                () -> TapDevice.exists(name) ? TapDevice.open(name, offloads) : null);
            if (tap != null)
            {
                removeInterface(tap);
            }
        }
    }

    @Override
    public void close()
    {
        namespaceThread.close();
    }
}
