package io.lanyard.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * The echo side of {@link UdpEcho}: every datagram goes back to its sender as it came, from one
 * blocking channel on one thread. A reply costs a {@code recvfrom} and a {@code sendto} and
 * nothing else, so the server adds as little as it can to the round trips it serves.
 *
 * <p>Nothing is allocated per datagram, so no collection can pause a reply: one direct buffer
 * is reused (a heap buffer would be copied through a temporary direct one), and the JDK's
 * channel keeps the sender's address object, and the encoded target, for as long as the sender
 * does not change (JDK 16 and later), which is the case with one probe at a time.
 *
 * <p>A reply that cannot be sent (the path went away) is counted and the server carries on: it
 * lives for the whole run and one bad moment must not end it. Only closing the channel ends
 * {@link #run()}.
 */
final class UdpEchoServer implements AutoCloseable
{
    /** The largest UDP payload over IPv4. */
    static final int MAX_DATAGRAM = 65_507;

    private final DatagramChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final int dropEvery;
    private long received;
    private volatile long echoed;
    private volatile long sendFailures;

    private UdpEchoServer(final DatagramChannel channel, final int dropEvery)
    {
        this.channel = channel;
        this.dropEvery = dropEvery;
    }

    /**
     * A server bound to {@code local} (port 0: any free one, see {@link #localAddress()}).
     *
     * @param dropEvery drop every {@code dropEvery}th datagram received instead of echoing it (0:
     *                  none): a loss the tests can count on.
     */
    static UdpEchoServer bind(final InetSocketAddress local, final int dropEvery)
    {
        if (dropEvery < 0)
        {
            throw new IllegalArgumentException("dropEvery " + dropEvery + " < 0");
        }
        DatagramChannel channel = null;
        try
        {
            channel = DatagramChannel.open();
            channel.bind(local);
            return new UdpEchoServer(channel, dropEvery);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new PerfException("cannot bind a UDP socket to " + local + ": " + ex.getMessage());
        }
    }

    InetSocketAddress localAddress()
    {
        try
        {
            return (InetSocketAddress)channel.getLocalAddress();
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot read the echo server's address: " + ex.getMessage());
        }
    }

    /** Datagrams sent back so far. */
    long echoed()
    {
        return echoed;
    }

    /** Replies the kernel refused to send. */
    long sendFailures()
    {
        return sendFailures;
    }

    /** Echoes until the channel is closed; a receive that fails otherwise fails the server. */
    void run()
    {
        while (true)
        {
            buffer.clear();
            final SocketAddress sender;
            try
            {
                sender = channel.receive(buffer);
            }
            catch (final ClosedChannelException closed)
            {
                return;
            }
            catch (final IOException ex)
            {
                throw new PerfException("the echo server cannot receive: " + ex.getMessage());
            }
            received++;
            if (dropEvery > 0 && received % dropEvery == 0)
            {
                continue;
            }
            buffer.flip();
            try
            {
                channel.send(buffer, sender);
                echoed++;
            }
            catch (final ClosedChannelException closed)
            {
                return;
            }
            catch (final IOException ex)
            {
                sendFailures++;
            }
        }
    }

    @Override
    public void close()
    {
        closeQuietly(channel);
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        if (closeable == null)
        {
            return;
        }
        try
        {
            closeable.close();
        }
        catch (final Exception ignored)
        {
            // nothing left to do with it
        }
    }
}
