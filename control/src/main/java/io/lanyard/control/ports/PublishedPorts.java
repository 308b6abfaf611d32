package io.lanyard.control.ports;

import io.lanyard.control.RequestException;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.forwarding.addr.Ipv4Address;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The ports sandboxes publish, and the two ways each is reached, as Docker's are:
 *
 * <ul>
 *   <li>from outside, on the uplink address: the dataplane DNATs new flows to the container
 *       (the container sees the real client), for bindings on all addresses or on the uplink
 *       address itself;</li>
 *   <li>from the daemon's own namespace (and from containers through their gateway): a
 *       {@link UserlandProxy} bound to the host address — docker-proxy's job — for every binding
 *       except one on the uplink address, which only the dataplane answers for.</li>
 * </ul>
 *
 * A host port is taken once per protocol: a binding on all addresses conflicts with any other on
 * the same port, a binding on one address with one on the same address. The proxy's bind also
 * finds ports any other process holds. Publishing is all or nothing per sandbox.
 */
public final class PublishedPorts implements AutoCloseable
{
    public static final int EPHEMERAL_LOW = 49153;
    public static final int EPHEMERAL_HIGH = 60999;
    private static final System.Logger LOG = System.getLogger(PublishedPorts.class.getName());

    /** Where a sandbox's published ports lead: its endpoint on the network with the route out. */
    public record Target(int domain, int address, long mac)
    {
    }

    private record Active(PortBinding binding, UserlandProxy proxy, boolean inPipeline)
    {
    }

    private final Dataplane dataplane;
    private final ProxyLoops loops;
    private final IntSupplier uplinkAddress;
    private final Duration udpIdleTimeout;
    private final Map<String, List<Active>> bySandbox = new HashMap<>();
    private int nextEphemeral = EPHEMERAL_LOW;

    /**
     * @param loops         the proxies' event loops, or null for no userland proxy (then only the
     *                      dataplane answers, and only on the uplink address).
     * @param uplinkAddress the uplink's address, or 0 when the daemon has no uplink.
     */
    public PublishedPorts(final Dataplane dataplane, final ProxyLoops loops, final IntSupplier uplinkAddress, final Duration udpIdleTimeout)
    {
        this.dataplane = dataplane;
        this.loops = loops;
        this.uplinkAddress = uplinkAddress;
        this.udpIdleTimeout = udpIdleTimeout;
    }

    /**
     * Publishes every binding of a sandbox, choosing host ports where none is given.
     *
     * @param defaultHostIp the network's {@code host_binding_ipv4}, for bindings that name no address.
     * @return the bindings as bound (host addresses and ports filled in).
     * @throws RequestException (conflict) naming the port when one is taken; nothing stays published then.
     */
    public synchronized List<PortBinding> publish(
        final String sandboxId, final List<PortBinding> requested, final Target target, final String defaultHostIp)
    {
        final List<PortBinding> bindings = new ArrayList<>();
        for (final PortBinding wanted : requested)
        {
            bindings.add(wanted.hostIp().isEmpty() && defaultHostIp != null &&
                !defaultHostIp.isEmpty() && !PortBinding.ALL_ADDRESSES.equals(defaultHostIp) ?
                new PortBinding(defaultHostIp, wanted.hostPort(), wanted.containerPort(), wanted.protocol()) : wanted);
        }
        // fixed ports first, so a port chosen for another binding never takes one the request names
        final Active[] bound = new Active[bindings.size()];
        final List<Active> done = new ArrayList<>();
        try
        {
            for (final boolean fixed : new boolean[] {true, false})
            {
                for (int i = 0; i < bound.length; i++)
                {
                    final PortBinding binding = bindings.get(i);
                    if ((binding.hostPort() != 0) == fixed)
                    {
                        bound[i] = fixed ? bind(binding, target, done) : bindEphemeral(binding, target, done);
                        done.add(bound[i]);
                    }
                }
            }
        }
        catch (final RuntimeException ex)
        {
            done.forEach(this::stop);
            throw ex;
        }
        final List<Active> inOrder = List.of(bound);
        bySandbox.put(sandboxId, inOrder);
        return inOrder.stream().map(Active::binding).toList();
    }

