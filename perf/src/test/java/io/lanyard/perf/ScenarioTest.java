package io.lanyard.perf;

import org.junit.jupiter.api.Test;

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
    void shouldNameTheChoicesForAnUnknownScenario()
    {
        final PerfException error = assertThrows(PerfException.class, () -> Scenario.parse(List.of("vxlan")));

        assertTrue(error.getMessage().contains("bridge, nat, overlay, dns, all"), error.getMessage());
    }
}
