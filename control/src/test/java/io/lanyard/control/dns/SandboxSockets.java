package io.lanyard.control.dns;

import io.lanyard.tap.NamespaceThread;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The test's side of one sandbox's resolver: sockets opened inside the sandbox's namespace (a
 * socket stays in the namespace it was created in, whichever thread then uses it), talking to
 * the embedded DNS on {@code 127.0.0.11} there. Everything opened is closed with this.
 */
final class SandboxSockets implements AutoCloseable
{
    /** How long a test waits for one answer before it calls the server stalled. */
    static final int TIMEOUT_MILLIS = 3000;

    private final NamespaceThread namespaceThread;
    private final Path netns;
    private final InetSocketAddress resolver;
    private final List<AutoCloseable> opened = new ArrayList<>();

    SandboxSockets(final NamespaceThread namespaceThread, final Path netns, final int port)
    {
        this.namespaceThread = namespaceThread;
        this.netns = netns;
        this.resolver = new InetSocketAddress(EmbeddedDns.ADDRESS, port);
    }

    Path netns()
    {
        return netns;
    }

    /** A UDP socket on the sandbox's loopback, connected to its resolver. */
    DatagramSocket udp()
    {
        final DatagramSocket socket = namespaceThread.call(netns, () ->
        {
            final DatagramSocket created = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            created.connect(resolver);
            created.setSoTimeout(TIMEOUT_MILLIS);
            return created;
        });
        opened.add(socket);
        return socket;
    }

    /** A TCP connection to the sandbox's resolver. */
    Socket tcp()
    {
        final Socket socket = namespaceThread.call(netns, () ->
        {
            final Socket created = new Socket();
            created.setSoTimeout(TIMEOUT_MILLIS);
            // each frame goes out in one write at once, not held back for the last one's ACK
            created.setTcpNoDelay(true);
            created.connect(resolver, TIMEOUT_MILLIS);
            return created;
        });
        opened.add(socket);
        return socket;
    }

    /** Asks once over a fresh UDP socket and returns the answer's bytes. */
    byte[] askUdp(final byte[] query) throws IOException
    {
        try (DatagramSocket socket = udp())
        {
            send(socket, query);
            return receive(socket);
        }
    }

    /** Asks once over a fresh TCP connection and returns the answer's bytes. */
    byte[] askTcp(final byte[] query) throws IOException
    {
        try (Socket socket = tcp())
        {
            writeFrame(socket, query);
            return readFrame(socket);
        }
    }

    static void send(final DatagramSocket socket, final byte[] message) throws IOException
    {
        socket.send(new DatagramPacket(message, message.length));
    }

    /** The next datagram, whole (answers are never near 64 KiB here). */
    static byte[] receive(final DatagramSocket socket) throws IOException
    {
        final byte[] buffer = new byte[65_536];
        final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        return Arrays.copyOf(buffer, packet.getLength());
    }

    /** RFC 1035 4.2.2: the message behind its 2-byte length. */
    static void writeFrame(final Socket socket, final byte[] message) throws IOException
    {
        final byte[] frame = new byte[2 + message.length];
        frame[0] = (byte)(message.length >>> 8);
        frame[1] = (byte)message.length;
        System.arraycopy(message, 0, frame, 2, message.length);
        socket.getOutputStream().write(frame);
    }

    static byte[] readFrame(final Socket socket) throws IOException
    {
        final DataInputStream in = new DataInputStream(socket.getInputStream());
        final byte[] message = new byte[in.readUnsignedShort()];
        in.readFully(message);
        return message;
    }

    @Override
    public void close() throws Exception
    {
        for (final AutoCloseable socket : opened)
        {
            socket.close();
        }
        opened.clear();
    }
}
