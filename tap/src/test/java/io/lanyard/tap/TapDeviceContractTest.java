package io.lanyard.tap;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same contract for every I/O backend, on a real TAP device inside a real namespace. */
class TapDeviceContractTest
{
    private static final int FRAME_OFFSET = TapDevice.VNET_HEADER_LENGTH;

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private String netns;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "ethtool");
        namespaces = new Namespaces("tap");
        namespaceThread = new NamespaceThread();
        netns = namespaces.add("c");
    }

    @AfterEach
    void tearDown()
    {
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void shouldReadTheArpRequestOfAPingAndHaveTheKernelLearnTheReplyWeWrite(final String backend) throws Exception
    {
        final TapDevice tap = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth0", TapDevice.OFFLOAD_TCP));
        IpRoute2.batch(netns, List.of("link set eth0 address 02:42:0a:63:00:01", "addr add 10.99.0.1/24 dev eth0", "link set eth0 up"));

        final ByteBuffer memory = BufferUtil.allocateDirectAligned(70_000, 64);
        final UnsafeBuffer buffer = new UnsafeBuffer(memory);
        final BlockingQueue<byte[]> frames = new ArrayBlockingQueue<>(64);
        try (IoLoop loop = IoLoop.create(backend, "test-io"))
        {
            final IoLoop.Watch watch = loop.watchReadable(tap.fd(), () ->
            {
                for (int i = 0; i < 8; i++)
                {
                    final int n = tap.read(buffer.addressOffset(), buffer.capacity());
                    if (n <= 0)
                    {
                        return;
                    }
                    final byte[] frame = new byte[n];
                    buffer.getBytes(0, frame);
                    frames.offer(frame);
                }
            });

            namespaces.spawn(netns, null, "ping", "-c", "3", "-i", "0.2", "10.99.0.2");

            final byte[] arp = awaitFrame(frames, 0x0806);
            assertNotNull(arp, "an ARP request for 10.99.0.2 arrives through " + backend);
            final ByteBuffer request = ByteBuffer.wrap(arp).order(ByteOrder.BIG_ENDIAN);
            assertEquals(1, request.getShort(FRAME_OFFSET + 14 + 6), "opcode is request");
            assertEquals(0x0a630002, request.getInt(FRAME_OFFSET + 14 + 24), "target is 10.99.0.2");

            final UnsafeBuffer reply = new UnsafeBuffer(BufferUtil.allocateDirectAligned(128, 64));
            writeArpReply(reply, arp);
            assertEquals(FRAME_OFFSET + 42, tap.write(reply.addressOffset(), FRAME_OFFSET + 42));

            final byte[] echo = awaitFrame(frames, 0x0800);
            assertNotNull(echo, "after our ARP reply the kernel sends the ICMP echo itself");
            assertTrue(Shell.check("ip", "-n", netns, "neigh", "show", "10.99.0.2").output().contains("02:42:0a:63:00:02"),
                "the kernel learned the MAC we wrote");
            watch.cancel();
        }
        finally
        {
            tap.unpersist();
            tap.close();
        }
    }

    @Test
    void shouldKeepAPersistentDeviceAcrossCloseAndReattachToItFromInsideTheNamespace()
    {
        final TapDevice first = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth0", TapDevice.OFFLOAD_TCP));
        IpRoute2.batch(netns, List.of("link set eth0 address 02:42:0a:63:00:01", "link set eth0 up"));
        final String before = Shell.check("ip", "-n", netns, "-o", "link", "show", "eth0").output();
        first.close();

        assertTrue(namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.exists("eth0")), "the device outlives its descriptor");
        final TapDevice second = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth0", TapDevice.OFFLOAD_TCP));
        final String after = Shell.check("ip", "-n", netns, "-o", "link", "show", "eth0").output();
        assertEquals(before.split(":")[0], after.split(":")[0], "same ifindex: re-attached, not recreated");
        assertTrue(after.contains("02:42:0a:63:00:01"), "configuration kept");

        second.unpersist();
        second.close();
        assertFalse(namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.exists("eth0")), "gone once no longer persistent");
    }

    @Test
    void shouldAdvertiseTcpAndUdpSegmentationOffloadWhenAsked()
    {
        final TapDevice tap = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth0", TapDevice.OFFLOAD_TCP));
        final String features = namespaces.exec(netns, "ethtool", "-k", "eth0").assertOk().output();
        assertTrue(features.contains("tcp-segmentation-offload: on"), features);
        assertTrue(features.contains("tx-udp-segmentation: off"), "USO only when asked:\n" + features);
        tap.unpersist();
        tap.close();

        final TapDevice both = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth2", TapDevice.OFFLOAD_TCP_UDP));
        final String withUdp = namespaces.exec(netns, "ethtool", "-k", "eth2").assertOk().output();
        assertTrue(withUdp.contains("tcp-segmentation-offload: on") && withUdp.contains("tx-udp-segmentation: on"),
            "a kernel from 6.2 takes USO (this one: " + System.getProperty("os.version") + "):\n" + withUdp);
        assertEquals(TapDevice.OFFLOAD_TCP_UDP, both.offloads());
        both.unpersist();
        both.close();

        final TapDevice plain = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth1", TapDevice.OFFLOAD_NONE));
        final String none = namespaces.exec(netns, "ethtool", "-k", "eth1").assertOk().output();
        assertTrue(none.contains("tcp-segmentation-offload: off"), none);
        plain.unpersist();
        plain.close();
    }

    private static byte[] awaitFrame(final BlockingQueue<byte[]> frames, final int etherType) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline)
        {
            final byte[] frame = frames.poll(100, TimeUnit.MILLISECONDS);
            if (frame != null && frame.length >= FRAME_OFFSET + 14 &&
                (((frame[FRAME_OFFSET + 12] & 0xFF) << 8) | (frame[FRAME_OFFSET + 13] & 0xFF)) == etherType)
            {
                return frame;
            }
        }
        return null;
    }

    private static void writeArpReply(final UnsafeBuffer out, final byte[] request)
    {
        final UnsafeBuffer in = new UnsafeBuffer(request);
        out.setMemory(0, FRAME_OFFSET, (byte)0);
        final int eth = FRAME_OFFSET;
        out.putBytes(eth, in, eth + 6, 6);                       // destination = requester
        out.putBytes(eth + 6, new byte[] {2, 0x42, 10, 99, 0, 2}); // source = the answer
        out.putShort(eth + 12, (short)0x0806, ByteOrder.BIG_ENDIAN);
        final int arp = eth + 14;
        out.putBytes(arp, in, arp, 6);                            // htype, ptype, hlen, plen
        out.putShort(arp + 6, (short)2, ByteOrder.BIG_ENDIAN);
        out.putBytes(arp + 8, new byte[] {2, 0x42, 10, 99, 0, 2});
        out.putBytes(arp + 14, in, arp + 24, 4);                 // sender IP = the asked-for address
        out.putBytes(arp + 18, in, arp + 8, 10);                 // target = requester MAC + IP
    }
}
