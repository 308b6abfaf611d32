package io.lanyard.control.ports;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * docker-proxy's job: whatever arrives on a host address and port is forwarded to a container's
 * address and port, for clients the dataplane's NAT does not reach (the host itself, loopback).
 * <p>
 * The proxy binds the host port and chooses its side by protocol: {@link TcpPairs} pairs each
 * accepted connection with one of its own to the target, half-closes passed on and reads paced by the
 * slower side; {@link UdpFlows} gives each client address a flow of its own to the target, closed
 * after the idle timeout (90 s, as docker-proxy) and bounded in number
 * ({@value #DEFAULT_MAX_UDP_FLOWS} by default). Either way the proxy keeps the counters and every
 * channel it opened, and closing it closes them all.
 * <p>
 * Counters, not logs: nothing here logs per connection or per datagram.
 */
public final class UserlandProxy implements AutoCloseable
{
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(90);
    public static final int DEFAULT_MAX_UDP_FLOWS = 4096;

    /** Largest UDP payload over IPv4; docker-proxy reads with the same size, so nothing is truncated. */
    public static final int MAX_DATAGRAM_BYTES = 65_507;

    private final String protocol;
    private final InetSocketAddress target;
    private final ProxyCounters counters;
    private final ProxyChannels channels;
    private final Channel listener;
    private final EventLoop listenerLoop;
    private final InetSocketAddress localAddress;

    private UserlandProxy(
        final String protocol,
        final InetSocketAddress target,
        final ProxyCounters counters,
        final ProxyChannels channels,
        final Channel listener)
    {
        this.protocol = protocol;
        this.target = target;
        this.counters = counters;
        this.channels = channels;
        this.listener = listener;
        this.listenerLoop = listener.eventLoop();
        this.localAddress = (InetSocketAddress)listener.localAddress();
    }

    /**
     * Publishes {@code binding} for a container at {@code containerAddress}, with the default UDP
     * idle timeout and flow limit. A binding with host port 0 gets a port chosen by the kernel; see
     * {@link #port()}.
     *
     * @throws PortInUseException when another socket holds the host port.
     * @throws IOException        when the bind fails otherwise.
     */
    public static UserlandProxy start(
        final ProxyLoops loops, final PortBinding binding, final InetAddress containerAddress) throws IOException
    {
        return start(
            loops,
            binding.protocol(),
            InetAddress.getByName(binding.hostAddress()),
            binding.hostPort(),
            new InetSocketAddress(containerAddress, binding.containerPort()),
            DEFAULT_UDP_IDLE_TIMEOUT,
            DEFAULT_MAX_UDP_FLOWS);
    }

    /**
     * Binds {@code bindAddress:port} and starts forwarding to {@code target}. Returns once bound;
     * must not be called on one of the loops' threads, since it waits for the bind.
     * <p>
     * TCP listens with SO_REUSEADDR, as Go and so docker-proxy do, so connections left in TIME_WAIT by
     * a previous proxy do not stop a restart from binding; SO_REUSEPORT is not set, so a port held by
     * a live socket is still refused.
     *
     * @param protocol       {@code tcp} or {@code udp}.
     * @param port           0 to let the kernel choose.
     * @param target         the container's address and port; must be resolved.
     * @param udpIdleTimeout how long a UDP flow may be silent before it is closed; unused for TCP.
     * @param maxUdpFlows    most UDP flows open at once; unused for TCP.
     * @throws PortInUseException       when another socket holds the port.
     * @throws IOException              when the bind fails otherwise, e.g. an address not on this host.
     * @throws IllegalArgumentException for an unknown protocol or an out-of-range argument.
     */
    public static UserlandProxy start(
        final ProxyLoops loops,
        final String protocol,
        final InetAddress bindAddress,
        final int port,
        final InetSocketAddress target,
        final Duration udpIdleTimeout,
        final int maxUdpFlows) throws IOException
    {
        final String checkedProtocol = PortBinding.normaliseProtocol(protocol);
        if (port < 0 || port > PortBinding.MAX_PORT)
        {
            throw new IllegalArgumentException("invalid hostPort: " + port);
        }
        if (target.isUnresolved())
        {
            throw new IllegalArgumentException("proxy target must be an address, not a name: " + target);
        }
        if (udpIdleTimeout.isNegative() || udpIdleTimeout.isZero())
        {
            throw new IllegalArgumentException("UDP idle timeout must be positive: " + udpIdleTimeout);
        }
        if (maxUdpFlows < 1)
        {
            throw new IllegalArgumentException("UDP flow limit must be at least 1: " + maxUdpFlows);
        }

        final ProxyCounters counters = new ProxyCounters();
        final ProxyChannels channels = new ProxyChannels();
        final InetSocketAddress local = new InetSocketAddress(bindAddress, port);
        final ChannelFuture bind = PortBinding.TCP.equals(checkedProtocol) ?
            TcpPairs.listen(loops, local, target, counters, channels) :
            UdpFlows.listen(loops, local, target, udpIdleTimeout, maxUdpFlows, counters, channels);
        bind.awaitUninterruptibly();
        if (!bind.isSuccess())
        {
            final Throwable cause = bind.cause();
            final String where = where(checkedProtocol, bindAddress, port);
            if (isAddressInUse(cause))
            {
                throw new PortInUseException(where, cause);
            }
            throw new IOException("Bind for " + where + " failed: " + reason(cause), cause);
        }
        return new UserlandProxy(checkedProtocol, target, counters, channels, bind.channel());
    }

    public String protocol()
    {
        return protocol;
    }

    /** The bound port: the one asked for, or the kernel's choice when 0 was asked for. */
    public int port()
    {
        return localAddress.getPort();
    }

    public InetSocketAddress localAddress()
    {
        return localAddress;
    }

    public InetSocketAddress target()
    {
        return target;
    }

    public long connectionsAccepted()
    {
        return counters.connectionsAccepted.sum();
    }

    /** TCP connections closed because the target refused or could not be reached. */
    public long targetConnectFailures()
    {
        return counters.targetConnectFailures.sum();
    }

    /** Payload bytes read from clients and handed to the target side, TCP and UDP. */
    public long bytesToTarget()
    {
        return counters.bytesToTarget.sum();
    }

    /** Payload bytes read from the target and handed to the client side, TCP and UDP. */
    public long bytesFromTarget()
    {
        return counters.bytesFromTarget.sum();
    }

    public long udpFlowsOpened()
    {
        return counters.udpFlowsOpened.sum();
    }

    public long udpFlowsActive()
    {
        return counters.udpFlowsActive.get();
    }

    /** UDP flows closed for being idle; flows closed by {@link #close()} or an error are not counted. */
    public long udpFlowsExpired()
    {
        return counters.udpFlowsExpired.sum();
    }

    /** Datagrams dropped: new clients beyond the flow limit, and sends that met a full queue. */
    public long udpDrops()
    {
        return counters.udpDrops.sum();
    }

    /**
     * Unbinds, then closes every connection and flow. Returns once the port is free. Must not be
     * called on one of the loops' threads.
     */
    @Override
    public void close()
    {
        channels.refuseNew();
        listener.close().syncUninterruptibly();
        channels.closeAll();
        ProxyLoops.awaitSocketReleased(listener, listenerLoop);
    }

    @Override
    public String toString()
    {
        return "UserlandProxy{" + localAddress + "/" + protocol + " -> " + target + "}";
    }

    /** The bind address as given, the port, and {@code /udp} for UDP, as Docker's bind errors show them. */
    private static String where(final String protocol, final InetAddress bindAddress, final int port)
    {
        final String host = bindAddress.getHostAddress();
        return (bindAddress instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port +
            (PortBinding.UDP.equals(protocol) ? "/udp" : "");
    }

    /**
     * NIO reports EADDRINUSE as a {@link BindException}, epoll as a {@code NativeIoException} for the
     * bind syscall; both carry the C library's text for the errno, which is what is matched.
     */
    private static boolean isAddressInUse(final Throwable cause)
    {
        for (Throwable t = cause; t != null; t = t.getCause())
        {
            final String message = t.getMessage();
            if (message != null && message.toLowerCase(Locale.ROOT).contains("address already in use"))
            {
                return true;
            }
        }
        return false;
    }

    /** {@code bind(..) failed: Cannot assign requested address} becomes {@code cannot assign requested address}. */
    private static String reason(final Throwable cause)
    {
        final String message = cause.getMessage();
        if (message == null || message.isEmpty())
        {
            return cause.getClass().getSimpleName();
        }
        final int colon = message.lastIndexOf(": ");
        final String tail = colon < 0 ? message : message.substring(colon + 2);
        return tail.isEmpty() ? message : Character.toLowerCase(tail.charAt(0)) + tail.substring(1);
    }
}
