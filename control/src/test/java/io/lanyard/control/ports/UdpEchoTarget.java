package io.lanyard.control.ports;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A UDP server on loopback that sends every datagram back to its sender and remembers who sent. */
final class UdpEchoTarget implements AutoCloseable
{
    private final DatagramSocket socket;
    private final Set<SocketAddress> senders = ConcurrentHashMap.newKeySet();

    UdpEchoTarget() throws IOException
    {
        socket = new DatagramSocket(new InetSocketAddress(ProxyTransports.LOOPBACK, 0));
        final Thread echo = new Thread(this::echoUntilClosed, "udp-target");
        echo.setDaemon(true);
        echo.start();
    }

    InetSocketAddress address()
    {
        return new InetSocketAddress(ProxyTransports.LOOPBACK, socket.getLocalPort());
    }

    /** Source addresses seen so far: one per proxy flow. */
    Set<SocketAddress> senders()
    {
        return Set.copyOf(senders);
    }

    @Override
    public void close()
    {
        socket.close();
    }

    private void echoUntilClosed()
    {
        final byte[] buffer = new byte[65_535];
        while (!socket.isClosed())
        {
            try
            {
                final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                senders.add(packet.getSocketAddress());
                socket.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
            }
            catch (final IOException closed)
            {
                return;
            }
        }
    }
}
