package io.lanyard.control.ports;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A plain blocking TCP server on loopback standing in for a container; each connection runs one conversation. */
final class TcpTarget implements AutoCloseable
{
    /** What the server does with one accepted connection; the socket is closed afterwards. */
    interface Conversation
    {
        void run(Socket socket) throws IOException;
    }

    /** Echoes until the client's end of stream, then ends its own side. */
    static final Conversation ECHO = socket ->
    {
        final InputStream in = socket.getInputStream();
        final OutputStream out = socket.getOutputStream();
        final byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = in.read(chunk)) >= 0)
        {
            out.write(chunk, 0, read);
        }
        socket.shutdownOutput();
    };

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    TcpTarget(final Conversation conversation) throws IOException
    {
        server = new ServerSocket(0, 50, ProxyTransports.LOOPBACK);
        final Thread acceptor = new Thread(() -> acceptUntilClosed(conversation), "tcp-target");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address()
    {
        return new InetSocketAddress(ProxyTransports.LOOPBACK, server.getLocalPort());
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        for (final Socket socket : accepted)
        {
            socket.close();
        }
    }

    private void acceptUntilClosed(final Conversation conversation)
    {
        while (!server.isClosed())
        {
            final Socket socket;
            try
            {
                socket = server.accept();
            }
            catch (final IOException closed)
            {
                return;
            }
            accepted.add(socket);
            final Thread talker = new Thread(() ->
            {
                try (socket)
                {
                    conversation.run(socket);
                }
                catch (final IOException ignored)
                {
                    // the test on the other end reports what went wrong
                }
            }, "tcp-target-conversation");
            talker.setDaemon(true);
            talker.start();
        }
    }
}
