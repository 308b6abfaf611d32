package io.lanyard.control.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A resolver on a loopback address that answers what its script says, over UDP and optionally TCP
 * on the same port, and remembers what it was asked. Plain blocking sockets on their own threads,
 * so nothing here shares the forwarder's event loop.
 */
final class FakeUpstream implements AutoCloseable
{
    /** What the upstream sends back for one query: any number of messages, in order (none: silence). */
    @FunctionalInterface
    interface Script
    {
        List<byte[]> answer(byte[] query, InetSocketAddress asker) throws IOException;
    }

    static final Script SILENT = (query, asker) -> List.of();

    private static final int TCP_PORT_TRIES = 20;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<byte[]> udpQueries = new CopyOnWriteArrayList<>();
    private final List<byte[]> tcpQueries = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsEnded = new AtomicInteger();

    private FakeUpstream(final DatagramSocket udp, final ServerSocket tcp, final Script udpScript, final Script tcpScript)
    {
        this.udp = udp;
        this.tcp = tcp;
        start("fake-upstream-udp", () -> serveUdp(udpScript));
        if (tcp != null)
        {
            start("fake-upstream-tcp", () -> acceptTcp(tcpScript));
        }
    }

    /** UDP only, on 127.0.0.1. */
    static FakeUpstream udp(final Script script) throws IOException
    {
        return udpAt("127.0.0.1", script);
    }

    static FakeUpstream silent() throws IOException
    {
        return udp(SILENT);
    }

    /** UDP only, on another loopback address (all of 127.0.0.0/8 is local on Linux). */
    static FakeUpstream udpAt(final String address, final Script script) throws IOException
    {
        return new FakeUpstream(new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0)), null, script, null);
    }

    /** UDP and TCP on the same 127.0.0.1 port, as a resolver on port 53 has. */
    static FakeUpstream udpAndTcp(final Script udpScript, final Script tcpScript) throws IOException
    {
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < TCP_PORT_TRIES; i++)
        {
            final DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try
            {
                final ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 50, loopback);
                return new FakeUpstream(udp, tcp, udpScript, tcpScript);
            }
            catch (final BindException taken)
            {
                udp.close();
            }
        }
        throw new BindException("no port free for both UDP and TCP");
    }

    InetSocketAddress address()
    {
        return (InetSocketAddress)udp.getLocalSocketAddress();
    }

    List<byte[]> udpQueries()
    {
        return udpQueries;
    }

    List<byte[]> tcpQueries()
    {
        return tcpQueries;
    }

    /** TCP connections the other side has closed. */
    int connectionsEnded()
    {
        return connectionsEnded.get();
    }

    /** Sends a datagram from the upstream's own address and port. */
    void send(final byte[] message, final InetSocketAddress to) throws IOException
    {
        udp.send(new DatagramPacket(message, message.length, to));
    }

    @Override
    public void close() throws IOException
    {
        udp.close();
        if (tcp != null)
        {
            tcp.close();
        }
        for (final Socket connection : connections)
        {
            connection.close();
        }
    }

    private void serveUdp(final Script script)
    {
        final byte[] buffer = new byte[65_535];
        while (!udp.isClosed())
        {
            try
            {
                final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                final byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
                udpQueries.add(query);
                for (final byte[] answer : script.answer(query, (InetSocketAddress)packet.getSocketAddress()))
                {
                    send(answer, (InetSocketAddress)packet.getSocketAddress());
                }
            }
            catch (final IOException closed)
            {
                return;
            }
        }
    }

    private void acceptTcp(final Script script)
    {
        while (!tcp.isClosed())
        {
            try
            {
                final Socket connection = tcp.accept();
                connections.add(connection);
                start("fake-upstream-tcp-connection", () -> serveTcp(connection, script));
            }
            catch (final IOException closed)
            {
                return;
            }
        }
    }

    /** RFC 1035 4.2.2: each message behind its 2-byte length. */
    private void serveTcp(final Socket connection, final Script script)
    {
        try (connection)
        {
            final DataInputStream in = new DataInputStream(connection.getInputStream());
            final DataOutputStream out = new DataOutputStream(connection.getOutputStream());
            while (true)
            {
                final byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                tcpQueries.add(query);
                for (final byte[] answer : script.answer(query, (InetSocketAddress)connection.getRemoteSocketAddress()))
                {
                    out.writeShort(answer.length);
                    out.write(answer);
                }
                out.flush();
            }
        }
        catch (final EOFException ended)
        {
            connectionsEnded.incrementAndGet();
        }
        catch (final IOException closed)
        {
            // closed by close(), or reset by the forwarder
            connectionsEnded.incrementAndGet();
        }
    }

    private static void start(final String name, final Runnable work)
    {
        final Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
    }
}
