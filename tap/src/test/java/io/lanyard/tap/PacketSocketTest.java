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

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A packet socket on each end of a veth pair, the ends in two namespaces of their own:
 * <pre>
 *   namespace a                          namespace b
 *   [PacketSocket] -- up-a  =====veth=====  up-b -- [PacketSocket]
 * </pre>
 */
class PacketSocketTest
{
    private static final int VNET = PacketSocket.VNET_HEADER_LENGTH;
    private static final String IF_A = "up-a";
    private static final String IF_B = "up-b";
    private static final long MAC_A = 0x02_00_5e_00_00_0aL;
    private static final long MAC_B = 0x02_00_5e_00_00_0bL;
    private static final int TEST_ETHERTYPE = 0x88B5; // IEEE 802 local experimental
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int SLOT_BYTES = VNET + 65_535;

    private static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    private static final int VIRTIO_NET_HDR_GSO_TCPV4 = 1;

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private String netnsA;
    private String netnsB;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** Every direct buffer whose address the kernel writes to stays reachable from here. */
    private final List<ByteBuffer> memory = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "sysctl");
        namespaces = new Namespaces("pkt");
        namespaceThread = new NamespaceThread();
        netnsA = namespaces.add("a");
        netnsB = namespaces.add("b");
        for (final String netns : List.of(netnsA, netnsB))
        {
            // no IPv6 chatter (router solicitations, MLD) on the wire the tests watch
            namespaces.exec(netns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").assertOk();
        }
        Shell.check("ip", "-n", netnsA, "link", "add", IF_A, "address", format(MAC_A), "type", "veth",
            "peer", "name", IF_B, "address", format(MAC_B), "netns", netnsB);
        Shell.check("ip", "-n", netnsA, "link", "set", IF_A, "up");
        Shell.check("ip", "-n", netnsB, "link", "set", IF_B, "up");
        awaitOperational(netnsA, IF_A);
        awaitOperational(netnsB, IF_B);
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final AutoCloseable closeable : toClose)
        {
            closeable.close();
        }
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
    void shouldDeliverAFrameWrittenOnOneSideIntactToTheOtherSide(final String backend) throws Exception
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);
        final UnsafeBuffer slot = slot();
        final BlockingQueue<byte[]> arrived = new ArrayBlockingQueue<>(64);
        final IoLoop loop = IoLoop.create(backend, "test-pkt");
        toClose.add(loop);
        final IoLoop.Watch watch = loop.watchReadable(b.fd(), () ->
        {
            for (int i = 0; i < 8; i++)
            {
                final int n = b.read(slot.addressOffset(), slot.capacity());
                if (n <= 0)
                {
                    return;
                }
                final byte[] frame = new byte[n];
                slot.getBytes(0, frame);
                arrived.offer(frame);
            }
        });
        try
        {
            final byte[] frame = testFrame(MAC_B, MAC_A, 100, (byte)0x5a);
            assertEquals(VNET + frame.length, write(a, new byte[VNET], frame), "a write reports the virtio header and the frame");

            final byte[] read = await(arrived, f -> etherType(f) == TEST_ETHERTYPE);
            assertNotNull(read, "the frame arrives on the other end through " + backend);
            assertEquals(VNET + frame.length, read.length);
            assertArrayEquals(frame, Arrays.copyOfRange(read, VNET, read.length), "the same bytes after the virtio header");
            assertEquals(0, read[1], "not a GSO frame");
        }
        finally
        {
            watch.cancel();
        }
    }

    @Test
    void shouldNotReadFramesThatOthersSendOnTheSameInterface()
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket neighbour = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);

        final byte[] frame = testFrame(MAC_B, MAC_A, 64, (byte)0x11);
        assertEquals(VNET + frame.length, write(neighbour, new byte[VNET], frame));
        assertEquals(VNET + frame.length, write(a, new byte[VNET], frame));

        final List<byte[]> atB = collect(b, 300);
        assertEquals(2, atB.stream().filter(f -> etherType(f) == TEST_ETHERTYPE).count(), "both frames went out");
        final List<byte[]> atA = collect(a, 100);
        assertTrue(atA.stream().noneMatch(f -> etherType(f) == TEST_ETHERTYPE),
            "neither its own frame nor the neighbour's comes back: " + atA.size() + " frames read");
    }

    @Test
    void shouldSeeWhatTheKernelSendsOnThePeerButNotWhatItSendsOnItsOwnInterface()
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);
        Shell.check("ip", "-n", netnsB, "addr", "add", "192.0.2.2/24", "dev", IF_B);

        namespaces.spawn(netnsB, null, "ping", "-c", "1", "-W", "1", "192.0.2.9");

        final UnsafeBuffer slot = slot();
        final List<byte[]> atB = new ArrayList<>();
        byte[] arp = null;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (arp == null && System.nanoTime() < deadline)
        {
            final byte[] frame = readOne(a, slot);
            if (frame != null && etherType(frame) == ETHERTYPE_ARP)
            {
                arp = frame;
            }
            final byte[] own = readOne(b, slot);
            if (own != null)
            {
                atB.add(own);
            }
            if (frame == null && own == null)
            {
                pause();
            }
        }
        atB.addAll(collect(b, 100));

        assertNotNull(arp, "the kernel's ARP request reaches the socket on the other end");
        final ByteBuffer request = ByteBuffer.wrap(arp);
        assertEquals(MAC_B, mac(request, VNET + 6), "sent from up-b");
        assertEquals(1, request.getShort(VNET + 14 + 6), "opcode request");
        assertEquals(0xc0000202, request.getInt(VNET + 14 + 14), "sender 192.0.2.2");
        assertEquals(0xc0000209, request.getInt(VNET + 14 + 24), "target 192.0.2.9");
        assertTrue(atB.stream().noneMatch(f -> etherType(f) == ETHERTYPE_ARP),
            "the socket on up-b does not see its own kernel's outgoing ARP");
    }

    @Test
    void shouldHaveTheKernelAcceptAGsoSuperFrameAndDeliverItsWholePayload()
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);
        final byte[] payload = new byte[20_000];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)(i * 31 + 7);
        }
        final byte[] frame = tcpFrame(MAC_B, MAC_A, 0xc0000201, 0xc0000202, 40000, 5001, 1_000_000, payload);
        final byte[] header = virtioHeader(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 54, 1448, 34, 16);

        assertEquals(VNET + frame.length, write(a, header, frame), "the kernel takes the whole super-frame");

        final List<byte[]> segments = collect(b, 500).stream().filter(f -> etherType(f) == ETHERTYPE_IPV4).toList();
        assertFalse(segments.isEmpty(), "the TCP data arrives on up-b");
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (final byte[] segment : segments)
        {
            final ByteBuffer view = ByteBuffer.wrap(segment);
            final int ipLength = view.getShort(VNET + 14 + 2) & 0xFFFF;
            assertEquals(segment.length - VNET - 14, ipLength, "the IPv4 total length covers this frame");
            if (segment.length - VNET > 1514)
            {
                assertEquals(VIRTIO_NET_HDR_GSO_TCPV4, segment[1], "a super-frame comes with its GSO type");
                assertEquals(1448, view.order(ByteOrder.LITTLE_ENDIAN).getShort(4), "and its segment size");
            }
            data.write(segment, VNET + 54, segment.length - VNET - 54);
        }
        assertArrayEquals(payload, data.toByteArray(), "one super-frame or its segments: the whole payload, in order");
    }

    @Test
    void shouldReadTheKernelsTcpSuperFramesFromThePeerWithTheirGsoHeader() throws Exception
    {
        Shell.check("ip", "-n", netnsA, "addr", "add", "192.0.2.1/24", "dev", IF_A);
        Shell.check("ip", "-n", netnsB, "addr", "add", "192.0.2.2/24", "dev", IF_B);
        final PacketSocket a = open(netnsA, IF_A);
        final ServerSocket server = namespaceThread.call(IpRoute2.netnsPath(netnsA),
            () -> new ServerSocket(5001, 1, InetAddress.getByName("192.0.2.1")));
        toClose.add(server);
        final CompletableFuture<Long> received = CompletableFuture.supplyAsync(() ->
        {
            try (Socket peer = server.accept(); InputStream in = peer.getInputStream())
            {
                return in.transferTo(OutputStream.nullOutputStream());
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        final Socket client = namespaceThread.call(IpRoute2.netnsPath(netnsB), () ->
        {
            final Socket socket = new Socket();
            socket.connect(new InetSocketAddress("192.0.2.1", 5001), 2000);
            return socket;
        });
        toClose.add(client);
        final int total = 4 * 1024 * 1024;
        final CompletableFuture<Void> sent = CompletableFuture.runAsync(() ->
        {
            try (OutputStream out = client.getOutputStream())
            {
                out.write(new byte[total]);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        sent.get(10, TimeUnit.SECONDS);
        assertEquals(total, received.get(10, TimeUnit.SECONDS));

        final List<byte[]> frames = collect(a, 200);
        final List<byte[]> superFrames = frames.stream().filter(f -> f.length - VNET > 1514).toList();
        assertFalse(superFrames.isEmpty(), "veth hands the peer's TCP super-frames to the packet socket unsegmented");
        final byte[] first = superFrames.get(0);
        assertEquals(VIRTIO_NET_HDR_GSO_TCPV4, first[1], "GSO type TCPv4");
        assertTrue(le16(first, 4) > 0 && le16(first, 4) <= 1448, "a segment size no larger than the MSS");
        assertEquals(VIRTIO_NET_HDR_F_NEEDS_CSUM, first[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM, "the checksum is still partial");
        assertEquals(34, le16(first, 6), "checksum starts at the TCP header");
        assertEquals(16, le16(first, 8), "the TCP checksum field");
    }

    @Test
    void shouldReportTheInterfacesMacAndMtuAsIpSeesThem()
    {
        Shell.check("ip", "-n", netnsA, "link", "set", IF_A, "mtu", "1400");
        final PacketSocket a = open(netnsA, IF_A);
        final String link = Shell.check("ip", "-j", "-n", netnsA, "link", "show", IF_A).output();

        assertEquals(jsonString(link, "address"), format(a.mac()));
        assertEquals(Integer.parseInt(jsonNumber(link, "mtu")), a.mtu());
        assertEquals(Integer.parseInt(jsonNumber(link, "ifindex")), a.ifindex());
        assertEquals(IF_A, a.name());

        Shell.check("ip", "-n", netnsA, "link", "set", IF_A, "address", "02:00:5e:00:00:99", "mtu", "9000");
        assertEquals(0x02_00_5e_00_00_99L, a.mac(), "asked afresh each time");
        assertEquals(9000, a.mtu());
    }

    @Test
    void shouldAskForLargeSocketBuffers()
    {
        final PacketSocket a = open(netnsA, IF_A);
        // the kernel doubles what it is given for its bookkeeping; without the FORCE options it
        // would be capped at net.core.rmem_max/wmem_max (about 208 KiB by default)
        assertEquals(2 * PacketSocket.SOCKET_BUFFER_BYTES, intOption(a, PacketSocket.SO_RCVBUF));
        assertEquals(2 * PacketSocket.SOCKET_BUFFER_BYTES, intOption(a, PacketSocket.SO_SNDBUF));
    }

    @Test
    void shouldRefuseAnInterfaceThatDoesNotExistNamingItAndTheReason()
    {
        final LinuxException missing = assertThrows(LinuxException.class,
            () -> namespaceThread.call(IpRoute2.netnsPath(netnsA), () -> PacketSocket.open("eth9")));
        assertEquals("uplink eth9: no such interface (errno 19)", missing.getMessage());
        assertEquals(LinuxCalls.ENODEV, missing.errno());

        final LinuxException elsewhere = assertThrows(LinuxException.class,
            () -> namespaceThread.call(IpRoute2.netnsPath(netnsA), () -> PacketSocket.open(IF_B)));
        assertEquals("uplink up-b: no such interface (errno 19)", elsewhere.getMessage(), "opened in the calling thread's namespace");
    }

    @Test
    void shouldRefuseAnInterfaceThatIsNotEthernet()
    {
        final LinuxException loopback = assertThrows(LinuxException.class,
            () -> namespaceThread.call(IpRoute2.netnsPath(netnsA), () -> PacketSocket.open("lo")));
        assertEquals("uplink lo: not an Ethernet interface (hardware type 772)", loopback.getMessage());
    }

    @Test
    void shouldDropAFrameThatDoesNotFitRatherThanReturnItCut()
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);
        final byte[] frame = testFrame(MAC_B, MAC_A, 1000, (byte)0x22);
        write(a, new byte[VNET], frame);

        final UnsafeBuffer small = slot();
        int n = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (n == 0 && System.nanoTime() < deadline)
        {
            n = b.read(small.addressOffset(), 200);
            if (n == 0)
            {
                pause();
            }
        }
        assertEquals(-LinuxCalls.EMSGSIZE, n);
        assertEquals(0, b.read(small.addressOffset(), small.capacity()), "the frame is gone");
    }

    @Test
    void shouldReportNetworkDownOnceWhenTheInterfaceIsDeletedThenStayQuiet() throws Exception
    {
        final PacketSocket a = open(netnsA, IF_A);
        final UnsafeBuffer slot = slot();
        final IoLoop loop = IoLoop.create("epoll", "test-pkt");
        toClose.add(loop);
        final BlockingQueue<Integer> results = new ArrayBlockingQueue<>(10_000);
        final IoLoop.Watch watch = loop.watchReadable(a.fd(), () -> results.offer(a.read(slot.addressOffset(), slot.capacity())));
        try
        {
            Shell.check("ip", "-n", netnsA, "link", "del", IF_A);

            assertEquals(-100, results.poll(2, TimeUnit.SECONDS), "the loop wakes once with ENETDOWN");
            Thread.sleep(300);
            assertTrue(results.isEmpty(), "and the descriptor does not stay readable: " + results.size() + " more wake-ups");
        }
        finally
        {
            watch.cancel();
        }
        assertEquals(0, a.read(slot.addressOffset(), slot.capacity()), "later reads find nothing");
        assertEquals(-6, write(a, new byte[VNET], testFrame(MAC_B, MAC_A, 64, (byte)0)), "a write fails with ENXIO");
    }

    @Test
    void shouldReportNetworkDownOnceWhenTheInterfaceGoesDownAndWorkAgainOnceItIsUp()
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);
        final UnsafeBuffer slot = slot();
        final byte[] frame = testFrame(MAC_B, MAC_A, 64, (byte)0x33);

        Shell.check("ip", "-n", netnsA, "link", "set", IF_A, "down");
        assertEquals(-100, a.read(slot.addressOffset(), slot.capacity()), "ENETDOWN once");
        assertEquals(0, a.read(slot.addressOffset(), slot.capacity()), "then nothing");
        assertEquals(-100, write(a, new byte[VNET], frame), "a write to a down interface fails with ENETDOWN");

        Shell.check("ip", "-n", netnsA, "link", "set", IF_A, "up");
        awaitOperational(netnsA, IF_A);
        assertEquals(VNET + frame.length, write(a, new byte[VNET], frame));
        assertEquals(1, collect(b, 300).stream().filter(f -> etherType(f) == TEST_ETHERTYPE).count(), "the same socket works again");
    }

    @Test
    void shouldRefuseAFrameLongerThanTheMtuUnlessItIsAGsoFrame()
    {
        final PacketSocket a = open(netnsA, IF_A);
        assertEquals(VNET + 1514, write(a, new byte[VNET], testFrame(MAC_B, MAC_A, 1500, (byte)0)));
        assertEquals(-LinuxCalls.EMSGSIZE, write(a, new byte[VNET], testFrame(MAC_B, MAC_A, 1501, (byte)0)));
    }

    /** A known limitation: the tag is in skb metadata, which only PACKET_AUXDATA would report. */
    @Test
    void shouldReadAVlanTaggedFrameWithoutItsTag()
    {
        final PacketSocket a = open(netnsA, IF_A);
        final PacketSocket b = open(netnsB, IF_B);
        final ByteBuffer tagged = ByteBuffer.allocate(14 + 4 + 64);
        putMac(tagged, MAC_B);
        putMac(tagged, MAC_A);
        tagged.putShort((short)0x8100).putShort((short)5).putShort((short)TEST_ETHERTYPE);
        assertEquals(VNET + tagged.capacity(), write(a, new byte[VNET], tagged.array()));

        final List<byte[]> frames = collect(b, 300);
        assertEquals(1, frames.size());
        assertEquals(TEST_ETHERTYPE, etherType(frames.get(0)), "the 802.1Q tag was taken off before the socket saw the frame");
        assertEquals(VNET + tagged.capacity() - 4, frames.get(0).length);
    }

    @Test
    void shouldCloseOnlyOnce()
    {
        final PacketSocket a = open(netnsA, IF_A);
        a.close();
        a.close();
        assertTrue(a.isClosed());
    }


    // ---------------------------------------------------------------------------------------

    private PacketSocket open(final String netns, final String name)
    {
        final PacketSocket socket = namespaceThread.call(IpRoute2.netnsPath(netns), () -> PacketSocket.open(name));
        toClose.add(socket);
        return socket;
    }

    /**
     * Until linkwatch (rate-limited to one run a second) has seen the carrier, the device keeps the
     * noop qdisc, which drops every frame while the write still reports success.
     */
    private static void awaitOperational(final String netns, final String name)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String link = "";
        while (System.nanoTime() < deadline)
        {
            link = Shell.check("ip", "-n", netns, "link", "show", name).output();
            if (link.contains("state UP") && !link.contains("qdisc noop"))
            {
                return;
            }
            pause();
        }
        throw new AssertionError(name + " in " + netns + " did not become operational: " + link);
    }

    private UnsafeBuffer slot()
    {
        final ByteBuffer buffer = BufferUtil.allocateDirectAligned(SLOT_BYTES + 64 - SLOT_BYTES % 64, 64);
        memory.add(buffer);
        return new UnsafeBuffer(buffer);
    }

    private int write(final PacketSocket socket, final byte[] header, final byte[] frame)
    {
        final UnsafeBuffer slot = slot();
        slot.putBytes(0, header);
        slot.putBytes(VNET, frame);
        return socket.write(slot.addressOffset(), VNET + frame.length);
    }

    private static byte[] readOne(final PacketSocket socket, final UnsafeBuffer slot)
    {
        final int n = socket.read(slot.addressOffset(), slot.capacity());
        if (n < 0)
        {
            throw new AssertionError("read failed: errno " + -n);
        }
        if (n == 0)
        {
            return null;
        }
        final byte[] frame = new byte[n];
        slot.getBytes(0, frame);
        return frame;
    }

    /** Everything that arrives within {@code millis}. */
    private List<byte[]> collect(final PacketSocket socket, final long millis)
    {
        final UnsafeBuffer slot = slot();
        final List<byte[]> frames = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline)
        {
            final byte[] frame = readOne(socket, slot);
            if (frame == null)
            {
                pause();
            }
            else
            {
                frames.add(frame);
            }
        }
        return frames;
    }

    private static byte[] await(final BlockingQueue<byte[]> frames, final Predicate<byte[]> wanted) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline)
        {
            final byte[] frame = frames.poll(100, TimeUnit.MILLISECONDS);
            if (frame != null && wanted.test(frame))
            {
                return frame;
            }
        }
        return null;
    }

    private static void pause()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    private static int intOption(final PacketSocket socket, final int option)
    {
        final byte[] value = new byte[4];
        final int[] length = {4};
        assertEquals(0, LinuxCalls.LIBC.getsockopt(socket.fd(), LinuxCalls.SOL_SOCKET, option, value, length));
        return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt();
    }

    private static int etherType(final byte[] frame)
    {
        return frame.length < VNET + 14 ? -1 : ((frame[VNET + 12] & 0xFF) << 8) | (frame[VNET + 13] & 0xFF);
    }

    private static int le16(final byte[] bytes, final int offset)
    {
        return (bytes[offset] & 0xFF) | ((bytes[offset + 1] & 0xFF) << 8);
    }

    private static long mac(final ByteBuffer buffer, final int offset)
    {
        return ((buffer.getShort(offset) & 0xFFFFL) << 32) | (buffer.getInt(offset + 2) & 0xFFFF_FFFFL);
    }

    private static void putMac(final ByteBuffer buffer, final long mac)
    {
        buffer.putShort((short)(mac >>> 32)).putInt((int)mac);
    }

    private static String format(final long mac)
    {
        final StringBuilder text = new StringBuilder();
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            text.append(String.format("%02x", (mac >>> shift) & 0xFF)).append(shift > 0 ? ":" : "");
        }
        return text.toString();
    }

    /** The virtio_net_hdr in the host's byte order, as PACKET_VNET_HDR and IFF_VNET_HDR use it on x86. */
    private static byte[] virtioHeader(final int flags, final int gsoType, final int headerLength, final int gsoSize,
        final int checksumStart, final int checksumOffset)
    {
        return ByteBuffer.allocate(VNET).order(ByteOrder.LITTLE_ENDIAN)
            .put((byte)flags).put((byte)gsoType).putShort((short)headerLength).putShort((short)gsoSize)
            .putShort((short)checksumStart).putShort((short)checksumOffset).array();
    }

    private static byte[] testFrame(final long destination, final long source, final int payloadLength, final byte fill)
    {
        final ByteBuffer frame = ByteBuffer.allocate(14 + payloadLength);
        putMac(frame, destination);
        putMac(frame, source);
        frame.putShort((short)TEST_ETHERTYPE);
        for (int i = 0; i < payloadLength; i++)
        {
            frame.put((byte)(fill + i));
        }
        return frame.array();
    }

    /** Ethernet + IPv4 + TCP with the TCP checksum field holding the pseudo-header sum (partial checksum). */
    private static byte[] tcpFrame(final long destination, final long source, final int sourceIp, final int destinationIp,
        final int sourcePort, final int destinationPort, final int sequence, final byte[] payload)
    {
        final int tcpLength = 20 + payload.length;
        final ByteBuffer frame = ByteBuffer.allocate(14 + 20 + tcpLength);
        putMac(frame, destination);
        putMac(frame, source);
        frame.putShort((short)ETHERTYPE_IPV4);
        frame.put((byte)0x45).put((byte)0).putShort((short)(20 + tcpLength)).putShort((short)0x1234).putShort((short)0x4000)
            .put((byte)64).put((byte)6).putShort((short)0).putInt(sourceIp).putInt(destinationIp);
        frame.putShort(14 + 10, (short)~onesComplementSum(frame.array(), 14, 20, 0));
        frame.putShort((short)sourcePort).putShort((short)destinationPort).putInt(sequence).putInt(1)
            .put((byte)0x50).put((byte)0x18).putShort((short)65535).putShort((short)0).putShort((short)0);
        final int pseudo = (sourceIp >>> 16) + (sourceIp & 0xFFFF) + (destinationIp >>> 16) + (destinationIp & 0xFFFF) + 6 + tcpLength;
        frame.putShort(14 + 20 + 16, (short)fold(pseudo));
        frame.put(payload);
        return frame.array();
    }

    private static int onesComplementSum(final byte[] bytes, final int offset, final int length, final int initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            sum += ((bytes[offset + i] & 0xFF) << 8) | (i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0);
        }
        return fold(sum);
    }

    private static int fold(final long value)
    {
        long sum = value;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    private static String jsonString(final String json, final String key)
    {
        final Matcher matcher = Pattern.compile("\"" + key + "\":\"([^\"]*)\"").matcher(json);
        assertTrue(matcher.find(), key + " in " + json);
        return matcher.group(1);
    }

    private static String jsonNumber(final String json, final String key)
    {
        final Matcher matcher = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(matcher.find(), key + " in " + json);
        return matcher.group(1);
    }
}