    /** Publishes bindings again after a restart, keeping their host ports; a port now taken is logged and skipped. */
    public synchronized List<PortBinding> restore(final String sandboxId, final List<PortBinding> bound, final Target target)
    {
        final List<Active> done = new ArrayList<>();
        for (final PortBinding binding : bound)
        {
            try
            {
                done.add(bind(binding, target, done));
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "cannot publish " + binding.display() + " again: " + ex.getMessage());
            }
        }
        bySandbox.put(sandboxId, done);
        return done.stream().map(Active::binding).toList();
    }

    /** Stops publishing a sandbox's ports. */
    public synchronized void release(final String sandboxId)
    {
        final List<Active> gone = bySandbox.remove(sandboxId);
        if (gone != null)
        {
            gone.forEach(this::stop);
        }
    }

    public synchronized List<PortBinding> bound(final String sandboxId)
    {
        return bySandbox.getOrDefault(sandboxId, List.of()).stream().map(Active::binding).toList();
    }

    private Active bindEphemeral(final PortBinding binding, final Target target, final List<Active> pending)
    {
        final int span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        for (int i = 0; i < span; i++)
        {
            final int candidate = nextEphemeral;
            nextEphemeral = candidate == EPHEMERAL_HIGH ? EPHEMERAL_LOW : candidate + 1;
            final PortBinding chosen = binding.withHostPort(candidate);
            if (conflict(chosen, pending) != null)
            {
                continue;
            }
            try
            {
                return start(chosen, target);
            }
            catch (final PortInUseException ex)
            {
                // some other process has it: try the next one
            }
        }
        throw RequestException.conflict("no free host port in " + EPHEMERAL_LOW + "-" + EPHEMERAL_HIGH + " for " + binding.containerPortKey());
    }

    private Active bind(final PortBinding binding, final Target target, final List<Active> pending)
    {
        final PortBinding taken = conflict(binding, pending);
        if (taken != null)
        {
            throw RequestException.conflict("Bind for " + binding.hostAddress() + ":" + binding.hostPort() +
                (PortBinding.UDP.equals(binding.protocol()) ? "/udp" : "") + " failed: port is already allocated");
        }
        try
        {
            return start(binding, target);
        }
        catch (final PortInUseException ex)
        {
            throw RequestException.conflict(ex.getMessage());
        }
    }

    /** @throws PortInUseException (unchecked) when another socket holds the host port. */
    private Active start(final PortBinding binding, final Target target)
    {
        final int uplink = uplinkAddress.getAsInt();
        final boolean onUplink = uplink != 0 && !binding.bindsAllAddresses() && Ipv4Address.parse(binding.hostIp()) == uplink;
        UserlandProxy proxy = null;
        if (!onUplink && loops != null)
        {
            try
            {
                proxy = UserlandProxy.start(loops, binding.protocol(), InetAddress.getByName(binding.hostAddress()), binding.hostPort(),
                    new InetSocketAddress(InetAddress.getByAddress(toBytes(target.address())), binding.containerPort()),
                    udpIdleTimeout, UserlandProxy.DEFAULT_MAX_UDP_FLOWS);
            }
            catch (final IOException ex)
            {
                throw RequestException.badRequest("cannot publish " + binding.display() + ": " + ex.getMessage());
            }
        }
        final boolean inPipeline = uplink != 0 && (binding.bindsAllAddresses() || onUplink);
        if (inPipeline)
        {
            try
            {
                dataplane.forwarding().publish(protocolNumber(binding.protocol()), binding.hostPort(), target.domain(), target.address(),
                    binding.containerPort(), target.mac());
            }
            catch (final RuntimeException ex)
            {
                if (proxy != null)
                {
                    proxy.close();
                }
                throw ex;
            }
        }
        return new Active(binding, proxy, inPipeline);
    }

    private void stop(final Active active)
    {
        if (active.proxy() != null)
        {
            active.proxy().close();
        }
        if (active.inPipeline())
        {
            try
            {
                dataplane.forwarding().unpublish(protocolNumber(active.binding().protocol()), active.binding().hostPort());
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "could not unpublish " + active.binding().display() + ": " + ex.getMessage());
            }
        }
    }

    /** The binding {@code candidate} collides with, among the published ones and {@code pending}, or null. */
    private PortBinding conflict(final PortBinding candidate, final List<Active> pending)
    {
        for (final List<Active> actives : bySandbox.values())
        {
            for (final Active active : actives)
            {
                if (collides(active.binding(), candidate))
                {
                    return active.binding();
                }
            }
        }
        for (final Active active : pending)
        {
            if (collides(active.binding(), candidate))
            {
                return active.binding();
            }
        }
        return null;
    }

    private static boolean collides(final PortBinding a, final PortBinding b)
    {
        return a.hostPort() == b.hostPort() && a.protocol().equals(b.protocol()) &&
            (a.bindsAllAddresses() || b.bindsAllAddresses() || a.hostIp().equals(b.hostIp()));
    }

    public static int protocolNumber(final String protocol)
    {
        return PortBinding.UDP.equals(protocol) ? 17 : 6;
    }

    private static byte[] toBytes(final int address)
    {
        return new byte[] {(byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address};
    }

    @Override
    public synchronized void close()
    {
        for (final List<Active> actives : bySandbox.values())
        {
            for (final Active active : actives)
            {
                if (active.proxy() != null)
                {
                    active.proxy().close();
                }
            }
        }
        bySandbox.clear();
    }
}
