package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.tap.TapDevice;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private Port attach(final String name, final String address, final int domain)
    {
        final String netns = namespaces.add(name);
        final TapDevice tap = namespaceThread.call(IpRoute2.netnsPath(netns), () -> TapDevice.open("eth0", TapDevice.OFFLOAD_TCP));
        taps.add(tap);
        IpRoute2.batch(netns, List.of("addr add " + address + "/24 dev eth0", "link set eth0 up"));
        return dataplane.ports().attachTap(tap, domain, name + "/eth0");
    }
}
