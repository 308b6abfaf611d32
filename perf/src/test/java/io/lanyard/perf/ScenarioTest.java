package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioTest
{
    @Test
    void shouldMeasureTheBridgeWhenNoScenarioIsNamed()
    {
        assertEquals(List.of(Scenario.BRIDGE), Scenario.parse(List.of()));
    }

    @Test
    void shouldKeepTheEnumOrderAndDropRepeats()
    {
        assertEquals(List.of(Scenario.BRIDGE, Scenario.NAT), Scenario.parse(List.of("nat", "bridge", "NAT")));
        assertEquals(List.of(Scenario.NAT, Scenario.OVERLAY), Scenario.parse(List.of("overlay", "nat")));
    }

    @Test
    void shouldTakeAllForEveryScenario()
    {
        assertEquals(List.of(Scenario.BRIDGE, Scenario.NAT, Scenario.OVERLAY, Scenario.DNS), Scenario.parse(List.of("all")));
    }

    @Test
    void shouldMeasureFourStreamsBesideOneOnTheBridgeAndTheOverlayUnlessStreamsAreAskedFor()
    {
        assertEquals(4, Scenario.OVERLAY.parallelStreams(null));
        assertEquals(4, Scenario.BRIDGE.parallelStreams(null));
        assertEquals(1, Scenario.NAT.parallelStreams(null));
        assertEquals(8, Scenario.OVERLAY.parallelStreams(8));
        assertEquals(2, Scenario.BRIDGE.parallelStreams(2));
        assertEquals(1, Scenario.OVERLAY.parallelStreams(1));
    }

    @Test
    void shouldMeasureTheUdpRateOnTheBridgeAndTheOverlayOnly()
    {
        assertEquals(List.of(Scenario.BRIDGE, Scenario.OVERLAY), Arrays.stream(Scenario.values()).filter(Scenario::measuresUdp).toList());
    }

    @Test
    void shouldNameTheChoicesForAnUnknownScenario()
    {
        final PerfException error = assertThrows(PerfException.class, () -> Scenario.parse(List.of("vxlan")));

        assertTrue(error.getMessage().contains("bridge, nat, overlay, dns, all"), error.getMessage());
    }
}
