package io.lanyard.tap;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.VethPair;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VXLAN socket on a real veth between two namespaces: datagrams arrive with their sender,
 * oversized ones are reported, and DF is set, so a datagram too big for the link is refused
 * instead of fragmented; its senders send a train of datagrams in one call (UDP GSO), which the
 * receiving socket reads back whole (UDP GRO).
 */
class UdpSocketTest
{
    private static final int A = 0xC0000201; // 192.0.2.1
    private static final int B = 0xC0000202; // 192.0.2.2
    private static final int PORT = 4789;

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private String netnsA;
    private String netnsB;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ByteBuffer memory = BufferUtil.allocateDirectAligned(128 * 1024, 64);
    private final UnsafeBuffer buffer = new UnsafeBuffer(memory);

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("udp");
        namespaceThread = new NamespaceThread();
        netnsA = namespaces.add("a");
        netnsB = namespaces.add("b");
        VethPair.connect(netnsA, "u-a", "192.0.2.1/24", netnsB, "u-b", "192.0.2.2/24");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final AutoCloseable closeable : toClose)
        {
            closeable.close();
        }
        namespaceThread.close();
        namespaces.close();
    }

    @Test
    void shouldCarryADatagramWithItsSenderBetweenNamespaces() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        final UdpSocket b = open(netnsB, B);
        for (int i = 0; i < 100; i++)
        {
            buffer.putByte(i, (byte)(i * 7));
        }

        assertEquals(100, send(a, 0, 100, B));
        final int n = receive(b, 4096, 1000, 100);

        assertEquals(100, n);
        assertEquals(A, b.lastSourceAddress());
        assertEquals(PORT, b.lastSourcePort());
        for (int i = 0; i < 100; i++)
        {
            assertEquals((byte)(i * 7), buffer.getByte(4096 + i), "byte " + i);
        }
        assertEquals(-LinuxCalls.EAGAIN, b.receive(buffer.addressOffset() + 4096, 2048), "nothing more waits");

        assertEquals(0, send(a, 0, 0, B), "an empty datagram");
        assertEquals(0, receive(b, 4096, 1000, 0), "is told apart from nothing waiting");
        assertEquals(-LinuxCalls.EAGAIN, b.receive(buffer.addressOffset() + 4096, 2048));
    }

    @Test
    void shouldReportADatagramLargerThanTheSpaceGiven() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        final UdpSocket b = open(netnsB, B);

        assertEquals(1200, send(a, 0, 1200, B));

        assertEquals(-LinuxCalls.EMSGSIZE, receive(b, 4096, 1000, 500));
    }

    @Test
    void shouldRefuseToFragmentWhatDoesNotFitTheLink() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        open(netnsB, B);

        assertEquals(1472, send(a, 0, 1472, B), "1472 + 28 bytes of headers fill a 1500-byte MTU");
        assertEquals(-LinuxCalls.EMSGSIZE, send(a, 0, 1473, B), "one byte more would need a fragment: DF refuses it");
    }

    @Test
    void shouldSendAndReceiveWithoutAllocating() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        final UdpSocket b = open(netnsB, B);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        exchange(a, b, 20_000);
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        final int received = exchange(a, b, 20_000);
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        assertTrue(received > 19_000, "datagrams came through: " + received);
        assertTrue(allocated < 1024, "bytes allocated over 20 000 sends and receives: " + allocated);
    }

    private int exchange(final UdpSocket from, final UdpSocket to, final int count)
    {
        int received = 0;
        for (int i = 0; i < count; i++)
        {
            from.send(buffer.addressOffset(), 64, B, PORT);
            if (to.receive(buffer.addressOffset() + 4096, 2048) > 0)
            {
                received++;
            }
        }
        while (to.receive(buffer.addressOffset() + 4096, 2048) > 0)
        {
            received++;
        }
        return received;
    }

    @Test
    void shouldBindItsSendersToDistinctPortsOfTheDynamicRangeThatAcceptNothing() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        final UdpSenders senders = a.senders();
        final java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (int i = 0; i < senders.count(); i++)
        {
            final int port = senders.port(i);
            assertTrue(port >= UdpSocket.FIRST_SENDER_PORT && port <= UdpSocket.LAST_SENDER_PORT, "port " + port);
            ports.add(port);
        }
        assertEquals(UdpSocket.SENDERS, ports.size(), "distinct ports: " + ports);

        // a datagram to a sender's port is refused by its filter: nothing queues, and no port-unreachable comes back
        final UdpSocket b = open(netnsB, B);
        for (int i = 0; i < 3; i++)
        {
            assertEquals(64, b.send(buffer.addressOffset(), 64, A, senders.port(0)));
        }
        final String queued = namespaces.exec(netnsA, "ss", "-uanH", "sport = :" + senders.port(0)).assertOk().output();
        assertTrue(queued.trim().startsWith("UNCONN 0 "), "nothing queued: " + queued);
    }

    @Test
    void shouldSendATrainInOneCallAndReadItBackWholeWithGro() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        final UdpSocket b = open(netnsB, B);
        final IoVectors vectors = new IoVectors(64);
        // 5 datagrams of 1000 bytes and one of 300, each from two pieces
        for (int i = 0; i < 5300; i++)
        {
            buffer.putByte(i, (byte)(i * 13));
        }
        for (int at = 0; at < 5300; at += 1000)
        {
            final int size = Math.min(1000, 5300 - at);
            vectors.add(buffer.addressOffset() + at, 100).add(buffer.addressOffset() + at + 100, size - 100);
        }

        assertEquals(5300, a.senders().send(3, vectors, B, PORT, 1000));

        assertEquals(5300, receive(b, 65_536, 16_384, 1000), "the train arrives in one read");
        assertEquals(1000, b.lastSegmentSize());
        assertEquals(a.senders().port(3), b.lastSourcePort(), "from the sender's port");
        for (int i = 0; i < 5300; i++)
        {
            assertEquals((byte)(i * 13), buffer.getByte(65_536 + i), "byte " + i);
        }

        assertEquals(100, a.senders().send(3, vectors.clear().add(buffer.addressOffset(), 100), B, PORT, 0));
        assertEquals(100, receive(b, 65_536, 16_384, 1000));
        assertEquals(0, b.lastSegmentSize(), "a lone datagram is no train");
    }

    @Test
    void shouldRefuseATrainWhoseDatagramsWouldNotFitTheLink() throws Exception
    {
        final UdpSocket a = open(netnsA, A);
        open(netnsB, B);
        final IoVectors vectors = new IoVectors(4).add(buffer.addressOffset(), 3000);

        assertEquals(-LinuxCalls.EMSGSIZE, a.senders().send(0, vectors, B, PORT, 1473), "1473 + 28 exceed a 1500-byte MTU");
        assertEquals(3000, a.senders().send(0, vectors, B, PORT, 1472));
    }

    @Test
    void shouldNameTheAddressWhenItCannotBind()
    {
        final LinuxException refused = assertThrows(LinuxException.class,
            () -> namespaceThread.call(IpRoute2.netnsPath(netnsA), () -> UdpSocket.bind(B, PORT)));
        assertTrue(refused.getMessage().startsWith("udp 192.0.2.2:4789: bind"), refused.getMessage());
    }

    private UdpSocket open(final String netns, final int address) throws Exception
    {
        final UdpSocket socket = namespaceThread.call(IpRoute2.netnsPath(netns), () -> UdpSocket.bind(address, PORT));
        toClose.add(socket);
        return socket;
    }

    private int send(final UdpSocket socket, final int offset, final int length, final int to)
    {
        return socket.send(buffer.addressOffset() + offset, length, to, PORT);
    }

    private int receive(final UdpSocket socket, final int offset, final int capacity, final long waitMillis)
        throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + waitMillis + 2000;
        while (System.currentTimeMillis() < deadline)
        {
            final int n = socket.receive(buffer.addressOffset() + offset, capacity);
            if (n != -LinuxCalls.EAGAIN)
            {
                return n;
            }
            Thread.sleep(5);
        }
        return 0;
    }
}
