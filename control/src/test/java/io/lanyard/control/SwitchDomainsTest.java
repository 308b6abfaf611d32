package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.overlay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Domain numbers over a real (portless) dataplane, for a daemon with no host-side ports, uplink or cluster. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SwitchDomainsTest
{
    @TempDir
    Path tempDir;

    private Dataplane dataplane;
    private SwitchDomains domains;

    @BeforeEach
    void startDataplane()
    {
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        domains = new SwitchDomains(dataplane, ControlPlane.Routing.NONE);
    }

    @AfterEach
    void closeDataplane()
    {
        dataplane.close();
    }

    @Test
    void shouldGiveEachNetworkTheLowestFreeDomainAndReuseAFreedOne()
    {
        final Network bridge = defaultBridge();
        final Network front = bridge("front", "172.18.0.0/16");
        final Network back = bridge("back", "172.19.0.0/16");
        domains.add(bridge);
        domains.add(front);
        domains.add(back);

        domains.remove(front);
        final Network again = bridge("again", "172.20.0.0/16");
        domains.add(again);

        assertEquals(List.of(0, 2, 1), List.of(domains.domainOf(bridge.id()), domains.domainOf(back.id()), domains.domainOf(again.id())));
        assertNull(domains.domainOf(front.id()));
    }

    @Test
    void shouldLeaveANetworkWithoutADomainAlone()
    {
        final Network front = bridge("front", "172.18.0.0/16");

        domains.remove(front);

        assertNull(domains.domainOf(front.id()));
        domains.add(front);
        assertEquals(0, domains.domainOf(front.id()), "removing what was never added freed nothing else");
    }

    @Test
    void shouldKeepAnOverlayLocalAndListNoPortsOfItsOwnOutsideACluster()
    {
        final Network ov = overlay("ov", "10.0.0.0/24", 4096);
        domains.add(ov);

        domains.programRemote(ov, Map.of(0x0242_0a00_0002L, List.of(0x0a00_0002, 0xc000_020b)), Set.of(0xc000_020b));

        assertEquals(0, domains.domainOf(ov.id()));
        assertNull(dataplane.overlays().port(0), "no VXLAN port without a cluster");
        assertEquals(Map.of(), domains.daemonPorts(List.of(ov)));
    }
}
