package io.lanyard.control;

import io.lanyard.control.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OverlayOptionsTest
{
    @Test
    void shouldKeepValidOptionsInCanonicalForm()
    {
        final Map<String, String> checked = OverlayOptions.validate(Map.of(
            Network.OPTION_VXLAN_ID, "05001",
            Network.OPTION_STATIC_PEERS, " 192.0.2.21, 192.0.2.22,192.0.2.21",
            Network.OPTION_MTU, "1400"));
        assertEquals(Map.of(Network.OPTION_VXLAN_ID, "5001", Network.OPTION_STATIC_PEERS, "192.0.2.21,192.0.2.22",
            Network.OPTION_MTU, "1400"), checked);
        final Network network = new Network("x".repeat(64), "ov", Network.DRIVER_OVERLAY, Network.SCOPE_GLOBAL, Instant.now(), false,
            false, List.of(), checked, Map.of());
        assertArrayEquals(new int[] {0xC000_0215, 0xC000_0216}, OverlayOptions.staticPeers(network));
        assertEquals(5001, network.vni());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "com.docker.network.driver.overlay.vxlanid_list|0|invalid VNI 0: it must be between 1 and 16777215",
        "com.docker.network.driver.overlay.vxlanid_list|16777216|invalid VNI 16777216: it must be between 1 and 16777215",
        "com.docker.network.driver.overlay.vxlanid_list|4096,4097|invalid value \"4096,4097\" for option com.docker.network.driver.overlay.vxlanid_list: an overlay network has one VNI",
        "com.docker.network.driver.overlay.vxlanid_list|abc|invalid value \"abc\" for option com.docker.network.driver.overlay.vxlanid_list: want a number",
        "com.lanyard.overlay.static_peers|192.0.2.300|invalid static peer \"192.0.2.300\" in option com.lanyard.overlay.static_peers: want IPv4 addresses separated by commas",
        "com.lanyard.overlay.static_peers|192.0.2.1,,192.0.2.2|invalid static peer \"\" in option com.lanyard.overlay.static_peers: want IPv4 addresses separated by commas",
        "com.lanyard.overlay.static_peers|224.0.0.1|invalid static peer 224.0.0.1: a VTEP needs a unicast address",
        "com.lanyard.overlay.static_peers|127.0.0.1|invalid static peer 127.0.0.1: a VTEP needs a unicast address",
        "com.docker.network.driver.mtu|67|invalid MTU 67: it must be between 68 and 65535",
        "com.docker.network.bridge.enable_icc|true|unknown option \"com.docker.network.bridge.enable_icc\" for driver overlay"})
    void shouldRefuseABadOptionInOneLine(final String key, final String value, final String message)
    {
        final RequestException refused = assertThrows(RequestException.class, () -> OverlayOptions.validate(Map.of(key, value)));
        assertEquals(400, refused.status());
        assertEquals(message, refused.getMessage());
    }
}
