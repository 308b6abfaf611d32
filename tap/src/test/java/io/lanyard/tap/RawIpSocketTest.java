package io.lanyard.tap;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import io.lanyard.testkit.UdpCapture;
import io.lanyard.testkit.VethPair;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw sender beside the VXLAN socket on a real veth between two namespaces: what the kernel
 * leaves as written, what it fills in, and that it refuses rather than fragments.
 */
class RawIpSocketTest
{
    private static final int A = 0xC0000201; // 192.0.2.1
    private static final int B = 0xC0000202; // 192.0.2.2
    private static final int PORT = 4789;
    private static final int SOURCE_PORT = 50_000;

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
        namespaces = new Namespaces("raw");
        namespaceThread = new NamespaceThread();
        netnsA = namespaces.add("a");
        netnsB = namespaces.add("b");
        VethPair.connect(netnsA, "r-a", "192.0.2.1/24", netnsB, "r-b", "192.0.2.2/24");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
        namespaceThread.close();
        namespaces.close();
    }

    @Test
    void shouldSendThePacketAsWrittenWithTheKernelFillingTotalLengthAndChecksum() throws Exception
    {
        final RawIpSocket sender = udp(netnsA, A).rawSender();
        final UdpSocket receiver = udp(netnsB, B);
        final UdpCapture capture = capture(netnsB);
        final int length = packet(A, B, 100);
        buffer.putShort(2, (short)0, ByteOrder.BIG_ENDIAN);  // Total Length left wrong on purpose

        assertEquals(length, sender.send(buffer.addressOffset(), length, B));

        final UdpCapture.Packet packet = capture.next(PORT, 2000);
        assertNotNull(packet, "the packet arrived");
        assertEquals(length, packet.length());
        assertEquals(length, packet.totalLength(), "Total Length is the bytes sent, whatever the header said");
        assertTrue(packet.isHeaderChecksumCorrect(), "the kernel computed the header checksum");
        assertEquals(0x4000, packet.flagsAndFragmentOffset(), "DF as written");
        assertEquals(64, packet.ttl());
        assertEquals(17, packet.protocol());
        assertEquals(A, packet.source());
        assertEquals(B, packet.destination());
        assertEquals(SOURCE_PORT, packet.udpSourcePort());
        assertEquals(0, packet.udpChecksum(), "no UDP checksum, as written");
        assertEquals(100, receive(receiver, 4096), "a UDP socket takes the datagram without a checksum");
        assertEquals(A, receiver.lastSourceAddress());
        assertEquals(SOURCE_PORT, receiver.lastSourcePort());
        assertEquals((byte)99, buffer.getByte(4096 + 99));
    }

    @Test
    void shouldFillInTheRoutesSourceAddressWhenTheHeaderHasNone() throws Exception
    {
        final RawIpSocket sender = namespaceThread.call(IpRoute2.netnsPath(netnsA), RawIpSocket::open);
        toClose.add(sender);
        final UdpCapture capture = capture(netnsB);
        final int length = packet(0, B, 10);

        assertEquals(length, sender.send(buffer.addressOffset(), length, B));

        final UdpCapture.Packet packet = capture.next(PORT, 2000);
        assertNotNull(packet, "the packet arrived");
        assertEquals(A, packet.source());
        assertTrue(packet.isHeaderChecksumCorrect());
    }

    @Test
    void shouldRefuseToFragmentWhatDoesNotFitTheLink() throws Exception
    {
        final RawIpSocket sender = udp(netnsA, A).rawSender();

        assertEquals(1500, sender.send(buffer.addressOffset(), packet(A, B, 1472), B), "a 1500-byte packet fills the MTU");
        assertEquals(-LinuxCalls.EMSGSIZE, sender.send(buffer.addressOffset(), packet(A, B, 1473), B),
            "one byte more would need a fragment: refused");
    }

    @Test
    void shouldRefuseWhatExceedsTheRoutesMtuToo() throws Exception
    {
        Shell.check("ip", "-n", netnsA, "route", "add", "192.0.2.2/32", "dev", "r-a", "mtu", "lock", "1400");
        final RawIpSocket sender = udp(netnsA, A).rawSender();
        final UdpCapture capture = capture(netnsB);

        final int tooBig = sender.send(buffer.addressOffset(), packet(A, B, 1401 - 28), B);
        final UdpCapture.Packet arrived = capture.next(PORT, 300);

        assertEquals(-LinuxCalls.EMSGSIZE, tooBig, "a packet over the route's MTU is refused");
        assertEquals(null, arrived, "and not sent in fragments");
        assertEquals(1400, sender.send(buffer.addressOffset(), packet(A, B, 1400 - 28), B));
    }

    @Test
    void shouldSendWithoutAllocating() throws Exception
    {
        final RawIpSocket sender = udp(netnsA, A).rawSender();
        final UdpSocket receiver = udp(netnsB, B);
        final int length = packet(A, B, 64);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        exchange(sender, receiver, length, 20_000);
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        final int received = exchange(sender, receiver, length, 20_000);
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        assertTrue(received > 19_000, "datagrams came through: " + received);
        assertTrue(allocated < 1024, "bytes allocated over 20 000 sends and receives: " + allocated);
    }

    @Test
    void shouldCloseTheRawSenderWithTheUdpSocket() throws Exception
    {
        final UdpSocket socket = namespaceThread.call(IpRoute2.netnsPath(netnsA), () -> UdpSocket.bind(A, PORT));
        assertFalse(socket.rawSender().isClosed());

        socket.close();

        assertTrue(socket.rawSender().isClosed());
    }

    private int exchange(final RawIpSocket from, final UdpSocket to, final int length, final int count)
    {
        int received = 0;
        for (int i = 0; i < count; i++)
        {
            from.send(buffer.addressOffset(), length, B);
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

    /** An IPv4/UDP packet at offset 0 with Identification and both checksums 0, and payload bytes 0, 1, 2…; its length. */
    private int packet(final int source, final int destination, final int payload)
    {
        final int length = 28 + payload;
        buffer.setMemory(0, 28, (byte)0);
        buffer.putByte(0, (byte)0x45);
        buffer.putShort(2, (short)length, ByteOrder.BIG_ENDIAN);
        buffer.putShort(6, (short)0x4000, ByteOrder.BIG_ENDIAN);
        buffer.putByte(8, (byte)64);
        buffer.putByte(9, (byte)17);
        buffer.putInt(12, source, ByteOrder.BIG_ENDIAN);
        buffer.putInt(16, destination, ByteOrder.BIG_ENDIAN);
        buffer.putShort(20, (short)SOURCE_PORT, ByteOrder.BIG_ENDIAN);
        buffer.putShort(22, (short)PORT, ByteOrder.BIG_ENDIAN);
        buffer.putShort(24, (short)(8 + payload), ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < payload; i++)
        {
            buffer.putByte(28 + i, (byte)i);
        }
        return length;
    }

    private UdpSocket udp(final String netns, final int address) throws Exception
    {
        final UdpSocket socket = namespaceThread.call(IpRoute2.netnsPath(netns), () -> UdpSocket.bind(address, PORT));
        toClose.add(socket);
        return socket;
    }

    private UdpCapture capture(final String netns) throws Exception
    {
        final UdpCapture capture = namespaceThread.call(IpRoute2.netnsPath(netns), UdpCapture::open);
        toClose.add(capture);
        return capture;
    }

    private int receive(final UdpSocket socket, final int offset) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + 2000;
        while (System.currentTimeMillis() < deadline)
        {
            final int n = socket.receive(buffer.addressOffset() + offset, 2048);
            if (n != -LinuxCalls.EAGAIN)
            {
                return n;
            }
            Thread.sleep(5);
        }
        return 0;
    }
}
