package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.tap.GuestTap;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.tap.PacketSocket;
import io.lanyard.tap.TapDevice;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.agrona.BufferUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Real namespaces, real TAPs, the whole pipeline: ping crosses the Java switch. */
class TapSwitchingTest
{
    @TempDir
    Path tmp;

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private Dataplane dataplane;
    private final List<TapDevice> taps = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        if (dataplane != null)
        {
            dataplane.close();
        }
        for (final TapDevice tap : taps)
        {
            tap.close();
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
    @CsvSource({"epoll,fused", "io_uring,fused", "epoll,inline", "epoll,staged", "io_uring,inline"})
    void shouldSwitchArpAndIcmpBetweenTwoNamespacesAndIsolateAThirdOnAnotherDomain(final String backend, final String pipeline)
    {
        Privileges.requireNetAdmin("ip", "ping");
        namespaces = new Namespaces("dp");
        namespaceThread = new NamespaceThread();
        dataplane = Dataplane.start(DataplaneConfig.defaults(tmp.resolve("counters")).withIoBackend(backend).withPipeline(pipeline).withRingSize(64));

        final Port a = attach("a", "10.77.0.1", 0);
        final Port b = attach("b", "10.77.0.2", 0);
        final Port c = attach("c", "10.77.0.3", 1);

        namespaces.exec(namespaces.prefix() + "a", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2").assertOk();
        assertTrue(b.counters().txPackets() >= 4, "ARP request and echoes reached b: " + b.counters().txPackets());
        assertTrue(a.counters().rxPackets() >= 4);

        final long cBefore = c.counters().txPackets();
        final int status = namespaces.exec(namespaces.prefix() + "a", "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.77.0.3").status();
        assertTrue(status != 0, "a cannot reach c on another domain");
        assertEquals(cBefore, c.counters().txPackets(), "not even the ARP broadcast crossed domains");

        dataplane.ports().detach(b);
        assertEquals(0, b.counters().drops(DropReason.TX_ERROR));
    }

    @Test
    void shouldKeepAnInlinePipelineFlowingWhenItsRingIsSmallerThanABurst()
    {
        Privileges.requireNetAdmin("ip", "ping");
        namespaces = new Namespaces("dq");
        namespaceThread = new NamespaceThread();
        dataplane = Dataplane.start(DataplaneConfig.defaults(tmp.resolve("counters")).withPipeline(DataplaneConfig.PIPELINE_INLINE)
            .withRingSize(8));
        attach("a", "10.77.1.1", 0);
        attach("b", "10.77.1.2", 0);

        // -l 30 keeps 30 echoes in flight: more frames wait at once than the ring has slots
        // ping stops once 600 replies are in (with 30 in flight it sends a few more) or at the 10 s
        // deadline: a pipeline that stalls (the bug this guards against) answers none after the
        // stall; a few echoes lost to the kernel's queues are not what is tested here
        final String out = namespaces.exec(namespaces.prefix() + "a", "ping", "-f", "-l", "30", "-c", "600", "-w", "10", "10.77.1.2")
            .assertOk().output();
        final java.util.regex.Matcher received = java.util.regex.Pattern.compile("(\\d+) received").matcher(out);
        assertTrue(received.find() && Integer.parseInt(received.group(1)) >= 600, out);
    }

    /**
     * A VM monitor's TAP: the test holds its file end, as the monitor would, and the switch reaches
     * it through a packet socket on its netdev end, in a namespace standing for the daemon's.
     */
    @Test
    void shouldSwitchFramesToAndFromAGuestThroughAPacketSocketOnItsTap()
    {
        Privileges.requireNetAdmin("ip", "ping");
        namespaces = new Namespaces("dg");
        namespaceThread = new NamespaceThread();
        dataplane = Dataplane.start(DataplaneConfig.defaults(tmp.resolve("counters")).withRingSize(64));
        attach("a", "10.77.2.1", 0);
        final Path daemon = IpRoute2.netnsPath(namespaces.add("d"));
        final TapDevice monitor = namespaceThread.call(daemon, () ->
        {
            GuestTap.create("vm0", GuestTap.NO_OWNER);
            GuestTap.configure("vm0", 1500);
            return TapDevice.open("vm0", TapDevice.OFFLOAD_NONE);
        });
        taps.add(monitor);
        final PacketSocket netdevEnd = namespaceThread.call(daemon, () -> PacketSocket.open("vm0"));
        final Port guest = dataplane.ports().attachDevice(netdevEnd, 0, "vm:vm0", false);

        final Process ping = namespaces.spawn(namespaces.prefix() + "a", null, "ping", "-c", "3", "-W", "1", "10.77.2.9");
        final ByteBuffer frame = ByteBuffer.allocateDirect(TapDevice.VNET_HEADER_LENGTH + 2048);
        final byte[] request = awaitArpRequest(monitor, frame);
        final byte[] reply = arpReply(request, 0x02_00_00_00_07_09L, new byte[] {10, 77, 2, 9});
        frame.clear();
        frame.put(new byte[TapDevice.VNET_HEADER_LENGTH]).put(reply);
        assertEquals(frame.position(), monitor.write(BufferUtil.address(frame), frame.position()));

        assertTrue(Shell.run(List.of("sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do ip -n " + namespaces.prefix() +
            "a neigh show 10.77.2.9 | grep -q 02:00:00:00:07:09 && exit 0; sleep 0.2; done; exit 1")).status() == 0,
            "a learnt the guest's MAC from its reply");
        assertTrue(guest.counters().rxPackets() >= 1 && guest.counters().txPackets() >= 1);
        ping.destroy();
        dataplane.ports().detach(guest);
        netdevEnd.close();
    }

    /** Reads the monitor's end until an ARP request comes; returns it without its virtio header. */
    private static byte[] awaitArpRequest(final TapDevice monitor, final ByteBuffer frame)
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            final int n = monitor.read(BufferUtil.address(frame), frame.capacity());
            final int start = TapDevice.VNET_HEADER_LENGTH;
            if (n > start + 14 && frame.getShort(start + 12) == 0x0806 && frame.getShort(start + 20) == 1)
            {
                final byte[] bytes = new byte[n - start];
                frame.get(start, bytes);
                return bytes;
            }
            if (n <= 0)
            {
                Thread.onSpinWait();
            }
        }
        return fail("no ARP request reached the monitor's end of the TAP");
    }

    private static byte[] arpReply(final byte[] request, final long mac, final byte[] address)
    {
        final ByteBuffer reply = ByteBuffer.allocate(42);
        final byte[] macBytes = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            macBytes[i] = (byte)(mac >>> (40 - 8 * i));
        }
        reply.put(request, 6, 6).put(macBytes).putShort((short)0x0806);
        reply.putShort((short)1).putShort((short)0x0800).put((byte)6).put((byte)4).putShort((short)2);
        reply.put(macBytes).put(address).put(request, 22, 10);
        return reply.array();
    }

    private Port attach(final String name, final String address, final int domain)
    {
        final String netns = namespaces.add(name);
        final TapDevice tap = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth0", TapDevice.OFFLOAD_TCP));
        taps.add(tap);
        IpRoute2.batch(netns, List.of("addr add " + address + "/24 dev eth0", "link set eth0 up"));
        return dataplane.ports().attachTap(tap, domain, name + "/eth0");
    }
}
